// The shared-memory ring (contracts/ring.md): layout constants, mapping the memory file
// (inherited fd or a private path), and the single producer.
import * as fs from "node:fs";
import * as path from "node:path";
import { loadMmap } from "./mmap";
import { fnv1a64, hashToBigInt } from "./hash";

export const MAGIC = 0x31474e4952524b44n; // "DKRRING1" little-endian
export const VERSION = 2;
/** The 256-byte header plus the resume area: the data area starts here. */
export const HEADER_SIZE = 256 + 64 * 64;
/** Resume area (contracts/ring.md "Resume points"): 64 entries of 64 bytes after the header. */
export const RESUME_AT = 256;
export const RESUME_ENTRIES = 64;
export const RESUME_ENTRY_SIZE = 64;
/** Byte offsets inside one resume entry (same numbers as contracts/ring.json). */
export const E = { key: 0, lastTs: 8, lastHash: 16, seq: 24, prev1: 32, prev2: 40, prev3: 48, anchor: 56 } as const;
/** Hashes a resume entry keeps: last_hash and the three before it (contracts/ring.md "Resume points"). */
export const RECENT_HASHES = 4;
export type EntryField = keyof typeof E;
export const MIN_CAPACITY = 65536;
export const MAX_CAPACITY = 1 << 30;
export const WRAP_MARKER = 0xffffffff;
export const RECORD_HEADER = 16;
export const MAX_PAYLOAD_CAP = 16 * 1024 * 1024;
export const KIND_DOCKER = 1;
export const KIND_COLLECTOR = 2;
const U64_MAX = 0xffffffffffffffffn;

/** Byte offsets of the header fields (same numbers as contracts/ring.json). */
export const H = {
  magic: 0,
  version: 8,
  headerSize: 12,
  capacity: 16,
  flags: 24,
  writePos: 64,
  eventsWritten: 72,
  eventsDropped: 80,
  oversizeDropped: 88,
  reconnects: 96,
  queueDepth: 104,
  lastTs: 112,
  lastHash: 120,
  readPos: 128,
  eventsRead: 136,
  consumerWaiting: 144,
  eventsTruncated: 152,
  connected: 192,
  inspectFailures: 200,
  parseErrors: 208,
  heartbeatNs: 216,
  sourceRead: 224,
  sourceTotal: 232,
  finished: 240,
} as const;

export type HeaderField = keyof typeof H;

export class RingError extends Error {}

export function align8(n: number): number {
  return (n + 7) & ~7;
}

export function recordSize(payloadLength: number): number {
  return RECORD_HEADER + align8(payloadLength);
}

export function maxPayload(capacity: number): number {
  return Math.min(capacity / 4, MAX_PAYLOAD_CAP) - RECORD_HEADER;
}

export function validCapacity(capacity: number): boolean {
  return Number.isInteger(capacity) && capacity >= MIN_CAPACITY && capacity <= MAX_CAPACITY && (capacity & (capacity - 1)) === 0;
}

/** Where a restarted collector resumes one live endpoint: after the event `ts`/`hash` (null: unknown, skip nothing). */
export interface ResumePoint {
  ts: bigint;
  hash: bigint | null;
  /** Hashes of the endpoint's events published just before it, newest first (empty when unknown). */
  before?: bigint[];
  /** "entry": the endpoint's own entry; "torn": its entry, interrupted mid-update; "global": the header's last_ts/last_hash. */
  from: "entry" | "torn" | "global";
}

/** The resume-area key of an endpoint string (FNV-1a 64 of its UTF-8 bytes; 0 is stored as 1). */
export function endpointKey(endpoint: string): bigint {
  const k = hashToBigInt(fnv1a64(Buffer.from(endpoint, "utf8")));
  return k === 0n ? 1n : k;
}

/** A mapped ring file: the bytes plus an atomic view of the header and resume-area words. */
export class RingMemory {
  readonly bytes: Buffer;
  readonly words: BigUint64Array;
  readonly capacity: number;

  constructor(bytes: Uint8Array) {
    if (bytes.byteOffset % 8 !== 0) throw new RingError("ring memory is not 8-byte aligned");
    if (bytes.byteLength < HEADER_SIZE + MIN_CAPACITY) throw new RingError(`ring memory too small (${bytes.byteLength} bytes)`);
    this.bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.words = new BigUint64Array(bytes.buffer, bytes.byteOffset, HEADER_SIZE / 8);
    this.capacity = bytes.byteLength - HEADER_SIZE;
  }

