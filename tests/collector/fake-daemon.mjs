// A fast fake Docker daemon on a unix socket (tests and bench only): answers /_ping, /version,
// GET /events (NDJSON, chunked, honours `since` over its last 256 events like dockerd) and the
// container/exec inspects (ok, 404 or never answering). Events are written in fixed-size slices,
// so chunks split events anywhere.
import http from "node:http";
import https from "node:https";
import fs from "node:fs";

const CID = "c0ffee".padEnd(64, "0");

export function eventLine(i, ts, action = "die") {
  const id = CID.slice(0, 56) + String(i % 100000000).padStart(8, "0");
  return `{"status":"${action}","id":"${id}","from":"dkr-busybox","Type":"container","Action":"${action}",` +
    `"Actor":{"ID":"${id}","Attributes":{"exitCode":"0","image":"dkr-busybox","name":"fake-${i}","seq":"${i}"}},` +
    `"scope":"local","time":${ts / 1000000000n},"timeNano":${ts}}`;
}

export function parseSince(s) {
  if (!s) return null;
  const [sec, frac = ""] = s.split(".");
  return BigInt(sec) * 1000000000n + BigInt((frac + "000000000").slice(0, 9));
}

export class FakeDaemon {
  constructor(socketPath, opts = {}) {
    this.socketPath = socketPath;
    this.apiVersion = opts.apiVersion ?? "1.41";
    this.minApi = opts.minApi ?? "1.12";
    this.inspect = opts.inspect ?? "ok"; // "ok" | "404" | "hang" | "slow" (answers after inspectDelayMs)
    this.inspectDelayMs = opts.inspectDelayMs ?? 100;
    this.healthTest = opts.healthTest ?? null; // Config.Healthcheck.Test of every container inspect answer (null: none)
    this.containerInspect = opts.containerInspect ?? "ok"; // "404": container inspects fail (exec inspects as `inspect`)
    this.execArgv = opts.execArgv ?? ["sh", "-c", "true"]; // ProcessConfig entrypoint + arguments of every exec inspect answer
    // Podman's Docker-compatible API: its version answer; container inspects list `sessions`
    // (container id -> [[exec id, argv]]) as ExecIDs, exec inspects answer each one's argv.
    this.podman = opts.podman ?? false;
    this.sessions = new Map();
    this.inspectsInFlight = 0; // inspect requests received and not yet answered or abandoned
    this.maxInspectsInFlight = 0;
    this.inspectRequests = 0;
    this.sliceBytes = opts.sliceBytes ?? 65536;
    this.streams = new Set();
    this.history = []; // last 256 [ts, line], in publication order (tests may reorder it, like dockerd's)
    this.untilRequests = []; // /events requests with an `until` in the past (answered from the buffer only)
    this.requests = [];
    this.hanging = [];
    this.streamWaiters = [];
    this.nextTs = opts.startTs ?? 1795786267000000000n;
    this.tls = opts.tls ?? null; // {key, cert, ca?}: HTTPS on 127.0.0.1 (client cert required when ca is given)
    this.port = 0;
    this.seq = 0;
  }

  get url() {
    return this.tls ? `tcp://127.0.0.1:${this.port}` : `unix://${this.socketPath}`;
  }

  start() {
    const handler = (req, res) => this.handle(req, res);
    if (this.tls) {
      const { key, cert, ca } = this.tls;
      this.server = https.createServer({ key, cert, ...(ca ? { ca, requestCert: true, rejectUnauthorized: true } : {}) }, handler);
      return new Promise((resolve) => this.server.listen(0, "127.0.0.1", () => { this.port = this.server.address().port; resolve(); }));
    }
    try { fs.unlinkSync(this.socketPath); } catch { /* absent */ }
    this.server = http.createServer(handler);
    this.server.keepAliveTimeout = 0;
    return new Promise((resolve) => this.server.listen(this.socketPath, resolve));
  }

