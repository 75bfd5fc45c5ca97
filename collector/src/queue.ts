// The ordered, bounded queue between the sources and the sink (ring or recording).
// Events enter in arrival order; an event whose enrichment is still running holds the ones
// behind it (publication stays in order). When the ring is full events wait here; beyond
// --queue-max a live event is dropped and counted, and a `drop` collector event is queued once
// space returns. Replay never drops: it waits for room instead (see waitRoom).
// An event over the record limit (the sink's max payload, and the extractor's 4 MiB) is shrunk
// (shrink.ts), not dropped. Whatever is still lost (a line that is not an event, an event that
// cannot be shrunk enough, a full queue) is counted and reported by a `drop` collector event
// carrying the count and the reason (lost()).
import { nowNs } from "./clock";
import { collectorEvent } from "./collector-event";
import { log } from "./log";
import { KIND_COLLECTOR, KIND_DOCKER, type HeaderField, type PublishResult } from "./ring";
import { type Cut, MAX_EVENT, shrinkEvent } from "./shrink";

/** Where events go: the ring producer, or the recording writer. Also holds the counters. */
export interface Sink {
  /** The largest record payload it takes. */
  readonly maxPayload: number;
  /**
   * Writes one record, not yet visible: `body`, or body minus its final `}` + `tail` (RingProducer.append).
   * `endpoint`: the live daemon it came from (its resume entry follows it), null otherwise.
   * `original`: the event's bytes as received when `body` is a shrunk copy (the resume hash is of those).
   */
  append(kind: number, ts: bigint, body: Uint8Array, tail: Uint8Array | null, endpoint: string | null, original?: Uint8Array): PublishResult;
  /** Makes everything appended visible. */
  commit(): void;
  add(field: HeaderField, n: number): void;
  set(field: HeaderField, value: bigint | number): void;
  get(field: HeaderField): bigint;
  /**
   * A live daemon's stream starts at its time `ts` with nothing of it published: a sink with
   * resume points (the ring) makes that the daemon's point (contracts/ring.md "Resume points").
   */
  markStreamStart?(endpoint: string, ts: bigint): void;
}

export class Slot {
  kind: number;
  ts: bigint;
  /** The event's JSON as received (the daemon's bytes, a recorded line, a collector event). */
  body: Buffer;
  /** The falco key and closing brace replacing body's final `}`; null: body as is. */
  tail: Buffer | null;
  /** false while the enrichment runs. */
  ready: boolean;
  /** The event as received, when body is a shrunk copy (its resume hash). */
  original: Buffer | null = null;
  /** Replay progress: the recording's byte offset after this line (-1: none). */
  mark = -1;
  /** The live daemon a Docker event came from (its resume entry), null otherwise. */
  endpoint: string | null = null;
  /** Where the event came from, for a loss report (the endpoint or the recording's URL). */
  source = "";
  /** What squeezing an over-long line already cut (lines.ts); null: the line as received. */
  cut: Cut | null = null;

  constructor(kind: number, ts: bigint, body: Buffer, tail: Buffer | null, ready = true) {
    this.kind = kind;
    this.ts = ts;
    this.body = body;
    this.tail = tail;
    this.ready = ready;
  }

  get length(): number {
    return this.tail === null ? this.body.length : this.body.length - 1 + this.tail.length;
  }
}

/** A growable circular FIFO (Array.shift is O(n) on large arrays). */
class Fifo<T> {
  private items: Array<T | undefined>;
  private head = 0;
  private count = 0;

  constructor(initial = 1024) {
    this.items = new Array<T | undefined>(initial);
  }

  get length(): number {
    return this.count;
  }

  push(v: T): void {
    if (this.count === this.items.length) {
      const bigger = new Array<T | undefined>(this.items.length * 2);
      for (let i = 0; i < this.count; i++) bigger[i] = this.items[(this.head + i) % this.items.length];
      this.items = bigger;
      this.head = 0;
    }
    this.items[(this.head + this.count) % this.items.length] = v;
    this.count++;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const v = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return v;
  }
}

