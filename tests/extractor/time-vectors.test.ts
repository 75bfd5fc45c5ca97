// tests/vectors/time.json against the wasm module: docker.time on every number form. The
// collector reads the same vectors (tests/collector/time-vectors.test.ts): an event's record
// time and its docker.time agree exactly.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Extractor } from "./wasm";

interface TimeVector { event: string; ts: string | null; parse?: number; note?: string }
const file = fileURLToPath(new URL("../vectors/time.json", import.meta.url));
const { vectors } = JSON.parse(readFileSync(file, "utf8")) as { vectors: TimeVector[] };

describe("tests/vectors/time.json: docker.time", () => {
  const x = new Extractor();
  it.each(vectors.map((v) => [v.event, v] as const))("%s", (_e, v) => {
    const rc = x.parse(v.event);
    expect(rc).toBe(v.parse ?? 0);
    if (rc !== 0) return;
    expect(x.extract("docker.time")).toEqual(v.ts === null ? [] : [v.ts]);
  });
});
