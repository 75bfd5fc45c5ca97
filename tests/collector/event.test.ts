// Unit checks of the line handling: exact timeNano (never through a double, read by the extractor module), the falco key
// appended without touching the daemon's bytes, FNV-1a over the bytes.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type DockerEventFields, appendFalco, eventFields, parseEvent, readsIds } from "../../collector/src/event";
import { collectorEvent } from "../../collector/src/collector-event";
import { negotiateApi, sinceParam } from "../../collector/src/docker";

const ev = (tn: string, extra = "") => `{"Type":"container","Action":"start","Actor":{"ID":"x","Attributes":{${extra}"name":"n"}},"scope":"local","time":1795786267,"timeNano":${tn}}`;

describe("timeNano", () => {
  it.each(["1795786267080044534", "9007199254740993", "18446744073709551615", "0", "1"])("reads %s exactly", (tn) => {
    expect(parseEvent(Buffer.from(ev(tn)))!.ts).toBe(BigInt(tn));
  });

  it("ignores a label spelled like the key and nested keys", () => {
    const line = ev("1795786267080044534", '"timeNano":"1","x\\"timeNano\\":2":"3",');
    expect(parseEvent(Buffer.from(line))!.ts).toBe(1795786267080044534n);
    const nested = `{"a":{"timeNano":1795786267080044999},"timeNano":1795786267080044534,"b":{"timeNano":1}}`;
    expect(parseEvent(Buffer.from(nested))!.ts).toBe(1795786267080044534n);
  });

  it("handles whitespace and escaped keys through the structural scan", () => {
    expect(parseEvent(Buffer.from('{ "timeNano" : 1795786267080044534 , "Type":"x"}'))!.ts).toBe(1795786267080044534n);
    expect(parseEvent(Buffer.from('{"time\\u004eano":1795786267080044534}'))!.ts).toBe(1795786267080044534n);
    expect(parseEvent(Buffer.from('{"a":"}\\"","timeNano":5,"z":[{"timeNano":6}]}'))!.ts).toBe(5n);
    // the last occurrence counts (as with JSON.parse); a later one that is not a number leaves no
    // time (the extractor refuses it too), a later null falls back to time
    expect(parseEvent(Buffer.from('{"timeNano":5,"timeNano":7}'))!.ts).toBe(7n);
    expect(parseEvent(Buffer.from('{"time":2,"timeNano":5,"timeNano":"7"}'))).toBeNull();
    expect(parseEvent(Buffer.from('{"time":2,"timeNano":5,"timeNano":null}'))!.ts).toBe(2_000_000_000n);
  });

  it("falls back to time in seconds, reads every number form as the extractor does, and rejects what is not an event object", () => {
    expect(parseEvent(Buffer.from('{"Type":"x","time":1795786267}'))!.ts).toBe(1795786267000000000n);
    // tests/vectors/time.json holds the shared cases; these are the ones the old reader refused
    expect(parseEvent(Buffer.from('{"timeNano":1.5}'))!.ts).toBe(1n);
    expect(parseEvent(Buffer.from('{"timeNano":1e3}'))!.ts).toBe(1000n);
    for (const bad of ["", "[]", "{", "nope", '{"Type":"x"}', '{"timeNano":-1}', '"str"', '{"timeNano":18446744073709551616}', '{"timeNano":123456789012345678901}']) {
      expect(parseEvent(Buffer.from(bad)), bad).toBeNull();
    }
    // exact digits: 16 to 20 digits are joined from two exact halves
    for (const tn of ["1000000000000000", "9999999999999999", "10000000000000000000", "12345678901234567890"]) expect(parseEvent(Buffer.from(`{"timeNano":${tn}}`))!.ts).toBe(BigInt(tn));
  });
});

describe("eventFields: what the enrichment needs, as the extractor reads it", () => {
  it("agrees with JSON.parse on every fixture line and on escaped, duplicated and odd members", () => {
    const dir = join(__dirname, "../fixtures");
    const lines = readdirSync(dir).filter((f) => f.endsWith(".jsonl")).flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter((l) => l !== ""));
    lines.push(
      '{"Type":"container","Action":"exec_start: x","Actor":{"Attributes":{"exec\\u0049D":"e\\"1","execID":"e2","z":"}"},"ID":"c\\/1"},"timeNano":1}',
      '{"Type":"container","Action":"exec_create: x","Actor":{"Attributes":{"execID":"e2","exec\\u0049D":"e\\"1"},"ID":"c\\/1"},"timeNano":1}',
      '{"Type":"container","Action":"create","Actor":{"ID":"a","ID":"b","Attributes":{"execID":"x"},"Attributes":{}},"timeNano":1}',
      '{"Type":"container","Action":"start","Actor":{ "ID" : "a" , "Attributes" : { "execID" : "x" } },"timeNano":1}',
      '{"Type":"container","Action":"destroy","Actor":null,"timeNano":1}',
    );
    expect(lines.length).toBeGreaterThan(100);
    let read = 0;
    for (const l of lines) {
      const ev = parseEvent(Buffer.from(l));
      if (ev === null) continue;
      const j = JSON.parse(l) as DockerEventFields;
      const f = eventFields(ev);
      expect(f.Type, l).toBe(j.Type === "container" || j.Type === "collector" ? j.Type : "other");
      if (j.Type !== "container") continue;
      expect(f.Action, l).toBe(j.Action);
      const action = j.Action as string;
      // the ids are read for the actions the enrichment looks at
      if (!readsIds(action)) continue;
      read++;
      const actor = j.Actor !== null && typeof j.Actor === "object" ? j.Actor : undefined;
      expect(f.Actor?.ID, l).toBe(actor?.ID);
      if (action.startsWith("exec_")) expect(f.Actor?.Attributes?.execID, l).toBe(actor?.Attributes?.execID);
    }
    expect(read).toBeGreaterThan(20);
  });
});

describe("falco key", () => {
  it("is appended at the end, the daemon's bytes kept", () => {
    const line = ev("1795786267080044534");
    const out = appendFalco(Buffer.from(line), '{"endpoint":"unix:///s"}').toString();
    expect(out).toBe(`${line.slice(0, -1)},"falco":{"endpoint":"unix:///s"}}`);
    expect(appendFalco(Buffer.from("{ }"), "{}").toString()).toBe('{ "falco":{}}');
  });
});

describe("collector events and API", () => {
  it("writes exact time/timeNano in the Docker shape", () => {
    const b = collectorEvent("reconnect", "unix:///s", { gapNs: "5" }, 1795786267080044534n).toString();
    expect(b).toBe('{"Type":"collector","Action":"reconnect","Actor":{"ID":"unix:///s","Attributes":{"endpoint":"unix:///s","gapNs":"5"}},"scope":"local","time":1795786267,"timeNano":1795786267080044534}');
  });

  it("formats since and negotiates versions", () => {
    expect(sinceParam(1795786267000000042n)).toBe("1795786267.000000042");
    expect(negotiateApi("1.41", "1.12")).toBe("1.41");
    expect(negotiateApi("1.52", "1.44")).toBe("1.51");
    expect(negotiateApi("1.60", "1.55")).toBe("1.55");
  });
});
