// rules/docker_rules.yaml against the extractor module's field table and against recorded
// real-daemon scenarios: each rule catches exactly the events its scenario says, evaluated on
// the values the real .wasm extracts from those events.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { Extractor, type Value as WasmValue } from "../extractor/wasm";
import { evaluate, fieldsOf, outputFields, parseCondition, type FieldRef, type RuleSet, type Value } from "./condition";

const root = fileURLToPath(new URL("../../", import.meta.url));

interface RuleDoc { rule?: string; macro?: string; list?: string; condition?: string; output?: string; items?: string[];
  priority?: string; source?: string; tags?: string[]; desc?: string; required_plugin_versions?: Array<{ name: string; version: string }> }
/** Events the rule must catch are selected by field values in `file` and the `also` files; all others must not match. */
interface Scenario { file: string; catch: Array<Record<string, string>>; also?: string[] }

const docs = parseYaml(readFileSync(root + "rules/docker_rules.yaml", "utf8")) as RuleDoc[];
const rs: RuleSet = { lists: new Map(), macros: new Map() };
for (const d of docs) {
  if (d.list !== undefined) rs.lists.set(d.list, (d.items ?? []).map(String));
  if (d.macro !== undefined) rs.macros.set(d.macro, d.condition ?? "");
}
const rules = docs.filter((d): d is RuleDoc & { rule: string; condition: string; output: string } => d.rule !== undefined);
const scenarios = JSON.parse(readFileSync(root + "tests/rules/scenarios.json", "utf8")) as Record<string, Scenario | string>;

const x = new Extractor();

function lines(file: string): string[] {
  return readFileSync(root + "tests/fixtures/rules/" + file, "utf8").split("\n").filter((l) => l.length > 0);
}

/**
 * A field reader over one event, through the real module. An event the module cannot parse
 * has no value for any field, as the host reports it to Falco.
 */
function reader(payload: string): (field: string, arg: string | null) => Value[] {
  const parsed = x.parse(payload) === 0;
  return (field, arg) => {
    if (!parsed) return [];
    const id = x.byName.get(field);
    if (id === undefined) throw new Error(`unknown field ${field}`);
    const v = x.extract(id, arg);
    if (typeof v === "number") throw new Error(`extract ${field} failed with ${v}`);
    const type = x.fields[id]!.type;
    return v.map((e: WasmValue): Value => (typeof e === "boolean" ? e : type === "string" ? e : BigInt(e)));
  };
}

/** Falco's own fields for a plugin source (falco-plugin-abi.md §3.1), usable in outputs. */
const FALCO_EVT_FIELDS = new Set(["evt.num", "evt.time", "evt.time.s", "evt.time.iso8601", "evt.datetime", "evt.datetime.s",
  "evt.rawtime", "evt.rawtime.s", "evt.rawtime.ns", "evt.reltime", "evt.reltime.s", "evt.reltime.ns", "evt.pluginname",
  "evt.plugininfo", "evt.source", "evt.is_async", "evt.asynctype", "evt.hostname"]);

function checkRef(ref: FieldRef, where: string): void {
  if (ref.field.startsWith("evt.")) {
    expect(FALCO_EVT_FIELDS.has(ref.field) && ref.arg === null, `${where}: ${ref.field} is a Falco event field`).toBe(true);
    return;
  }
  const id = x.byName.get(ref.field);
  expect(id, `${where}: field ${ref.field} is declared by the module`).toBeDefined();
  const f = x.fields[id!]!;
  if (ref.arg === null) expect(f.arg.isRequired, `${where}: ${ref.field} needs an argument`).toBe(false);
  else expect(f.arg.isKey || f.arg.isIndex, `${where}: ${ref.field} takes no argument`).toBe(true);
}

describe("rules/docker_rules.yaml", () => {
  it("requires this plugin at a version its major accepts", () => {
    const req = docs.find((d) => d.required_plugin_versions)?.required_plugin_versions ?? [];
    const pkg = JSON.parse(readFileSync(root + "package.json", "utf8")) as { version: string };
    expect(req).toEqual([{ name: "docker", version: pkg.version }]);
  });

  it("has rules with source docker, a priority, MITRE-style tags and a description", () => {
    expect(rules.length).toBeGreaterThanOrEqual(12);
    for (const r of rules) {
      expect(r.source, r.rule).toBe("docker");
      expect(["EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFORMATIONAL", "INFO", "DEBUG"]).toContain(r.priority);
      expect(r.desc?.length, r.rule).toBeGreaterThan(20);
      expect(r.tags, r.rule).toContain("docker");
    }
  });

  it("uses only fields the module declares, in every condition, macro and output", () => {
    for (const r of rules) {
      for (const ref of fieldsOf(parseCondition(r.condition, rs))) checkRef(ref, `${r.rule} condition`);
      for (const ref of outputFields(r.output)) checkRef(ref, `${r.rule} output`);
    }
    for (const [name, cond] of rs.macros) for (const ref of fieldsOf(parseCondition(cond, rs))) checkRef(ref, `macro ${name}`);
  });

  it("names the container (id, name, image) in the output of every container rule", () => {
    for (const r of rules.filter((r) => /docker_container|docker_exec_start/.test(r.condition))) {
      for (const f of ["%docker.container.id", "%docker.container.name", "%docker.container.image"]) expect(r.output, r.rule).toContain(f);
    }
  });

  it("has a recorded scenario for every rule", () => {
    expect(Object.keys(scenarios).filter((k) => k !== "_doc").sort()).toEqual(rules.map((r) => r.rule).sort());
  });

  for (const r of rules) {
    it(`${r.rule}: catches exactly the scenario's events`, () => {
      const sc = scenarios[r.rule] as Scenario;
      const cond = parseCondition(r.condition, rs);
      const files = [sc.file, ...(sc.also ?? [])];
      const caught: string[] = [];
      const expected: string[] = [];
      for (const file of files) {
        lines(file).forEach((payload, i) => {
          const read = reader(payload);
          const label = `${file}:${i + 1}`;
          // A selector names events by field values, or by position ("_line", 1-based) for an
          // event that has no field values at all.
          const selected = sc.catch.some((sel) =>
            Object.entries(sel).every(([f, v]) => f === "_line"
              ? file === sc.file && String(i + 1) === v
              : read(f, null).map(String).join("\u0000") === v));
          if (selected) expected.push(label);
          if (evaluate(cond, read)) caught.push(label);
        });
      }
      for (const sel of sc.catch) {
        expect(expected.length, `selector ${JSON.stringify(sel)} names a recorded event`).toBeGreaterThan(0);
      }
      expect(expected.length, "each selector names one event").toBe(sc.catch.length);
      expect(caught).toEqual(expected);
    });
  }
});
