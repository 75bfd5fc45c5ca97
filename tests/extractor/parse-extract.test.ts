// Guest ABI v2 (assembly/ABI.md): dkr_parse_extract parses an event and answers the requests
// of the request table in the same call (each answer what dkr_extract gives), the answers
// outlive later dkr_extract calls, and the dkr_input / dkr_arg buffers stay put.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { attributeKeys, fixtures } from "./common";
import { Extractor, type FieldInfo } from "./wasm";

const BAD = ["", "{", "[1,2]", '{"Type":1}', '{"a":"\u00ff"}', '{"Actor":{"Attributes":[]}}', "  {} ", "nul"];
/** The hand-written events of the field vectors (escapes, engines, limits: what fixtures seldom hold). */
const VECTOR_EVENTS = [...new Set(
  (JSON.parse(readFileSync(new URL("../vectors/fields.json", import.meta.url), "utf8")) as Array<{ event: unknown }>)
    .map((v) => v.event).filter((e): e is string => typeof e === "string"),
)];

/** Every (field, argument) worth asking of a payload. */
function requestsOf(fields: FieldInfo[], line: string): Array<[string, string | null]> {
  const out: Array<[string, string | null]> = [];
  for (const f of fields) {
    const args: Array<string | null> = f.arg.isRequired ? (f.arg.isKey ? attributeKeys(line) : ["0"]) : [null];
    for (const a of args) out.push([f.name, a]);
  }
  return out;
}

describe("dkr_parse_extract", () => {
  const one = new Extractor();
  const two = new Extractor();
  const lines = [...fixtures().flatMap((f) => f.lines), ...VECTOR_EVENTS, ...BAD];

  it("answers every request as dkr_parse then dkr_extract would, 32 at a time, for every fixture, vector event and bad payload", () => {
    let compared = 0;
    for (const line of lines) {
      const rc = one.parse(line);
      const reqs = requestsOf(one.fields, line);
      for (let i = 0; i < reqs.length; i += 32) {
        const batch = reqs.slice(i, i + 32);
        const got = two.parseExtract(line, batch);
        expect(got.rc, line.slice(0, 120)).toBe(rc);
        if (rc < 0) continue;
        batch.forEach(([f, a], k) => {
          expect(got.answers[k], `${f}[${a ?? ""}] of ${line.slice(0, 120)}`).toEqual(one.extract(f, a));
          compared++;
        });
        // The event stays parsed for dkr_extract.
        expect(two.extract("docker.type")).toEqual(one.extract("docker.type"));
      }
      if (rc < 0) expect(two.extract("docker.type")).toBe(-10);
    }
    expect(compared).toBeGreaterThan(10000);
  });

  it("keeps the answers through dkr_extract calls, and answers a request twice alike", () => {
    const line = fixtures().find((f) => f.file === "container-lifecycle.jsonl")!.lines[0]!;
    const reqs: Array<[string, string | null]> = [["docker.type", null], ["docker.attributes", "com.example.note"], ["docker.container.name", null], ["docker.type", null]];
    const first = two.parseExtract(line, reqs);
    for (const [f, a] of requestsOf(two.fields, line)) two.extract(f, a);   // overwrite the single-extract areas
    const ans = two.x.dkr_answers();
    const dv = new DataView(two.x.memory.buffer);
    const dec = new TextDecoder();
    const again = reqs.map(([f], k) => {
      const n = dv.getInt32(ans + k * 8, true);
      const v = dv.getUint32(ans + k * 8 + 4, true);
      return Array.from({ length: n }, (_, i) => dec.decode(new Uint8Array(two.x.memory.buffer, dv.getUint32(v + i * 8, true), dv.getUint32(v + i * 8 + 4, true))));
    });
    expect(again).toEqual(first.answers);
    expect(first.answers[0]).toEqual(first.answers[3]);
    expect(first.answers[1]).toEqual(['quote" backslash\\ <tag> & é 😀']);
  });

  it("answers bad requests with errors, and only the first 32", () => {
    const line = fixtures()[0]!.lines[0]!;
    const got = two.parseExtract(line, [[9999, null], ["docker.type", "x"], ["docker.attributes", null], ["docker.type", null]]);
    expect(got.rc).toBe(0);
    expect(got.answers.slice(0, 3)).toEqual([-11, -12, -12]);
    expect(got.answers[3]).toEqual(one.parse(line) === 0 ? one.extract("docker.type") : -10);
    // An argument outside the argument area (the payload written again: the module may change it).
    const b = new TextEncoder().encode(line);
    new Uint8Array(two.x.memory.buffer, two.x.dkr_input(b.length), b.length).set(b);
    const t = two.x.dkr_requests();
    const dv = new DataView(two.x.memory.buffer);
    dv.setUint32(t, two.byName.get("docker.attributes")!, true);
    dv.setInt32(t + 4, 10, true);
    dv.setUint32(t + 8, 16 * 1024 - 5, true);
    expect(two.x.dkr_parse_extract(b.length, 1)).toBe(0);
    expect(dv.getInt32(two.x.dkr_answers(), true)).toBe(-12);
    const many = Array.from({ length: 40 }, (): [string, null] => ["docker.type", null]);
    const r = two.parseExtract(line, many);
    expect(r.answers.length).toBe(32);
  });

  it("keeps the dkr_input buffer for every payload up to the size asked, and the dkr_arg buffer", () => {
    const x = two.x;
    const p = x.dkr_input(65536);
    const a = x.dkr_arg(4096);
    expect(p).not.toBe(0);
    expect(a).not.toBe(0);
    const enc = new TextEncoder();
    for (const line of fixtures().flatMap((f) => f.lines).slice(0, 60)) {
      const b = enc.encode(line);
      new Uint8Array(x.memory.buffer, p, b.length).set(b);
      expect(x.dkr_parse(b.length)).toBe(one.parse(line));
      const key = enc.encode("name");
      new Uint8Array(x.memory.buffer, a, key.length).set(key);
      const n = x.dkr_extract(two.byName.get("docker.attributes")!, key.length);
      const want = one.extract("docker.attributes", "name");
      expect(n, line.slice(0, 100)).toBe(typeof want === "number" ? want : want.length);
    }
  });
});
