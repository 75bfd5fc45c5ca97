// The parse reads the common shapes of an event outside its general loops (assembly/json.ts:
// every loop turn is an epoch check under wasmtime): attributes two at a time, the actor's ID
// then Attributes, the first 32 digits of a number, an action of up to 16 bytes, the falco
// objects' slots cleared only when one repeats, attribute keys compared without a loop below
// 8 bytes. Each shape is put on both sides of those boundaries and the module must give the
// reference's code and values for every field.
import { describe, expect, it } from "vitest";
import { compareWithReference } from "./common";
import { Extractor } from "./wasm";

const enc = new TextEncoder();
const x = new Extractor();

function same(payload: string, keys: string[] = []): (f: string, arg?: string) => unknown {
  expect(compareWithReference(x, enc.encode(payload), ["", "name", "image", ...keys], payload.slice(0, 160))).toBe(0);
  expect(x.parse(enc.encode(payload))).toBe(0);
  return (f, arg) => x.extract(f, arg ?? null);
}

const event = (attrs: string, rest = ""): string =>
  `{"status":"start","id":"c1","Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{${attrs}}},"scope":"local","time":1,"timeNano":1${rest}}`;

describe("attributes, two a loop turn", () => {
  it("0 to 9 members, a member in another form at every position, every key found (last wins)", () => {
    for (let n = 0; n <= 9; n++) {
      for (let odd = -1; odd < n; odd++) {
        const members: string[] = [];
        const keys: string[] = [];
        for (let i = 0; i < n; i++) {
          const k = "k".repeat(1 + (i % 17)) + i;             // keys of 2 to 19 bytes
          keys.push(k);
          if (i === odd) members.push(` "${k}" : "v\\u0041${i}"`);  // whitespace and an escape: the general loop
          else members.push(`"${k}":"v${i}"`);
        }
        if (n > 0) members.push(`"${keys[0]}":"again"`);        // a duplicate: last wins
        const e = same(event(members.join(",")), keys);
        if (n > 0) expect(e("docker.attributes", keys[0])).toEqual(["again"]);
        for (let i = 1; i < n; i++) expect(e("docker.attributes", keys[i])).toEqual([i === odd ? `vA${i}` : `v${i}`]);
      }
    }
  });

  it("name and image at the first, last and every other place among 1,030 attributes (past the limit of 1,024)", () => {
    for (const at of [0, 1, 2, 1021, 1022, 1023, 1024, 1029]) {
      const m: string[] = [];
      for (let i = 0; i < 1030; i++) m.push(i === at ? `"name":"n${i}","image":"i${i}"` : `"a${i}":"${i}"`);
      same(event(m.join(",")));
    }
  });

  it("keys of 1 to 17 bytes that differ only in their last byte", () => {
    for (let len = 1; len <= 17; len++) {
      const a = "x".repeat(len - 1) + "a";
      const b = "x".repeat(len - 1) + "b";
      const e = same(event(`"${a}":"A","${b}":"B"`), [a, b, "x".repeat(len - 1) + "c"]);
      expect(e("docker.attributes", a)).toEqual(["A"]);
      expect(e("docker.attributes", b)).toEqual(["B"]);
    }
  });
});

describe("the actor, the falco objects, numbers and actions", () => {
  it("Actor members in either order, repeated, or with unknown members", () => {
    for (const actor of [
      `{"ID":"a","Attributes":{"name":"n"}}`, `{"Attributes":{"name":"n"},"ID":"a"}`, `{"ID":"a"}`,
      `{"Attributes":{"name":"n"}}`, `{"ID":"a","ID":"b","Attributes":{"name":"n"}}`,
      `{"ID":"a","Attributes":{"name":"n"},"Attributes":{"image":"i"}}`, `{"x":1,"ID":"a","Attributes":{"name":"n"}}`, `{}`,
    ]) same(`{"Type":"container","Action":"start","Actor":${actor},"timeNano":1}`);
    same(`{"Type":"container","Actor":{"ID":"a","Attributes":{"name":"n"}},"Actor":{"ID":"b"}}`);
  });

  it("falco, falco.container and falco.exec repeated: only the last one's members", () => {
    same(event(`"name":"n"`, `,"falco":{"endpoint":"e1","container":{"privileged":true,"user":"root"}},"falco":{"endpoint":"e2"}`));
    same(event(`"name":"n"`, `,"falco":{"container":{"privileged":true,"user":"root"},"container":{"readonlyRootfs":true}}`));
    same(event(`"name":"n"`, `,"falco":{"exec":{"tty":true,"user":"u"},"exec":{"privileged":true}}`));
    same(event(`"name":"n"`, `,"falco":{"exec":{"tty":true,"user":"u"}},"falco":{"exec":{"privileged":true}}`));
    const e = same(event(`"name":"n"`, `,"falco":{"endpoint":"e1","engine":"podman"},"falco":{"endpoint":"e2"}`));
    expect(e("docker.endpoint")).toEqual(["e2"]);
  });

  it("numbers of 1 to 40 digits, with fractions and exponents", () => {
    for (let d = 1; d <= 40; d++) {
      const n = "1" + "2".repeat(d - 1);
      for (const tok of [n, `${n}.5`, `${n}e3`, `-${n}`, `${n}.${"7".repeat(d)}E-2`])
        same(`{"Type":"container","Action":"start","time":${tok},"timeNano":${tok},"Actor":{"ID":"a"}}`);
    }
  });

  it("actions of 1 to 40 bytes, with ': ' at every place", () => {
    for (let len = 1; len <= 40; len++) {
      const plain = "a".repeat(len);
      same(`{"Type":"container","Action":"${plain}","Actor":{"ID":"a"}}`);
      for (let at = 0; at + 1 < len; at++) {
        const act = plain.slice(0, at) + ": " + plain.slice(at + 2);
        same(`{"Type":"container","Action":"${act}","Actor":{"ID":"a"}}`);
        same(`{"Type":"container","Action":"${plain.slice(0, at)}:x${plain.slice(at + 2)}","Actor":{"ID":"a"}}`);
      }
    }
  });
});
