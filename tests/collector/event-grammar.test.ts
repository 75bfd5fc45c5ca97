// One JSON grammar: the collector reads every line through the extractor module itself
// (collector/src/extractor.ts, assembly/ABI.md "The collector's entry"), so what it publishes and
// the time it gives a record are what Falco's fields see. Checked against two things on
// hand-picked edge cases and on a seeded fuzz over mutated Docker event lines:
//   - an oracle: a line is an event candidate exactly when it is valid UTF-8 (fatal TextDecoder),
//     JSON.parse accepts it and the result is an object; its record time is the specification's
//     (tests/extractor/reference.ts refRecordTime, written from ABI.md independently);
//   - the extractor as the host drives it (dkr_input/dkr_parse, docker.time, docker.type,
//     docker.action): same verdict on what is not JSON, and, for every event it parses, the same
//     time, type and action.
import { describe, expect, it } from "vitest";
import { EventParser } from "../../collector/src/event";
import { Extractor } from "../extractor/wasm";
import { refParse, refRecordTime } from "../extractor/reference";
import { rng } from "../support/rng";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }); // a BOM stays, and JSON refuses it

/** The oracle: the parsed object, or null when the bytes are not a UTF-8 JSON object. */
function oracle(bytes: Buffer): Record<string, unknown> | null {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return null;
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

const parser = new EventParser();
const x = new Extractor();
const NOT_JSON = new Set([-1, -2, -4]); // ERR_SYNTAX, ERR_NOT_OBJECT, ERR_UTF8

/** Checks one line: the collector against the oracle and the extractor. Returns whether the oracle accepts it. */
function check(b: Buffer): boolean {
  const what = `${JSON.stringify(b.toString("latin1").slice(0, 300))} (hex ${b.subarray(0, 200).toString("hex")})`;
  const ev = parser.parse(b);
  const want = oracle(b);
  const time = want === null ? undefined : refRecordTime(b);
  if ((ev?.ts ?? null) !== (time ?? null)) expect.fail(`collector time ${ev?.ts} vs specification ${time} on ${what}`);
  const rc = x.parse(b);
  if (NOT_JSON.has(rc) !== (want === null)) expect.fail(`extractor ${rc} vs oracle ${want === null ? "not an object" : "object"} on ${what}`);
  if (rc === 0) {
    // An event the extractor parses: its fields are the collector's.
    const dt = x.extract("docker.time");
    expect(dt, what).toEqual(ev === null ? [] : [ev.ts.toString()]);
    if (ev !== null) {
      const type = x.extract("docker.type") as string[];
      expect(ev.type, what).toBe(type[0] === "container" ? "container" : type[0] === "collector" ? "collector" : "other");
      const ref = refParse(b);
      if (ev.type === "container" && typeof ref === "object") {
        // decoded, as JSON.parse (a lone surrogate is U+FFFD in UTF-8); no value when over 64 KiB
        const a = ref.Action;
        expect(ev.action, what).toBe(typeof a === "string" ? new TextDecoder().decode(new TextEncoder().encode(a)) : null);
      }
    }
  } else if (ev !== null) {
    // Published though the extractor refuses it: a well-formed object with a type error or
    // nesting over its depth limit; no field, so "Docker Event Not Parsed" fires.
    expect([-3, -5], what).toContain(rc);
    expect(ev.type, what).toBe("other");
  }
  return want !== null;
}

const EVENT =
  '{"status":"exec_start: sh -c \\"id\\"","id":"abc","from":"img","Type":"container","Action":"exec_start: sh -c \\"id\\"",' +
  '"Actor":{"ID":"abc","Attributes":{"execID":"e1","name":"caf\u00e9 \u96ea \ud83d\ude00","n":null,"t":"true","f":"false","x":"[1,-2.5e+3,0.0,{\\"y\\":[]}]"}},' +
  '"scope":"local","time":1795786267,"timeNano":1795786267080044534}';

describe("one grammar: edge cases", () => {
  const cases: Array<string | Buffer> = [
    "{}", " { } ", "{\t\r\n}", "{\f}", "{\v}", "[]", "{", "}", '{"a"}', '{"a":}', '{"a":1,}', '{,"a":1}', '{"a":1 "b":2}', '{"a":1}x', '{"a":1}{}',
    '{a:1}', "{'a':1}", '{"a":01}', '{"a":-}', '{"a":-0}', '{"a":1.}', '{"a":.5}', '{"a":1e}', '{"a":1e+}', '{"a":1E5}', '{"a":1.5e-7}', '{"a":+1}',
    '{"a":tru}', '{"a":true}', '{"a":truex}', '{"a":nul}', '{"a":null}', '{"a":False}', '{"a":[1,2,]}', '{"a":[,1]}', '{"a":[[]]}',
    '{"a":"\\x"}', '{"a":"\\u12g4"}', '{"a":"\\u00e9"}', '{"a":"\\ud800"}', '{"a":"\\/\\b\\f\\n\\r\\t\\"\\\\"}', '{"a":"\\', '{"a":"x',
    '{"a":"tab\there"}', '{"a":"nl\nhere"}', '{"a\u0000":1}', '{"a":"\u007f"}',
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0x80, 0x22, 0x7d]), // overlong NUL
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe0, 0x80, 0x80, 0x22, 0x7d]), // overlong
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // encoded surrogate
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xf4, 0x90, 0x80, 0x80, 0x22, 0x7d]), // above U+10FFFF
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xf5, 0x80, 0x80, 0x80, 0x22, 0x7d]),
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x80, 0x22, 0x7d]), // lone continuation
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d]), // truncated sequence
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xef, 0xbf, 0xbf, 0xf0, 0x90, 0x80, 0x80, 0xf4, 0x8f, 0xbf, 0xbf, 0x22, 0x7d]), // valid edges
    Buffer.from([0x7b, 0x20, 0xff, 0x7d]), // invalid byte outside a string
    Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), // BOM
    EVENT,
    // well-formed but refused by the extractor (type errors): published with their time
    '{"Type":5,"timeNano":7}', '{"Type":"container","Action":"start","Actor":"x","timeNano":7}', '{"Actor":{"ID":1},"time":2}',
    '{"Type":"container","Actor":{"Attributes":{"a":1}},"timeNano":7}', '{"falco":[],"timeNano":7}',
    // the time's own type errors: no time
    '{"timeNano":"7"}', '{"timeNano":[7],"time":1}', '{"timeNano":{"a":7},"time":1}', '{"timeNano":true,"time":1}', '{"time":[1]}',
  ];
  it.each(cases.map((c) => [typeof c === "string" ? JSON.stringify(c) : `bytes ${c.toString("hex")}`, c] as const))("%s", (_name, c) => {
    check(typeof c === "string" ? Buffer.from(c, "utf8") : c);
  });

  it("publishes an event nested deeper than the extractor's limit (64) with its time, at any depth", () => {
    const deep = (d: number): Buffer => Buffer.from(`{"Type":"container","a":${"[".repeat(d - 1)}${"]".repeat(d - 1)},"timeNano":7}`);
    for (const d of [64, 65, 513, 100_000]) {
      const ev = parser.parse(deep(d));
      expect(ev?.ts, `depth ${d}`).toBe(7n);
      expect(x.parse(deep(d)), `depth ${d}`).toBe(d <= 64 ? 0 : -3);
      expect(ev?.type, `depth ${d}`).toBe(d <= 64 ? "container" : "other");
    }
  });

  it("reads type, action and the enrichment's ids as the extractor decodes them", () => {
    const ev = parser.parse(Buffer.from('{"Type":"cont\\u0061iner","Action":"exec_st\\u0061rt: sh","Actor":{"ID":"c\\/1","Attributes":{"exec\\u0049D":"e\\"1"}},"timeNano":1}'));
    expect(ev).toMatchObject({ type: "container", action: "exec_start: sh", actorId: "c/1", execId: 'e"1', ts: 1n });
    // a control is passed decoded (Docker gets the id as it is), where docker.action escapes it
    const ctl = parser.parse(Buffer.from('{"Type":"container","Action":"destroy","Actor":{"ID":"a\\u001bb"},"timeNano":1}'));
    expect(ctl?.actorId).toBe("a\u001bb");
    // over 64 KiB: no value, as docker.action
    const big = parser.parse(Buffer.from(`{"Type":"container","Action":"${"x".repeat(65537)}","timeNano":1}`));
    expect(big).toMatchObject({ type: "container", action: null });
    expect(parser.parse(Buffer.from('{"Type":"collector","Action":"connect","timeNano":1}'))?.type).toBe("collector");
  });

  it("reads a line over the extractor's 4 MiB payload limit whole (the collector shrinks it later)", () => {
    const line = Buffer.from(`{"Type":"container","Action":"create","Actor":{"ID":"c1","Attributes":{"big":"${"x".repeat(5 << 20)}"}},"timeNano":9}`);
    expect(x.parse(line)).toBe(-3); // dkr_input refuses it
    expect(parser.parse(line)).toMatchObject({ ts: 9n, type: "container", action: "create", actorId: "c1" });
    // and the resident instance goes on with small lines
    expect(parser.parse(Buffer.from('{"timeNano":3}'))?.ts).toBe(3n);
  });
});

