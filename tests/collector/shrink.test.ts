// Oversize events are shrunk, never dropped (collector/src/shrink.ts, contracts/ring.md
// "Oversize events"): the result fits the limit, is valid JSON that the real extractor module
// parses completely (no string over its 64 KiB limit, at most 1,024 attributes), keeps type,
// action, actor, time and the security context, and says what was cut.
import { describe, expect, it } from "vitest";
import { MAX_ATTRS, MAX_STRING, cutPoint, shrinkEvent } from "../../collector/src/shrink";
import { maxPayload } from "../../collector/src/ring";
import { EventParser } from "../../collector/src/event";
import { Extractor } from "../extractor/wasm";
import { rng } from "../support/rng";

const ID = "9a18c33983b545dcd9b63e48c4af2e222d55e716b43bfadc7fff482b20b71a2e";
const TIME = ',"scope":"local","time":1795786585,"timeNano":1795786585591811743}';

function event(action: string, attrs: Record<string, string>, extra = ""): Buffer {
  const a = JSON.stringify({ ...attrs, image: "dkr-busybox", name: "big" });
  return Buffer.from(`{"status":${JSON.stringify(action)},"id":"${ID}","from":"dkr-busybox","Type":"container","Action":${JSON.stringify(action)},"Actor":{"ID":"${ID}","Attributes":${a}}${extra}${TIME}`);
}

const CONTEXT = {
  endpoint: "unix:///var/run/docker.sock",
  container: {
    privileged: false, capAdd: ["SYS_ADMIN"], user: "", networkMode: "none", pidMode: "host", ipcMode: "private", imageId: "sha256:x", readonlyRootfs: false,
    mounts: [
      { type: "bind", source: "/var/run/docker.sock", destination: "/var/run/docker.sock", mode: "", rw: true },
      { type: "bind", source: "/", destination: "/host", mode: "", rw: true },
    ],
  },
};
const tailOf = (falco: unknown): Buffer => Buffer.from(`,"falco":${JSON.stringify(falco)}}`);
const payload = (body: Buffer, tail: Buffer): Buffer => Buffer.concat([body.subarray(0, body.length - 1), tail]);

const labels = (n: number, size: number, ch = "A"): Record<string, string> => {
  const o: Record<string, string> = {};
  for (let i = 0; i < n; i++) o[`com.example.l${i}`] = ch.repeat(size);
  return o;
};

const x = new Extractor();
function field(p: Buffer, name: string, arg: string | null = null): unknown[] {
  expect(x.parse(p), "the extractor parses the shrunk event").toBe(0);
  return x.extract(name, arg) as unknown[];
}

/** Every string of the parsed JSON is within the extractor's limit; every attribute kept has a value. */
function fullyParseable(p: Buffer): void {
  const v = JSON.parse(p.toString("utf8")) as { Actor: { Attributes: Record<string, string> } };
  const attrs = Object.entries(v.Actor.Attributes);
  expect(attrs.length).toBeLessThanOrEqual(MAX_ATTRS);
  for (const [k, val] of attrs) {
    expect(Buffer.byteLength(JSON.stringify(val)) - 2).toBeLessThanOrEqual(MAX_STRING);
    expect(field(p, "docker.attributes", k), k).toHaveLength(1);
  }
}

