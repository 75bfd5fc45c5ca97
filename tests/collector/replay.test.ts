// file:// replay: never drops (waits for the ring), progress and finished in the header, exit 0
// at the end; a replay killed with SIGKILL resumes where it stopped; several recordings in order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { eventLine } from "./fake-daemon.mjs";
import { Collector, RingReader, ensureBuilt, privateDir, until } from "./helpers";

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ensureBuilt();
  ({ dir, cleanup } = privateDir("replay"));
});
afterAll(() => cleanup());

const T = 1795786267000000000n;

function recording(name: string, count: number, first = 0): { file: string; lines: string[] } {
  const lines: string[] = [];
  for (let i = first; i < first + count; i++) lines.push(eventLine(i, T + BigInt(i) * 1000n, i % 3 === 0 ? "start" : "die"));
  const file = join(dir, name);
  writeFileSync(file, lines.join("\n") + "\n");
  return { file, lines };
}

describe("replay", () => {
  it("publishes every line in order into a small ring without dropping, then exits 0 with finished = 1", async () => {
    const { file, lines } = recording("big.jsonl", 5000);
    const ring = join(dir, "ring-big");
    const c = new Collector(["--ring-path", ring, "--capacity", "65536", "--queue-max", "100", "--endpoint", `file://${file}`]);
    const r = await RingReader.open(ring);
    // a slow consumer: the replay must wait for it, never drop
    await until("replay to finish", () => {
      r.poll();
      return r.get("finished") === 1n && r.get("readPos") === r.get("writePos");
    }, 60_000, 5);
    expect(await c.exited).toBe(0);
    r.poll();
    expect(r.records.map((x) => x.text)).toEqual(lines);
    expect(r.records.map((x) => x.ts)).toEqual(lines.map((_, i) => T + BigInt(i) * 1000n));
    expect(r.get("eventsDropped")).toBe(0n);
    const size = BigInt(statSync(file).size);
    expect(r.get("sourceTotal")).toBe(size);
    expect(r.get("sourceRead")).toBe(size);
    expect(r.get("connected")).toBe(0n);
  });

  it("keeps collector lines as kind 2, skips blank and broken lines (counted, a drop event for the broken one), accepts CRLF and a last line without newline", async () => {
    const a = eventLine(1, T + 1n);
    const coll = `{"Type":"collector","Action":"disconnect","Actor":{"ID":"unix:///x","Attributes":{"endpoint":"unix:///x","reason":"boom"}},"scope":"local","time":1795786267,"timeNano":${T + 2n}}`;
    const b = eventLine(3, T + 3n);
    const file = join(dir, "odd.jsonl");
    writeFileSync(file, `${a}\r\n\n${coll}\n{"Type":"container","Act\n${b}`);
    const ring = join(dir, "ring-odd");
    const c = new Collector(["--ring-path", ring, "--endpoint", `file://${file}`]);
    expect(await c.exited).toBe(0);
    const r = new RingReader(ring);
    r.poll();
    const drops = r.records.filter((x) => x.kind === 2 && x.json.Action === "drop");
    expect(r.records.filter((x) => !drops.includes(x)).map((x) => [x.kind, x.text])).toEqual([[1, a], [2, coll], [1, b]]);
    // the broken line is not published, and a drop event says so (the blank one is nothing)
    expect(drops.map((x) => x.json.Actor.Attributes)).toEqual([
      { endpoint: `file://${file}`, dropped: "1", reason: "not a Docker event (not a JSON object with a valid time)" },
    ]);
    expect(r.get("parseErrors")).toBe(1n);
    expect(r.get("finished")).toBe(1n);
  });

  it("replays several recordings one after the other", async () => {
    const one = recording("one.jsonl", 30);
    const two = recording("two.jsonl", 20, 30);
    const ring = join(dir, "ring-two");
    const c = new Collector(["--ring-path", ring, "--endpoint", `file://${one.file}`, "--endpoint", `file://${two.file}`]);
    expect(await c.exited).toBe(0);
    const r = new RingReader(ring);
    r.poll();
    expect(r.records.map((x) => x.text)).toEqual([...one.lines, ...two.lines]);
    expect(r.get("sourceTotal")).toBe(BigInt(statSync(one.file).size + statSync(two.file).size));
  });

  it("resumes after SIGKILL at the last published line: every line exactly once", async () => {
    const { file, lines } = recording("resume.jsonl", 3000);
    const ring = join(dir, "ring-resume");
    const first = new Collector(["--ring-path", ring, "--capacity", "65536", "--queue-max", "50", "--endpoint", `file://${file}`]);
    const r = await RingReader.open(ring);
    // consumer paused: the ring fills and the replay waits with events queued
    await until("the replay blocked on a full ring", () => r.get("queueDepth") > 0n && r.get("eventsWritten") > 10n, 30_000);
    await first.kill9();
    const read = BigInt(r.get("sourceRead"));
    expect(read).toBeGreaterThan(0n);
    expect(r.get("finished")).toBe(0n);
    r.poll(); // the host keeps consuming what is in the ring
    const second = new Collector(["--ring-path", ring, "--capacity", "65536", "--endpoint", `file://${file}`]);
    await until("second replay to finish", () => {
      r.poll();
      return r.get("finished") === 1n && r.get("readPos") === r.get("writePos");
    }, 60_000, 5);
    expect(await second.exited).toBe(0);
    expect(second.log()).toContain(`resuming at byte ${read}`);
    r.poll();
    expect(r.records.map((x) => x.text)).toEqual(lines);
    // started again on the finished ring: nothing more
    const third = new Collector(["--ring-path", ring, "--endpoint", `file://${file}`]);
    expect(await third.exited).toBe(0);
    r.poll();
    expect(r.records).toHaveLength(lines.length);
  });
});
