// The module on every recorded real-daemon event (and the hand-made enriched ones): it parses
// them, and every field equals the reference extractor's value.
import { describe, expect, it } from "vitest";
import { Extractor } from "./wasm";
import { attributeKeys, compareWithReference, fixtures } from "./common";

const enc = new TextEncoder();

describe("fixtures", () => {
  const x = new Extractor();
  for (const { file, lines } of fixtures()) {
    it(`${file}: ${lines.length} events parse, every field equals the reference`, () => {
      expect(lines.length).toBeGreaterThan(0);
      lines.forEach((line, i) => {
        const rc = compareWithReference(x, enc.encode(line), attributeKeys(line), `${file}:${i + 1}`);
        expect(rc, `${file}:${i + 1}`).toBe(0);
      });
    });
  }
});
