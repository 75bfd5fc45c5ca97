// The producer writes byte-identical images to the independent Python vectors
// (tests/vectors/ring/make_vectors.py, written from contracts/ring.md), and the TS consumer reads
// them and rejects the corrupt ones. The C host consumer is checked against the same files.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { fnv1a64, hashToBigInt } from "../../collector/src/hash";
import { E, H, HEADER_SIZE, RESUME_AT, RESUME_ENTRIES, RESUME_ENTRY_SIZE, RingMemory, RingProducer, VERSION, endpointKey, maxPayload } from "../../collector/src/ring";
import { RingConsumer } from "../../collector/src/ring-consumer";

const DIR = resolve(__dirname, "../vectors/ring");
const ROOT = resolve(__dirname, "../..");

interface VecRecord { kind: number; ts: string; payload: string }
type Op = { op: "publish"; kind: number; ts: string; payload: string; original?: string; endpoint?: string } | { op: "consume"; count: number } | { op: "wait" | "woke" };
interface VecEntry { endpoint: string; key: string; index: number; last_ts: string; last_hash: string; seq: string; before: string[]; anchor: string }
interface VecLookup { endpoint: string; since: string; skip_hash: string | null }
interface Vector {
  description: string;
  capacity: number;
  initial: { write_pos: string; read_pos: string };
  ops: Op[];
  records: VecRecord[];
  final: Record<string, string>;
  resume: VecEntry[];
  lookups: VecLookup[];
  /** Present when the consumer waits in the ops: events_written at each publication that must wake it. */
  wakes?: number[];
}

function aligned(bytes: Uint8Array): Uint8Array {
  const m = new Uint8Array(new ArrayBuffer(bytes.length));
  m.set(bytes);
  return m;
}

const names = readdirSync(DIR).filter((f) => f.endsWith(".json") && !f.includes(".corrupt-")).map((f) => f.slice(0, -5));
const corrupt = readdirSync(DIR).filter((f) => f.endsWith(".json") && f.includes(".corrupt-")).map((f) => f.slice(0, -5));

const FINAL: Record<string, keyof typeof H> = {
  write_pos: "writePos", read_pos: "readPos", events_written: "eventsWritten", events_read: "eventsRead", last_ts: "lastTs", last_hash: "lastHash",
  consumer_waiting: "consumerWaiting",
};

describe("ring layout", () => {
  it("matches contracts/ring.json", () => {
    const c = JSON.parse(readFileSync(resolve(ROOT, "contracts/ring.json"), "utf8")) as {
      header: Record<string, number>; headerSize: number; magic: string; version: number;
      resume: { offset: number; entries: number; entrySize: number; entry: Record<string, number> };
    };
    expect(c.header).toEqual(H);
    expect(c.headerSize).toBe(HEADER_SIZE);
    expect(c.version).toBe(VERSION);
    expect(c.resume).toEqual({ offset: RESUME_AT, entries: RESUME_ENTRIES, entrySize: RESUME_ENTRY_SIZE, entry: E });
    expect(RESUME_AT + RESUME_ENTRIES * RESUME_ENTRY_SIZE).toBe(HEADER_SIZE);
    expect(BigInt(c.magic)).toBe(0x31474e4952524b44n);
    expect(Buffer.from("DKRRING1").readBigUInt64LE(0)).toBe(0x31474e4952524b44n);
    expect(maxPayload(65536)).toBe(16368);
    expect(maxPayload(1 << 30)).toBe(16 * 1024 * 1024 - 16);
  });

  it("hashes with FNV-1a 64", () => {
    expect(hashToBigInt(fnv1a64(Buffer.from("")))).toBe(0xcbf29ce484222325n);
    expect(hashToBigInt(fnv1a64(Buffer.from("a")))).toBe(0xaf63dc4c8601ec8cn);
    expect(hashToBigInt(fnv1a64(Buffer.from("foobar")))).toBe(0x85944171f73967e8n);
  });

  it("has vectors: plain, wrap-around, wrap marker, full, and corrupt ones", () => {
    expect(names).toEqual(expect.arrayContaining(["basic", "consumed", "wraparound", "wrapmarker", "wrapmarker8", "full", "resume", "wake"]));
    expect(corrupt.length).toBeGreaterThanOrEqual(9);
  });
});

