// The ordered, bounded queue between the sources and the sink (ring or recording).
// Events enter in arrival order; an event whose enrichment is still running holds the ones
// behind it (publication stays in order). When the ring is full events wait here; beyond
// --queue-max a live event is dropped and counted, and a `drop` collector event is queued once
// space returns. Replay never drops: it waits for room instead (see waitRoom).
import { nowNs } from "./clock";
import { collectorEvent } from "./collector-event";
import { log } from "./log";
import { KIND_COLLECTOR, type HeaderField, type PublishResult } from "./ring";

/** Where events go: the ring producer, or the recording writer. Also holds the counters. */
export interface Sink {
  /**
   * Writes one record, not yet visible: `body`, or body minus its final `}` + `tail` (RingProducer.append).
   * `endpoint`: the live daemon it came from (its resume entry follows it), null otherwise.
   */
  append(kind: number, ts: bigint, body: Uint8Array, tail: Uint8Array | null, endpoint: string | null): PublishResult;
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
  /** Replay progress: the recording's byte offset after this line (-1: none). */
  mark = -1;
  /** The live daemon a Docker event came from (its resume entry), null otherwise. */
  endpoint: string | null = null;

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
  private readonly droppedBy = new Map<string, number>();
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
      const n = (this.droppedBy.get(endpoint) ?? 0) + 1;
      this.droppedBy.set(endpoint, n);
      if (n === 1) log("warn", `queue full (${this.queueMax} events, ring full): dropping events from ${endpoint}`);
      return false;
    }
    if (slot.kind !== KIND_COLLECTOR) slot.endpoint = endpoint;
    this.fifo.push(slot);
    if (drainNow) this.drain();
    return true;
  }

  /**
   * A ready live event: appended to the sink straight away when nothing waits before it (no
   * Slot, no queue: the hot path), else queued like push(). Visible at the next drain().
   * Returns false when it was dropped (queue at its bound).
   */
  offer(kind: number, ts: bigint, body: Buffer, tail: Buffer | null, endpoint: string): boolean {
    if (this.fifo.length === 0) {
      const r = this.sink.append(kind, ts, body, tail, endpoint);
      if (r === "ok") {
        this.uncommitted++;
        return true;
      }
      if (r === "oversize") {
        log("warn", `event of ${tail === null ? body.length : body.length - 1 + tail.length} bytes exceeds the ring's max_payload: dropped (oversize_dropped)`);
        return true;
      }
    }
    return this.push(new Slot(kind, ts, body, tail), endpoint, false);
  }

  /**
   * A ready replayed line (never dropped): appended straight away when nothing waits before it,
   * else queued regardless of the bound (replay waits for room itself). `mark` goes to onProgress
   * once the line is published.
   */
  offerUnbounded(kind: number, ts: bigint, body: Buffer, mark: number): void {
    if (this.fifo.length === 0) {
      const r = this.sink.append(kind, ts, body, null, null);
      if (r === "ok" || r === "oversize") {
        if (r === "ok") this.uncommitted++;
        else log("warn", `event of ${body.length} bytes exceeds the ring's max_payload: dropped (oversize_dropped)`);
        this.pendingMark = mark;
        return;
      }
    }
    const slot = new Slot(kind, ts, body, null);
    slot.mark = mark;
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
      const r = this.sink.append(slot.kind, slot.ts, slot.body, slot.tail, slot.endpoint);
      if (r === "full") {
        this.scheduleRetry();
        break;
      }
      if (r === "oversize") log("warn", `event of ${slot.length} bytes exceeds the ring's max_payload: dropped (oversize_dropped)`);
      else this.uncommitted++;
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
    if (this.droppedBy.size > 0 && this.fifo.length < this.queueMax) this.queueDropEvents();
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
    for (const [endpoint, dropped] of this.droppedBy) {
      log("warn", `${dropped} events from ${endpoint} were dropped while the ring and the queue were full`);
      const payload = collectorEvent("drop", endpoint, { dropped: String(dropped), reason: "ring and queue full" }, ts);
      this.fifo.push(new Slot(KIND_COLLECTOR, ts, payload, null));
    }
    this.droppedBy.clear();
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