const ALPHABET = Buffer.from('{}[]:,"\\ -+.0123456789eEtrufalsn\t\r\nuUa/', "latin1");
const HIGH = [0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x00, 0x1f, 0x7f];

function mutate(src: Buffer, r: () => number): Buffer {
  const out = Buffer.from(src);
  const edits = 1 + Math.floor(r() * 3);
  let b = out;
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(r() * b.length);
    const byte = r() < 0.8 ? (ALPHABET[Math.floor(r() * ALPHABET.length)] as number) : (HIGH[Math.floor(r() * HIGH.length)] as number);
    const op = r();
    if (op < 0.4) b[at] = byte;
    else if (op < 0.7) b = Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]);
    else if (op < 0.9) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    else b = b.subarray(0, at);
  }
  return b;
}

describe("one grammar: differential fuzz", () => {
  it("the collector agrees with the oracle and the extractor on 30,000 mutated event lines", () => {
    const r = rng(0x5eed);
    const seeds = [
      Buffer.from(EVENT),
      Buffer.from('{"Type":"container","Action":"create","Actor":{"ID":"c","Attributes":{}},"time":1795786267,"timeNano":1795786267080044534}'),
      Buffer.from('{ "Type" : "network" , "Action" : "connect" , "timeNano" : 12 , "a" : [ true , false , null , "\\u00e9" ] }'),
      Buffer.from('{"Type":"container","Action":"die","time":1.7957865855e9,"timeNano":null,"x":{"timeNano":1}}'),
    ];
    let accepted = 0;
    let published = 0;
    for (let n = 0; n < 30_000; n++) {
      const b = mutate(seeds[n % seeds.length] as Buffer, r);
      if (check(b)) accepted++;
      if (parser.parse(b) !== null) published++;
    }
    // the fuzz exercised both sides
    expect(accepted).toBeGreaterThan(2_000);
    expect(accepted).toBeLessThan(28_000);
    expect(published).toBeGreaterThan(1_000);
  });
});
