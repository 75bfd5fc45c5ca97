// One live daemon: negotiate the API version, stream GET /events (NDJSON, no idle timeout),
// split lines, drop the duplicates a resumed stream brings back, enrich, queue in order; on any
// end or error reconnect with capped exponential backoff and resume after the last event seen
// (after a collector restart: the last one the ring holds). Synthetic connect / disconnect /
// reconnect events mark visibility changes, and a `drop` event marks a gap the daemon cannot
// replay (contracts/ring.md "Collector events", "Resuming a stream").
//
// Resuming (dockerd, moby daemon/events): the daemon keeps its last 256 events; `since=T`
// replays those it still holds, scanning from the newest back and stopping at the first one older
// than T. It stamps an event's time before it takes the lock that appends it, so its buffer is
// not sorted by time: an event a few ms older than the one before it is common under load, and
// `since` = exactly the resume point stops at such an event right after it, losing it silently.
// So `since` is asked a second earlier (engine.ts), and the replay is deduplicated: after a reconnect
// against the lines seen (RecentLines), after a restart against the resume point and the hashes
// the ring's entry keeps of the events before it (ResumeWatch). Whether the resume point itself is
// still in the daemon's buffer is asked first (`since`..`until` = the resume point's time: the
// daemon answers from its buffer and ends the stream): if it is gone, events may have been lost
// and a `drop` event says so, with the window (the count is unknowable from Docker).
//
// Podman (its Docker-compatible API, engine.ts; told by each connection's version answer) serves
// /events from its events file: `since` replays the whole file from T on, in the file's order,
// which is the order its live stream gave (no 256 limit, no per-subscriber race), but its
// timeNano is not monotonic in that order (an event can be written after one stamped up to ~2 s
// later), and `since` with `until` answers nothing. So on Podman: `since` is asked the engine's
// margin (2 s) before the newest time seen; nothing is asked with `until`; the replay is held
// until the resume point comes, after a reconnect too, and everything before it is a duplicate
// (the file's order is the order it was delivered in); no count of replayed events means
// eviction; only a resume point absent from the replay (the file rotated, the storage reset)
// reports a gap.
import type { IncomingMessage } from "node:http";
import { Docker } from "./dockerode";
import { nowNs } from "./clock";
import { collectorEvent, type CollectorAction } from "./collector-event";
import { type Endpoint, dockerOptions } from "./endpoint";
import { type Enricher, actionNeedsInspect, inspectTarget } from "./enrich";
import { DOCKER, type Engine, type VersionAnswer, engineOf } from "./engine";
import { EventParser, type ParsedEvent, eventFields, falcoTail } from "./event";
import { fnv1a64, hashToBigInt } from "./hash";
import { LineSplitter, MAX_LINE_BYTES } from "./lines";
import { log } from "./log";
import { type Pipeline, type Sink, Slot } from "./queue";
import { type Cut, shiftCut } from "./shrink";
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

/** dockerd keeps its last 256 events for `since` (moby daemon/events: eventsLimit). */
export const DAEMON_BUFFER = 256;
/** Podman: replayed events held while looking for the resume point, at most (then they are delivered, no gap claimed). */
const HOLD_MAX = 4096;
/** How long the replay of a resumed stream may take before its resume point counts as gone. */
export const RESUME_DEADLINE_MS = 5000;
/**
 * For the first FAST_RETRY_WINDOW_MS of an outage the reconnect backoff stays at FAST_RETRY_MS at
 * most: a daemon that restarts keeps only its last 256 events, so every moment between its API
 * coming back and the resubscription can evict an event nobody can count. A connection attempt
 * costs nothing next to that; an outage that lasts backs off up to reconnectMaxMs.
 */
export const FAST_RETRY_MS = 250;
export const FAST_RETRY_WINDOW_MS = 60_000;
/** The lines a reconnect's replay is deduplicated against. */
const RECENT_LINES = 1024;
/** Lines longer than this are remembered by hash, not by reference (a reference keeps its chunk alive). */
const RECENT_BY_REF = 4096;

