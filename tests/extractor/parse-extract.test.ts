// Guest ABI v2 (assembly/ABI.md): dkr_parse_extract is dkr_parse followed by dkr_extract in one
// call, and the dkr_input / dkr_arg buffers stay valid, so the host asks for them once.
import { describe, expect, it } from "vitest";
import { attributeKeys, fixtures } from "./common";
import { Extractor } from "./wasm";

const BAD = ["", "{", "[1,2]", '{"Type":1}', '{"a":"\u00ff"}', "{\"Actor\":{\"Attributes\":[]}}", "  {} ", "nul"];

describe("dkr_parse_extract", () => {
  const one = new Extractor();
  const two = new Extractor();
  const lines = [...fixtures().flatMap((f) => f.lines), ...BAD];
  const enc = new TextEncoder();

  it("gives what dkr_parse then dkr_extract give, for every field of every fixture and bad payload", () => {
    let compared = 0;
    for (const line of lines) {
      const rc = one.parse(line);
      for (const f of one.fields) {
        const args: Array<string | null> = f.arg.isRequired ? (f.arg.isKey ? attributeKeys(line) : ["0"]) : [null];
        for (const arg of args) {
          // `one` parsed the line once; extract each field from it. `two` parses anew for each.
          const want = rc < 0 ? rc : one.extract(f.name, arg);
          const got = two.parseExtract(line, f.name, arg);
          expect(got, `${f.name}[${arg ?? ""}] of ${line.slice(0, 120)}`).toEqual(want);
          // The event stays parsed for the next fields (or stays unparsed after a parse error).
          expect(two.extract("docker.type"), line.slice(0, 120)).toEqual(rc < 0 ? -10 : one.extract("docker.type"));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(10000);
  });

  it("reports an unknown field or a bad argument after parsing, in the extraction range", () => {
    const line = fixtures()[0]!.lines[0]!;
    expect(two.parseExtract(line, 9999 as unknown as number)).toBe(-11);
    expect(two.extract("docker.type")).toEqual(one.parse(line) === 0 ? one.extract("docker.type") : -10);
    expect(two.parseExtract(line, "docker.type", "x")).toBe(-12);
    expect(two.parseExtract("{", "docker.type")).toBe(-1);
  });

  it("keeps the dkr_input buffer for every payload up to the size asked, and the dkr_arg buffer", () => {
    const x = two.x;
    const p = x.dkr_input(65536);
    const a = x.dkr_arg(65536);
    expect(p).not.toBe(0);
    expect(a).not.toBe(0);
    const name = two.byName.get("docker.attributes")!;
    for (const line of fixtures().flatMap((f) => f.lines).slice(0, 60)) {
      const b = enc.encode(line);
      new Uint8Array(x.memory.buffer, p, b.length).set(b);
      const key = enc.encode("name");
      new Uint8Array(x.memory.buffer, a, key.length).set(key);
      const n = x.dkr_parse_extract(b.length, name, key.length);
      const rc = one.parse(line);
      expect(n, line.slice(0, 100)).toBe(rc < 0 ? rc : (one.extract("docker.attributes", "name") as unknown[]).length);
    }
  });
});
