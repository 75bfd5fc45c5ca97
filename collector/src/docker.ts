// One live daemon: negotiate the API version, stream GET /events (NDJSON, no idle timeout),
// split lines, drop the duplicates an inclusive `since` brings back, enrich, queue in order;
// on any end or error reconnect with capped exponential backoff and resume from the last
// timeNano seen. Synthetic connect / disconnect / reconnect events mark visibility changes.
// The engine (Docker or Podman, engine.ts) is told by each connection's version answer.
import type { IncomingMessage } from "node:http";
import { Docker } from "./dockerode";
import { nowNs } from "./clock";
import { collectorEvent, type CollectorAction } from "./collector-event";
import { type Endpoint, dockerOptions } from "./endpoint";
import { type Enricher, actionNeedsInspect, inspectTarget } from "./enrich";
import { DOCKER, type Engine, type VersionAnswer, engineOf } from "./engine";
import { type DockerEventFields, EventParser, type ParsedEvent, falcoTail } from "./event";
import { fnv1a64, hashToBigInt } from "./hash";
import { LineSplitter, MAX_LINE_BYTES } from "./lines";
import { log } from "./log";
import { type Pipeline, type Sink, Slot } from "./queue";
import { KIND_COLLECTOR, KIND_DOCKER, type ResumePoint } from "./ring";

/** Newest API this collector speaks: the last one whose /events still carries status/id/from. */
export const CLIENT_MAX_API = "1.51";
/** Oldest API it accepts (Docker 20.10 speaks 1.41). */
export const CLIENT_MIN_API = "1.41";

export function compareApi(a: string, b: string): number {
  const [am = 0, an = 0] = a.split(".").map(Number);
  const [bm = 0, bn = 0] = b.split(".").map(Number);
  return am !== bm ? am - bm : an - bn;
}

/** min(daemon's newest, ours), but never below the daemon's minimum. */
export function negotiateApi(serverApi: string, serverMin: string | undefined): string {
  let v = compareApi(serverApi, CLIENT_MAX_API) < 0 ? serverApi : CLIENT_MAX_API;
  if (serverMin !== undefined && serverMin !== "" && compareApi(v, serverMin) < 0) v = serverMin;
  return v;
}

/** `since` for /events: unix seconds with nanoseconds, exact. */
export function sinceParam(ts: bigint): string {
  return `${ts / 1_000_000_000n}.${(ts % 1_000_000_000n).toString().padStart(9, "0")}`;
}

/**
 * The last N event lines seen (whole lines: exact comparison). The daemon replays at most 256
 * events on `since`, so only lines with a ts up to the last one seen before a reconnect can be
 * duplicates. Lines are kept as the daemon's bytes (views of the stream's chunks, no copy, no
 * string per event); the lookup set of strings is built once per reconnect, and dropped once
 * the stream is past the replay: an event newer than everything seen before by more than the
 * engine's slack (Docker: 0, its timeNano grows in stream order; Podman: its events can be
 * written out of timeNano order by up to that much), after which nothing can be a duplicate.
 */
class RecentLines {
  private readonly lines: Array<Buffer | null>;
  private at = 0;
  private set: Set<string> | null = null;
  private until: bigint = -1n;
  private slack: bigint = 0n;

  constructor(size: number) {
    this.lines = new Array<Buffer | null>(size).fill(null);
  }

  remember(line: Buffer): void {
    this.lines[this.at] = line;
    this.at = (this.at + 1) % this.lines.length;
  }

  /** A new stream resumes with since = `maxTs` - `slack`: what it replays up to maxTs + slack may be known. */
  reconnected(maxTs: bigint, slack: bigint): void {
    this.set = new Set();
    for (const l of this.lines) if (l !== null) this.set.add(l.toString("utf8"));
    this.until = maxTs;
    this.slack = slack;
  }

  seen(ts: bigint, line: Buffer): boolean {
    if (this.set === null) return false;
    if (ts > this.until + this.slack) {
      this.set = null;
      return false;
    }
    return this.set.has(line.toString("utf8"));
  }
}