/**
 * The last N event lines seen, for the duplicates a reconnect's replay brings back: short lines
 * by reference (views of the stream's chunks, no copy, no string per event), long ones by hash
 * with their time. The lookup sets are built once per reconnect and dropped once the stream is
 * past what the daemon can replay (DAEMON_BUFFER events).
 */
class RecentLines {
  private readonly lines: Array<Buffer | null>;
  private readonly big: Array<string | null>;
  private at = 0;
  private set: Set<string> | null = null;
  private bigSet: Set<string> | null = null;
  private left = 0;

  constructor(size: number) {
    this.lines = new Array<Buffer | null>(size).fill(null);
    this.big = new Array<string | null>(size).fill(null);
  }

  private static bigKey(ts: bigint, line: Buffer): string {
    return `${ts}:${line.length}:${hashToBigInt(fnv1a64(line))}`;
  }

  remember(ts: bigint, line: Buffer): void {
    if (line.length <= RECENT_BY_REF) {
      this.lines[this.at] = line;
      this.big[this.at] = null;
    } else {
      this.lines[this.at] = null;
      this.big[this.at] = RecentLines.bigKey(ts, line);
    }
    this.at = (this.at + 1) % this.lines.length;
  }

  /**
   * A new stream resumes: the first `replay` events it gives (Docker: at most DAEMON_BUFFER
   * replayed) may repeat what was seen.
   */
  reconnected(replay: number): void {
    this.set = new Set();
    this.bigSet = new Set();
    for (const l of this.lines) if (l !== null) this.set.add(l.toString("utf8"));
    for (const k of this.big) if (k !== null) this.bigSet.add(k);
    this.left = replay;
  }

  seen(ts: bigint, line: Buffer): boolean {
    if (this.set === null || this.bigSet === null) return false;
    if (this.left-- <= 0) {
      this.set = null;
      this.bigSet = null;
      return false;
    }
    return line.length <= RECENT_BY_REF ? this.set.has(line.toString("utf8")) : this.bigSet.has(RecentLines.bigKey(ts, line));
  }
}

/** Where a (re)connected stream resumes: after this event, or (start) from where the stream started. */
interface Resume {
  ts: bigint;
  /** 0 with `start`: no event to find. */
  hash: bigint;
  /** A stream start point (nothing of the daemon published yet): the gap check counts what the daemon holds since `ts`. */
  start: boolean;
  /** After a collector restart: the hashes of the events the ring says were published last (it included). */
  known: Set<bigint> | null;
  restart: boolean;
}

interface Held {
  ev: ParsedEvent;
  hash: bigint;
  cut: Cut | null;
}

/**
 * The first events of a resumed stream (Docker: DAEMON_BUFFER; Podman: up to the resume point):
 * finds the resume point in them (else a gap is reported), and after a restart (Podman: a
 * reconnect too) holds the events before it, then releases only those the old stream may not
 * have delivered.
 */
class ResumeWatch {
  readonly r: Resume;
  /** Hold events until the resume point is found (restart: what precedes it was published; Podman: delivered). */
  readonly hold: boolean;
  readonly held: Held[] = [];
  seen = 0;
  found = false;
  timer: NodeJS.Timeout | null = null;
  /** The daemon said it does not hold the resume point, holding this many events since (fewer than its buffer), or -1. */
  shortAnswer = -1;
  /**
   * The daemon was unreachable between the stream lost and this one: it may have restarted, and
   * a full buffer without the resume point is then no proof of a loss (its previous run may
   * have ended right after it): the gap is reported without a count.
   */
  mayHaveRestarted = false;
  /** The newest event time seen when the stream started (Podman: restored when it must be replayed again). */
  sinceBefore: bigint | null = null;
  /** Docker: how many replayed events the daemon keeps (the resume point must be among them); Podman: null, no limit. */
  readonly limit: number | null;
  /** How many events just before the resume point may have reached the old collector after it (Docker 1, Podman 0). */
  readonly reorder: number;