export class Pipeline {
  private readonly sink: Sink;
  private readonly queueMax: number;
  private readonly fifo = new Fifo<Slot>();
  /** Losses not yet reported, per source and reason (a `drop` event each). */
  private readonly losses = new Map<string, { source: string; reason: string; n: number }>();
  /** The record limit: the sink's, and the extractor's (an event it cannot parse is not seen by any rule). */
  readonly limit: number;
  private retry: NodeJS.Timeout | null = null;
  private retryMs = 1;
  private lastDepth = -1;
  private waiters: Array<() => void> = [];
  /** Records appended to the sink and not yet committed (drain commits them). */
  private uncommitted = 0;
  /** The mark of the last record appended, reported to onProgress once committed. */
  private pendingMark = -1;
  /** Told the mark of the last published record that had one (replay progress). */
  onProgress: ((mark: number) => void) | null = null;

  constructor(sink: Sink, queueMax: number) {
    this.sink = sink;
    this.queueMax = queueMax;
    this.limit = Math.min(sink.maxPayload, MAX_EVENT);
  }

  /**
   * Counts `n` events from `source` that will not be published, for `reason`: a `drop` collector
   * event says so (with the count) at the next drain, once per source and reason.
   */
  lost(source: string, reason: string, n = 1): void {
    const k = `${source}\n${reason}`;
    const e = this.losses.get(k);
    if (e === undefined) {
      this.losses.set(k, { source, reason, n });
      log("warn", `${source}: ${reason}: events lost (reported by a drop event)`, `lost ${reason}`);
    } else e.n += n;
  }

  /**
   * A Docker event that is over the record limit (or was squeezed as an over-long line): the
   * shrunk body and tail to publish, or null when it cannot be made to fit (counted as lost).
   */
  private fit(kind: number, body: Buffer, tail: Buffer | null, cut: Cut | null, source: string): { body: Buffer; tail: Buffer } | null {
    const r = kind === KIND_DOCKER ? shrinkEvent(body, tail, this.limit, cut) : null;
    if (r === null) {
      this.sink.add("oversizeDropped", 1);
      this.lost(source, `event of ${tail === null ? body.length : body.length - 1 + tail.length} bytes over the ${this.limit}-byte record limit even shrunk`);
      return null;
    }
    this.sink.add("eventsTruncated", 1);
    log("info", `${source}: event of ${r.cut.bytes} bytes over the ${this.limit}-byte record limit: shrunk (${r.cut.strings} strings cut by ${r.cut.stringBytes} bytes, ${r.cut.attributes} attributes and ${r.cut.members} other members removed)`, "shrunk");
    return r;
  }

  private tooBig(body: Buffer, tail: Buffer | null): boolean {
    return (tail === null ? body.length : body.length - 1 + tail.length) > this.limit;
  }

  get depth(): number {
    return this.fifo.length;
  }

  /** True when a live event pushed now would be queued rather than dropped. */
  hasRoom(): boolean {
    return this.fifo.length < this.queueMax;
  }

  /**
   * Queues a live event and publishes what it can. Returns false when the event was dropped
   * (queue at its bound): counted in events_dropped and reported by a later `drop` event.
   */
  push(slot: Slot, endpoint: string, drainNow = true): boolean {
    if (this.fifo.length >= this.queueMax) this.drain(); // lines of one chunk are queued before one drain
    if (this.fifo.length >= this.queueMax) {
      this.sink.add("eventsDropped", 1);
      this.lost(endpoint, `ring and queue full (${this.queueMax} events queued)`);
      return false;
    }
    if (slot.kind !== KIND_COLLECTOR) slot.endpoint = endpoint;
    slot.source = endpoint;
    this.fifo.push(slot);
    if (drainNow) this.drain();
    return true;
  }

  /**
   * A ready live event: appended to the sink straight away when nothing waits before it (no
   * Slot, no queue: the hot path), else queued like push(). Visible at the next drain().
   * Returns false when it was dropped (queue at its bound).
   */
  offer(kind: number, ts: bigint, body: Buffer, tail: Buffer | null, endpoint: string, cut: Cut | null = null): boolean {
    if (this.fifo.length === 0 && cut === null && !this.tooBig(body, tail)) {
      const r = this.sink.append(kind, ts, body, tail, endpoint);
      if (r === "ok") {
        this.uncommitted++;
        return true;
      }
    }
    const slot = new Slot(kind, ts, body, tail);
    slot.cut = cut;
    return this.push(slot, endpoint, false);
  }

