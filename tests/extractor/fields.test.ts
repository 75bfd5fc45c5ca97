// The field table the module exports (dkr_fields_ptr/len) as Falco's get_fields JSON.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Extractor, WASM_PATH } from "./wasm";

const GO_PLUGIN_FIELDS = [
  "docker.status", "docker.id", "docker.from", "docker.type", "docker.action", "docker.stack.namespace",
  "docker.node.id", "docker.swarm.task", "docker.swarm.taskid", "docker.swarm.taskname", "docker.swarm.servicename",
  "docker.node.statenew", "docker.node.stateold", "docker.attributes.container", "docker.attributes.image",
  "docker.attributes.name", "docker.attributes.type", "docker.attributes.exitcode", "docker.attributes.signal",
  "docker.scope",
];
const REQUIRED = [
  "docker.actor.id", "docker.attributes", "docker.time", "docker.exitcode", "docker.exec.duration", "docker.action.name",
  "docker.exec.cmdline", "docker.health.status", "docker.exec.id", "docker.container.oldname", "docker.container.id",
  "docker.container.name", "docker.container.image", "docker.volume.destination", "docker.volume.driver",
  "docker.network.name", "docker.endpoint", "docker.container.privileged", "docker.container.cap_add",
  "docker.container.mount.source", "docker.container.mount.destination", "docker.container.mounts",
  "docker.container.network_mode", "docker.container.pid_mode", "docker.container.ipc_mode", "docker.container.user",
  "docker.container.image_id", "docker.container.readonly_rootfs", "docker.exec.tty", "docker.exec.user",
  "docker.exec.privileged", "docker.collector.gap", "docker.collector.dropped", "docker.exec.healthcheck",
];

describe("field table", () => {
  const x = new Extractor();
  it("imports nothing and reports ABI version 2", () => {
    const m = new WebAssembly.Module(readFileSync(WASM_PATH));
    expect(WebAssembly.Module.imports(m)).toEqual([]);
    expect(x.x.dkr_abi_version()).toBe(2);
  });
  it("exports exactly the guest ABI (the json-as transform must not turn the entry into a library file)", () => {
    const m = new WebAssembly.Module(readFileSync(WASM_PATH));
    expect(WebAssembly.Module.exports(m).map((e) => e.name).sort()).toEqual([
      "dkr_abi_version", "dkr_answers", "dkr_arg", "dkr_extract", "dkr_fields_len", "dkr_fields_ptr", "dkr_input", "dkr_line", "dkr_parse",
      "dkr_parse_extract", "dkr_requests", "dkr_result", "dkr_scan", "dkr_scan_info", "memory",
    ]);
  });
  it("is compact JSON with each entry's keys in get_fields order, NUL-terminated", () => {
    const p = x.x.dkr_fields_ptr();
    const n = x.x.dkr_fields_len();
    const mem = new Uint8Array(x.x.memory.buffer);
    expect(mem[p + n]).toBe(0);
    const text = new TextDecoder("utf-8", { fatal: true }).decode(mem.subarray(p, p + n));
    expect(text).toBe(JSON.stringify(JSON.parse(text)));
    for (const f of x.fields) {
      expect(Object.keys(f)).toEqual(["type", "name", "desc", "display", "arg", "isList", "properties"]);
      expect(Object.keys(f.arg)).toEqual(["isRequired", "isIndex", "isKey"]);
    }
    expect(text).toContain('"docker.exec.exe"');
  });
  it("is valid get_fields JSON with usable names, types and descriptions", () => {
    const names = x.fields.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const f of x.fields) {
      expect(f.name).toMatch(/^[a-z]+[a-z0-9_]*(\.[a-z]+[a-z0-9_]*)+$/);
      expect(f.name.startsWith("evt.")).toBe(false);
      expect(f.name.startsWith("docker.")).toBe(true);
      expect(["string", "uint64", "reltime", "abstime", "bool"]).toContain(f.type);
      expect(f.desc.length, f.name).toBeGreaterThan(30);
      expect(f.display.length).toBeGreaterThan(0);
      expect(typeof f.isList).toBe("boolean");
      expect(Object.keys(f.arg).sort()).toEqual(["isIndex", "isKey", "isRequired"]);
      if (f.arg.isRequired) expect(f.arg.isKey || f.arg.isIndex).toBe(true);
      expect(f.properties).toEqual([]);
    }
  });
  it("keeps the 20 fields of the registered Go plugin, as strings, and adds the new ones", () => {
    for (const n of GO_PLUGIN_FIELDS) expect(x.fields[x.byName.get(n) ?? -1]?.type, n).toBe("string");
    for (const n of REQUIRED) expect(x.byName.has(n), n).toBe(true);
    const t = (n: string): string | undefined => x.fields[x.byName.get(n)!]?.type;
    expect(t("docker.time")).toBe("abstime");
    expect(t("docker.exitcode")).toBe("uint64");
    expect(t("docker.exec.duration")).toBe("reltime");
    expect(t("docker.collector.gap")).toBe("reltime");
    expect(t("docker.collector.dropped")).toBe("uint64");
    expect(t("docker.container.privileged")).toBe("bool");
    const a = x.fields[x.byName.get("docker.attributes")!]!;
    expect(a.arg).toEqual({ isRequired: true, isIndex: false, isKey: true });
    for (const n of ["docker.container.cap_add", "docker.container.mounts", "docker.container.mount.source", "docker.container.mount.destination"]) {
      expect(x.fields[x.byName.get(n)!]!.isList, n).toBe(true);
    }
  });
  it("the table is the same on every call", () => {
    const p = x.x.dkr_fields_ptr();
    const l = x.x.dkr_fields_len();
    expect(x.x.dkr_fields_ptr()).toBe(p);
    expect(x.x.dkr_fields_len()).toBe(l);
  });
});
