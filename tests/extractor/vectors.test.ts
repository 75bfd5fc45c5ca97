// tests/vectors/fields.json (shared with the host's C harness) against the wasm module.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Extractor } from "./wasm";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

type VectorEvent = string | { file: string; line: number } | { hex: string };
interface Vector {
  event: VectorEvent;
  field: string;
  arg: string | null;
  values: Array<string | boolean>;
  parse?: number;
  note?: string;
}

const vectors = JSON.parse(readFileSync(ROOT + "tests/vectors/fields.json", "utf8")) as Vector[];

function payload(e: VectorEvent): Uint8Array {
  if (typeof e === "string") return new TextEncoder().encode(e);
  if ("hex" in e) return Uint8Array.from(Buffer.from(e.hex, "hex"));
  const raw = readFileSync(ROOT + e.file);
  // Line n (1-based) without its newline, byte for byte.
  let start = 0;
  for (let n = 1; n < e.line; n++) start = raw.indexOf(10, start) + 1;
  let end = raw.indexOf(10, start);
  if (end < 0) end = raw.length;
  return new Uint8Array(raw.subarray(start, end));
}

describe("tests/vectors/fields.json", () => {
  const x = new Extractor();
  it("covers every field of the table", () => {
    const covered = new Set(vectors.map((v) => v.field));
    expect(x.fields.map((f) => f.name).filter((n) => !covered.has(n))).toEqual([]);
  });
  vectors.forEach((v, i) => {
    const where = typeof v.event === "string" ? `inline ${v.event.slice(0, 60)}` : JSON.stringify(v.event).slice(0, 80);
    it(`#${i} ${v.field}${v.arg === null ? "" : `[${v.arg}]`} on ${where}`, () => {
      expect(x.parse(payload(v.event))).toBe(v.parse ?? 0);
      const got = x.extract(v.field, v.arg);
      if ((v.parse ?? 0) !== 0) expect(got).toBe(-10);
      else expect(got).toEqual(v.values);
    });
  });
});
