// The rules give the same alerts on every engine: each scenario of scripts/record-scenarios.sh was
// recorded on Docker 20.10 (tests/fixtures/rules/*.jsonl), Docker 28 and Podman
// (tests/fixtures/rules/<engine>/*.jsonl, same steps); on each, every rule must raise exactly the
// alerts it raises on Docker 20.10's recording, events compared by what they are about (the
// container's name, the action in Docker's words, the exec's command line; type and action for
// the others), not by the engine's raw shape. What an engine cannot report is listed in GAPS
// (the README's rules table says the same). Checked with the project's evaluator on every rule
// that matches (rule_matching: all), and through the real Falco, under all and under its default
// first (the rule that wins each event).
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { Extractor, type Value as WasmValue } from "../extractor/wasm";
import { evaluate, parseCondition, type RuleSet, type Value } from "./condition";
import { describeFalco, replayThroughFalco, type Alert } from "../falco/falco";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = root + "tests/fixtures/rules/";

interface RuleDoc { rule?: string; macro?: string; list?: string; condition?: string; items?: string[] }
const docs = parseYaml(readFileSync(root + "rules/docker_rules.yaml", "utf8")) as RuleDoc[];
const rs: RuleSet = { lists: new Map(), macros: new Map() };
for (const d of docs) {
  if (d.list !== undefined) rs.lists.set(d.list, (d.items ?? []).map(String));
  if (d.macro !== undefined) rs.macros.set(d.macro, d.condition ?? "");
}
const rules = docs.filter((d): d is RuleDoc & { rule: string; condition: string } => d.rule !== undefined)
  .map((r) => ({ name: r.rule, cond: parseCondition(r.condition, rs) }));

/**
 * What each engine cannot report, per scenario file: alerts (rule + event key, as in alerts())
 * Docker 20.10 raises there that the engine cannot. Nothing else may differ.
 */
export const GAPS: Record<string, Record<string, Array<{ rule: string; key: RegExp; why: string }>>> = {
  docker28: {},
  podman: {
    "copy.jsonl": [
      { rule: "Docker Files Copied Into Container", key: /^container\|sc-cp\|extract-to-dir\|$/, why: "Podman sends no event for podman/docker cp" },
      { rule: "Docker Files Copied Out Of Container", key: /^container\|sc-cp\|archive-path\|$/, why: "Podman sends no event for podman/docker cp" },
    ],
    "combined.jsonl": [
      { rule: "Docker Dangerous Capabilities", key: /^container\|sc-all\|create\|$/, why: "Podman lists no added capability on a privileged container (it has them all)" },
    ],
    "oom.jsonl": [
      { rule: "Docker Container OOM Killed", key: /^container\|sc-oom\|oom\|$/, why: "Podman has no oom event (only die)" },
    ],
    "swarm.jsonl": [
      { rule: "Docker Swarm Secret Or Config Changed", key: /^config\|/, why: "Podman has no swarm and no configs (its secrets are local)" },
    ],
  },
};

const x = new Extractor();

function values(field: string): string {
  const id = x.byName.get(field);
  if (id === undefined) throw new Error(`unknown field ${field}`);
  const v = x.extract(id, null);
  return typeof v === "number" ? "" : v.map(String).join(",");
}

/**
 * An exec's command line as a key: Docker writes a command without arguments with a trailing
 * space (its action is the program, a space and the joined arguments: "exec_start: id "),
 * Podman's exec inspect does not ("id").
 */
const cmdKey = (c: string): string => c.replace(/ $/, "");

/** What the event is about, in words no engine changes. */
function keyOf(): string {
  const type = values("docker.type");
  if (type === "container") return `container|${values("docker.container.name")}|${values("docker.action.name")}|${cmdKey(values("docker.exec.cmdline"))}`;
  return `${type}|${values("docker.action.name")}`;
}

function lines(file: string): string[] {
  return readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0);
}

/** "rule @ key" for every rule matching every event of a recording, sorted (order differs per engine). */
function alerts(file: string): string[] {
  const out: string[] = [];
  for (const payload of lines(file)) {
    const parsed = x.parse(payload) === 0;
    const read = (field: string, arg: string | null): Value[] => {
      if (!parsed) return [];
      const id = x.byName.get(field)!;
      const v = x.extract(id, arg);
      if (typeof v === "number") throw new Error(`extract ${field} failed with ${v}`);
      const type = x.fields[id]!.type;
      return v.map((e: WasmValue): Value => (typeof e === "boolean" ? e : type === "string" ? e : BigInt(e)));
    };
    const key = parsed ? keyOf() : "unparsed";
    for (const r of rules) if (evaluate(r.cond, read)) out.push(`${r.name} @ ${key}`);
  }
  return out.sort();
}

