// Resuming a daemon's stream (collector/src/docker.ts, contracts/ring.md "Resuming a stream"),
// against a fake daemon whose `since`/`until` behave like dockerd's: it keeps 256 events, replays
// them from the newest back and stops at the first one older than `since`, and its buffer is not
// sorted by time. A restarted collector (SIGKILL, then a new one on the same ring) must say
// `reconnect`, lose nothing the daemon still holds, repeat nothing, and when the daemon no longer
// holds its resume point, say so with a `drop` event carrying the window.
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { eventLine } from "./fake-daemon.mjs";
import { type Rec, RingReader, collectorSuite, until } from "./helpers";

const suite = collectorSuite("restart");
let n = 0;

const seqOf = (x: Rec): number => Number(x.json.Actor.Attributes.seq);
const seqs = (r: RingReader): number[] => r.docker().map(seqOf).sort((a, b) => a - b);
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

/**
 * Waits until the endpoint's resume entry holds the last event published: a SIGKILL between the
 * publication and the entry's update (contracts/ring.md) repeats that batch, by design; these
 * tests are about what the daemon replays, not about that window.
 */
async function settled(r: RingReader, url: string): Promise<void> {
  await until("the resume entry", () => {
    r.poll();
    const p = r.mem.resumePoint(url);
    return p !== null && p.from === "entry" && p.ts === r.docker().at(-1)?.ts;
  });
}

async function setup() {
  const d = await suite.fake();
  const ring = join(suite.dir(), `ring-${n++}`);
  const args = ["--ring-path", ring, "--endpoint", d.url, "--reconnect-max-ms", "200"];
  const first = suite.collector(args);
  await d.waitForStreams();
  const r = await RingReader.open(ring);
  return { d, ring, args, first, r };
}

describe("a restarted collector", () => {
  it("says reconnect (not connect), with the blind gap, and finds its resume point: nothing lost, nothing repeated", async () => {
    const { d, args, first, r } = await setup();
    await d.emit(20);
    await r.waitCount("20 events", (x) => x.kind === 1, 20);
    await settled(r, d.url);
    await first.kill9();
    await until("the stream to close", () => d.streams.size === 0);
    await d.emit(30);
    suite.collector(args);
    await d.waitForStreams();
    await d.emit(5);
    await r.waitFor("the last", (x) => x.kind === 1 && seqOf(x) === 54);
    await new Promise((res) => setTimeout(res, 300));
    r.poll();
    expect(seqs(r)).toEqual(range(0, 55));
    expect(r.collector("connect")).toHaveLength(1);
    const rc = r.collector("reconnect");
    expect(rc).toHaveLength(1);
    expect(rc[0]!.json.Actor.Attributes.reason).toMatch(/^collector restarted/);
    expect(BigInt(rc[0]!.json.Actor.Attributes.gapNs!)).toBeGreaterThan(0n);
    expect(r.collector("drop")).toEqual([]);
  });

  it("whose resume point the daemon evicted (over 256 events while it was down): a drop event with the window, then what the daemon still holds", async () => {
    const { d, args, first, r } = await setup();
    await d.emit(5);
    await r.waitCount("5 events", (x) => x.kind === 1, 5);
    await settled(r, d.url);
    const lastTs = r.docker().at(-1)!.ts;
    await first.kill9();
    await until("the stream to close", () => d.streams.size === 0);
    await d.emit(300); // the fake keeps the last 256: 49..304
    suite.collector(args);
    await d.waitForStreams();
    await r.waitFor("the last", (x) => x.kind === 1 && seqOf(x) === 304);
    r.poll();
    expect(seqs(r)).toEqual([...range(0, 5), ...range(49, 305)]);
    const drops = r.collector("drop");
    expect(drops).toHaveLength(1);
    const a = drops[0]!.json.Actor.Attributes;
    expect(a.reason).toMatch(/^gap: the daemon no longer holds the last event the ring holds \(its 256 events are all newer\)/);
    expect(a.resumeTs).toBe(String(lastTs));
    expect(a.fromNs).toBe(String(lastTs - 1_000_000_000n));
    expect(BigInt(a.toNs!)).toBeGreaterThan(lastTs);
    // the window [time - gapNs, time] starts 1 s before the resume point (the daemon's event times
    // are not in order); the exact count is unknowable, but the daemon's buffer is full of newer
    // events: at least one was lost
    expect(drops[0]!.ts - BigInt(a.gapNs!)).toBe(lastTs - 1_000_000_000n);
    expect(a.dropped).toBeUndefined();
    expect(a.droppedAtLeast).toBe("1");
    // the drop comes before the replayed events, after the reconnect
    const at = (p: (x: Rec) => boolean) => r.records.findIndex(p);
    expect(at((x) => x.json.Action === "reconnect")).toBeLessThan(at((x) => x.json.Action === "drop"));
    expect(at((x) => x.json.Action === "drop")).toBeLessThan(at((x) => x.kind === 1 && seqOf(x) === 49));
  });

  it("does not lose an event stamped before its resume point but buffered after it (the daemon's buffer is not sorted by time)", async () => {
    const { d, args, first, r } = await setup();
    await d.emit(10);
    await r.waitCount("10 events", (x) => x.kind === 1, 10);
    await settled(r, d.url);
    await first.kill9();
    await until("the stream to close", () => d.streams.size === 0);
    // dockerd stamps an event before it takes the lock that appends it: X is older than the last
    // event the ring holds, yet after it in the buffer (`since` = its time would stop at X)
    const lastTs = d.history.at(-1)![0];
    d.history.push([lastTs - 5000n, eventLine(1000, lastTs - 5000n, "start")]);
    await d.emit(5);
    suite.collector(args);
    await d.waitForStreams();
    await r.waitFor("the last", (x) => x.kind === 1 && seqOf(x) === 14);
    await new Promise((res) => setTimeout(res, 300));
    r.poll();
    expect(seqs(r)).toEqual([...range(0, 15), 1000]);
    expect(r.collector("drop")).toEqual([]);
  });

  it("does not lose an event buffered just before its resume point that reached it after (racing delivery), nor repeat the others", async () => {
    const { d, args, first, r } = await setup();
    await d.emit(9);
    const x = d.next("start"); // seq 9: in the buffer, never delivered to this subscriber yet
    const l = d.next("die"); // seq 10: delivered first
    expect(x).toBeDefined();
    await d.write(`${l}\n`);
    await r.waitFor("seq 10", (y) => y.kind === 1 && seqOf(y) === 10);
    await settled(r, d.url);
    await first.kill9();
    await until("the stream to close", () => d.streams.size === 0);
    await d.emit(3);
    suite.collector(args);
    await d.waitForStreams();
    await r.waitFor("the last", (y) => y.kind === 1 && seqOf(y) === 13);
    await new Promise((res) => setTimeout(res, 300));
    r.poll();
    expect(seqs(r)).toEqual(range(0, 14));
    expect(r.collector("drop")).toEqual([]);
  });
});

