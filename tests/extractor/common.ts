// Shared helpers of the extractor tests: fixtures, and the comparison of the module with
// the reference extractor on one payload.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { Extractor, Value } from "./wasm";
import { refExtract, refParse } from "./reference";

export const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

/** Every fixture file (name) with its lines (raw bytes as text, no newline). */
export function fixtures(): Array<{ file: string; lines: string[] }> {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".jsonl") && f !== "demo.jsonl") // demo.jsonl: the lead's, not a recording of this suite
    .sort()
    .map((file) => ({
      file,
      lines: readFileSync(FIXTURES + file, "utf8").split("\n").filter((l) => l.length > 0),
    }));
}

/** Keys worth asking docker.attributes for: the event's own attribute keys plus absent ones. */
export function attributeKeys(payload: string): string[] {
  const keys = new Set<string>(["", "absent.key", "name", "image", "exitCode", "com.example.team"]);
  try {
    const v = JSON.parse(payload) as { Actor?: { Attributes?: Record<string, unknown> } };
    const a = v?.Actor?.Attributes;
    if (a && typeof a === "object") for (const k of Object.keys(a).slice(0, 20)) keys.add(k);
  } catch {
    /* not JSON: only the fixed keys */
  }
  return [...keys];
}

/**
 * Parses payload with both and asserts the same parse code and, if it parsed, the same
 * values for every field (docker.attributes with each key of keys). Returns the parse code.
 */
export function compareWithReference(x: Extractor, payload: Uint8Array, keys: string[], label: string): number {
  const rc = x.parse(payload);
  const ref = refParse(payload);
  const refRc = typeof ref === "number" ? ref : 0;
  expect(rc, `${label}: parse code`).toBe(refRc);
  for (let id = 0; id < x.fields.length; id++) {
    const f = x.fields[id]!;
    const args: Array<string | null> = f.arg.isKey ? keys : [null];
    for (const arg of args) {
      const got = x.extract(id, arg);
      if (typeof ref === "number") {
        expect(got, `${label}: ${f.name} after a failed parse`).toBe(-10);
        continue;
      }
      const want = refExtract(ref, f.name, arg);
      expect(want, `${label}: reference knows ${f.name}`).not.toBeNull();
      expect(got as Value[], `${label}: ${f.name}${arg === null ? "" : `[${arg}]`}`).toEqual(want);
    }
  }
  return rc;
}