  constructor(r: Resume, hold: boolean, engine: Engine) {
    this.r = r;
    this.hold = hold;
    this.limit = engine.bufferLimit;
    this.reorder = engine.reorderWindow;
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
  /** Where this endpoint's events in the ring end (a restarted collector, or a reopened source), or null. */
  resume: ResumePoint | null;
  /** The ring's heartbeat_ns before this collector started (0: none): when the previous one was last alive. */
  previousHeartbeatNs?: bigint;
}

interface EventsCall {
  abortSignal: AbortSignal;
  _query: Record<string, string>;
}

export class LiveSource {
  readonly url: string;
  private readonly o: LiveSourceOptions;
  private readonly recent = new RecentLines(RECENT_LINES);
  private readonly parser = new EventParser();
  private falcoBase = "";
  private baseTail: Buffer = Buffer.alloc(0);
  /** The engine of the current (or last) connection. */
  private engine: Engine = DOCKER;
  /** The newest event time seen (a reconnect asks `since` a margin before it). */
  private sinceTs: bigint | null = null;
  /**
   * When the first stream was established (this host's clock, less a second for the daemon's),
   * for a daemon whose own clock could not be read (GET /info): a stream lost before any event
   * came resumes from there, so what happened while it was down is not lost.
   */
  private firstStreamAt: bigint | null = null;
  /** The last event line received (a reconnect's resume point). */
  private lastTs = 0n;
  private lastLine: Buffer | null = null;
  /** The first events of a resumed stream, while the resume point is looked for. */
  private watch: ResumeWatch | null = null;
  /** Podman: a resume point whose replay a stream ended before reaching: the next stream looks for it again. */
  private retry: Resume | null = null;
  /** A connection attempt failed since the stream was lost (the daemon may have restarted). */
  private unreachable = false;
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
    if (o.resume !== null) this.sinceTs = o.resume.ts;
  }

  /** The falco key every event of this endpoint carries at least: endpoint and engine. */
  private setEngine(engine: Engine): void {
    this.engine = engine;
    this.falcoBase = JSON.stringify({ endpoint: this.url, engine: engine.name });
    this.baseTail = Buffer.from(`,"falco":${this.falcoBase}}`, "utf8");
  }

  /** Where the next stream resumes, or null (first connection of a fresh ring). */
  private resumeTarget(): Resume | null {
    if (this.retry !== null) return this.retry;
    if (!this.everConnected) {
      // A restarted collector (or a reopened source): after the endpoint's last event in the ring.
      // A resume point without a hash (an entry caught mid-update) cannot be recognised: nothing
      // is skipped (duplicates, never a loss) and no gap can be told.
      const p = this.o.resume;
      if (p === null || p.hash === null) return null;
      if (p.hash === 0n) return { ts: p.ts, hash: 0n, start: true, known: null, restart: true };
      return { ts: p.ts, hash: p.hash, start: false, known: new Set([p.hash, ...(p.before ?? [])]), restart: true };
    }
    if (this.lastLine === null) {
      const ts = this.sinceTs ?? this.firstStreamAt;
      return ts === null ? null : { ts, hash: 0n, start: true, known: null, restart: false };
    }
    return { ts: this.lastTs, hash: hashToBigInt(fnv1a64(this.lastLine)), start: false, known: null, restart: false };
  }

