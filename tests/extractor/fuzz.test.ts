// Differential fuzzing: seeded random mutations of real recorded events. On every input the
// module must not trap and must give the reference's parse code; on every input that is
// still valid JSON, the same value for every field.
import { describe, expect, it } from "vitest";
import { Extractor } from "./wasm";
import { attributeKeys, compareWithReference, fixtures } from "./common";
import { rng } from "../support/rng";

const CASES = Number(process.env.DKR_FUZZ_CASES ?? 4000);
const SEED = Number(process.env.DKR_FUZZ_SEED ?? 0x5eed);


const enc = new TextEncoder();
const dec = new TextDecoder();

const TOKENS = [
  '"', "\\", "\\u", "\\u00e9", "\\ud83d\\ude00", "\\ud800", "\\udc00", "\\/", "\\n", "{", "}", "[", "]", ",", ":",
  "null", "true", "false", "0", "-0", "1e5", "1.5", "-", "01", ".5", " ", "\t", "\n", "é", "😀", "\u0000", "\u001f",
  "\u007f", "\\u001b", "\\b", "\\t", "\\r", "\\u007F", "\\u0000",
];
const VALUES = [
  "null", "true", "false", "0", "-1", "1.5e3", "1e400", "-0.0", "18446744073709551615", "18446744073709551616",
  '""', '"x"', '"\\ud800"', '"a\\"b"', "{}", "[]", '{"a":[1,{"b":null}]}', '["x",1]', '"137"', '"12.5"', '"/old"',
  '"exec_start: sh -c id"', '"exec_create: /bin/sh"', '"exec_start:  /a/b/ x  y "', '"exec_start: "', '"exec_start: \\/x\\u00e9\\/\\ud800 -c"',
  '"exec_start: sh -c true\\n2026-11-30 Critical\\u001b[2K"', '"a\u007fb"', '"\\u0007\\f\\\\x1b"',
  '"health_status: healthy"', '"container"', '"network"', '"volume"', '"image"', '"collector"',
  `"${"x".repeat(65536)}"`, `"${"x".repeat(65537)}"`, `"exec_start: sh ${"y".repeat(70000)}"`, `"\\u0041${"z".repeat(65534)}"`,
];
const KNOWN_KEYS = [
  "Type", "Action", "Actor", "ID", "Attributes", "scope", "time", "timeNano", "status", "id", "from", "falco",
  "exitCode", "execDuration", "execID", "oldName", "container", "name", "image", "read/write", "gapNs", "dropped",
  "truncated", "bytes", "droppedAtLeast",
];
const FALCO = [
  '{"endpoint":"unix:///s","container":{"privileged":true,"capAdd":["SYS_ADMIN"],"mounts":[{"source":"/a","destination":"/b","rw":false,"mode":"ro","type":"bind"}],"user":"0","networkMode":"host","pidMode":"host","ipcMode":"","imageId":"sha256:x","readonlyRootfs":true},"exec":{"tty":true,"user":"u","privileged":false,"healthcheck":true}}',
  '{"exec":{"healthcheck":false,"healthcheck":null}}',
  '{"exec":{"healthcheck":"true"}}',
  '{"container":{"capAdd":null,"mounts":[{}]},"exec":null}',
  '{"container":{"capAdd":[1]}}',
  '{"container":{"mounts":[null]}}',
  '{"exec":{"tty":"yes"}}',
  '{"endpoint":null,"endpoint":"tcp://h:1"}',
  '{"endpoint":"u","truncated":{"bytes":2200345,"strings":22,"x":[1,{"y":null}]}}',
  '{"truncated":null}', '{"truncated":{"bytes":1e3}}', '{"truncated":[1]}', '{"truncated":{"bytes":"1"}}',
  "null",
  "[]",
];

const pick = <T>(r: () => number, a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;

/** Spans of JSON string tokens in a text (from a valid line; mutations may break it later). */
function stringSpans(t: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const re = /"(?:[^"\\]|\\.)*"/g;
  for (let m = re.exec(t); m; m = re.exec(t)) out.push([m.index, m.index + m[0].length]);
  return out;
}

function escapeSome(r: () => number, inner: string): string {
  let o = "";
  for (const ch of inner) {
    if (ch === "\\") return inner;                     // already escaped: leave it
    const cp = ch.codePointAt(0) as number;
    if (r() < 0.4) {
      if (cp > 0xffff) {
        const h = 0xd800 + ((cp - 0x10000) >> 10), l = 0xdc00 + ((cp - 0x10000) & 0x3ff);
        o += `\\u${h.toString(16)}\\u${l.toString(16).toUpperCase()}`;
      } else o += `\\u${cp.toString(16).padStart(4, "0")}`;
    } else if (ch === "/" && r() < 0.5) o += "\\/";
    else o += ch;
  }
  return o;
}

