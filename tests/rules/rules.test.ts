// rules/docker_rules.yaml against the extractor module's field table and against recorded
// real-daemon scenarios, through the project's own condition evaluator on the values the real
// .wasm extracts: each rule matches exactly the events its scenario says (what Falco raises
// under rule_matching: all), and the first matching rule in file order is the one the scenario
// expects under Falco's default rule_matching: first. The real Falco is the judge of both
// (tests/falco/rules.test.ts); these tests add the field checks and a fast second opinion.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { evaluate, fieldsOf, outputFields, parseCondition, type FieldRef } from "./condition";
import { ROOT as root, docs, expectations, extractor as x, fixtureFiles, label, lines, reader, resolveSelectors, rs, rules, scenarios } from "./scenarios";

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

  it("docker_exec_shell's regex names exactly the shells of docker_shell_binaries, and catches them behind a wrapper only", () => {
    const shells = docs.find((d) => d.list === "docker_shell_binaries")?.items?.map(String) ?? [];
    const cond = docs.find((d) => d.macro === "docker_exec_shell")?.condition ?? "";
    const m = /regex '\(\.\* \)\?\(\[\^ \]\*\/\)\?\(([a-z|]+)\)\( \.\*\)\?'/.exec(cond);
    expect(m, cond).not.toBeNull();
    expect(m![1]!.split("|").sort()).toEqual([...shells].sort());
    const macro = parseCondition("docker_exec_shell", rs);
    const shell = (exe: string, args: string): boolean =>
      evaluate(macro, (field) => (field === "docker.exec.exe" ? [exe] : field === "docker.exec.args" ? [args] : []));
    expect(shell("sh", "-c id")).toBe(true);
    expect(shell("env", "sh -c id")).toBe(true);
    expect(shell("env", "X=1 /bin/bash")).toBe(true);
    expect(shell("nice", "-n 5 /usr/bin/zsh -l")).toBe(true);
    expect(shell("timeout", "60 busybox sh")).toBe(true);
    expect(shell("env", "ls /")).toBe(false);
    expect(shell("env", "shx")).toBe(false);                 // a word that only starts like a shell
    expect(shell("env", "ls /tmp/sh.d")).toBe(false);
    expect(shell("cat", "/bin/sh")).toBe(false);             // not a wrapper: reading a shell is no shell
  });

  it("names the container (id, name, image) in the output of every container rule", () => {
    for (const r of rules.filter((r) => /docker_container|docker_exec_start/.test(r.condition))) {
      for (const f of ["%docker.container.id", "%docker.container.name", "%docker.container.image"]) expect(r.output, r.rule).toContain(f);
    }
  });

  it("has a recorded scenario for every rule, whose selectors each name one recorded event", () => {
    expect([...scenarios.keys()].sort()).toEqual(rules.map((r) => r.rule).sort());
    for (const [rule, sc] of scenarios) {
      for (const sels of [sc.catch, sc.catchUnderAll ?? []]) {
        const { counts } = resolveSelectors(sc, sels);
        sels.forEach((sel, k) => expect(counts[k], `${rule}: selector ${JSON.stringify(sel)} names one event`).toBe(1));
      }
    }
  });

  const expected = expectations();
  const conds = rules.map((r) => parseCondition(r.condition, rs));
  // Which rules' conditions hold on every recorded event, in file order.
  const matches = new Map<string, string[]>();
  for (const file of fixtureFiles) {
    lines(file).forEach((payload, i) => {
      const read = reader(payload);
      matches.set(label(file, i), rules.filter((_r, k) => evaluate(conds[k]!, read)).map((r) => r.rule));
    });
  }

  for (const r of rules) {
    it(`${r.rule}: its condition holds on exactly the scenario's events (first and all), over every recording`, () => {
      const caught = [...matches].filter(([, rs]) => rs.includes(r.rule)).map(([l]) => l);
      expect(caught).toEqual(expected.get(r.rule)!.all);
    });
  }

  it("the first matching rule in file order is the one each scenario expects under rule_matching: first", () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const [l, rs] of matches) if (rs.length > 0) got.push(`${l} ${rs[0]}`);
    for (const [rule, e] of expected) for (const l of e.first) want.push(`${l} ${rule}`);
    expect(got.sort()).toEqual(want.sort());
  });
});