  load(field: HeaderField): bigint {
    return Atomics.load(this.words, H[field] / 8);
  }

  store(field: HeaderField, value: bigint): void {
    Atomics.store(this.words, H[field] / 8, BigInt.asUintN(64, value));
  }

  private entryWord(i: number, field: EntryField): number {
    return (RESUME_AT + RESUME_ENTRY_SIZE * i + E[field]) / 8;
  }

  loadEntry(i: number, field: EntryField): bigint {
    return Atomics.load(this.words, this.entryWord(i, field));
  }

  storeEntry(i: number, field: EntryField, value: bigint): void {
    Atomics.store(this.words, this.entryWord(i, field), BigInt.asUintN(64, value));
  }

  /** The index of the entry holding `key` (the lowest), or -1. */
  findEntry(key: bigint): number {
    for (let i = 0; i < RESUME_ENTRIES; i++) if (this.loadEntry(i, "key") === key) return i;
    return -1;
  }

  /** Where a restarted collector resumes `endpoint` (null: nothing published yet). */
  resumePoint(endpoint: string): ResumePoint | null {
    const i = this.findEntry(endpointKey(endpoint));
    if (i >= 0) {
      const seq = this.loadEntry(i, "seq");
      const ts = this.loadEntry(i, "lastTs");
      if (ts !== 0n) {
        if (seq % 2n === 0n) {
          const hash = this.loadEntry(i, "lastHash");
          return { ts, hash, before: this.entryBefore(i, hash), from: "entry" };
        }
        return { ts, hash: null, from: "torn" };
      }
    }
    const ts = this.load("lastTs");
    return ts === 0n ? null : { ts, hash: this.load("lastHash"), from: "global" };
  }

  /**
   * The hashes entry i keeps of the events before its last one, newest first: only when its anchor
   * is its last_hash (an entry whose last_ts/last_hash someone else rewrote keeps no stale list).
   */
  entryBefore(i: number, hash: bigint): bigint[] {
    if (this.loadEntry(i, "anchor") !== hash) return [];
    return [this.loadEntry(i, "prev1"), this.loadEntry(i, "prev2"), this.loadEntry(i, "prev3")].filter((h) => h !== 0n);
  }

  /** True when the header carries the magic (the file was initialized by someone). */
  initialized(): boolean {
    return this.load("magic") !== 0n;
  }

  /** Writes a fresh header (header and resume area zero otherwise). Only for a memory file nobody uses yet. */
  initialize(): void {
    if (!validCapacity(this.capacity)) throw new RingError(`invalid ring capacity ${this.capacity}`);
    this.bytes.fill(0, 0, HEADER_SIZE);
    this.bytes.writeUInt32LE(VERSION, H.version);
    this.bytes.writeUInt32LE(HEADER_SIZE, H.headerSize);
    this.store("capacity", BigInt(this.capacity));
    this.store("magic", MAGIC);
  }

  /** Checks an initialized header against the mapped size; throws RingError with the reason. */
  validate(): void {
    if (this.load("magic") !== MAGIC) throw new RingError("corrupt ring: bad magic");
    const version = this.bytes.readUInt32LE(H.version);
    if (version !== VERSION) throw new RingError(`corrupt ring: version ${version}, expected ${VERSION}`);
    const hs = this.bytes.readUInt32LE(H.headerSize);
    if (hs !== HEADER_SIZE) throw new RingError(`corrupt ring: header_size ${hs}, expected ${HEADER_SIZE}`);
    const cap = this.load("capacity");
    if (cap !== BigInt(this.capacity) || !validCapacity(this.capacity)) {
      throw new RingError(`corrupt ring: capacity ${cap} does not match the file (${this.capacity} data bytes)`);
    }
    const wp = this.load("writePos");
    const rp = this.load("readPos");
    if (wp - rp > BigInt(this.capacity) || rp > wp) throw new RingError(`corrupt ring: write_pos ${wp} read_pos ${rp}`);
    if (wp % 8n !== 0n) throw new RingError(`corrupt ring: write_pos ${wp} not a multiple of 8`);
  }
}

