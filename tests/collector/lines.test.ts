// The line splitter shared by live streams and replay: every split of the input gives the same
// lines, byte for byte, with the newline's position; a line longer than MAX_LINE_BYTES is
// squeezed as it streams in (its strings cut to the extractor's 64 KiB), the same whatever the
// chunks; one that cannot be squeezed under the bound is dropped up to its newline, reported
// once, and never held in memory beyond the bound.
import { describe, expect, it } from "vitest";
import { LineSplitter, MAX_LINE_BYTES } from "../../collector/src/lines";
import type { Cut } from "../../collector/src/shrink";

function split(chunks: Buffer[]): { lines: string[]; ends: number[]; cuts: Array<Cut | null>; overlong: number; last: string | null; maxPending: number } {
  const lines: string[] = [];
  const cuts: Array<Cut | null> = [];
  const ends: number[] = [];
  let overlong = 0;
  let at = 0;
  let maxPending = 0;
  const s = new LineSplitter({
    line: (l, nl, cut) => {
      lines.push(l.toString("latin1"));
      ends.push(at + nl + 1);
      cuts.push(cut);
    },
    overlong: () => overlong++,
  });
  for (const c of chunks) {
    s.push(c);
    at += c.length;
    maxPending = Math.max(maxPending, s.pending);
  }
  const last = s.end();
  return { lines, ends, cuts, overlong, last: last === null ? null : last.line.toString("latin1"), maxPending };
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

  it("drops a line longer than the bound that has nothing to squeeze, once, keeps the lines around it, holds no more than the bound", () => {
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

  it("squeezes a line longer than the bound: strings cut to 64 KiB at character boundaries, the same whatever the chunks", () => {
    // 200 labels of 100,000 bytes (ASCII, 2-byte UTF-8, escapes): 20 MB, one event line
    const pieces = ["A", "é", "\\n", "\\u00e9", "\\ud83d\\ude00"];
    const labels = Array.from({ length: 200 }, (_, i) => `"l${i}":"${pieces[i % pieces.length]!.repeat(Math.ceil(100_000 / Buffer.byteLength(pieces[i % pieces.length]!)))}"`);
    const line = Buffer.from(`{"Type":"container","Action":"create","Actor":{"ID":"c1","Attributes":{${labels.join(",")}}},"time":1,"timeNano":1000000000}`);
    expect(line.length).toBeGreaterThan(MAX_LINE_BYTES);
    const results = [1 << 20, 65536, 77777].map((size) => {
      const chunks: Buffer[] = [Buffer.from("before\n")];
      const all = Buffer.concat([line, Buffer.from("\nafter\n")]);
      for (let i = 0; i < all.length; i += size) chunks.push(all.subarray(i, i + size));
      return split(chunks);
    });
    for (const r of results) {
      expect(r.lines).toHaveLength(3);
      expect(r.lines[0]).toBe("before");
      expect(r.lines[2]).toBe("after");
      expect(r.lines[1]).toBe(results[0]!.lines[1]);
      expect(r.overlong).toBe(0);
      expect(r.maxPending).toBeLessThanOrEqual(MAX_LINE_BYTES + (1 << 20));
    }
    const squeezed = Buffer.from(results[0]!.lines[1]!, "latin1");
    const v = JSON.parse(squeezed.toString("utf8")) as { Type: string; timeNano: number; Actor: { Attributes: Record<string, string> } };
    expect(v.Type).toBe("container");
    expect(v.timeNano).toBe(1000000000);
    // 64 KiB each until the squeezed line passes 8 MiB (label 128), then 256 bytes each
    for (const [i, [k, val]] of Object.entries(v.Actor.Attributes).entries()) {
      expect(Buffer.byteLength(JSON.stringify(val)) - 2, k).toBeLessThanOrEqual(i < 128 ? 64 << 10 : 256);
      expect(val.length, k).toBeGreaterThan(i < 128 ? 10_000 : 20);
      expect(val.includes("\ufffd"), k).toBe(false); // no surrogate pair split, no UTF-8 sequence cut
    }
    const cut = results[0]!.cuts[1]!;
    expect(cut).toMatchObject({ bytes: line.length, strings: 200, stringBytes: line.length - squeezed.length });
  });

  it("gives up on a line that stays over the bound squeezed (millions of members): dropped and reported once", () => {
    const members = Array.from({ length: 1_500_000 }, (_, i) => `"k${i}":"v"`).join(",");
    const line = Buffer.from(`{"a":{${members}},"time":1}`);
    expect(line.length).toBeGreaterThan(MAX_LINE_BYTES);
    const chunks: Buffer[] = [];
    for (let i = 0; i < line.length; i += 1 << 20) chunks.push(line.subarray(i, i + (1 << 20)));
    const r = split([...chunks, Buffer.from("\nafter\n")]);
    expect(r.lines).toEqual(["after"]);
    expect(r.overlong).toBe(1);
  });
});