/** The daemon's clock now (GET /info SystemTime, RFC 3339 with nanoseconds), or null. */
async function daemonNow(docker: Docker): Promise<bigint | null> {
  try {
    const info = docker.info.bind(docker) as unknown as (o: { abortSignal: AbortSignal }) => Promise<{ SystemTime?: string }>;
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec((await info({ abortSignal: AbortSignal.timeout(10_000) })).SystemTime ?? "");
    if (m === null) return null;
    const s = Date.parse(`${m[1]}${m[3]}`);
    return Number.isFinite(s) ? BigInt(s) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0")) : null;
  } catch {
    return null;
  }
}

export interface LiveSourceOptions {
  endpoint: Endpoint;
  pipeline: Pipeline;
  sink: Sink;
  enricher: Enricher | null;
  reconnectMaxMs: number;
  resume: ResumePoint | null;
}

/** Replayed events held while looking for the resume point, at most (then they are delivered). */
const HOLD_MAX = 4096;
/** Held events are delivered when the resume point has not come this long after the last one. */
const HOLD_IDLE_MS = 1000;

interface EventsCall {
  abortSignal: AbortSignal;
  _query: Record<string, string>;
}

export class LiveSource {
  readonly url: string;
  private readonly o: LiveSourceOptions;
  private readonly recent = new RecentLines(1024);
  private readonly parser = new EventParser();
  private falcoBase = "";
  private baseTail: Buffer = Buffer.alloc(0);
  /** The engine of the current (or last) connection. */
  private engine: Engine = DOCKER;
  private sinceTs: bigint | null = null;
  /**
   * When the first stream was established (this host's clock, less a second for the daemon's),
   * for when the daemon's own clock could not be read (GET /info): a stream lost before any event
   * came resumes from there, so what happened while it was down is not lost.
   */
  private firstStreamAt: bigint | null = null;
  /**
   * After a collector restart: this endpoint's last event the ring holds. The replay from a
   * little before it (the engine's slack) is held until that event comes by: all held are then
   * in the ring (the replay is in the original stream order) and dropped; an event newer than it
   * by more than the slack, or HOLD_IDLE_MS without it, delivers them instead (no loss).
   */
  private resume: { ts: bigint; hash: bigint } | null;
  private held: Buffer[] = [];
  private heldTimer: NodeJS.Timeout | null = null;
  private docker: Docker | null = null;
  private stopped = false;
  private abort: AbortController | null = null;
  private everConnected = false;
  private disconnectedAt: bigint | null = null;
  private duplicates = 0;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(o: LiveSourceOptions) {
    this.o = o;
    this.url = o.endpoint.url;
    this.setEngine(DOCKER);
    // A resume point without a hash (an entry caught mid-update) skips nothing: duplicates, never a loss.
    // A stream-start point (last_hash 0: no event of this daemon was published yet) has nothing to skip either.
    this.resume = o.resume !== null && o.resume.hash !== null && o.resume.hash !== 0n ? { ts: o.resume.ts, hash: o.resume.hash } : null;
    if (o.resume !== null) this.sinceTs = o.resume.ts;
  }

  start(): void {
    this.loop = this.run();
  }

  /** The falco key every event of this endpoint carries at least: endpoint and engine. */
  private setEngine(engine: Engine): void {
    this.engine = engine;
    this.falcoBase = JSON.stringify({ endpoint: this.url, engine: engine.name });
    this.baseTail = Buffer.from(`,"falco":${this.falcoBase}}`, "utf8");
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    this.wake?.();
    await this.loop;
  }