  /**
   * What the daemon still holds from `since` on: whether the resume point is among it, and how
   * many events that is. GET /events with `until` = now is answered from the daemon's buffer
   * (and ends, when its clock is not behind ours: else the answer is cut after a quiet moment).
   * null when the question failed.
   */
  private async bufferFrom(docker: Docker, since: bigint, r: Resume): Promise<{ found: boolean; count: number } | null> {
    const getEvents = docker.getEvents.bind(docker) as unknown as (c: EventsCall) => Promise<IncomingMessage>;
    const until = nowNs();
    const abort = new AbortController();
    const hard = setTimeout(() => abort.abort(), 10_000);
    try {
      const stream = await getEvents({ abortSignal: abort.signal, _query: { since: sinceParam(since), until: sinceParam(until) } });
      return await new Promise<{ found: boolean; count: number } | null>((resolve) => {
        let found = false;
        let count = 0;
        let quiet: NodeJS.Timeout | null = null;
        const parser = new EventParser();
        const one = (line: Buffer): void => {
          const ev = parser.parse(line);
          if (ev === null || ev.ts > until) return; // a live event, if the daemon's clock is behind ours
          if (r.start && ev.ts < r.ts) return; // a start point: what the daemon holds since the stream started
          count++;
          if (!found && ev.ts === r.ts && hashToBigInt(fnv1a64(ev.bytes)) === r.hash) found = true;
        };
        const lines = new LineSplitter({ line: (line) => one(line), overlong: () => undefined });
        let settled = false;
        // Only an answer the daemon ended is complete: one cut short (its clock behind ours, an
        // error) is no answer, and the watch decides by count and deadline instead.
        const done = (complete: boolean): void => {
          if (settled) return;
          settled = true;
          if (quiet !== null) clearTimeout(quiet);
          const last = lines.end();
          if (last !== null) one(last.line);
          stream.destroy();
          resolve(complete ? { found, count } : null);
        };
        const rearm = (): void => {
          if (quiet !== null) clearTimeout(quiet);
          quiet = setTimeout(() => (stream.readableLength > 0 ? rearm() : done(false)), 3000);
        };
        rearm();
        stream.on("data", (c: Buffer) => {
          lines.push(c);
          rearm();
        });
        stream.on("end", () => done(true));
        stream.on("error", () => done(false));
      });
    } catch (e) {
      log("debug", `${this.url}: could not ask what the daemon still holds: ${errorText(e)}`);
      return null;
    } finally {
      clearTimeout(hard);
    }
  }

  /**
   * A gap the daemon cannot replay: its buffer no longer holds the resume point. A `drop` event
   * says so, placed before what is replayed, with the window (gapNs: from 1 s before the resume
   * point to now, so [time - gapNs, time] holds every event that could be lost) and, when the daemon's
   * buffer is full of newer events (the resume point was evicted), droppedAtLeast 1: it can be 0
   * only if exactly 256 events followed the resume point. A buffer that is not full was reset
   * (the daemon restarted): what its previous run made after the resume point is unknowable.
   */
  private gap(r: Resume, why: string, evicted: boolean): void {
    const now = nowNs();
    // The window starts the engine's margin before the resume point: an event the daemon handed
    // out after it can carry an earlier time (Docker stamps before it locks; Podman writes its
    // events file out of time order).
    const margin = this.engine.sinceMarginNs;
    const from = r.ts > margin ? r.ts - margin : 0n;
    const keeps = this.engine.bufferLimit !== null ? `it keeps only its last ${this.engine.bufferLimit}` : "its events file no longer holds the resume point";
    const reason = `gap: ${why}; events the daemon made between fromNs and toNs may be lost (${keeps})`;
    log("warn", `${this.url}: ${reason} (fromNs ${from}, toNs ${now})`, `${this.url}: gap`);
    const attrs: Record<string, string> = { reason, resumeTs: String(r.ts), fromNs: String(from), toNs: String(now), gapNs: String(now > from ? now - from : 0n) };
    if (evicted) attrs.droppedAtLeast = "1";
    this.emit("drop", attrs, now);
  }

  /** The watch ends: the resume point is not in what the daemon replays (`evicted`: its buffer is full of newer events). */
  private notFound(w: ResumeWatch, why: string, evicted: boolean): void {
    if (w.found) return;
    w.found = true;
    if (w.timer !== null) clearTimeout(w.timer);
    w.timer = null;
    if (evicted && w.mayHaveRestarted) this.gap(w.r, `${why}, but the daemon was unreachable meanwhile: it may have restarted`, false);
    else this.gap(w.r, why, evicted);
    this.release(w);
  }