const mmap = loadMmap();

function mapFd(fd: number, size: number): Buffer {
  return mmap.map(size, (mmap.PROT_READ | mmap.PROT_WRITE) as 3, mmap.MAP_SHARED, fd, 0);
}

/** Maps an inherited memory file (the host's memfd, `--ring-fd N`). */
export function openRingFd(fd: number): RingMemory {
  let size: number;
  try {
    size = fs.fstatSync(fd).size;
  } catch (e) {
    throw new RingError(`--ring-fd ${fd}: ${(e as Error).message}`);
  }
  if (size < HEADER_SIZE + MIN_CAPACITY) throw new RingError(`--ring-fd ${fd}: memory file is ${size} bytes, too small for a ring`);
  const mem = new RingMemory(mapFd(fd, size));
  if (!mem.initialized()) mem.initialize(); // the host normally does this; an all-zero file is ours to set up
  mem.validate();
  return mem;
}

/**
 * Creates (0600, inside a 0700 directory) or reopens the ring file at `p` (`--ring-path P`).
 * A reopened file keeps its positions and counters: that is how a restarted collector resumes.
 */
export function openRingPath(p: string, capacity: number): RingMemory {
  const dir = path.dirname(path.resolve(p));
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ds = fs.statSync(dir);
  if (!ds.isDirectory()) throw new RingError(`--ring-path: ${dir} is not a directory`);
  if ((ds.mode & 0o077) !== 0 || (process.getuid !== undefined && ds.uid !== process.getuid())) {
    throw new RingError(`--ring-path: directory ${dir} must be private (mode 0700, owned by this user); it is ${(ds.mode & 0o777).toString(8)}`);
  }
  const fd = fs.openSync(p, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new RingError(`--ring-path: ${p} is not a regular file`);
    if ((st.mode & 0o077) !== 0) throw new RingError(`--ring-path: ${p} must have mode 0600; it is ${(st.mode & 0o777).toString(8)}`);
    let fresh = false;
    if (st.size === 0) {
      if (!validCapacity(capacity)) throw new RingError(`--capacity ${capacity}: a power of two between ${MIN_CAPACITY} and ${MAX_CAPACITY}`);
      fs.ftruncateSync(fd, HEADER_SIZE + capacity);
      fresh = true;
    } else if (st.size < HEADER_SIZE + MIN_CAPACITY) {
      throw new RingError(`--ring-path: ${p} is ${st.size} bytes, too small for a ring`);
    }
    const mem = new RingMemory(mapFd(fd, fresh ? HEADER_SIZE + capacity : st.size));
    if (fresh || !mem.initialized()) mem.initialize();
    mem.validate();
    return mem;
  } finally {
    fs.closeSync(fd); // the mapping stays valid after close
  }
}

export type PublishResult = "ok" | "full" | "oversize";

/**
 * The single producer. Owns write_pos and every producer counter of the header.
 * append() writes records; commit() publishes everything appended so far with one release store
 * of write_pos (batches cost one store, not one per record). publish() is both.
 */
export class RingProducer {
  readonly mem: RingMemory;
  readonly capacity: number;
  readonly maxPayload: number;
  /** write_pos as last published. */
  private writePos: bigint;
  /** Bytes appended since (records, wrap skips), and the data offset where the next record goes. */
  private pendingBytes = 0;
  private offset: number;
  /** Bytes known to be free after what is appended (refreshed from read_pos only when short). */
  private room: number;
  private readonly bytes: Buffer;
  private pendingRecords = 0;
  private pendingTs: bigint | null = null;
  private pendingBody: Uint8Array | null = null;
  /** Per endpoint of this batch: its last kind-1 record's ts, and its last (up to 4) records' original bytes, oldest first. */
  private readonly pendingByEndpoint = new Map<string, { ts: bigint; bodies: Uint8Array[] }>();
  /** Per endpoint: the hashes of its last published records, newest first (what its entry keeps). */
  private readonly recentOf = new Map<string, bigint[]>();
  /** Resume entry index of each endpoint seen (-1: the area is full, the endpoint uses the global values). */
  private readonly entryOf = new Map<string, number>();

