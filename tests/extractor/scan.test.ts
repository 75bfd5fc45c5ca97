// The collector's entry of the module (assembly/ABI.md "The collector's entry") at the ABI level:
// dkr_line/dkr_scan and the summary layout. The collector's side (collector/src/extractor.ts) is
// tested in tests/collector/event-grammar.test.ts.
import { describe, expect, it } from "vitest";
import { Extractor } from "./wasm";

interface Summary { rc: number; time: bigint | null; type: number; action: string | null; actorId: string | null; execId: string | null }

const dec = new TextDecoder();

function scan(x: Extractor, payload: string | Uint8Array, len?: number): Summary {
  const b = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const p = x.x.dkr_line(b.length);
  expect(p).not.toBe(0);
  new Uint8Array(x.x.memory.buffer, p, b.length).set(b);
  const rc = x.x.dkr_scan(len ?? b.length);
  const info = x.x.dkr_scan_info();
  const dv = new DataView(x.x.memory.buffer);
  const text = (off: number): string | null => {
    const n = dv.getInt32(info + off + 4, true);
    return n < 0 ? null : dec.decode(new Uint8Array(x.x.memory.buffer, dv.getUint32(info + off, true), n));
  };
  return {
    rc,
    time: dv.getInt32(info + 8, true) === 1 ? dv.getBigUint64(info, true) : null,
    type: dv.getInt32(info + 12, true),
    action: text(16),
    actorId: text(24),
    execId: text(32),
  };
}

describe("dkr_scan: the collector's summary of a line", () => {
  const x = new Extractor();

  it("gives time, type class, decoded action and ids of an event that parses", () => {
    const s = scan(x, '{"Type":"container","Action":"exec_start: a\\u001bb","Actor":{"ID":"c\\/1","Attributes":{"execID":"e\\"1","name":"n"}},"timeNano":1795786267080044534}');
    expect(s).toEqual({ rc: 0, time: 1795786267080044534n, type: 2, action: "exec_start: a\u001bb", actorId: "c/1", execId: 'e"1' });
    // the parse is dkr_parse's: the fields follow, escaped as ever (the summary changed no slot)
    expect(x.extract("docker.actor.id")).toEqual(["c/1"]);
    expect(x.extract("docker.action")).toEqual(["exec_start: a\\x1bb"]);
    expect(scan(x, '{"Type":"collector","time":1}')).toMatchObject({ rc: 0, time: 1_000_000_000n, type: 6, action: null, actorId: null, execId: null });
    expect(scan(x, '{"timeNano":1}')).toMatchObject({ rc: 0, type: 0 });
  });

  it("gives the time of a well-formed event the extractor refuses, and nothing else", () => {
    expect(scan(x, '{"Type":"container","Action":"start","Actor":{"ID":5},"timeNano":7}')).toEqual({ rc: -5, time: 7n, type: 0, action: null, actorId: null, execId: null });
    const deep = `{"Type":"container","Action":"start","a":${"[".repeat(200_000)}${"]".repeat(200_000)},"time":3}`;
    expect(scan(x, deep)).toEqual({ rc: -3, time: 3_000_000_000n, type: 0, action: null, actorId: null, execId: null });
    expect(scan(x, '{"timeNano":[1],"time":3}')).toMatchObject({ rc: -5, time: null });
    expect(scan(x, '{"timeNano":1')).toMatchObject({ rc: -1, time: null });
    expect(scan(x, '[{"timeNano":1}]')).toMatchObject({ rc: -2, time: null });
    expect(scan(x, new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toMatchObject({ rc: -4, time: null });
  });

  it("takes lines up to 16 MiB, and leaves the host's 4 MiB limit alone", () => {
    const y = new Extractor();
    const big = `{"Type":"container","Action":"create","Actor":{"ID":"c"},"x":"${"y".repeat(8 << 20)}","timeNano":5}`;
    expect(scan(y, big)).toMatchObject({ rc: 0, time: 5n, type: 2, action: "create", actorId: "c" });
    expect(y.x.dkr_line((16 << 20) + 1)).toBe(0);
    expect(y.x.dkr_input((4 << 20) + 1)).toBe(0);
    expect(y.x.dkr_parse(big.length)).toBe(-3); // the buffer holds it, dkr_parse still refuses it
    // a length past the buffer reads nothing: no time from the slots of the line before
    expect(scan(y, '{"timeNano":9}')).toMatchObject({ rc: 0, time: 9n });
    expect(y.x.dkr_scan((16 << 20) + 1)).toBe(-3);
    expect(new DataView(y.x.memory.buffer).getInt32(y.x.dkr_scan_info() + 8, true)).toBe(0);
  });
});