function mutate(r: () => number, base: string): Uint8Array {
  let t = base;
  let bytes: Uint8Array | null = null;
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const op = Math.floor(r() * 15);
    const at = Math.floor(r() * (t.length + 1));
    const spans = stringSpans(t);
    const span = spans.length ? pick(r, spans) : null;
    switch (op) {
      case 0: t = t.slice(0, at) + pick(r, TOKENS) + t.slice(at); break;
      case 1: t = t.slice(0, at) + t.slice(Math.min(t.length, at + 1 + Math.floor(r() * 8))); break;
      case 2: t = t.slice(0, at); break;
      case 3: if (span) t = t.slice(0, span[0] + 1) + escapeSome(r, t.slice(span[0] + 1, span[1] - 1)) + t.slice(span[1] - 1); break;
      case 4: case 5: {                                   // replace a value after a ':'
        const colons = [...t.matchAll(/":/g)].map((m) => (m.index as number) + 2);
        if (!colons.length) break;
        const c = pick(r, colons);
        const rest = t.slice(c);
        const m = /^(?:"(?:[^"\\]|\\.)*"|-?[\d.eE+-]+|true|false|null)/.exec(rest);
        if (m) t = t.slice(0, c) + pick(r, VALUES) + rest.slice(m[0].length);
        break;
      }
      case 6: {                                           // duplicate a "k":"v" member
        const mm = [...t.matchAll(/"(?:[^"\\]|\\.)*":"(?:[^"\\]|\\.)*"/g)];
        if (!mm.length) break;
        const m = pick(r, mm);
        const i = (m.index as number) + m[0].length;
        t = t.slice(0, i) + "," + m[0] + t.slice(i);
        break;
      }
      case 7: {                                           // remove a "k":"v", member
        const mm = [...t.matchAll(/"(?:[^"\\]|\\.)*":"(?:[^"\\]|\\.)*",/g)];
        if (!mm.length) break;
        const m = pick(r, mm);
        t = t.slice(0, m.index) + t.slice((m.index as number) + m[0].length);
        break;
      }
      case 8: {                                           // rewrite a number token
        t = t.replace(/("timeNano":|"time":)(\d+)/, (_s, k: string, d: string) =>
          k + pick(r, [`${d}.000`, `${d.slice(0, 1)}.${d.slice(1)}e${d.length - 1}`, `${d}0`, `-${d}`, `${d}e-3`, `0.${d}E+19`]));
        break;
      }
      case 9: t = t.replace(/[,:]/g, (c) => (r() < 0.2 ? ` \n${c}\t ` : c)); break;
      case 10: if (span) t = t.slice(0, span[0]) + `"${pick(r, KNOWN_KEYS)}"` + t.slice(span[1]); break;
      case 11: {                                          // append an enrichment key
        const i = t.lastIndexOf("}");
        if (i > 0) t = t.slice(0, i) + `,"falco":${pick(r, FALCO)}` + t.slice(i);
        break;
      }
      case 12: {                                          // wrap a value in arrays / add an unknown nested key
        const i = t.indexOf("{") + 1;
        const d = 1 + Math.floor(r() * 90);
        const close = r() < 0.8 ? d : 1 + Math.floor(r() * 90);
        t = t.slice(0, i) + `"u${k}":${"[".repeat(d)}1${"]".repeat(close)},` + t.slice(i);
        break;
      }
      case 14: t = r() < 0.5 ? `[${t}]` : ` ${pick(r, VALUES)} `; break;   // not an object
      case 13: {                                          // raw byte damage (may break UTF-8)
        bytes = enc.encode(t);
        const b = bytes.slice();
        const j = Math.floor(r() * b.length);
        b[j] = pick(r, [0xff, 0xc3, 0x80, 0xed, 0xf4, 0x00, 0x22, 0x5c, Math.floor(r() * 256)]);
        return b;
      }
    }
  }
  return bytes ?? enc.encode(t);
}

describe("differential fuzz against the reference", () => {
  it(`${CASES} seeded mutations of real events (seed ${SEED}): no trap, same code, same values`, () => {
    const x = new Extractor();
    const r = rng(SEED);
    const lines = fixtures().flatMap((f) => f.lines);
    expect(lines.length).toBeGreaterThan(100);
    let valid = 0;
    const codes = new Map<number, number>();
    for (let i = 0; i < CASES; i++) {
      const input = mutate(r, pick(r, lines));
      let text = "";
      try { text = dec.decode(input); } catch { /* not UTF-8 */ }
      const rc = compareWithReference(x, input, attributeKeys(text), `case ${i} ${text.slice(0, 300)}`);
      codes.set(rc, (codes.get(rc) ?? 0) + 1);
      if (rc === 0) valid++;
    }
    // The mutations must exercise both sides: valid events and every parse error family.
    expect(valid).toBeGreaterThan(CASES * 0.25);
    for (const code of [-1, -2, -3, -4, -5]) expect(codes.get(code) ?? 0, `parse code ${code} seen`).toBeGreaterThan(0);
  });
});