  /**
   * A ready replayed line (never dropped): appended straight away when nothing waits before it,
   * else queued regardless of the bound (replay waits for room itself). `mark` goes to onProgress
   * once the line is published.
   */
  offerUnbounded(kind: number, ts: bigint, body: Buffer, mark: number, source: string, cut: Cut | null = null): void {
    if (this.fifo.length === 0 && cut === null && !this.tooBig(body, null)) {
      const r = this.sink.append(kind, ts, body, null, null);
      if (r === "ok") {
        this.uncommitted++;
        this.pendingMark = mark;
        return;
      }
    }
    const slot = new Slot(kind, ts, body, null);
    slot.mark = mark;
    slot.source = source;
    slot.cut = cut;
    this.fifo.push(slot);
  }

  /** Queues regardless of the bound (replay, which waits for room itself; synthetic events). */
  pushUnbounded(slot: Slot, drainNow = true): void {
    this.fifo.push(slot);
    if (drainNow) this.drain();
  }

  /** Publishes from the head while the head is ready and the sink has room. */
  drain(): void {
    for (;;) {
      const slot = this.fifo.peek();
      if (slot === undefined || !slot.ready) break;
      if (slot.cut !== null || this.tooBig(slot.body, slot.tail)) {
        // shrunk once, when it reaches the head (an enrichment tail is known only then)
        const f = this.fit(slot.kind, slot.body, slot.tail, slot.cut, slot.source);
        if (f === null) {
          this.fifo.shift();
          if (slot.mark >= 0) this.pendingMark = slot.mark;
          continue;
        }
        slot.original = slot.body;
        slot.body = f.body;
        slot.tail = f.tail;
        slot.cut = null;
      }
      const r = this.sink.append(slot.kind, slot.ts, slot.body, slot.tail, slot.endpoint, slot.original ?? undefined);
      if (r === "full") {
        this.scheduleRetry();
        break;
      }
      if (r === "oversize") {
        this.lost(slot.source, `event of ${slot.length} bytes over the sink's record limit`); // not expected: fit() keeps to the limit
      } else this.uncommitted++;
      this.fifo.shift();
      this.retryMs = 1;
      if (slot.mark >= 0) this.pendingMark = slot.mark;
    }
    if (this.uncommitted > 0) {
      this.uncommitted = 0;
      this.sink.commit();
    }
    if (this.pendingMark >= 0) {
      const mark = this.pendingMark;
      this.pendingMark = -1;
      this.onProgress?.(mark);
    }
    if (this.losses.size > 0 && this.fifo.length < this.queueMax) this.queueDropEvents();
    const depth = this.fifo.length;
    if (depth !== this.lastDepth) {
      this.lastDepth = depth;
      this.sink.set("queueDepth", depth);
    }
    if (this.waiters.length > 0 && this.fifo.length < Math.max(1, this.queueMax >> 1)) {
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    }
  }

  private queueDropEvents(): void {
    const ts = nowNs();
    for (const { source, reason, n } of this.losses.values()) {
      log("warn", `${source}: ${n} event(s) lost: ${reason}`, `lost ${reason}`);
      const payload = collectorEvent("drop", source, { dropped: String(n), reason }, ts);
      this.fifo.push(new Slot(KIND_COLLECTOR, ts, payload, null));
    }
    this.losses.clear();
    this.drain();
  }

  private scheduleRetry(): void {
    if (this.retry !== null) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.retryMs = Math.min(this.retryMs * 2, 16);
      this.drain();
    }, this.retryMs);
  }

  /** Resolves once the queue is below half its bound (replay backpressure). */
  waitRoom(): Promise<void> {
    if (this.fifo.length < Math.max(1, this.queueMax >> 1)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once everything queued is published (or `ms` passed); true when empty. */
  async flush(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.fifo.length > 0 && Date.now() < deadline) {
      this.drain();
      if (this.fifo.length === 0) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    return this.fifo.length === 0;
  }

  close(): void {
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
  }
}