describe.each(names)("vector %s", (name) => {
  const vec = JSON.parse(readFileSync(resolve(DIR, `${name}.json`), "utf8")) as Vector;
  const image = readFileSync(resolve(DIR, `${name}.bin`));

  it("the producer (with the TS consumer for consume steps) writes the same bytes", () => {
    const mem = new RingMemory(new Uint8Array(new ArrayBuffer(HEADER_SIZE + vec.capacity)));
    mem.initialize();
    mem.store("writePos", BigInt(vec.initial.write_pos));
    mem.store("readPos", BigInt(vec.initial.read_pos));
    const wakes: number[] = [];
    let publishing = -1; // the publish op being made (0-based), as the vector counts them
    const producer = new RingProducer(mem, () => wakes.push(publishing));
    const consumer = new RingConsumer(mem, vec.capacity);
    for (const op of vec.ops) {
      if (op.op === "wait" || op.op === "woke") mem.store("consumerWaiting", op.op === "wait" ? 1n : 0n);
      else if (op.op === "publish") {
        // with a falco key: the daemon's JSON as body, the key and brace as tail (how the collector writes it)
        const payload = Buffer.from(op.payload, "utf8");
        const body = op.original !== undefined ? Buffer.from(op.original, "utf8") : payload;
        const tail = op.original !== undefined ? payload.subarray(body.length - 1) : null;
        if (op.original !== undefined) expect(op.payload.startsWith(op.original.slice(0, -1))).toBe(true);
        publishing++;
        expect(producer.publish(op.kind, BigInt(op.ts), body, tail, op.endpoint ?? null)).toBe("ok");
      } else if (op.op === "consume") {
        expect(consumer.poll(op.count)).toHaveLength(op.count);
      }
    }
    const diff = mem.bytes.findIndex((b, i) => b !== image[i]);
    expect(diff).toBe(-1);
    // It wakes a waiting consumer after exactly the publications the contract says.
    expect(wakes).toEqual(vec.wakes ?? []);
    expect(mem.bytes.length).toBe(image.length);
  });

  it("the TS consumer reads the records and the final header", () => {
    const mem = new RingMemory(aligned(image));
    for (const [k, f] of Object.entries(FINAL)) expect(mem.load(f).toString(), k).toBe(vec.final[k] ?? "0");
    const got = new RingConsumer(mem, vec.capacity).poll();
    expect(got.map((r) => ({ kind: r.kind, ts: r.ts.toString(), payload: r.payload.toString("utf8") }))).toEqual(vec.records);
    expect(mem.load("readPos")).toBe(mem.load("writePos"));
  });

  it("the resume entries and where a restarted collector resumes each endpoint", () => {
    const mem = new RingMemory(aligned(image));
    for (const e of vec.resume) {
      expect(endpointKey(e.endpoint).toString()).toBe(e.key);
      expect(mem.findEntry(BigInt(e.key))).toBe(e.index);
      expect(mem.loadEntry(e.index, "lastTs").toString()).toBe(e.last_ts);
      expect(mem.loadEntry(e.index, "lastHash").toString()).toBe(e.last_hash);
      expect(mem.loadEntry(e.index, "seq").toString()).toBe(e.seq);
      expect(mem.loadEntry(e.index, "anchor").toString()).toBe(e.anchor);
      expect(mem.entryBefore(e.index, BigInt(e.last_hash)).map(String)).toEqual(e.before);
    }
    for (let i = vec.resume.length; i < RESUME_ENTRIES; i++) expect(mem.loadEntry(i, "key")).toBe(0n);
    for (const l of vec.lookups) {
      const p = mem.resumePoint(l.endpoint);
      expect(p === null ? "0" : p.ts.toString(), l.endpoint).toBe(l.since);
      expect(p === null || p.hash === null ? null : p.hash.toString(), l.endpoint).toBe(l.skip_hash);
    }
  });
});

