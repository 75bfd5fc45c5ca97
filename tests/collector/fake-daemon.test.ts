// The collector against a fast fake daemon (a Node HTTP server on a unix socket): bursts,
// bounded queue and drops, reconnect with `since` and duplicate removal, enrichment with failing
// or hanging inspects, several endpoints, record mode, API negotiation, NDJSON split anywhere.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FakeDaemon } from "./fake-daemon.mjs";
import { spawnSync } from "node:child_process";
import { MAIN, type Rec, RingReader, collectorSuite, timeNanoOf, until, withoutFalco } from "./helpers";

const START_TS = 1795786267000000000n; // fake daemon timeNano of event 0; +1000 per event

const suite = collectorSuite("fake");
const { fake, collector } = suite;
let n = 0; // names of the rings and sockets a test makes itself

function seqOf(r: { json: { Actor: { Attributes: Record<string, string> } } }): number {
  return Number(r.json.Actor.Attributes.seq);
}

describe("burst of 100,000 events from a fast daemon", () => {
  it("loses nothing within the queue bound while the consumer is paused", async () => {
    const d = await fake();
    const ring = join(suite.dir(), `ring-${n++}`);
    const c = collector(["--ring-path", ring, "--capacity", "65536", "--queue-max", "200000", "--endpoint", d.url]);
    await d.waitForStreams();
    const r = await RingReader.open(ring);
    await d.emit(100_000);
    // consumer paused: the ring fills, the rest waits in the queue
    await until("all events taken in", () => r.get("eventsWritten") - 1n + r.get("queueDepth") === 100_000n, 60_000);
    expect(r.get("eventsDropped")).toBe(0n);
    expect(r.get("queueDepth")).toBeGreaterThan(90_000n);
    await r.waitCount("all events", (x) => x.kind === 1, 100_000, 60_000);
    const docker = r.docker();
    expect(docker).toHaveLength(100_000);
    docker.forEach((x, i) => {
      expect(seqOf(x)).toBe(i);
      expect(x.ts).toBe(START_TS + BigInt(i) * 1000n);
    });
    expect(r.get("eventsDropped")).toBe(0n);
    expect(r.get("queueDepth")).toBe(0n);
    expect(r.get("readPos")).toBe(r.get("writePos"));
    expect(await c.stop()).toBe(0);
  });

  it("drops beyond the bound, counts the drops and reports them with a drop event", async () => {
    const d = await fake();
    const ring = join(suite.dir(), `ring-${n++}`);
    const c = collector(["--ring-path", ring, "--capacity", "65536", "--queue-max", "1000", "--endpoint", d.url]);
    await d.waitForStreams();
    const r = await RingReader.open(ring);
    await d.emit(100_000);
    await until("every event accounted for", () => r.get("eventsWritten") - 1n + r.get("queueDepth") + r.get("eventsDropped") === 100_000n, 60_000);
    const dropped = r.get("eventsDropped");
    expect(dropped).toBeGreaterThan(90_000n);
    expect(r.get("queueDepth")).toBe(1000n);
    // consumer resumes: everything kept arrives, then the drop event
    const drops = await r.waitCount("drop event", (x) => x.kind === 2 && x.json.Action === "drop", 1, 60_000);
    const docker = r.docker();
    expect(BigInt(docker.length) + dropped).toBe(100_000n);
    docker.forEach((x, i) => expect(seqOf(x)).toBe(i)); // the kept ones are the first, in order
    const drop = drops[0]!;
    expect(drop.json.Actor.Attributes.dropped).toBe(String(dropped));
    expect(drop.json.Actor.Attributes.endpoint).toBe(d.url);
    // the drop event comes after the last kept event
    expect(r.records.indexOf(drop)).toBeGreaterThan(r.records.indexOf(docker[docker.length - 1]!));
    // the stream is still healthy afterwards
    await d.emit(10);
    await r.waitCount("events after the drop", (x) => x.kind === 1, docker.length + 10);
    expect(r.get("eventsDropped")).toBe(dropped);
    expect(await c.stop()).toBe(0);
  });
});