describe("a reconnect", () => {
  it("to a daemon that lost its buffer (it restarted): a drop event, then the new events", async () => {
    const { d, r } = await setup();
    await d.emit(5);
    await r.waitCount("5 events", (x) => x.kind === 1, 5);
    d.history.length = 0;
    d.closeStreams();
    await r.waitFor("reconnect", (x) => x.kind === 2 && x.json.Action === "reconnect");
    await d.emit(3);
    await r.waitFor("the last", (x) => x.kind === 1 && seqOf(x) === 7);
    // a buffer that is not full: the stream's replay is awaited (5 s) before it is called a restart
    await r.waitFor("the drop", (x) => x.kind === 2 && x.json.Action === "drop", 15_000);
    r.poll();
    expect(seqs(r)).toEqual(range(0, 8));
    const drops = r.collector("drop");
    expect(drops).toHaveLength(1);
    expect(drops[0]!.json.Actor.Attributes.reason).toMatch(/^gap: the daemon no longer holds the last event seen \(it restarted since: it holds \d+ events from then on\)/);
    // nothing says how many its previous run made after the last event seen: no count
    expect(drops[0]!.json.Actor.Attributes.droppedAtLeast).toBeUndefined();
  });

  it("after the daemon was unreachable, a full buffer without the last event seen is a gap without a count (the daemon may have restarted)", async () => {
    const { d, r } = await setup();
    await d.emit(5);
    await r.waitCount("5 events", (x) => x.kind === 1, 5);
    await d.stop();
    await r.waitFor("disconnect", (x) => x.kind === 2 && x.json.Action === "disconnect");
    await new Promise((res) => setTimeout(res, 600)); // a failed attempt or two
    await d.emit(300); // no stream: only the buffer (the last 256)
    await d.start();
    await r.waitFor("the last", (x) => x.kind === 1 && seqOf(x) === 304);
    const drop = await r.waitFor("the drop", (x) => x.kind === 2 && x.json.Action === "drop");
    expect(drop.json.Actor.Attributes.reason).toMatch(/the daemon was unreachable meanwhile: it may have restarted/);
    expect(drop.json.Actor.Attributes.droppedAtLeast).toBeUndefined();
  });

  it("finds the last event seen and repeats nothing when the daemon holds it", async () => {
    const { d, r } = await setup();
    await d.emit(300);
    await r.waitCount("300", (x) => x.kind === 1, 300);
    d.closeStreams();
    await r.waitFor("reconnect", (x) => x.kind === 2 && x.json.Action === "reconnect");
    await d.emit(4);
    await r.waitFor("the last", (x) => x.kind === 1 && seqOf(x) === 303);
    await new Promise((res) => setTimeout(res, 300));
    r.poll();
    expect(r.docker().map(seqOf)).toEqual(range(0, 304));
    expect(r.collector("drop")).toEqual([]);
  });
});