  /**
   * Called after a publication that finds the consumer waiting (consumer_waiting set): it must
   * wake it (contracts/ring.md "Waking the consumer"). null: the consumer polls.
   */
  private readonly wake: (() => void) | null;

  constructor(mem: RingMemory, wake: (() => void) | null = null) {
    this.mem = mem;
    this.wake = wake;
    this.capacity = mem.capacity;
    this.maxPayload = maxPayload(mem.capacity);
    this.bytes = mem.bytes;
    this.writePos = mem.load("writePos");
    this.offset = Number(this.writePos % BigInt(this.capacity));
    this.room = this.free();
  }

  /** Bytes free now (reads the consumer's read_pos). */
  free(): number {
    return this.capacity - Number(this.writePos + BigInt(this.pendingBytes) - this.mem.load("readPos"));
  }

  /**
   * Writes one record (not yet visible to the consumer). The payload is `body` when `tail` is
   * null, else body without its last byte (the closing `}`) followed by `tail` (the falco key
   * and the `}`). For kind 1, last_ts/last_hash will describe `body` (the daemon's JSON);
   * collector records (kind 2) leave them alone. `endpoint` (live daemons): the record also moves
   * that endpoint's resume entry at commit.
   */
  append(kind: number, ts: bigint, body: Uint8Array, tail: Uint8Array | null, endpoint: string | null = null, original: Uint8Array = body): PublishResult {
    const head = tail === null ? body.byteLength : body.byteLength - 1;
    const n = tail === null ? head : head + tail.byteLength;
    if (n > this.maxPayload) {
      this.add("oversizeDropped", 1);
      return "oversize";
    }
    const rs = recordSize(n);
    const cap = this.capacity;
    let off = this.offset;
    let skip = 0;
    if (cap - off < rs) skip = cap - off;
    // The consumer's read_pos is loaded only when the room known so far is short.
    if (skip + rs > this.room) {
      this.room = this.free();
      if (skip + rs > this.room) return "full";
    }
    const b = this.bytes;
    if (skip > 0) {
      b.writeUInt32LE(WRAP_MARKER, HEADER_SIZE + off);
      off = 0;
    }
    const at = HEADER_SIZE + off;
    b.writeUInt32LE(n, at);
    b.writeUInt32LE(kind, at + 4);
    b.writeBigUInt64LE(ts >= 0n && ts <= U64_MAX ? ts : BigInt.asUintN(64, ts), at + 8);
    if (Buffer.isBuffer(body)) body.copy(b, at + RECORD_HEADER, 0, head); // no view object per record
    else b.set(tail === null ? body : body.subarray(0, head), at + RECORD_HEADER);
    if (tail !== null) b.set(tail, at + RECORD_HEADER + head);
    for (let i = at + RECORD_HEADER + n; i < at + rs; i++) b[i] = 0; // at most 7 padding bytes
    this.pendingBytes += skip + rs;
    this.room -= skip + rs;
    this.offset = off + rs === cap ? 0 : off + rs;
    this.pendingRecords++;
    if (kind === KIND_DOCKER) {
      // The resume hash is of the event as received (a shrunk copy is shrunk again the same way).
      this.pendingTs = ts;
      this.pendingBody = original;
      if (endpoint !== null) {
        const p = this.pendingByEndpoint.get(endpoint);
        if (p === undefined) this.pendingByEndpoint.set(endpoint, { ts, bodies: [original] });
        else {
          p.ts = ts;
          if (p.bodies.length === RECENT_HASHES) p.bodies.shift();
          p.bodies.push(original);
        }
      }
    }
    return "ok";
  }