  /**
   * Podman: the stream ended before its replay reached the resume point. What was held is
   * dropped and the next stream resumes from the same point with the same `since` (its file
   * replays all of it again): no gap is claimed for a stream that merely ended.
   */
  private retryLater(w: ResumeWatch): void {
    w.found = true;
    if (w.timer !== null) clearTimeout(w.timer);
    w.timer = null;
    if (this.watch === w) this.watch = null;
    w.held.splice(0);
    this.sinceTs = w.sinceBefore;
    this.retry = w.r;
  }

  /** Delivers what a watch held, but for what the ring (restart) or the lines seen (reconnect) say was delivered. */
  private release(w: ResumeWatch): void {
    const held = w.held.splice(0);
    for (const h of held) {
      if (w.r.known?.has(h.hash) === true || (!w.r.restart && this.recent.seen(h.ev.ts, h.ev.bytes))) this.duplicates++;
      else this.deliver(h.ev, h.cut);
    }
  }

  /** One event of a resumed stream while it is watched: true when it is handled (held or a duplicate). */
  private watched(w: ResumeWatch, ev: ParsedEvent, cut: Cut | null): boolean {
    const hash = hashToBigInt(fnv1a64(ev.bytes));
    w.seen++;
    // Docker: past its buffer's worth nothing can be a replay. Podman: past the resume point.
    if (w.limit !== null && w.seen >= w.limit && this.watch === w) this.watch = null;
    if (!w.found && ev.ts === w.r.ts && hash === w.r.hash) {
      w.found = true;
      if (w.timer !== null) clearTimeout(w.timer);
      w.timer = null;
      if (w.limit === null && this.watch === w) this.watch = null;
      // What the daemon replays before the resume point was published, but for the few events
      // just before it that may have reached the old collector after it (Docker).
      const held = w.held.splice(0);
      held.forEach((h, i) => {
        if (w.r.known?.has(h.hash) === true || held.length - i > w.reorder) this.duplicates++;
        else this.deliver(h.ev, h.cut);
      });
      this.duplicates += w.hold ? 1 : 0; // a reconnect's RecentLines removes its own copy
      return w.hold;
    }
    const evicted = w.limit !== null && w.seen >= w.limit;
    const why = `the resume point is not among the ${w.limit ?? 0} events the daemon replayed`;
    if (!w.found && w.hold) {
      w.held.push({ ev, hash, cut });
      if (evicted) this.notFound(w, why, true);
      else if (w.held.length >= HOLD_MAX) {
        // Podman: that many replayed before the resume point is no sign of a loss (its file keeps
        // everything): they are delivered, duplicates maybe, and the point is no longer looked for.
        log("info", `${this.url}: ${HOLD_MAX} replayed events before the resume point: delivering them without it`);
        w.found = true;
        if (w.timer !== null) clearTimeout(w.timer);
        w.timer = null;
        if (this.watch === w) this.watch = null;
        this.release(w);
      }
      return true;
    }
    if (!w.found && evicted) this.notFound(w, why, true);
    // after a restart: an event published just before the resume point, replayed after it
    if (w.r.known?.has(hash) === true) {
      this.duplicates++;
      return true;
    }
    return false;
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

  private emit(action: CollectorAction, attrs: Record<string, string>, ts: bigint = nowNs()): bigint {
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
        const engine = this.engine;
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
        const resume = this.resumeTarget();
        let since: bigint | null = null;
        const from = this.sinceTs ?? this.firstStreamAt;
        if (from !== null) {
          // Without a recognisable resume point (a ring entry caught mid-update) no margin: only the
          // events of its exact time come again.
          const margin = resume !== null || this.everConnected ? engine.sinceMarginNs : 0n;
          since = from > margin ? from - margin : 0n;
          query.since = sinceParam(since);
        }
        // Docker: asked alongside the subscription (not before it: a restarted collector must be
        // quick to resubscribe). Its answer holds for the replay unless the resume point is evicted
        // in the milliseconds between the two; the watch below also catches it by count and
        // deadline. Podman keeps no such buffer (and answers nothing to since with until).
        const buffer = resume !== null && since !== null && engine.bufferLimit !== null ? this.bufferFrom(docker, since, resume) : null;
        if (this.everConnected) this.recent.reconnected(engine.bufferLimit ?? RECENT_LINES);
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
        const restart = !this.everConnected && this.o.resume !== null;
        if (!this.everConnected && !restart) {
          this.everConnected = true;
          this.emit("connect", { apiVersion: api, engine: engine.name });
          log("info", `connected to ${this.url} (${engine.name} ${v.Version ?? "?"}, API ${api})`);
        } else {
          // A stream re-established, or a collector that resumes after a predecessor (a crash, a hang,
          // a reload): either way a visibility gap, however short.
          let gap: bigint | null = this.disconnectedAt !== null ? nowNs() - this.disconnectedAt : 0n;
          const attrs: Record<string, string> = {};
          if (restart) {
            const hb = this.o.previousHeartbeatNs ?? 0n;
            gap = hb > 0n ? nowNs() - hb : null;
            attrs.reason = `collector restarted, resuming after the event of ${this.o.resume?.ts ?? 0n}`;
          }
          this.everConnected = true;
          if (gap !== null) attrs.gapNs = String(gap > 0n ? gap : 0n);
          this.o.sink.add("reconnects", 1);
          this.emit("reconnect", attrs);
          log("info", `${restart ? "connected again" : "reconnected"} to ${this.url} (API ${api})${gap !== null ? ` after ${gap / 1_000_000n} ms` : ""}${since !== null ? `, resuming since ${sinceParam(since)}` : ""}`);
        }
        if (resume !== null) {
          if (this.watch?.timer) clearTimeout(this.watch.timer);
          // Held until the resume point comes: after a restart (what precedes it is in the ring), and
          // on Podman after a reconnect too (what precedes it in its file was delivered).
          const w = new ResumeWatch(resume, !resume.start && (resume.restart || engine.bufferLimit === null), engine);
          w.mayHaveRestarted = this.unreachable && !restart;
          w.sinceBefore = this.sinceTs;
          this.retry = null;
          if (resume.start) {
            // No event to find: only a daemon that made more than it keeps since the stream started
            // can have lost some.
            w.found = true;
            void buffer?.then((b) => {
              if (b !== null && b.count >= DAEMON_BUFFER) this.gap(resume, `the daemon made more than the ${DAEMON_BUFFER} events it keeps since the stream started, with nothing of it delivered`, !w.mayHaveRestarted);
            });
          } else {
            w.timer = setTimeout(() => {
              const why = w.shortAnswer >= 0
                ? `the daemon no longer holds ${this.everConnected && !restart ? "the last event seen" : "the last event the ring holds"} (it restarted since: it holds ${w.shortAnswer} events from then on)`
                : `the resume point was not replayed within ${RESUME_DEADLINE_MS} ms`;
              this.notFound(w, why, false);
            }, RESUME_DEADLINE_MS);
            const what = this.everConnected && !restart ? "the last event seen" : "the last event the ring holds";
            void buffer?.then((b) => {
              if (b === null || b.found || w.found) return;
              // Not held, and the daemon's buffer full of newer events: evicted. Not held with a
              // buffer not full is a daemon that restarted, or an answer short of what the stream
              // will replay (seen once under load): the replay's count or the deadline decides.
              if (b.count >= DAEMON_BUFFER) this.notFound(w, `the daemon no longer holds ${what} (its ${DAEMON_BUFFER} events are all newer)`, true);
              else w.shortAnswer = b.count;
            });
          }
          this.watch = w;
        }
        this.disconnectedAt = null;
        this.unreachable = false;
        backoff = 100;
        reason = await this.consume(stream);
      } catch (e) {
        reason = errorText(e);
      }
      if (!wasConnected && this.everConnected) this.unreachable = true;
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
      const young = this.disconnectedAt !== null && nowNs() - this.disconnectedAt < BigInt(FAST_RETRY_WINDOW_MS) * 1_000_000n;
      backoff = Math.min(backoff * 2, this.o.reconnectMaxMs, young ? FAST_RETRY_MS : Infinity);
    }
    if (this.duplicates > 0) log("debug", `${this.url}: ${this.duplicates} replayed duplicates removed`);
  }

  /** Reads the stream to its end; resolves with why it ended. Never pauses the socket. */
  private consume(stream: IncomingMessage): Promise<string> {
    return new Promise<string>((resolve) => {
      const lines = new LineSplitter({
        line: (line, _nl, cut) => this.onLine(line, cut),
        overlong: () => {
          this.o.sink.add("oversizeDropped", 1);
          this.o.pipeline.lost(this.url, `an event line over ${MAX_LINE_BYTES} bytes even with its strings cut`);
        },
      });
      let done = false;
      const finish = (why: string): void => {
        if (done) return;
        done = true;
        // The stream ended while the resume point was looked for. Docker: deliver what was held
        // (its buffer may not replay it again). Podman: the next stream replays it all again.
        const w = this.watch;
        if (w !== null && !w.found && w.limit === null) this.retryLater(w);
        else if (w !== null && !w.found && w.held.length > 0) this.notFound(w, "the stream ended before the resume point was replayed", false);
        const last = lines.end();
        if (last !== null && last.line.toString("utf8").trim() !== "") log("debug", `${this.url}: discarding ${last.line.length} bytes of an unfinished line`);
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

  /** One line of the stream; `cut`: what squeezing an over-long line removed (lines.ts), else null. */
  private onLine(line: Buffer, squeezed: Cut | null): void {
    if (line.length === 0 || (line.length === 1 && line[0] === 13)) return;
    const ev = this.parser.parse(line);
    if (ev === null) {
      this.o.sink.add("parseErrors", 1);
      this.o.pipeline.lost(this.url, "not a Docker event (not a JSON object with a valid time)");
      log("debug", `${this.url}: not a Docker event: ${line.subarray(0, 120).toString("utf8")}`, `${this.url}: not a Docker event`);
      return;
    }
    const cut = squeezed === null ? null : shiftCut(squeezed, ev.bytes.byteOffset - line.byteOffset);
    this.lastTs = ev.ts;
    this.lastLine = ev.bytes;
    if (this.sinceTs === null || ev.ts > this.sinceTs) this.sinceTs = ev.ts;
    if (this.watch !== null && this.watched(this.watch, ev, cut)) return;
    if (this.recent.seen(ev.ts, ev.bytes)) {
      this.duplicates++;
      return;
    }
    this.deliver(ev, cut);
  }

  /** Publishes one event (with its enrichment when it calls for one), in stream order. */
  private deliver(ev: ParsedEvent, cut: Cut | null): void {
    this.recent.remember(ev.ts, ev.bytes);
    if (this.o.enricher !== null && ev.type === "container" && (ev.action === "destroy" || ev.action === "remove")) {
      const id = eventFields(ev).Actor?.ID;
      if (typeof id === "string") this.o.enricher.forget(this.url, id);
    }
    // Only container create/start/exec_* (Podman: exec) and destroy (Podman: remove) events are parsed into objects (for the ids).
    const target =
      this.o.enricher !== null && this.docker !== null && ev.type === "container" && ev.action !== null && actionNeedsInspect(ev.action, this.engine)
        ? inspectTarget(eventFields(ev), this.engine)
        : null;
    if (target === null || this.o.enricher === null || this.docker === null) {
      this.o.pipeline.offer(KIND_DOCKER, ev.ts, ev.bytes, falcoTail(ev.bytes, this.falcoBase, this.baseTail), this.url, cut);
      return;
    }
    const slot = new Slot(KIND_DOCKER, ev.ts, ev.bytes, null, false);
    slot.cut = cut;
    if (!this.o.pipeline.push(slot, this.url, false)) return;
    void this.o.enricher.enrich(this.docker, target, this.url, ev.bytes.length, this.engine.name).then((falco) => {
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

