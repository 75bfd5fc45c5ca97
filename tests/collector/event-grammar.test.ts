// The byte scanner that replaced JSON.parse on the collector's hot path (collector/src/json-scan.ts)
// against an oracle: a line is an event candidate exactly when it is valid UTF-8 (fatal
// TextDecoder), JSON.parse accepts it, and the result is an object. Hand-picked edge cases, then
// a seeded differential fuzz over mutated Docker event lines; the located Type/Action/timeNano
// agree with JSON.parse's object.
import { describe, expect, it } from "vitest";
import { EventParser } from "../../collector/src/event";
import { JsonScanner, MAX_DEPTH, TopKey } from "../../collector/src/json-scan";
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

const scanner = new JsonScanner();
const accepts = (b: Buffer): boolean => scanner.scanObject(b, 0, b.length);

const EVENT =
  '{"status":"exec_start: sh -c \\"id\\"","id":"abc","from":"img","Type":"container","Action":"exec_start: sh -c \\"id\\"",' +
  '"Actor":{"ID":"abc","Attributes":{"execID":"e1","name":"caf\u00e9 \u96ea \ud83d\ude00","n":null,"t":true,"f":false,"x":[1,-2.5e+3,0.0,{"y":[]}]}},' +
  '"scope":"local","time":1795786267,"timeNano":1795786267080044534}';

describe("json scanner: edge cases agree with the oracle", () => {
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
  ];
  it.each(cases.map((c) => [typeof c === "string" ? JSON.stringify(c) : `bytes ${c.toString("hex")}`, c] as const))("%s", (_name, c) => {
    const b = typeof c === "string" ? Buffer.from(c, "utf8") : c;
    expect(accepts(b)).toBe(oracle(b) !== null);
  });

  it(`refuses nesting deeper than ${MAX_DEPTH}`, () => {
    const deep = (d: number) => Buffer.from(`{"a":${"[".repeat(d - 1)}${"]".repeat(d - 1)}}`);
    expect(accepts(deep(MAX_DEPTH))).toBe(true);
    expect(accepts(deep(MAX_DEPTH + 1))).toBe(false);
    expect(accepts(deep(100_000))).toBe(false); // no stack overflow
  });

  it("locates the top-level keys only, the last occurrence, escaped names decoded", () => {
    const b = Buffer.from('{"Actor":{"Type":"x","Action":"y"},"Type":"image","T\\u0079pe":"container","Action":"start","Action":"pull","time":[1],"timeNano":"1"}');
    expect(accepts(b)).toBe(true);
    expect(scanner.string(TopKey.Type)).toBe("container");
    expect(scanner.string(TopKey.Action)).toBe("pull");
    expect(scanner.numberText(TopKey.Time)).toBeNull();
    expect(scanner.numberText(TopKey.TimeNano)).toBeNull();
    expect(scanner.string(TopKey.TimeNano)).toBe("1");
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

describe("json scanner: differential fuzz against JSON.parse", () => {
  it("agrees on 30,000 mutated event lines, and on what it locates", () => {
    const r = rng(0x5eed);
    const seeds = [
      Buffer.from(EVENT),
      Buffer.from('{"Type":"container","Action":"create","Actor":{"ID":"c","Attributes":{}},"time":1795786267,"timeNano":1795786267080044534}'),
      Buffer.from('{ "Type" : "network" , "Action" : "connect" , "timeNano" : 12 , "a" : [ true , false , null , "\\u00e9" ] }'),
    ];
    const parser = new EventParser();
    let accepted = 0;
    for (let n = 0; n < 30_000; n++) {
      const b = mutate(seeds[n % seeds.length] as Buffer, r);
      const want = oracle(b);
      const got = accepts(b);
      if (got !== (want !== null)) expect.fail(`scanner ${got ? "accepts" : "rejects"} ${JSON.stringify(b.toString("latin1"))} (hex ${b.toString("hex")})`);
      if (want === null) continue;
      accepted++;
      expect(scanner.string(TopKey.Type)).toBe(typeof want.Type === "string" ? want.Type : null);
      expect(scanner.string(TopKey.Action)).toBe(typeof want.Action === "string" ? want.Action : null);
      const tn = want.timeNano;
      if (typeof tn === "number" && Number.isSafeInteger(tn) && tn >= 0 && scanner.numberIsDigits(TopKey.TimeNano)) {
        expect(parser.parse(b)?.ts).toBe(BigInt(tn));
      }
    }
    // the fuzz exercised both sides
    expect(accepted).toBeGreaterThan(2_000);
    expect(accepted).toBeLessThan(28_000);
  });
});
