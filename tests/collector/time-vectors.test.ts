// tests/vectors/time.json against the collector's event parser: the record time (ring `ts`) of an
// event is exactly what the extractor gives docker.time (tests/extractor/time-vectors.test.ts);
// an event without one is not published (counted as a parse error).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EventParser } from "../../collector/src/event";

interface TimeVector { event: string; ts: string | null; parse?: number; note?: string }
const file = fileURLToPath(new URL("../vectors/time.json", import.meta.url));
const { vectors } = JSON.parse(readFileSync(file, "utf8")) as { vectors: TimeVector[] };

describe("tests/vectors/time.json: the collector's record time", () => {
  const p = new EventParser();
  it.each(vectors.map((v) => [v.event, v] as const))("%s", (_e, v) => {
    const ev = p.parse(Buffer.from(v.event, "utf8"));
    expect(ev === null ? null : ev.ts.toString()).toBe(v.ts);
  });
});
