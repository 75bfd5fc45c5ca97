// Limits on user-controlled content degrade only the offending part (assembly/ABI.md
// "Parsing rules"): a label value over 64 KiB or more than 1,024 labels must not make the
// whole event lose its fields (that would blind every rule to the container). Each case
// asserts explicit values on the module and the same code and values as the reference.
import { describe, expect, it } from "vitest";
import { Extractor } from "./wasm";
import { compareWithReference } from "./common";

const enc = new TextEncoder();
const x = new Extractor();

/** Parses with the module (expecting code), checks every field against the reference, returns a field reader. */
function parsed(payload: string, keys: string[] = [], code = 0): (f: string, arg?: string) => unknown {
  const b = enc.encode(payload);
  expect(compareWithReference(x, b, ["", "name", "big", ...keys], payload.slice(0, 120))).toBe(code);
  expect(x.parse(b)).toBe(code);
  return (f, arg) => x.extract(f, arg ?? null);
}

const big = (n = 70000, c = "a"): string => c.repeat(n);

describe("oversize strings degrade to 'no value' for that string only", () => {
  it("a 70,000-byte label on a privileged container: the rest of the event and the enrichment are extracted", () => {
    const e = parsed('{"Type":"container","Action":"create","Actor":{"ID":"c1","Attributes":{"big":"' + big() +
      '","image":"img","name":"evil"}},"scope":"local","timeNano":1700000000000000001,' +
      '"falco":{"endpoint":"unix:///s","container":{"privileged":true,"capAdd":["SYS_ADMIN"]}}}');
    expect(e("docker.type")).toEqual(["container"]);
    expect(e("docker.action")).toEqual(["create"]);
    expect(e("docker.actor.id")).toEqual(["c1"]);
    expect(e("docker.container.privileged")).toEqual([true]);
    expect(e("docker.container.cap_add")).toEqual(["SYS_ADMIN"]);
    expect(e("docker.endpoint")).toEqual(["unix:///s"]);
    expect(e("docker.time")).toEqual(["1700000000000000001"]);
    expect(e("docker.container.name")).toEqual(["evil"]);
    expect(e("docker.attributes", "big")).toEqual([]);
  });

  it("boundary: exactly 65,536 encoded bytes is kept, one more is not; escapes count encoded", () => {
    expect(parsed(`{"Actor":{"Attributes":{"big":"${big(65536, "x")}"}}}`)("docker.attributes", "big")).toEqual([big(65536, "x")]);
    expect(parsed(`{"Actor":{"Attributes":{"big":"${big(65537, "x")}"}}}`)("docker.attributes", "big")).toEqual([]);
    // 13,108 × "\u0041" = 78,648 encoded bytes, 13,108 decoded: over the limit.
    expect(parsed(`{"Actor":{"Attributes":{"big":"${"\\u0041".repeat(13108)}"}}}`)("docker.attributes", "big")).toEqual([]);
  });

  it("compat fields reading an oversize attribute have no value", () => {
    const e = parsed(`{"Type":"container","Actor":{"ID":"c1","Attributes":{"image":"i","name":"${big()}","exitCode":"${big(70000, "1")}"}}}`, ["exitCode", "image"]);
    expect(e("docker.container.name")).toEqual([]);
    expect(e("docker.attributes.name")).toEqual([]);
    expect(e("docker.exitcode")).toEqual([]);
    expect(e("docker.attributes.exitcode")).toEqual([]);
    expect(e("docker.container.image")).toEqual(["i"]);
    expect(e("docker.from")).toEqual(["i"]);
  });

  it("an oversize attribute key: that attribute has no value; duplicates keep last-wins", () => {
    expect(parsed(`{"Type":"container","Actor":{"Attributes":{"${big(70000, "k")}":"v","name":"n"}}}`)("docker.container.name")).toEqual(["n"]);
    expect(parsed(`{"Actor":{"Attributes":{"k":"${big()}","k":"short"}}}`, ["k"])("docker.attributes", "k")).toEqual(["short"]);
    expect(parsed(`{"Actor":{"Attributes":{"k":"short","k":"${big()}"}}}`, ["k"])("docker.attributes", "k")).toEqual([]);
  });

  it("an oversize exec command line keeps the action name and the exec enrichment", () => {
    const e = parsed(`{"Type":"container","Action":"exec_start: sh -c ${big(70000, "y")}","Actor":{"ID":"c1","Attributes":{"execID":"e1"}},"falco":{"exec":{"privileged":true,"healthcheck":false}}}`, ["execID"]);
    expect(e("docker.action.name")).toEqual(["exec_start"]);
    for (const f of ["docker.action", "docker.exec.cmdline", "docker.exec.exe", "docker.exec.args", "docker.status"]) expect(e(f), f).toEqual([]);
    expect(e("docker.exec.privileged")).toEqual([true]);
    expect(e("docker.exec.healthcheck")).toEqual([false]);
    expect(e("docker.exec.id")).toEqual(["e1"]);
    expect(e("docker.container.id")).toEqual(["c1"]);
    expect(parsed(`{"Action":"health_status: ${big()}"}`)("docker.health.status")).toEqual([]);
    expect(parsed(`{"Action":"${big(70000, "z")}"}`)("docker.action.name")).toEqual([]);
    // Escaped: the name is taken from the decoded action.
    expect(parsed(`{"Action":"exec\\u005fstart\\u003a ${big()}"}`)("docker.action.name")).toEqual(["exec_start"]);
  });

  it("oversize Type, Actor.ID, status, unknown values", () => {
    let e = parsed(`{"Type":"${big(70000, "t")}","Actor":{"ID":"c1","Attributes":{"name":"n"}}}`);
    expect(e("docker.type")).toEqual([]);
    expect(e("docker.container.id")).toEqual([]);
    expect(e("docker.actor.id")).toEqual(["c1"]);
    e = parsed(`{"Type":"container","Action":"start","Actor":{"ID":"${big(70000, "c")}"}}`);
    expect(e("docker.container.id")).toEqual([]);
    expect(e("docker.id")).toEqual([]);
    expect(e("docker.action")).toEqual(["start"]);
    e = parsed(`{"Type":"container","Action":"start","status":"${big()}"}`);
    expect(e("docker.status")).toEqual([]);                  // sent but oversize: not derived either
    e = parsed(`{"Type":"container","Actor":{"ID":"c1"},"pad":"${big()}","${big(70000, "u")}":1}`);
    expect(e("docker.container.id")).toEqual(["c1"]);
  });

  it("oversize enrichment strings: that value is left out", () => {
    let e = parsed(`{"falco":{"container":{"privileged":true,"user":"${big()}","capAdd":["SYS_ADMIN","${big(70000, "X")}","NET_ADMIN"]}}}`);
    expect(e("docker.container.privileged")).toEqual([true]);
    expect(e("docker.container.user")).toEqual([]);
    expect(e("docker.container.cap_add")).toEqual(["SYS_ADMIN", "NET_ADMIN"]);
    e = parsed(`{"falco":{"container":{"mounts":[{"source":"${big(70000, "s")}","destination":"/d"},{"source":"/a","destination":"/b","rw":false}]}}}`);
    expect(e("docker.container.mounts")).toEqual(["/a:/b:ro"]);
    expect(e("docker.container.mount.source")).toEqual(["/a"]);
    expect(e("docker.container.mount.destination")).toEqual(["/d", "/b"]);
    e = parsed(`{"Type":"collector","falco":{"endpoint":"${big(70000, "e")}"},"Actor":{"Attributes":{"endpoint":"x"}}}`);
    expect(e("docker.endpoint")).toEqual([]);                // oversize, not absent: no fallback
    expect(e("docker.type")).toEqual(["collector"]);
  });
});