function gapFilter(engine: string, file: string): (a: string) => boolean {
  const gaps = GAPS[engine]?.[file] ?? [];
  return (a) => !gaps.some((g) => a.startsWith(`${g.rule} @ `) && g.key.test(a.slice(g.rule.length + 3)));
}

const engines = ["docker28", "podman"].filter((e) => existsSync(dir + e));
const files = (engine: string): string[] => readdirSync(dir + engine).filter((f) => f.endsWith(".jsonl") && existsSync(dir + f)).sort();

describe("the rules on every engine's recordings", () => {
  it("has recordings for Docker 28 and Podman of the scenarios (Podman: all but the engine plugin, which it lacks)", () => {
    expect(engines).toEqual(["docker28", "podman"]);
    const scenarios = ["exec", "privileged", "mounts", "namespaces", "capabilities", "copy", "commit", "oom", "swarm", "healthcheck", "visibility", "combined"];
    expect(files("docker28")).toEqual([...scenarios, "plugin"].map((f) => `${f}.jsonl`).sort());
    expect(files("podman")).toEqual(scenarios.map((f) => `${f}.jsonl`).sort());
  });

  for (const engine of engines) {
    for (const file of files(engine)) {
      it(`${engine}/${file}: every rule raises what it raises on Docker 20.10's ${file}`, () => {
        const base = alerts(dir + file);
        const mine = alerts(`${dir}${engine}/${file}`);
        const keep = gapFilter(engine, file);
        expect(mine).toEqual(base.filter(keep));
        // a gap is a real difference: the alert exists on Docker 20.10
        for (const g of GAPS[engine]?.[file] ?? []) expect(base.some((a) => !keep(a)), `${g.rule}: ${g.why}`).toBe(true);
        // and the scenario raised something on Docker (the comparison is not empty) unless it raises nothing anywhere
        if (file !== "plugin.jsonl") expect(base.length, "Docker 20.10 raises alerts on this scenario").toBeGreaterThan(0);
      });
    }
  }
});

/** The fields that say what an event is about, appended to every alert (append_output). */
const KEY_FIELDS = ["docker.type", "docker.container.name", "docker.action.name", "docker.exec.cmdline"];

/** "rule @ key" of the real Falco's alerts, the key as keyOf() makes it, sorted. */
function falcoKeys(got: Alert[]): string[] {
  return got.map((a) => {
    const f = a.output_fields;
    const v = (k: string): string => (f[k] === undefined || f[k] === null ? "" : String(f[k]));
    const type = v("docker.type");
    const key = type === "container"
      ? `container|${v("docker.container.name")}|${v("docker.action.name")}|${cmdKey(v("docker.exec.cmdline"))}`
      : `${type}|${v("docker.action.name")}`;
    return `${a.rule} @ ${key}`;
  }).sort();
}

describeFalco("the rules on every engine's recordings, through the real Falco", () => {
  const extra = { append_output: [{ match: { source: "docker" }, extra_fields: KEY_FIELDS }] };
  for (const engine of engines) {
    it(`${engine}: Falco raises on each recording what it raises on Docker 20.10's, but the listed gaps`, async () => {
      for (const file of files(engine)) {
        const base = await replayThroughFalco([dir + file], { ruleMatching: "all", extra });
        const mine = await replayThroughFalco([`${dir}${engine}/${file}`], { ruleMatching: "all", extra });
        expect(base.code, base.log).toBe(0);
        expect(mine.code, mine.log).toBe(0);
        // Falco prints <NA> for a field without value; the evaluator's keys have "" there
        const clean = (k: string): string => k.replaceAll("<NA>", "");
        const keep = gapFilter(engine, file);
        expect(falcoKeys(mine.alerts).map(clean), `${engine}/${file}`).toEqual(falcoKeys(base.alerts).map(clean).filter(keep));
        // and Falco agrees with the project's evaluator
        expect(falcoKeys(mine.alerts).map(clean), `${engine}/${file}: Falco and the evaluator`).toEqual(alerts(`${dir}${engine}/${file}`));
        // under Falco's default rule_matching (first): the same rule wins each event on both engines
        const baseFirst = await replayThroughFalco([dir + file], { extra });
        const mineFirst = await replayThroughFalco([`${dir}${engine}/${file}`], { extra });
        expect(falcoKeys(mineFirst.alerts).map(clean), `${engine}/${file} (first)`).toEqual(falcoKeys(baseFirst.alerts).map(clean).filter(keep));
      }
    }, 300_000);
  }
});