  handle(req, res) {
    const u = new URL(req.url, "http://x");
    const path = u.pathname.replace(/^\/v[0-9.]+/, "");
    this.requests.push(req.url);
    if (path === "/_ping") { res.end("OK"); return; }
    if (path === "/version") {
      res.setHeader("Content-Type", "application/json");
      const components = this.podman ? [{ Name: "Podman Engine", Version: "fake" }] : [{ Name: "Engine", Version: "fake" }];
      res.end(JSON.stringify({ Version: "fake", ApiVersion: this.apiVersion, MinAPIVersion: this.minApi, Os: "linux", Components: components }));
      return;
    }
    if (path === "/events") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.flushHeaders();
      const since = parseSince(u.searchParams.get("since"));
      const until = parseSince(u.searchParams.get("until"));
      if (since !== null || until !== null) {
        // dockerd's loadBufferedEvents: from the newest back, skip what is after `until`, stop at
        // the first event older than `since` (its buffer is not sorted by time: that matters)
        const old = [];
        for (let i = this.history.length - 1; i >= 0; i--) {
          const [ts, l] = this.history[i];
          if (since !== null && ts < since) break;
          if (until !== null && ts > until) continue;
          old.unshift(l + "\n");
        }
        if (old.length > 0) res.write(old.join(""));
      }
      if (until !== null && this.pastUntil(until)) {
        // `until` in the past: only the buffered events, then the stream ends
        this.untilRequests.push(req.url);
        res.end();
        return;
      }
      this.streams.add(res);
      res.on("close", () => this.streams.delete(res));
      const w = this.streamWaiters; this.streamWaiters = [];
      for (const f of w) f();
      return;
    }
    const m = /^\/(containers|exec)\/([^/]+)\/json$/.exec(path);
    if (m) {
      this.inspectRequests++;
      this.inspectsInFlight++;
      this.maxInspectsInFlight = Math.max(this.maxInspectsInFlight, this.inspectsInFlight);
      // Counted out when answered (before the client can see the answer, so never over-counted),
      // or when the client abandons it.
      res.once("close", () => { if (!res.answered) this.inspectsInFlight--; });
      if (this.inspect === "hang") { this.hanging.push(res); return; }
      if (this.inspect === "slow") {
        const t = setTimeout(() => this.answerInspect(m[1], m[2], res), this.inspectDelayMs);
        res.once("close", () => clearTimeout(t));
        return;
      }
      this.answerInspect(m[1], m[2], res);
      return;
    }
    res.statusCode = 404;
    res.end("{}");
  }

  answerInspect(what, id, res) {
    res.answered = true;
    this.inspectsInFlight--;
    if (this.inspect === "404" || (what === "containers" && this.containerInspect === "404")) { res.statusCode = 404; res.end(JSON.stringify({ message: `No such ${what}: ${id}` })); return; }
    res.setHeader("Content-Type", "application/json");
    let argv = this.execArgv;
    for (const list of this.sessions.values()) for (const [sid, a] of list) if (sid === id) argv = a;
    const [entrypoint, ...args] = argv;
    const execIds = (this.sessions.get(id) ?? []).map(([sid]) => sid).sort();
    if (what === "exec") res.end(JSON.stringify({ ID: id, ProcessConfig: { tty: true, entrypoint, arguments: args, user: "nobody", privileged: true } }));
    else res.end(JSON.stringify({ Id: id, ExecIDs: execIds, Image: "sha256:fake", Config: { User: "1000", ...(this.healthTest ? { Healthcheck: { Test: this.healthTest } } : {}) }, HostConfig: { Privileged: false, CapAdd: ["NET_ADMIN"], NetworkMode: "host", PidMode: "", IpcMode: "shareable", ReadonlyRootfs: true }, Mounts: [] }));
  }

  /** True when `until` (ns) is not after the daemon's clock (the wall clock, as dockerd's). */
  pastUntil(until) {
    return until <= BigInt(Date.now()) * 1000000n;
  }

  /** Resolves when at least `n` event streams are open. */
  waitForStreams(n = 1) {
    if (this.streams.size >= n) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => (this.streams.size >= n ? resolve() : this.streamWaiters.push(check));
      this.streamWaiters.push(check);
    });
  }

  /** Makes the next event line (distinct, increasing timeNano). */
  next(action = "die") {
    const i = this.seq++;
    const ts = this.nextTs;
    this.nextTs += 1000n;
    const line = eventLine(i, ts, action);
    this.history.push([ts, line]);
    if (this.history.length > 256) this.history.shift();
    return line;
  }

  /** Records a line the daemon sent with timeNano ts (any order: Podman's is not monotonic), for `since` replays. */
  remember(ts, line) {
    this.history.push([ts, line]);
    if (this.history.length > 256) this.history.shift();
    return line;
  }

  /** Writes raw bytes to every open stream; resolves when the sockets took them. */
  async write(text) {
    const buf = Buffer.from(text);
    for (let off = 0; off < buf.length; off += this.sliceBytes) {
      const piece = buf.subarray(off, off + this.sliceBytes);
      await Promise.all([...this.streams].map((s) => (s.write(piece) ? undefined : new Promise((r) => s.once("drain", r)))));
    }
  }

  /** Emits n events as fast as the sockets take them, in batches. */
  async emit(n, action = "die") {
    let batch = [];
    for (let i = 0; i < n; i++) {
      batch.push(this.next(action));
      if (batch.length === 512) { await this.write(batch.join("\n") + "\n"); batch = []; }
    }
    if (batch.length) await this.write(batch.join("\n") + "\n");
  }

  /** Builds n event lines ahead of time (for emitPrepared: the bench times the collector, not this). */
  prepare(n, action = "die") {
    const blocks = [];
    let batch = [];
    for (let i = 0; i < n; i++) {
      batch.push(this.next(action));
      if (batch.length === 2048) { blocks.push(Buffer.from(batch.join("\n") + "\n")); batch = []; }
    }
    if (batch.length) blocks.push(Buffer.from(batch.join("\n") + "\n"));
    return blocks;
  }

  /** Writes prepared blocks as fast as the sockets take them. */
  async emitPrepared(blocks) {
    for (const b of blocks) {
      for (let off = 0; off < b.length; off += this.sliceBytes) {
        const piece = b.subarray(off, off + this.sliceBytes);
        await Promise.all([...this.streams].map((s) => (s.write(piece) ? undefined : new Promise((r) => s.once("drain", r)))));
      }
    }
  }

  /** Ends every open event stream (the collector must reconnect). */
  closeStreams() {
    for (const s of this.streams) s.destroy();
    this.streams.clear();
  }

  async stop() {
    this.closeStreams();
    for (const h of this.hanging) h.destroy();
    if (this.server) {
      this.server.closeAllConnections?.();
      await new Promise((r) => this.server.close(() => r()));
    }
  }
}