describe("counts over the limits keep the first 1,024", () => {
  const attrs = (n: number): string => Array.from({ length: n }, (_v, i) => `"k${i}":"v${i}"`).join(",");

  it("1,100 labels: the first 1,024 attributes have values, the rest none, parsing continues", () => {
    const e = parsed(`{"Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{"name":"web",${attrs(1100)}}},"falco":{"container":{"privileged":true}}}`,
      ["k0", "k1022", "k1023", "k1099"]);
    expect(e("docker.container.name")).toEqual(["web"]);
    expect(e("docker.attributes", "k1022")).toEqual(["v1022"]);
    expect(e("docker.attributes", "k1023")).toEqual([]);
    expect(e("docker.attributes", "k1099")).toEqual([]);
    expect(e("docker.container.privileged")).toEqual([true]);
    expect(e("docker.action")).toEqual(["start"]);
  });

  it("10,000 labels with the name last: no name, the event still parses", () => {
    const e = parsed(`{"Type":"container","Actor":{"ID":"c1","Attributes":{${attrs(10000)},"name":"late"}},"timeNano":5}`, ["k9999"]);
    expect(e("docker.container.name")).toEqual([]);
    expect(e("docker.container.id")).toEqual(["c1"]);
    expect(e("docker.time")).toEqual(["5"]);
  });

  it("members past the limit are still type-checked", () => {
    parsed(`{"Actor":{"Attributes":{${attrs(1100)},"x":1}}}`, [], -5);
    const mounts = Array.from({ length: 1030 }, (_v, i) => `{"source":"/s${i}"}`).join(",");
    parsed(`{"falco":{"container":{"mounts":[${mounts},{"rw":"x"}]}}}`, [], -5);
    parsed(`{"falco":{"container":{"capAdd":[${'"X",'.repeat(1100)}1]}}}`, [], -5);
  });

  it("1,100 capAdd and 1,030 mounts: the first 1,024 of each", () => {
    const caps = Array.from({ length: 1100 }, (_v, i) => `"C${i}"`).join(",");
    const mounts = Array.from({ length: 1030 }, (_v, i) => `{"source":"/s${i}","destination":"/d${i}","rw":false}`).join(",");
    const e = parsed(`{"Type":"container","falco":{"container":{"privileged":true,"capAdd":[${caps}],"mounts":[${mounts}]}}}`);
    expect(e("docker.container.privileged")).toEqual([true]);
    const c = e("docker.container.cap_add") as string[];
    expect(c.length).toBe(1024);
    expect(c[1023]).toBe("C1023");
    const m = e("docker.container.mounts") as string[];
    expect(m.length).toBe(1024);
    expect(m[1023]).toBe("/s1023:/d1023:ro");
  });
});

describe("structural limits still fail the event", () => {
  it("nesting over 64 is ERR_TOO_LARGE, also with an oversize label", () => {
    parsed(`{"Type":"container","Actor":{"Attributes":{"big":"${big()}"}},"a":${"[".repeat(64)}${"]".repeat(64)}}`, [], -3);
  });
});