  private emit(action: CollectorAction, attrs: Record<string, string>): bigint {
    const ts = nowNs();
    this.o.pipeline.pushUnbounded(new Slot(KIND_COLLECTOR, ts, collectorEvent(action, this.url, attrs, ts), null));
    return ts;
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      let reason: string;
      let wasConnected = false;
      try {
        const probe = new Docker(dockerOptions(this.o.endpoint, undefined));
        const version = probe.version.bind(probe) as unknown as (o: { abortSignal: AbortSignal }) => Promise<VersionAnswer>;
        const v = await version({ abortSignal: AbortSignal.timeout(10_000) });
        const api = negotiateApi(v.ApiVersion ?? CLIENT_MIN_API, v.MinAPIVersion);
        this.setEngine(engineOf(v));
        const slack = this.engine.sinceSlackNs;
        const docker = new Docker(dockerOptions(this.o.endpoint, `v${api}`));
        if (this.sinceTs === null) {
          // Nothing of this daemon published yet, no resume point: the stream starts at the
          // daemon's own clock, and that is its resume point until its first event, so a restart
          // (a Falco reload) before that event resumes without a gap.
          const t = await daemonNow(docker);
          if (t !== null) {
            this.sinceTs = t;
            this.o.sink.markStreamStart?.(this.url, t);
          }
        }
        this.abort = new AbortController();
        const query: Record<string, string> = {};
        const from = this.sinceTs ?? this.firstStreamAt;
        if (from !== null) query.since = sinceParam(from > slack ? from - slack : 0n);
        if (this.sinceTs !== null) this.recent.reconnected(this.sinceTs, slack);
        const call: EventsCall = { abortSignal: this.abort.signal, _query: query };
        const getEvents = docker.getEvents.bind(docker) as unknown as (c: EventsCall) => Promise<IncomingMessage>;
        const stream = await getEvents(call);
        if (this.stopped) {
          stream.destroy();
          break;
        }
        this.docker = docker;
        wasConnected = true;
        if (this.firstStreamAt === null) this.firstStreamAt = nowNs() - 1_000_000_000n;
        this.o.sink.add("connected", 1);
        if (!this.everConnected) {
          this.everConnected = true;
          this.emit("connect", { apiVersion: api, engine: this.engine.name });
          log("info", `connected to ${this.url} (${this.engine.name} ${v.Version ?? "?"}, API ${api})`);
        } else {
          const gap = this.disconnectedAt !== null ? nowNs() - this.disconnectedAt : 0n;
          this.o.sink.add("reconnects", 1);
          this.emit("reconnect", { gapNs: String(gap) });
          log("info", `reconnected to ${this.url} (API ${api}) after ${gap / 1_000_000n} ms${this.sinceTs !== null ? `, resuming since ${sinceParam(this.sinceTs)}` : ""}`);
        }
        this.disconnectedAt = null;
        backoff = 100;
        reason = await this.consume(stream);
      } catch (e) {
        reason = errorText(e);
      }
      // Held replay is asked for again by the next stream (since has not moved past it).
      this.dropHeld();
      if (wasConnected) this.o.sink.add("connected", -1);
      this.docker = null;
      if (this.stopped) break;
      if (this.disconnectedAt === null) {
        this.disconnectedAt = this.emit("disconnect", { reason });
        log("warn", `lost ${this.url}: ${reason}; reconnecting (backoff up to ${this.o.reconnectMaxMs} ms)`);
      } else {
        log("debug", `${this.url} still unreachable: ${reason}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, backoff);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
      backoff = Math.min(backoff * 2, this.o.reconnectMaxMs);
    }
    if (this.duplicates > 0) log("debug", `${this.url}: ${this.duplicates} replayed duplicates removed`);
  }

  /** Reads the stream to its end; resolves with why it ended. Never pauses the socket. */
  private consume(stream: IncomingMessage): Promise<string> {
    return new Promise<string>((resolve) => {
      const lines = new LineSplitter({
        line: (line) => this.onLine(line),
        overlong: () => {
          this.o.sink.add("oversizeDropped", 1);
          log("warn", `${this.url}: dropping an event line longer than ${MAX_LINE_BYTES} bytes (oversize_dropped)`);
        },
      });
      let done = false;
      const finish = (why: string): void => {
        if (done) return;
        done = true;
        const last = lines.end();
        if (last !== null && last.toString("utf8").trim() !== "") log("debug", `${this.url}: discarding ${last.length} bytes of an unfinished line`);
        resolve(why);
      };
      stream.on("data", (chunk: Buffer) => {
        lines.push(chunk);
        this.o.pipeline.drain(); // one publication (one write_pos store) per chunk
      });
      stream.on("end", () => finish("the daemon ended the event stream"));
      stream.on("error", (e: Error) => finish(errorText(e)));
      stream.on("close", () => finish("the event stream closed"));
    });
  }

  private onLine(line: Buffer): void {
    if (line.length === 0 || (line.length === 1 && line[0] === 13)) return;
    const ev = this.parser.parse(line);
    if (ev === null) {
      this.o.sink.add("parseErrors", 1);
      log("debug", `${this.url}: not a Docker event: ${line.subarray(0, 120).toString("utf8")}`);
      return;
    }
    if (this.resume !== null) {
      const r = this.resume;
      if (ev.ts === r.ts && hashToBigInt(fnv1a64(ev.bytes)) === r.hash) {
        this.resume = null;
        this.duplicates += this.held.length + 1;
        this.dropHeld();
        return;
      }
      if (ev.ts <= r.ts + this.engine.sinceSlackNs && this.held.length < HOLD_MAX) {
        this.held.push(ev.bytes);
        if (this.heldTimer !== null) clearTimeout(this.heldTimer);
        this.heldTimer = setTimeout(() => this.deliverHeld("the resume point did not come"), HOLD_IDLE_MS);
        return;
      }
      this.deliverHeld("an event past the resume point came first");
    }
    this.deliver(ev);
  }

  private dropHeld(): void {
    if (this.heldTimer !== null) clearTimeout(this.heldTimer);
    this.heldTimer = null;
    this.held = [];
  }

  /** The resume point is not in the replay (the daemon lost it): the held events are delivered, duplicates maybe, never a loss. */
  private deliverHeld(why: string): void {
    const held = this.held;
    this.resume = null;
    this.dropHeld();
    if (held.length === 0) return;
    log("info", `${this.url}: ${why}: delivering ${held.length} replayed events held while looking for it`);
    for (const line of held) {
      const ev = this.parser.parse(line);
      if (ev !== null) this.deliver(ev);
    }
    this.o.pipeline.drain();
  }

  private deliver(ev: ParsedEvent): void {
    if (this.recent.seen(ev.ts, ev.bytes)) {
      this.duplicates++;
      return;
    }
    this.recent.remember(ev.bytes);
    if (this.sinceTs === null || ev.ts > this.sinceTs) this.sinceTs = ev.ts;
    if (this.o.enricher !== null && ev.type === "container" && (ev.action === "destroy" || ev.action === "remove")) {
      const id = (JSON.parse(ev.bytes.toString("utf8")) as DockerEventFields).Actor?.ID;
      if (typeof id === "string") this.o.enricher.forget(this.url, id);
    }
    // Only container create/start/exec_* (and destroy) events are parsed into objects (for the ids).
    const target =
      this.o.enricher !== null && this.docker !== null && ev.type === "container" && ev.action !== null && actionNeedsInspect(ev.action, this.engine)
        ? inspectTarget(JSON.parse(ev.bytes.toString("utf8")) as DockerEventFields, this.engine)
        : null;
    if (target === null || this.o.enricher === null || this.docker === null) {
      this.o.pipeline.offer(KIND_DOCKER, ev.ts, ev.bytes, falcoTail(ev.bytes, this.falcoBase, this.baseTail), this.url);
      return;
    }
    const slot = new Slot(KIND_DOCKER, ev.ts, ev.bytes, null, false);
    if (!this.o.pipeline.push(slot, this.url, false)) return;
    void this.o.enricher.enrich(this.docker, target, this.url, this.engine.name).then((falco) => {
      slot.tail = falcoTail(slot.body, JSON.stringify(falco));
      slot.ready = true;
      this.o.pipeline.drain();
    });
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as Error & { code?: unknown }).code;
    const msg = e.message !== "" ? e.message : String(code ?? "error");
    return typeof code === "string" && !msg.includes(code) ? `${code} ${msg}` : msg;
  }
  return String(e);
}

