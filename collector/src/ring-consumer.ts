// A small ring consumer for tests and benchmarks (the real consumer is the C host). It treats
// the ring as untrusted and applies every check of contracts/ring.md "Consumer checks".
import { H, HEADER_SIZE, KIND_COLLECTOR, KIND_DOCKER, MAGIC, RECORD_HEADER, RingError, RingMemory, VERSION, WRAP_MARKER, recordSize } from "./ring";

export interface RingRecord {
  kind: number;
  ts: bigint;
  payload: Buffer;
}

export class RingConsumer {
  readonly mem: RingMemory;
  readonly capacity: number;
  private readPos: bigint;
  private eventsRead: bigint;
  private lastWritePos: bigint;

  /** `capacity` is what the consumer created (or expects); the header must agree. */
  constructor(mem: RingMemory, capacity: number = mem.capacity) {
    this.mem = mem;
    this.capacity = capacity;
    const b = mem.bytes;
    if (mem.load("magic") !== MAGIC) throw new RingError("corrupt ring: bad magic");
    if (b.readUInt32LE(H.version) !== VERSION) throw new RingError("corrupt ring: bad version");
    if (b.readUInt32LE(H.headerSize) !== HEADER_SIZE) throw new RingError("corrupt ring: bad header_size");
    if (mem.load("capacity") !== BigInt(capacity) || mem.capacity !== capacity) throw new RingError("corrupt ring: capacity differs");
    this.readPos = mem.load("readPos");
    this.eventsRead = mem.load("eventsRead");
    this.lastWritePos = this.readPos;
  }

  /** Reads every published record (at most `max`), then releases their bytes to the producer. */
  poll(max = Number.POSITIVE_INFINITY): RingRecord[] {
    const out: RingRecord[] = [];
    const wp = this.mem.load("writePos"); // acquire
    if (wp < this.lastWritePos) throw new RingError(`corrupt ring: write_pos went backwards (${wp} < ${this.lastWritePos})`);
    this.lastWritePos = wp;
    const cap = BigInt(this.capacity);
    if (wp - this.readPos > cap) throw new RingError(`corrupt ring: write_pos ${wp} - read_pos ${this.readPos} exceeds the capacity`);
    const b = this.mem.bytes;
    let rp = this.readPos;
    while (rp < wp && out.length < max) {
      if (rp % 8n !== 0n) throw new RingError(`corrupt ring: position ${rp} not aligned`);
      const off = Number(rp % cap);
      const room = this.capacity - off;
      const len = b.readUInt32LE(HEADER_SIZE + off);
      if (len === WRAP_MARKER) {
        if (rp + BigInt(room) >= wp) throw new RingError(`corrupt ring: wrap marker at ${off} without a record after it`);
        const next = b.readUInt32LE(HEADER_SIZE);
        if (next === WRAP_MARKER) throw new RingError("corrupt ring: wrap marker at data offset 0");
        if (recordSize(next) <= room) throw new RingError(`corrupt ring: wrap marker at ${off} where a ${next}-byte record would have fit`);
        rp += BigInt(room);
        continue;
      }
      const rs = recordSize(len);
      if (rs > room) throw new RingError(`corrupt ring: record of ${len} bytes at ${off} runs past the end of the data area`);
      if (rp + BigInt(rs) > wp) throw new RingError(`corrupt ring: record of ${len} bytes at ${off} runs past write_pos`);
      const at = HEADER_SIZE + off;
      const kind = b.readUInt32LE(at + 4);
      if (kind !== KIND_DOCKER && kind !== KIND_COLLECTOR) throw new RingError(`corrupt ring: record kind ${kind} at ${off}`);
      const ts = b.readBigUInt64LE(at + 8);
      out.push({ kind, ts, payload: Buffer.from(b.subarray(at + RECORD_HEADER, at + RECORD_HEADER + len)) });
      rp += BigInt(rs);
    }
    if (rp !== this.readPos) {
      this.readPos = rp;
      this.eventsRead += BigInt(out.length);
      this.mem.store("eventsRead", this.eventsRead);
      this.mem.store("readPos", rp); // release: the bytes were copied out above
    }
    return out;
  }
}