describe("stream", () => {
  it("keeps the daemon's bytes exactly, with events split anywhere across chunks", async () => {
    const d = await fake({ sliceBytes: 7 });
    const ring = join(suite.dir(), `ring-${n++}`);
    collector(["--ring-path", ring, "--endpoint", d.url]);
    await d.waitForStreams();
    const r = await RingReader.open(ring);
    const lines: string[] = [];
    for (let i = 0; i < 30; i++) lines.push(d.next("resize"));
    // a line with unicode, CRLF, blank lines, a not-JSON line, and a timeNano above 2^63
    const odd = '{"Type":"image","Action":"tag","Actor":{"ID":"sha256:1","Attributes":{"name":"caf\u00e9:\u96ea"}},"scope":"local","time":18446744073,"timeNano":18446744073709551615}';
    await d.write(lines.join("\n") + "\n\n" + odd + "\r\nnot json\n[1,2]\n");
    const got = await r.waitCount("all lines", (x) => x.kind === 1, 31);
    expect(got.slice(0, 30).map((x) => withoutFalco(x.text))).toEqual(lines);
    expect(withoutFalco(got[30]!.text)).toBe(odd);
    expect(got[30]!.ts).toBe(18446744073709551615n);
    for (const x of got.slice(0, 30)) expect(x.ts).toBe(timeNanoOf(x.text));
    for (const x of got) expect(x.json.falco).toEqual({ endpoint: d.url, engine: "docker" });
    await until("parse errors counted", () => r.get("parseErrors") === 2n);
  });

  it("shrinks an event over the record limit instead of dropping it: enriched, marked truncated, in order", async () => {
    const d = await fake();
    const ring = join(suite.dir(), `ring-${n++}`);
    // the default ring (8 MiB): records up to 2 MiB - 16
    collector(["--ring-path", ring, "--endpoint", d.url]);
    await d.waitForStreams();
    const r = await RingReader.open(ring);
    const before = d.next("create");
    const labels = Array.from({ length: 22 }, (_, i) => `"com.example.l${i}":"${"A".repeat(100_000)}"`).join(",");
    const big = d.next("create").replace('"Attributes":{', `"Attributes":{${labels},`);
    const after = d.next("die");
    await d.write(`${before}\n${big}\n${after}\n`);
    const got = await r.waitCount("all three", (x) => x.kind === 1, 3);
    expect(withoutFalco(got[0]!.text)).toBe(before);
    expect(withoutFalco(got[2]!.text)).toBe(after);
    const shrunk = got[1]!;
    expect(shrunk.text.length).toBeLessThanOrEqual(2 * 1024 * 1024 - 16);
    expect(shrunk.ts).toBe(timeNanoOf(big));
    expect(shrunk.json.Action).toBe("create");
    const f = shrunk.json.falco as unknown as { endpoint: string; container: { capAdd: string[] }; truncated: Record<string, number> };
    expect(f.container.capAdd).toEqual(["NET_ADMIN"]); // the enrichment (the fake daemon's inspect) is kept
    expect(f.truncated).toEqual({ bytes: big.length, strings: 22, stringBytes: expect.any(Number), attributes: 0, members: 0, mounts: 0 });
    expect(shrunk.json.Actor.Attributes["com.example.l0"]).toMatch(/^A{60000,65536}$/);
    expect(r.get("oversizeDropped")).toBe(0n);
    expect(r.get("eventsTruncated")).toBe(1n);
    // the resume hash is the daemon's line, not the shrunk copy
    const { fnv1a64, hashToBigInt } = await import("../../collector/src/hash");
    await r.waitFor("die published", (x) => withoutFalco(x.text) === after);
    expect(r.get("lastHash")).toBe(hashToBigInt(fnv1a64(Buffer.from(after))));
  });

  it("squeezes a line over 16 MiB as it streams in; drops (and reports) one that cannot be squeezed", async () => {
    const d = await fake();
    const ring = join(suite.dir(), `ring-${n++}`);
    collector(["--ring-path", ring, "--endpoint", d.url]);
    await d.waitForStreams();
    const r = await RingReader.open(ring);
    const labels = Array.from({ length: 180 }, (_, i) => `"l${i}":"${"b".repeat(100_000)}"`).join(",");
    const huge = d.next("start").replace('"Attributes":{', `"Attributes":{${labels},`);
    const hopeless = `{"Type":"container","Action":"x","n":[${"1,".repeat(9_000_000)}1],"timeNano":5}`;
    const after = d.next("die");
    expect(huge.length).toBeGreaterThan(16 * 1024 * 1024);
    await d.write(`${huge}\n${hopeless}\n${after}\n`);
    await r.waitFor("after", (x) => x.kind === 1 && withoutFalco(x.text) === after);
    const docker = r.docker();
    expect(docker).toHaveLength(2);
    expect(docker[0]!.json.Action).toBe("start");
    expect(docker[0]!.ts).toBe(timeNanoOf(huge));
    expect((docker[0]!.json.falco as unknown as { truncated: { bytes: number; strings: number } }).truncated).toMatchObject({ bytes: huge.length, strings: 180 });
    const drop = await r.waitFor("drop event", (x) => x.kind === 2 && x.json.Action === "drop");
    expect(drop.json.Actor.Attributes).toEqual({ endpoint: d.url, dropped: "1", reason: "an event line over 16777216 bytes even with its strings cut" });
    expect(r.get("oversizeDropped")).toBe(1n);
    expect(r.get("eventsTruncated")).toBe(1n);
  });

  it("negotiates the API version: the daemon's when older, ours (1.51) when newer", async () => {
    const old = await fake({ apiVersion: "1.41" });
    const recent = await fake({ apiVersion: "1.52", minApi: "1.44" });
    collector(["--ring-path", join(suite.dir(), `ring-${n++}`), "--endpoint", old.url, "--endpoint", recent.url]);
    await old.waitForStreams();
    await recent.waitForStreams();
    expect(old.requests.some((q) => q.startsWith("/v1.41/events"))).toBe(true);
    expect(recent.requests.some((q) => q.startsWith("/v1.51/events"))).toBe(true);
    expect(recent.requests.some((q) => q.startsWith("/version"))).toBe(true);
  });

  it("reconnects after the stream ends, resumes with since and removes the duplicates", async () => {
    const d = await fake();
    const ring = join(suite.dir(), `ring-${n++}`);
    collector(["--ring-path", ring, "--endpoint", d.url, "--reconnect-max-ms", "200"]);
    await d.waitForStreams();
    const r = await RingReader.open(ring);
    await d.emit(300);
    await r.waitCount("first 300", (x) => x.kind === 1, 300);
    d.closeStreams();
    await r.waitFor("disconnect", (x) => x.kind === 2 && x.json.Action === "disconnect");
    await r.waitFor("reconnect", (x) => x.kind === 2 && x.json.Action === "reconnect");
    await d.emit(20);
    await r.waitCount("all 320", (x) => x.kind === 1, 320);
    await new Promise((res) => setTimeout(res, 300));
    r.poll();
    const docker = r.docker();
    expect(docker.map(seqOf)).toEqual([...Array(320).keys()]);
    // since = 1 s before the last event seen (the daemon's buffer is not sorted by time): the fake
    // replayed its whole buffer (256 events), all removed as duplicates; first it was asked
    // whether it still holds the last event seen (since..until, answered from the buffer)
    const param = (ts: bigint) => `${ts / 1_000_000_000n}.${(ts % 1_000_000_000n).toString().padStart(9, "0")}`;
    const last = START_TS + 299n * 1000n;
    const sinceQuery = d.requests.filter((q) => q.includes("/events")).at(-1)!;
    expect(sinceQuery).toContain(`since=${param(last - 1_000_000_000n)}`);
    expect(sinceQuery).not.toContain("until");
    expect(d.untilRequests).toEqual([expect.stringContaining(`since=${param(last - 1_000_000_000n)}&until=`)]);
    expect(r.collector("drop")).toEqual([]);
    const rc = r.collector("reconnect")[0]!;
    expect(BigInt(rc.json.Actor.Attributes.gapNs!)).toBeGreaterThan(0n);
    expect(r.get("reconnects")).toBe(1n);
    expect(r.get("connected")).toBe(1n);
    // order: disconnect, reconnect, then the new events
    const idx = (p: (x: (typeof r.records)[number]) => boolean) => r.records.findIndex(p);
    expect(idx((x) => x.json.Action === "disconnect")).toBeLessThan(idx((x) => x.json.Action === "reconnect"));
    expect(idx((x) => x.json.Action === "reconnect")).toBeLessThan(idx((x) => x.kind === 1 && seqOf(x) === 300));
  });

  it("writes its heartbeat every --heartbeat-ms while idle, and every 500 ms at most while events flow", async () => {
    const d = await fake();
    const ring = join(suite.dir(), `ring-${n++}`);
    collector(["--ring-path", ring, "--endpoint", d.url, "--heartbeat-ms", "1500"]);
    await d.waitForStreams();
    const r = await RingReader.open(ring);
    // the distinct heartbeats seen over a span, sampled every 50 ms: their count and largest gap
    const watch = async (ms: number, during?: () => Promise<void>) => {
      const seen: bigint[] = [r.get("heartbeatNs")];
      const end = Date.now() + ms;
      const work = during?.();
      while (Date.now() < end) {
        await new Promise((res) => setTimeout(res, 50));
        const h = r.get("heartbeatNs");
        if (h !== seen.at(-1)) seen.push(h);
      }
      await work;
      const gaps = seen.slice(1).map((h, i) => Number(h - seen[i]!) / 1e6);
      return { changes: seen.length - 1, maxGapMs: Math.max(...gaps) };
    };
    await new Promise((res) => setTimeout(res, 1000)); // past the start's busy ticks
    const idle = await watch(4600);
    // idle: every 1.5 s (3 changes in 4.6 s; 9 at the busy rate), never more than 1.5 s apart (+ timer slack)
    expect(idle.changes, JSON.stringify(idle)).toBeGreaterThanOrEqual(2);
    expect(idle.changes, JSON.stringify(idle)).toBeLessThanOrEqual(4);
    expect(idle.maxGapMs, JSON.stringify(idle)).toBeLessThan(1500 + 250);
    const busy = await watch(3000, async () => {
      for (let i = 0; i < 30; i++) {
        await d.emit(5);
        await new Promise((res) => setTimeout(res, 100));
      }
    });
    expect(busy.changes, JSON.stringify(busy)).toBeGreaterThanOrEqual(4);
    const bad = spawnSync(process.execPath, [MAIN, "--ring-path", join(suite.dir(), `ring-${n++}`), "--heartbeat-ms", "50"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--heartbeat-ms/);
  });

  it("reports an unreachable daemon, keeps trying, and connects once it appears", async () => {
    const sock = join(suite.dir(), `late-${n++}.sock`);
    const ring = join(suite.dir(), `ring-${n++}`);
    collector(["--ring-path", ring, "--endpoint", `unix://${sock}`, "--reconnect-max-ms", "100"]);
    const r = await RingReader.open(ring);
    const disc = await r.waitFor("disconnect", (x) => x.kind === 2 && x.json.Action === "disconnect");
    expect(disc.json.Actor.Attributes.reason).toMatch(/ENOENT|ECONNREFUSED/);
    expect(r.get("connected")).toBe(0n);
    const d = new FakeDaemon(sock);
    await d.start();
    suite.track(d);
    const conn = await r.waitFor("connect", (x) => x.kind === 2 && x.json.Action === "connect");
    expect(conn.json.Actor.Attributes.apiVersion).toBe("1.41");
    await until("connected gauge", () => r.get("connected") === 1n);
  });

  it("meets a daemon back from a 3.5 s restart within half a second (default backoff ceiling of 5 s)", async () => {
    // A restarted dockerd keeps only its last 256 events: whatever it makes between its API coming
    // back and the resubscription can be evicted, and nobody can count that. With the backoff
    // doubling up to 5 s the collector came back up to 3 s late (attempts at 0.1, 0.3, 0.7, 1.5,
    // 3.1, 6.3 s into the outage); a young outage is retried every 250 ms at most.
    const sock = join(suite.dir(), `restart-${n++}.sock`);
    const first = new FakeDaemon(sock);
    await first.start();
    const ring = join(suite.dir(), `ring-${n++}`);
    collector(["--ring-path", ring, "--endpoint", `unix://${sock}`]);
    await first.waitForStreams();
    const r = await RingReader.open(ring);
    await first.stop();
    await r.waitFor("disconnect", (x) => x.kind === 2 && x.json.Action === "disconnect");
    await new Promise((res) => setTimeout(res, 3500));
    const again = new FakeDaemon(sock);
    await again.start();
    suite.track(again);
    const t0 = performance.now();
    await again.waitForStreams();
    const ms = performance.now() - t0;
    expect(ms, `resubscribed ${ms.toFixed(0)} ms after the daemon came back`).toBeLessThan(500);
    await r.waitFor("reconnect", (x) => x.kind === 2 && x.json.Action === "reconnect");
  });

  it("multiplexes several daemons into one ring, tagged with their endpoint", async () => {
    const a = await fake();
    const b = await fake({ startTs: 1795786268000000000n });
    const ring = join(suite.dir(), `ring-${n++}`);
    collector(["--ring-path", ring, "--endpoint", a.url, "--endpoint", b.url]);
    await a.waitForStreams();
    await b.waitForStreams();
    const r = await RingReader.open(ring);
    await Promise.all([a.emit(500), b.emit(700)]);
    await r.waitCount("all", (x) => x.kind === 1, 1200);
    const from = (u: string) => r.docker().filter((x) => x.json.falco?.endpoint === u).map(seqOf);
    expect(from(a.url)).toEqual([...Array(500).keys()]);
    expect(from(b.url)).toEqual([...Array(700).keys()]);
    expect(r.collector("connect").map((x) => x.json.Actor.ID).sort()).toEqual([a.url, b.url].sort());
    expect(r.get("connected")).toBe(2n);
  });
});

describe("enrichment", () => {
  const execLine = (ts: bigint) =>
    `{"status":"exec_start: sh","id":"abc","from":"x","Type":"container","Action":"exec_start: sh","Actor":{"ID":"abc","Attributes":{"execID":"e1","name":"n"}},"scope":"local","time":${ts / 1_000_000_000n},"timeNano":${ts}}`;

  it("attaches the container and exec context from the inspects", async () => {
    const d = await fake();
    const ring = join(suite.dir(), `ring-${n++}`);
    collector(["--ring-path", ring, "--endpoint", d.url]);
    await d.waitForStreams();
    const r = await RingReader.open(ring);
    const create = d.next("create");
    await d.write(`${create}\n${execLine(START_TS + 5n)}\n`);
    const got = await r.waitCount("both", (x) => x.kind === 1, 2);
    expect(withoutFalco(got[0]!.text)).toBe(create);
    expect(got[0]!.json.falco).toEqual({
      endpoint: d.url,
      engine: "docker",
      container: { privileged: false, capAdd: ["NET_ADMIN"], user: "1000", networkMode: "host", pidMode: "", ipcMode: "shareable", imageId: "sha256:fake", readonlyRootfs: true, mounts: [] },
    });
    expect(got[1]!.json.falco).toEqual({ endpoint: d.url, engine: "docker", exec: { tty: true, user: "nobody", privileged: true, healthcheck: false } });
    expect(d.requests.some((q) => /\/containers\/c0ffee[0-9a-f]+\/json/.test(q))).toBe(true);
    expect(d.requests.some((q) => q.includes("/exec/e1/json"))).toBe(true);
    expect(r.get("inspectFailures")).toBe(0n);
  });

  it.each(["404", "hang"] as const)("leaves the keys absent when the inspect fails (%s), in order, within the timeout", async (mode) => {
    const d = await fake({ inspect: mode });
    const ring = join(suite.dir(), `ring-${n++}`);
    collector(["--ring-path", ring, "--endpoint", d.url, "--inspect-timeout-ms", "300"]);
    await d.waitForStreams();
    const r = await RingReader.open(ring);
    const lines = [d.next("create"), d.next("die"), d.next("start"), d.next("destroy")];
    await d.write(lines.join("\n") + "\n");
    const got = await r.waitCount("all four", (x) => x.kind === 1, 4);
    expect(got.map((x) => withoutFalco(x.text))).toEqual(lines);
    for (const x of got) expect(x.json.falco).toEqual({ endpoint: d.url, engine: "docker" });
    expect(r.get("inspectFailures")).toBe(2n);
  });

  it("runs at most 16 inspects at once, the rest wait in order, all within the timeout", async () => {
    const d = await fake({ inspect: "slow", inspectDelayMs: 200 });
    const ring = join(suite.dir(), `ring-${n++}`);
    collector(["--ring-path", ring, "--endpoint", d.url, "--inspect-timeout-ms", "20000"]);
    await d.waitForStreams();
    const r = await RingReader.open(ring);
    const lines: string[] = [];
    for (let i = 0; i < 64; i++) lines.push(d.next(i % 3 === 0 ? "start" : i % 3 === 1 ? "die" : "create"));
    lines.push(execLine(d.nextTs));
    await d.write(lines.join("\n") + "\n");
    const got = await r.waitCount("all", (x) => x.kind === 1, lines.length);
    expect(got.map((x) => withoutFalco(x.text))).toEqual(lines);
    for (const [i, x] of got.entries()) {
      if (i === 64) expect(x.json.falco?.exec).toEqual({ tty: true, user: "nobody", privileged: true, healthcheck: false });
      else if (i % 3 === 1) expect(x.json.falco).toEqual({ endpoint: d.url, engine: "docker" });
      else expect(x.json.falco?.container?.imageId).toBe("sha256:fake");
    }
    // 44 inspects, and the exec's container, never seen created: its healthcheck
    expect(d.inspectRequests).toBe(45);
    // 45 inspects, each answered after 200 ms, arriving at once: the cap is reached, never passed
    expect(d.maxInspectsInFlight).toBe(16);
    expect(r.get("inspectFailures")).toBe(0n);
  });

  it("gives up on inspects still waiting for a place at the timeout, without exceeding the cap", async () => {
    const d = await fake({ inspect: "hang" });
    const ring = join(suite.dir(), `ring-${n++}`);
    collector(["--ring-path", ring, "--endpoint", d.url, "--inspect-timeout-ms", "300"]);
    await d.waitForStreams();
    const r = await RingReader.open(ring);
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) lines.push(d.next("create"));
    await d.write(lines.join("\n") + "\n");
    const got = await r.waitCount("all", (x) => x.kind === 1, 40);
    expect(got.map((x) => withoutFalco(x.text))).toEqual(lines);
    for (const x of got) expect(x.json.falco).toEqual({ endpoint: d.url, engine: "docker" });
    expect(r.get("inspectFailures")).toBe(40n);
    // each counted once, whether it gave up waiting for a place or while asking
    await new Promise((res) => setTimeout(res, 300));
    expect(r.get("inspectFailures")).toBe(40n);
    expect(d.inspectRequests).toBeGreaterThanOrEqual(16);
  });

  it("inspects a container not seen created once for its healthcheck, caches it, and forgets it on destroy", async () => {
    const d = await fake({ healthTest: ["CMD-SHELL", "true"], execArgv: ["/bin/sh", "-c", "true"] });
    const ring = join(suite.dir(), `ring-${n++}`);
    collector(["--ring-path", ring, "--endpoint", d.url]);
    await d.waitForStreams();
    const r = await RingReader.open(ring);
    const containerAsks = () => d.requests.filter((q) => /\/containers\/abc\/json/.test(q)).length;
    const destroy = (ts: bigint) =>
      `{"status":"destroy","id":"abc","from":"x","Type":"container","Action":"destroy","Actor":{"ID":"abc","Attributes":{"name":"n"}},"scope":"local","time":${ts / 1_000_000_000n},"timeNano":${ts}}`;
    let ts = START_TS;
    const exec = async (): Promise<Rec> => {
      ts += 10n;
      const line = execLine(ts);
      await d.write(`${line}\n`);
      return r.waitFor("exec", (x) => x.kind === 1 && x.ts === ts);
    };
    // the healthcheck's argv: /bin/sh -c true
    expect((await exec()).json.falco?.exec).toEqual({ tty: true, user: "nobody", privileged: true, healthcheck: true });
    expect(containerAsks()).toBe(1);
    // cached: no second container inspect; an argv that differs is not the healthcheck
    d.execArgv = ["sh", "-c", "true"];
    expect((await exec()).json.falco?.exec?.healthcheck).toBe(false);
    expect(containerAsks()).toBe(1);
    // destroyed: forgotten, the next exec asks again (and sees the new answer)
    ts += 10n;
    await d.write(`${destroy(ts)}\n`);
    d.healthTest = ["CMD", "sh", "-c", "true"];
    expect((await exec()).json.falco?.exec?.healthcheck).toBe(true);
    expect(containerAsks()).toBe(2);
    expect(r.get("inspectFailures")).toBe(0n);
  });

  it("leaves healthcheck absent, the exec context kept, when the container inspect fails", async () => {
    const d = await fake({ containerInspect: "404" });
    const ring = join(suite.dir(), `ring-${n++}`);
    collector(["--ring-path", ring, "--endpoint", d.url]);
    await d.waitForStreams();
    const r = await RingReader.open(ring);
    await d.write(`${execLine(START_TS + 5n)}\n`);
    const got = await r.waitFor("exec", (x) => x.kind === 1);
    expect(got.json.falco).toEqual({ endpoint: d.url, engine: "docker", exec: { tty: true, user: "nobody", privileged: true } });
    expect(d.requests.some((q) => /\/containers\/abc\/json/.test(q))).toBe(true);
    expect(r.get("inspectFailures")).toBe(1n);
  });

  it("does not inspect with --no-enrich", async () => {
    const d = await fake();
    const ring = join(suite.dir(), `ring-${n++}`);
    collector(["--ring-path", ring, "--endpoint", d.url, "--no-enrich"]);
    await d.waitForStreams();
    const r = await RingReader.open(ring);
    await d.write(d.next("create") + "\n");
    const got = await r.waitFor("create", (x) => x.kind === 1);
    expect(got.json.falco).toEqual({ endpoint: d.url, engine: "docker" });
    expect(d.requests.some((q) => q.includes("/containers/"))).toBe(false);
  });
});

