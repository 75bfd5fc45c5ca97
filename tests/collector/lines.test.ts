// The line splitter shared by live streams and replay: every split of the input gives the same
// lines, byte for byte, with the newline's position; a line longer than MAX_LINE_BYTES is
// dropped up to its newline, reported once, and never held in memory beyond the bound.
import { describe, expect, it } from "vitest";
import { LineSplitter, MAX_LINE_BYTES } from "../../collector/src/lines";

function split(chunks: Buffer[]): { lines: string[]; ends: number[]; overlong: number; last: string | null; maxPending: number } {
  const lines: string[] = [];
  const ends: number[] = [];
  let overlong = 0;
  let at = 0;
  let maxPending = 0;
  const s = new LineSplitter({
    line: (l, nl) => {
      lines.push(l.toString("latin1"));
      ends.push(at + nl + 1);
    },
    overlong: () => overlong++,
  });
  for (const c of chunks) {
    s.push(c);
    at += c.length;
    maxPending = Math.max(maxPending, s.pending);
  }
  const last = s.end();
  return { lines, ends, overlong, last: last === null ? null : last.toString("latin1"), maxPending };
}

describe("line splitter", () => {
  const text = 'one\n{"two":2}\n\nthree\r\nfour-is-longer-than-the-others\nfive';
  const want = ["one", '{"two":2}', "", "three\r", "four-is-longer-than-the-others"];
  const wantEnds = [4, 14, 15, 22, 53];

  it.each([1, 2, 3, 5, 7, 64])("gives the same lines with chunks of %i bytes", (size) => {
    const b = Buffer.from(text, "latin1");
    const chunks: Buffer[] = [];
    for (let i = 0; i < b.length; i += size) chunks.push(b.subarray(i, i + size));
    const r = split(chunks);
    expect(r.lines).toEqual(want);
    expect(r.ends).toEqual(wantEnds);
    expect(r.last).toBe("five");
    expect(r.overlong).toBe(0);
  });

  it("drops a line longer than the bound once, keeps the lines around it, holds no more than the bound", () => {
    const big = Buffer.alloc(MAX_LINE_BYTES + 10, 0x61);
    const chunks: Buffer[] = [Buffer.from("before\nxx")];
    for (let i = 0; i < big.length; i += 1 << 20) chunks.push(big.subarray(i, i + (1 << 20)));
    chunks.push(Buffer.from("tail-of-the-long-line\nafter\n"));
    const r = split(chunks);
    expect(r.lines).toEqual(["before", "after"]);
    expect(r.overlong).toBe(1);
    expect(r.maxPending).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(r.last).toBeNull();
  });

  it("keeps a line of exactly the bound, joined across chunks", () => {
    const exact = Buffer.alloc(MAX_LINE_BYTES, 0x62);
    const r = split([exact.subarray(0, 5), exact.subarray(5), Buffer.from("\n")]);
    expect(r.overlong).toBe(0);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]!.length).toBe(MAX_LINE_BYTES);
  });
});