describe("shrinking an oversize event", () => {
  const limit = maxPayload(8 << 20); // the default ring: 2 MiB - 16

  it("the issue's container: 22 labels of 100,000 bytes fit, nothing but the labels is cut", () => {
    const body = event("create", labels(22, 100_000));
    const tail = tailOf(CONTEXT);
    expect(body.length).toBeGreaterThan(2_200_000);
    const r = shrinkEvent(body, tail, limit)!;
    expect(r).not.toBeNull();
    const p = payload(r.body, r.tail);
    expect(p.length).toBeLessThanOrEqual(limit);
    const v = JSON.parse(p.toString("utf8")) as Record<string, unknown> & { Actor: { ID: string; Attributes: Record<string, string> }; falco: Record<string, unknown> };
    expect([v.Type, v.Action, v.status, v.id, v.from, v.scope, v.time]).toEqual(["container", "create", "create", ID, "dkr-busybox", "local", 1795786585]);
    expect(v.Actor.ID).toBe(ID);
    expect(v.Actor.Attributes.image).toBe("dkr-busybox");
    expect(v.Actor.Attributes.name).toBe("big");
    for (let i = 0; i < 22; i++) expect(v.Actor.Attributes[`com.example.l${i}`]).toMatch(/^A{1000,65536}$/);
    expect(v.falco.container).toEqual(CONTEXT.container);
    expect(v.falco.truncated).toEqual({ bytes: body.length, strings: 22, stringBytes: expect.any(Number), attributes: 0, members: 0, mounts: 0 });
    expect(r.cut.stringBytes).toBe(body.length - 1 + tail.length - (p.length - tail.length + tail.length) + (r.tail.length - tail.length));
    fullyParseable(p);
    expect(field(p, "docker.time")).toEqual(["1795786585591811743"]);
    expect(field(p, "docker.event.truncated")).toEqual([true]);
    expect(field(p, "docker.event.original_size")).toEqual([String(body.length)]);
    expect(field(p, "docker.container.mount.source")).toEqual(["/var/run/docker.sock", "/"]);
    expect(field(p, "docker.container.cap_add")).toEqual(["SYS_ADMIN"]);
    expect(field(p, "docker.container.pid_mode")).toEqual(["host"]);
    // the same input gives the same bytes (a replayed line dedups against its first copy)
    const again = shrinkEvent(body, tail, limit)!;
    expect(payload(again.body, again.tail).equals(p)).toBe(true);
  });

  it("an exec with a huge command line keeps its action name, program and the start of its arguments", () => {
    const cmd = `exec_start: sh -c ${"echo x; ".repeat(300_000)}`;
    const body = event(cmd, { execID: "e1" });
    const r = shrinkEvent(body, tailOf({ endpoint: "unix:///s", exec: { tty: false, user: "", privileged: false } }), limit)!;
    const p = payload(r.body, r.tail);
    expect(p.length).toBeLessThanOrEqual(limit);
    expect(field(p, "docker.action.name")).toEqual(["exec_start"]);
    expect(field(p, "docker.exec.exe")).toEqual(["sh"]);
    expect((field(p, "docker.exec.cmdline")[0] as string).startsWith("sh -c echo x; ")).toBe(true);
    expect(field(p, "docker.exec.id")).toEqual(["e1"]);
    expect(field(p, "docker.exec.tty")).toEqual([false]);
  });

  it("10,000 attributes: those past the 1,024 the extractor keeps go first", () => {
    const body = event("start", labels(10_000, 300));
    const r = shrinkEvent(body, tailOf(CONTEXT), limit)!;
    const p = payload(r.body, r.tail);
    expect(p.length).toBeLessThanOrEqual(limit);
    expect(r.cut.attributes).toBe(10_002 - MAX_ATTRS);
    expect(r.cut.strings).toBe(0);
    fullyParseable(p);
    expect(field(p, "docker.attributes", "com.example.l1023")).toEqual(["A".repeat(300)]);
  });

  it("the smallest ring (64 KiB: 16 KiB records) still carries the event", () => {
    const small = maxPayload(65536);
    const body = event("create", labels(22, 100_000));
    const r = shrinkEvent(body, tailOf(CONTEXT), small)!;
    const p = payload(r.body, r.tail);
    expect(p.length).toBeLessThanOrEqual(small);
    expect(field(p, "docker.container.mount.source")).toEqual(["/var/run/docker.sock", "/"]);
    expect(field(p, "docker.container.id")).toEqual([ID]);
  });

  it("structure too big for any string cut: members the extractor does not read are removed", () => {
    const body = event("create", { a: "b" }, `,"x-unknown":[${"1,".repeat(2_000_000)}1]`);
    const r = shrinkEvent(body, tailOf(CONTEXT), limit)!;
    const p = payload(r.body, r.tail);
    expect(p.length).toBeLessThanOrEqual(limit);
    expect(r.cut.members).toBe(1);
    expect(field(p, "docker.action")).toEqual(["create"]);
    expect(field(p, "docker.attributes", "a")).toEqual(["b"]);
  });

  it("nesting of any depth (the collector publishes events nested past the extractor's limit): no stack overflow", () => {
    const small = maxPayload(65536);
    for (const depth of [100, 100_000]) {
      const deep = `${"[".repeat(depth)}"${"z".repeat(20_000)}"${"]".repeat(depth)}`;
      const body = event("create", { a: "b" }, `,"x-deep":${deep}`);
      const r = shrinkEvent(body, tailOf(CONTEXT), small)!;
      const p = payload(r.body, r.tail);
      expect(p.length).toBeLessThanOrEqual(small);
      // still an event with its time (the rule Docker Event Not Parsed sees one still too deep)
      expect(new EventParser().parse(p)?.ts).toBe(1795786585591811743n);
      if (depth === 100) expect(x.parse(p)).toBe(-3);
      else {
        expect(r.cut.members).toBe(1);
        expect(field(p, "docker.attributes", "a")).toEqual(["b"]);
      }
    }
  });

  it("a replayed line keeps its own falco key, moved last, with what was cut", () => {
    const own = JSON.stringify({ endpoint: "unix:///s", container: CONTEXT.container });
    const body = Buffer.from(`${event("create", labels(22, 100_000)).toString().slice(0, -1)},"falco":${own}}`);
    const r = shrinkEvent(body, null, limit)!;
    const p = payload(r.body, r.tail);
    const v = JSON.parse(p.toString()) as { falco: { container: unknown; truncated: { bytes: number } } };
    expect(v.falco.container).toEqual(CONTEXT.container);
    expect(v.falco.truncated.bytes).toBe(body.length);
    expect(p.toString().match(/"falco":/g)).toHaveLength(1);
    // and a line without any falco key gets one
    const bare = event("create", labels(22, 100_000));
    const r2 = shrinkEvent(bare, null, limit)!;
    expect(field(payload(r2.body, r2.tail), "docker.event.truncated")).toEqual([true]);
  });

  it("an enrichment too big for half the record loses mounts from the last back, and says so", () => {
    const mounts = Array.from({ length: 20_000 }, (_, i) => ({ type: "bind", source: `/s${i}`.padEnd(60, "x"), destination: `/d${i}`.padEnd(60, "y"), mode: "", rw: true }));
    const r = shrinkEvent(event("create", { a: "b" }), tailOf({ endpoint: "u", container: { ...CONTEXT.container, mounts } }), limit)!;
    const p = payload(r.body, r.tail);
    expect(p.length).toBeLessThanOrEqual(limit);
    expect(r.cut.mounts).toBeGreaterThan(0);
    expect(field(p, "docker.container.mount.source")[0]).toBe(mounts[0]!.source);
  });

  it("cuts never split a character or an escape", () => {
    const s = Buffer.from('"é\\u00e9\\ud83d\\ude00😀\\n"');
    const ends = [];
    for (let cap = 0; cap <= s.length - 2; cap++) ends.push(cutPoint(s, 1, s.length - 1, cap));
    for (const e of ends) expect(() => JSON.parse(`${s.toString("latin1", 0, e)}"`.replace(/[\x80-\xff]+/g, (m) => Buffer.from(m, "latin1").toString("utf8")))).not.toThrow();
    expect(new Set(ends)).toEqual(new Set([1, 3, 9, 21, 25, 27]));
  });

  it("random events and limits: valid JSON within the limit that the extractor parses fully", () => {
    const r = rng(0x5111);
    const pieces = ["A", "é", "😀", "\\n", "\\u00e9", "\\ud83d\\ude00", "\\\\", '\\"', "x"];
    for (let n = 0; n < 30; n++) {
      const attrs: Record<string, string> = {};
      const count = 1 + Math.floor(r() * 1200);
      for (let i = 0; i < count; i++) {
        const len = r() < 0.1 ? Math.floor(r() * 150_000) : Math.floor(r() * 50);
        attrs[`k${i}${r() < 0.05 ? "K".repeat(Math.floor(r() * 100_000)) : ""}`] = pieces[Math.floor(r() * pieces.length)]!.repeat(len);
      }
      const raw = event(r() < 0.5 ? "create" : `exec_start: sh -c ${"y".repeat(Math.floor(r() * 300_000))}`, {}).toString();
      // the attributes are written as JSON text with the escapes above kept as escapes
      const body = Buffer.from(raw.replace('"Attributes":{', `"Attributes":{${Object.entries(attrs).map(([k, v]) => `"${k}":"${v}"`).join(",")},`));
      const lim = [maxPayload(65536), maxPayload(1 << 20), maxPayload(8 << 20), 4 << 20][Math.floor(r() * 4)]!;
      const tail = tailOf(CONTEXT);
      if (body.length - 1 + tail.length <= lim) continue;
      const out = shrinkEvent(body, tail, lim);
      expect(out, `case ${n}`).not.toBeNull();
      const p = payload(out!.body, out!.tail);
      expect(p.length).toBeLessThanOrEqual(lim);
      expect(() => JSON.parse(p.toString("utf8"))).not.toThrow();
      expect(x.parse(p), `case ${n}`).toBe(0);
      expect(field(p, "docker.event.truncated")).toEqual([true]);
      expect(field(p, "docker.container.mount.source")).toEqual(["/var/run/docker.sock", "/"]);
      expect(field(p, "docker.time")).toEqual(["1795786585591811743"]);
    }
  });
});