describe("resume entries", () => {
  const vec = JSON.parse(readFileSync(resolve(DIR, "resume.json"), "utf8")) as Vector;
  const image = readFileSync(resolve(DIR, "resume.bin"));

  it("are per endpoint: daemons with skewed clocks each keep their own point, not the global last_ts", () => {
    const mem = new RingMemory(aligned(image));
    const [a, b] = vec.resume as [VecEntry, VecEntry];
    expect(BigInt(b.last_ts) - BigInt(a.last_ts)).toBeGreaterThan(20_000_000_000n);
    expect(mem.resumePoint(a.endpoint)).toEqual({ ts: BigInt(a.last_ts), hash: BigInt(a.last_hash), before: a.before.map(BigInt), from: "entry" });
    expect(a.before).toHaveLength(3);
    expect(mem.resumePoint(a.endpoint)?.ts).not.toBe(mem.load("lastTs"));
    expect(mem.resumePoint("tcp://not-seen:2375")).toEqual({ ts: mem.load("lastTs"), hash: mem.load("lastHash"), from: "global" });
  });

  it("an entry caught mid-update (odd seq) resumes from its ts and skips nothing; without a ts, from the global values", () => {
    const mem = new RingMemory(aligned(image));
    const a = vec.resume[0] as VecEntry;
    mem.storeEntry(a.index, "seq", BigInt(a.seq) + 1n);
    expect(mem.resumePoint(a.endpoint)).toEqual({ ts: BigInt(a.last_ts), hash: null, from: "torn" });
    mem.storeEntry(a.index, "lastTs", 0n);
    expect(mem.resumePoint(a.endpoint)?.from).toBe("global");
  });

  it("keep the hashes before the last one only while anchored to it (an entry rewritten elsewhere keeps none)", () => {
    const mem = new RingMemory(aligned(image));
    const a = vec.resume[0] as VecEntry;
    mem.storeEntry(a.index, "lastHash", 12345n);
    expect(mem.resumePoint(a.endpoint)).toMatchObject({ hash: 12345n, before: [] });
  });

  it("a restarted producer continues the list from the entry", () => {
    const mem = new RingMemory(new Uint8Array(new ArrayBuffer(HEADER_SIZE + 65536)));
    mem.initialize();
    const ep = "unix:///x.sock";
    const bodies = [0, 1, 2, 3, 4].map((i) => Buffer.from(`{"i":${i}}`));
    const h = bodies.map((b) => hashToBigInt(fnv1a64(b)));
    let p = new RingProducer(mem);
    p.publish(1, 1n, bodies[0]!, null, ep);
    p.publish(1, 2n, bodies[1]!, null, ep);
    expect(mem.resumePoint(ep)).toMatchObject({ hash: h[1], before: [h[0]] });
    p = new RingProducer(mem); // a restart
    for (const i of [2, 3]) expect(p.append(1, BigInt(i + 1), bodies[i]!, null, ep)).toBe("ok");
    p.commit(); // one batch of two
    p.publish(1, 5n, bodies[4]!, null, ep);
    expect(mem.resumePoint(ep)).toMatchObject({ ts: 5n, hash: h[4], before: [h[3], h[2], h[1]] });
  });

  it("past 64 endpoints, the extra ones write no entry and fall back to the global values", () => {
    const mem = new RingMemory(new Uint8Array(new ArrayBuffer(HEADER_SIZE + 65536)));
    mem.initialize();
    const producer = new RingProducer(mem);
    for (let i = 0; i < RESUME_ENTRIES + 2; i++) {
      expect(producer.publish(1, 1000n + BigInt(i), Buffer.from(`{"i":${i}}`), null, `tcp://d${i}:2375`)).toBe("ok");
    }
    expect(mem.resumePoint("tcp://d63:2375")).toMatchObject({ ts: 1063n, from: "entry" });
    expect(mem.resumePoint("tcp://d64:2375")).toMatchObject({ ts: 1065n, from: "global" });
    expect(mem.resumePoint("tcp://d0:2375")).toMatchObject({ ts: 1000n, from: "entry" });
  });
});

describe.each(corrupt)("corrupt vector %s", (name) => {
  const vec = JSON.parse(readFileSync(resolve(DIR, `${name}.json`), "utf8")) as { reason: string; capacity: number };
  it("is rejected as a corrupt ring", () => {
    const mem = new RingMemory(aligned(readFileSync(resolve(DIR, `${name}.bin`))));
    expect(() => new RingConsumer(mem, vec.capacity).poll(), vec.reason).toThrow(/corrupt ring/);
  });
});
