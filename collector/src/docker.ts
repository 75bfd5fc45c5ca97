// One live daemon: negotiate the API version, stream GET /events (NDJSON, no idle timeout),
// split lines, drop the duplicates an inclusive `since` brings back, enrich, queue in order;
// on any end or error reconnect with capped exponential backoff and resume from the last
// timeNano seen. Synthetic connect / disconnect / reconnect events mark visibility changes.
import type { IncomingMessage } from "node:http";
import { Docker } from "./dockerode";
import { nowNs } from "./clock";
import { collectorEvent, type CollectorAction } from "./collector-event";
import { type Endpoint, dockerOptions } from "./endpoint";
import { type Enricher, actionNeedsInspect, inspectTarget } from "./enrich";
import { type DockerEventFields, EventParser, falcoTail } from "./event";
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
 * the stream is past the replay (an event newer than everything seen before: the daemon replays
 * its buffer in order, so nothing after that can be a duplicate).
 */
class RecentLines {
  private readonly lines: Array<Buffer | null>;
  private at = 0;
  private set: Set<string> | null = null;
  private until: bigint = -1n;

  constructor(size: number) {
    this.lines = new Array<Buffer | null>(size).fill(null);
  }

  remember(line: Buffer): void {
    this.lines[this.at] = line;
    this.at = (this.at + 1) % this.lines.length;
  }

  /** A new stream resumes with since = `maxTs`: what it replays up to there may be known. */
  reconnected(maxTs: bigint): void {
    this.set = new Set();
    for (const l of this.lines) if (l !== null) this.set.add(l.toString("utf8"));
    this.until = maxTs;
  }

  seen(ts: bigint, line: Buffer): boolean {
    if (this.set === null) return false;
    if (ts > this.until) {
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

interface VersionInfo {
  ApiVersion?: string;
  MinAPIVersion?: string;
  Version?: string;
}

interface EventsCall {
  abortSignal: AbortSignal;
  _query: Record<string, string>;
}

export class LiveSource {
  readonly url: string;
  private readonly o: LiveSourceOptions;
  private readonly recent = new RecentLines(1024);
  private readonly parser = new EventParser();
  private readonly falcoBase: string;
  private readonly baseTail: Buffer;
  private sinceTs: bigint | null = null;
  /** After a collector restart: this endpoint's last event the ring holds, skipped when the daemon replays it. */
  private resume: { ts: bigint; hash: bigint } | null;
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
    this.falcoBase = JSON.stringify({ endpoint: this.url });
    this.baseTail = Buffer.from(`,"falco":${this.falcoBase}}`, "utf8");
    // A resume point without a hash (an entry caught mid-update) skips nothing: duplicates, never a loss.
    this.resume = o.resume !== null && o.resume.hash !== null ? { ts: o.resume.ts, hash: o.resume.hash } : null;
    if (o.resume !== null) this.sinceTs = o.resume.ts;
  }

  start(): void {
    this.loop = this.run();
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
        const version = probe.version.bind(probe) as unknown as (o: { abortSignal: AbortSignal }) => Promise<VersionInfo>;
        const v = await version({ abortSignal: AbortSignal.timeout(10_000) });
        const api = negotiateApi(v.ApiVersion ?? CLIENT_MIN_API, v.MinAPIVersion);
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
        if (this.sinceTs !== null) query.since = sinceParam(this.sinceTs);
        if (this.sinceTs !== null) this.recent.reconnected(this.sinceTs);
        const call: EventsCall = { abortSignal: this.abort.signal, _query: query };
        const getEvents = docker.getEvents.bind(docker) as unknown as (c: EventsCall) => Promise<IncomingMessage>;
        const stream = await getEvents(call);
        if (this.stopped) {
          stream.destroy();
          break;
        }
        this.docker = docker;
        wasConnected = true;
        this.o.sink.add("connected", 1);
        if (!this.everConnected) {
          this.everConnected = true;
          this.emit("connect", { apiVersion: api });
          log("info", `connected to ${this.url} (daemon ${v.Version ?? "?"}, API ${api})`);
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
      if (ev.ts === this.resume.ts) {
        if (hashToBigInt(fnv1a64(ev.bytes)) === this.resume.hash) {
          this.resume = null;
          this.duplicates++;
          return;
        }
      } else if (ev.ts > this.resume.ts) {
        this.resume = null;
      }
    }
    if (this.recent.seen(ev.ts, ev.bytes)) {
      this.duplicates++;
      return;
    }
    this.recent.remember(ev.bytes);
    if (this.sinceTs === null || ev.ts > this.sinceTs) this.sinceTs = ev.ts;
    if (this.o.enricher !== null && ev.type === "container" && ev.action === "destroy") {
      const id = (JSON.parse(ev.bytes.toString("utf8")) as DockerEventFields).Actor?.ID;
      if (typeof id === "string") this.o.enricher.forget(this.url, id);
    }
    // Only container create/start/exec_* (and destroy) events are parsed into objects (for the ids).
    const target =
      this.o.enricher !== null && this.docker !== null && ev.type === "container" && ev.action !== null && actionNeedsInspect(ev.action)
        ? inspectTarget(JSON.parse(ev.bytes.toString("utf8")) as DockerEventFields)
        : null;
    if (target === null || this.o.enricher === null || this.docker === null) {
      this.o.pipeline.offer(KIND_DOCKER, ev.ts, ev.bytes, falcoTail(ev.bytes, this.falcoBase, this.baseTail), this.url);
      return;
    }
    const slot = new Slot(KIND_DOCKER, ev.ts, ev.bytes, null, false);
    if (!this.o.pipeline.push(slot, this.url, false)) return;
    void this.o.enricher.enrich(this.docker, target, this.url).then((falco) => {
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