describe("record mode", () => {
  it("records events with their falco key, and the recording replays to the same records", async () => {
    const d = await fake();
    const file = join(suite.dir(), `rec-${n++}.jsonl`);
    const c = collector(["--record", file, "--endpoint", d.url]);
    await d.waitForStreams();
    const lines = [d.next("create"), d.next("start"), d.next("die")];
    await d.write(lines.join("\n") + "\n");
    await d.emit(200);
    await until("recorded", () => {
      try {
        return readFileSync(file, "utf8").split("\n").length >= 205;
      } catch {
        return false;
      }
    });
    expect(await c.stop()).toBe(0);
    const recorded = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(recorded).toHaveLength(204); // connect + 203 events
    expect(JSON.parse(recorded[0]!).Action).toBe("connect");
    expect(recorded.slice(1, 4).map(withoutFalco)).toEqual(lines);
    expect(JSON.parse(recorded[1]!).falco.container.capAdd).toEqual(["NET_ADMIN"]);

    const ring = join(suite.dir(), `ring-${n++}`);
    const replay = collector(["--ring-path", ring, "--endpoint", `file://${file}`]);
    expect(await replay.exited).toBe(0);
    const r = new RingReader(ring);
    r.poll();
    expect(r.records.map((x) => x.text)).toEqual(recorded);
    expect(r.records[0]!.kind).toBe(2);
    expect(r.records.slice(1).every((x) => x.kind === 1)).toBe(true);
    expect(r.get("finished")).toBe(1n);
  });
});
