// Malformed and hostile input: every case returns its error code (never a trap), the next
// good event still parses, and one instance's memory stays flat over a million events.
import { describe, expect, it } from "vitest";
import { Extractor } from "./wasm";
import { fixtures } from "./common";

const enc = new TextEncoder();
const good = fixtures().find((f) => f.file === "container-lifecycle.jsonl")!.lines[0]!;

function expectParse(x: Extractor, input: Uint8Array | string, code: number): void {
  expect(x.parse(input)).toBe(code);
  // After an error every extraction says "no event"; a good event parses again.
  if (code !== 0) {
    expect(x.extract("docker.type")).toBe(-10);
    expect(x.extract("docker.attributes", "name")).toBe(-10);
  }
  expect(x.parse(good)).toBe(0);
  expect(x.extract("docker.type")).toEqual(["container"]);
}

describe("malformed input", () => {
  const x = new Extractor();

  it("every truncation of a real event is a syntax error (or UTF-8 error inside a character)", () => {
    const b = enc.encode(good);
    const fatal = new TextDecoder("utf-8", { fatal: true });
    let utf8Cuts = 0;
    for (let n = 0; n < b.length; n++) {
      let code = -1;
      try { fatal.decode(b.subarray(0, n)); } catch { code = -4; utf8Cuts++; }
      expect(x.parse(b.subarray(0, n)), `prefix ${n}`).toBe(code);
    }
    expect(utf8Cuts).toBeGreaterThan(0);   // the label holds multi-byte characters
  });

  it("syntax errors", () => {
    for (const s of ["", " ", "{", "}", "{]", '{"a"}', '{"a":}', '{"a":1,}', "{,}", '{"a":1 "b":2}', "{'a':1}",
      '{"a":tru}', '{"a":nul}', '{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":-}', '{"a":1e}', '{"a":+1}', '{"a":0x1}',
      '{"a":"\\x"}', '{"a":"\\u12"}', '{"a":"\\u12G4"}', '{"a":"tab\there"}', '{"a":"nl\nhere"}', '{"a":"}',
      '{"a":[1,]}', '{"a":[1 2]}', '{"a":{"b":1}', '{"a":1}}', '{"a":1} {}', "\ufeff{}", '{"a":NaN}', '{"a":Infinity}',
      '{"a":1}\u0000', '{"a"\u0000:1}', "[" + "[".repeat(200000), '{"a":' + "[".repeat(100000) + "]".repeat(99999) + "}"]) {
      expectParse(x, s, -1);
    }
  });

  it("not an object", () => {
    for (const s of ["[]", "1", '"x"', "null", "true", " [1,{}] ", "[" .repeat(100) + "]".repeat(100)]) expectParse(x, s, -2);
  });

  it("invalid UTF-8, anywhere, wins over other errors", () => {
    const cases = [[0xff], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc3], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]];
    for (const bad of cases) {
      const prefix = enc.encode('{"Type":"');
      const b = new Uint8Array([...prefix, ...bad, ...enc.encode('"}')]);
      expectParse(x, b, -4);
      expectParse(x, new Uint8Array([...enc.encode('{"Type":'), ...bad]), -4);   // also broken JSON
    }
  });

  it("limits: 1 MiB label value and 10,000 attributes degrade (no value for them), deep nesting fails, long lists are cut", () => {
    expect(x.parse(`{"Type":"container","Actor":{"ID":"a","Attributes":{"big":"${"x".repeat(1 << 20)}","name":"n"}}}`)).toBe(0);
    expect(x.extract("docker.attributes", "big")).toEqual([]);
    expect(x.extract("docker.container.name")).toEqual(["n"]);
    expect(x.parse(`{"unknown":"${"é".repeat(40000)}","Type":"image"}`)).toBe(0);
    expect(x.extract("docker.type")).toEqual(["image"]);
    const attrs = Array.from({ length: 10000 }, (_v, i) => `"k${i}":"v${i}"`).join(",");
    expect(x.parse(`{"Type":"container","Actor":{"ID":"a","Attributes":{${attrs}}}}`)).toBe(0);
    expect(x.extract("docker.attributes", "k1023")).toEqual(["v1023"]);
    expect(x.extract("docker.attributes", "k1024")).toEqual([]);
    expect(x.extract("docker.container.id")).toEqual(["a"]);
    const okAttrs = Array.from({ length: 1024 }, (_v, i) => `"k${i}":"v${i}"`).join(",");
    expect(x.parse(`{"Type":"container","Actor":{"ID":"a","Attributes":{${okAttrs}}}}`)).toBe(0);
    expect(x.extract("docker.attributes", "k1023")).toEqual(["v1023"]);
    expectParse(x, `{"a":${"[".repeat(100000)}${"]".repeat(100000)}}`, -3);
    expectParse(x, `{"a":${"{\"b\":".repeat(5000)}1${"}".repeat(5000)}}`, -3);
    expect(x.parse(`{"a":${"[".repeat(63)}${"]".repeat(63)}}`)).toBe(0);
    expectParse(x, `{"a":${"[".repeat(64)}${"]".repeat(64)}}`, -3);
    const caps = Array.from({ length: 1025 }, (_v, i) => `"X${i}"`).join(",");
    expect(x.parse(`{"falco":{"container":{"capAdd":[${caps}]}}}`)).toBe(0);
    const c = x.extract("docker.container.cap_add");
    expect(Array.isArray(c) && c.length).toBe(1024);
    expect(Array.isArray(c) && c[1023]).toBe("X1023");
    const mounts = Array.from({ length: 1024 }, (_v, i) => `{"source":"/s${i}","destination":"/d${i}","rw":true}`).join(",");
    expect(x.parse(`{"falco":{"container":{"mounts":[${mounts}]}}}`)).toBe(0);
    const all = x.extract("docker.container.mounts");
    expect(Array.isArray(all) && all.length).toBe(1024);
    expect(Array.isArray(all) && all[1023]).toBe("/s1023:/d1023:rw");
  });

  it("a limit error beats a type error, a syntax error beats both; an oversize string is no error", () => {
    expectParse(x, `{"Type":1,"a":${"[".repeat(70)}${"]".repeat(70)}}`, -3);
    expectParse(x, `{"Type":1,"a":${"[".repeat(70)}${"]".repeat(70)}`, -1);
    expectParse(x, `{"Type":1,"a":"${"x".repeat(70000)}"}`, -5);
    expectParse(x, '{"Type":1', -1);
  });

  it("wrong types of known keys", () => {
    for (const s of ['{"Type":1}', '{"Action":[]}', '{"scope":true}', '{"status":{}}', '{"id":2}', '{"from":false}',
      '{"time":"1"}', '{"timeNano":"1"}', '{"Actor":[]}', '{"Actor":{"ID":1}}', '{"Actor":{"Attributes":[]}}',
      '{"Actor":{"Attributes":{"a":{}}}}', '{"falco":"x"}', '{"falco":{"endpoint":1}}', '{"falco":{"container":[]}}',
      '{"falco":{"container":{"capAdd":"SYS_ADMIN"}}}', '{"falco":{"container":{"mounts":{}}}}',
      '{"falco":{"container":{"mounts":[{"rw":"true"}]}}}', '{"falco":{"exec":{"privileged":1}}}',
      '{"Type":1,"Type":"container"}']) {
      expectParse(x, s, -5);
    }
  });

  it("ABI misuse returns error codes", () => {
    const y = new Extractor();
    expect(y.extract("docker.type")).toBe(-10);
    expect(y.x.dkr_parse(0)).toBe(-1);           // before any dkr_input: an empty payload
    expect(y.x.dkr_extract(9999, -1)).toBe(-11);
    expect(y.x.dkr_extract(-1, -1)).toBe(-11);
    expect(y.x.dkr_input((4 << 20) + 1)).toBe(0);
    expect(y.x.dkr_input(-1)).toBe(0);
    expect(y.x.dkr_arg((64 << 10) + 1)).toBe(0);
    expect(y.x.dkr_parse(-1)).toBe(-3);
    expect(y.parse(good)).toBe(0);
    expect(y.x.dkr_parse((4 << 20) + 1)).toBe(-3);
    expect(y.parse(good)).toBe(0);
    expect(y.x.dkr_extract(y.byName.get("docker.attributes")!, 70000)).toBe(-12);
    expect(y.extract("docker.attributes")).toBe(-12);
    expect(y.extract("docker.type", "x")).toBe(-12);
    // dkr_input ends the parsed event.
    y.x.dkr_input(10);
    expect(y.extract("docker.type")).toBe(-10);
    // The largest accepted payload parses.
    const big = `{"Type":"container","pad":"${" ".repeat(60000)}","x":[${'"y",'.repeat(((4 << 20) - 70000) / 4 - 10)}"z"]}`;
    expect(big.length).toBeLessThanOrEqual(4 << 20);
    expect(y.parse(big)).toBe(0);
    expect(y.extract("docker.type")).toEqual(["container"]);
  });
});