  /** Publishes what was appended: release store of write_pos after the bytes, then the counters. */
  commit(): void {
    if (this.pendingRecords === 0) return;
    this.writePos += BigInt(this.pendingBytes);
    this.pendingBytes = 0;
    this.mem.store("writePos", this.writePos);
    this.add("eventsWritten", this.pendingRecords);
    this.pendingRecords = 0;
    // The resume point follows the publication: a kill in between repeats one event rather
    // than losing it.
    let lastBody: Uint8Array | null = null;
    let lastHash = 0n;
    if (this.pendingTs !== null && this.pendingBody !== null) {
      lastBody = this.pendingBody;
      lastHash = hashToBigInt(fnv1a64(lastBody));
      this.mem.store("lastTs", this.pendingTs);
      this.mem.store("lastHash", lastHash);
      this.pendingTs = null;
      this.pendingBody = null;
    }
    if (this.pendingByEndpoint.size > 0) {
      // The batch's last endpoint has the header's record: its hash is not computed twice.
      for (const [endpoint, p] of this.pendingByEndpoint) {
        const hashes = p.bodies.map((b) => (b === lastBody ? lastHash : hashToBigInt(fnv1a64(b)))).reverse();
        this.updateEntry(endpoint, p.ts, hashes);
      }
      this.pendingByEndpoint.clear();
    }
    // Last, after the resume entries: a woken consumer runs at once (on a busy machine it takes
    // the CPU from us), and whoever it tells may kill us (a test, an operator) — the entries must
    // be complete by then, or the next collector finds one torn and repeats its event.
    // After the store of write_pos (both sequentially consistent): a consumer that set
    // consumer_waiting before its last look at write_pos is either seen here or sees the records.
    if (this.wake !== null && this.mem.load("consumerWaiting") !== 0n) this.wake();
  }

  /**
   * The stream of `endpoint` starts at daemon time `ts` and no point of its own exists: its entry
   * becomes {ts, hash 0} (nothing to skip), so a restart before its first event resumes there.
   */
  markStreamStart(endpoint: string, ts: bigint): void {
    const i = this.mem.findEntry(endpointKey(endpoint));
    if (i >= 0 && this.mem.loadEntry(i, "lastTs") !== 0n) return;
    this.recentOf.set(endpoint, []);
    this.updateEntry(endpoint, ts, [0n]);
  }

  /** Seqlock update of an endpoint's resume entry (claims the first free one the first time). */
  private updateEntry(endpoint: string, ts: bigint, newest: bigint[]): void {
    const m = this.mem;
    let i = this.entryOf.get(endpoint);
    let claim = false;
    if (i === undefined) {
      const key = endpointKey(endpoint);
      i = m.findEntry(key);
      if (i < 0) {
        i = m.findEntry(0n);
        claim = i >= 0;
      }
      this.entryOf.set(endpoint, i);
    }
    if (i < 0) return; // more than 64 endpoints: this one resumes from the global last_ts
    // The hashes before this batch's: from memory, or (first update after a restart) from the entry.
    let older = this.recentOf.get(endpoint);
    if (older === undefined) {
      older = claim ? [] : ((): bigint[] => {
        const h = m.loadEntry(i, "lastHash");
        return m.loadEntry(i, "seq") % 2n === 0n && h !== 0n ? [h, ...m.entryBefore(i, h)] : [];
      })();
    }
    const recent = [...newest, ...older].filter((h, k) => k === 0 || h !== 0n).slice(0, RECENT_HASHES); // a start point's 0 is no event
    this.recentOf.set(endpoint, recent[0] === 0n ? [] : recent);
    const hash = recent[0] as bigint;
    m.storeEntry(i, "seq", m.loadEntry(i, "seq") + 1n); // odd: update in progress
    if (claim) m.storeEntry(i, "key", endpointKey(endpoint));
    m.storeEntry(i, "lastTs", ts);
    m.storeEntry(i, "lastHash", hash);
    m.storeEntry(i, "prev1", recent[1] ?? 0n);
    m.storeEntry(i, "prev2", recent[2] ?? 0n);
    m.storeEntry(i, "prev3", recent[3] ?? 0n);
    m.storeEntry(i, "anchor", hash);
    m.storeEntry(i, "seq", m.loadEntry(i, "seq") + 1n); // even: stable
  }

  publish(kind: number, ts: bigint, body: Uint8Array, tail: Uint8Array | null, endpoint: string | null = null): PublishResult {
    const r = this.append(kind, ts, body, tail, endpoint);
    if (r === "ok") this.commit();
    return r;
  }

  add(field: HeaderField, n: number): void {
    if (n === 0) return;
    this.mem.store(field, this.mem.load(field) + BigInt(n));
  }

  set(field: HeaderField, value: bigint | number): void {
    this.mem.store(field, BigInt(value));
  }

  get(field: HeaderField): bigint {
    return this.mem.load(field);
  }
}
