// Record mode (--record FILE): events go to a JSONL file (with their `falco` key) instead of a
// ring, for later replay with a file:// endpoint. Counters are kept in memory and logged at exit.
import * as fs from "node:fs";
import type { Sink } from "./queue";
import type { HeaderField, PublishResult } from "./ring";
import { MAX_EVENT } from "./shrink";

const NL = Buffer.from("\n");
const HIGH_WATER = 4 * 1024 * 1024;

export class RecordSink implements Sink {
  /** A recording holds what the extractor can parse: longer events are shrunk before (queue.ts). */
  readonly maxPayload = MAX_EVENT;
  private readonly out: fs.WriteStream;
  private readonly counters = new Map<HeaderField, bigint>();
  private failure: Error | null = null;

  constructor(file: string) {
    // Opened synchronously so that an unwritable path is a configuration error (exit 2).
    const fd = fs.openSync(file, "a", 0o600);
    this.out = fs.createWriteStream(file, { fd, highWaterMark: 1 << 20 });
    this.out.on("error", (e) => {
      this.failure = e;
    });
  }

  get error(): Error | null {
    return this.failure;
  }

  append(_kind: number, _ts: bigint, body: Uint8Array, tail: Uint8Array | null): PublishResult {
    if (this.out.writableLength > HIGH_WATER) return "full";
    if (tail === null) {
      this.out.write(body);
    } else {
      this.out.write(body.subarray(0, body.byteLength - 1));
      this.out.write(tail);
    }
    this.out.write(NL);
    this.add("eventsWritten", 1);
    return "ok";
  }

  commit(): void {
    // the stream writes in order by itself
  }

  add(field: HeaderField, n: number): void {
    this.counters.set(field, (this.counters.get(field) ?? 0n) + BigInt(n));
  }

  set(field: HeaderField, value: bigint | number): void {
    this.counters.set(field, BigInt(value));
  }

  get(field: HeaderField): bigint {
    return this.counters.get(field) ?? 0n;
  }

  summary(): string {
    const keys: HeaderField[] = ["eventsWritten", "eventsDropped", "reconnects", "inspectFailures", "parseErrors"];
    return keys.map((k) => `${k}=${this.get(k)}`).join(" ");
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(() => resolve()));
  }
}