describe("memory", () => {
  it("stays flat over 1,000,000 events with field extraction and errors mixed in", () => {
    const x = new Extractor();
    const lines = fixtures().flatMap((f) => f.lines).map((l) => enc.encode(l));
    const bad = [enc.encode('{"Type":1}'), enc.encode("{"), enc.encode('{"a":' + "[".repeat(1000) + "]".repeat(1000) + "}")];
    const ids = ["docker.type", "docker.action", "docker.actor.id", "docker.time", "docker.container.name",
      "docker.exec.cmdline", "docker.container.mounts", "docker.status"].map((n) => x.byName.get(n)!);
    const attr = x.byName.get("docker.attributes")!;
    const key = enc.encode("com.example.team");
    const run = (from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        const b = i % 97 === 0 ? bad[i % bad.length]! : lines[i % lines.length]!;
        const p = x.x.dkr_input(b.length);
        new Uint8Array(x.x.memory.buffer, p, b.length).set(b);
        if (x.x.dkr_parse(b.length) !== 0) continue;
        for (const id of ids) x.x.dkr_extract(id, -1);
        new Uint8Array(x.x.memory.buffer, x.x.dkr_arg(key.length), key.length).set(key);
        x.x.dkr_extract(attr, key.length);
      }
    };
    run(0, 20000);
    const after20k = x.memoryBytes();
    run(20000, 1000000);
    expect(x.memoryBytes()).toBe(after20k);
    // A 1 MiB event grows the buffers once; more of them do not grow it again.
    const big = enc.encode(`{"Type":"container","pad":"${"x".repeat(60000)}","l":[${'"a",'.repeat(250000)}"b"]}`);
    expect(x.parse(big)).toBe(0);
    const afterBig = x.memoryBytes();
    for (let i = 0; i < 200; i++) expect(x.parse(i % 2 ? big : lines[i % lines.length]!)).toBe(0);
    expect(x.memoryBytes()).toBe(afterBig);
  });
});
