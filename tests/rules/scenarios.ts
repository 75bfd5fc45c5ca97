// The rules file, its recorded scenarios (tests/fixtures/rules/*.jsonl) and what each rule must
// raise on them (tests/rules/scenarios.json), shared by the evaluator tests (rules.test.ts) and
// the real Falco tests (tests/falco/rules.test.ts).
//
// A scenario names, for one rule, the events it must raise under Falco's default
// `rule_matching: first` (`catch`) and the events it raises ONLY under `rule_matching: all`
// (`catchUnderAll`: events an earlier rule in file order wins under first). Events are
// selected by field values over the scenario's `file` and `also` files; `_file` restricts a
// selector to one of those files and `_line` names an event by its 1-based line (for an
// event with no field values at all).
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { Extractor, type Value as WasmValue } from "../extractor/wasm";
import type { RuleSet, Value } from "./condition";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const FIXTURES = ROOT + "tests/fixtures/rules/";
export const RULES_PATH = ROOT + "rules/docker_rules.yaml";

export interface RuleDoc {
  rule?: string; macro?: string; list?: string; condition?: string; output?: string; items?: string[];
  priority?: string; source?: string; tags?: string[]; desc?: string; enabled?: boolean;
  required_plugin_versions?: Array<{ name: string; version: string }>;
}
export type RuleEntry = RuleDoc & { rule: string; condition: string; output: string };

export type Selector = Record<string, string>;
export interface Scenario { file: string; also?: string[]; catch: Selector[]; catchUnderAll?: Selector[] }

export const docs = parseYaml(readFileSync(RULES_PATH, "utf8")) as RuleDoc[];
export const rs: RuleSet = { lists: new Map(), macros: new Map() };
for (const d of docs) {
  if (d.list !== undefined) rs.lists.set(d.list, (d.items ?? []).map(String));
  if (d.macro !== undefined) rs.macros.set(d.macro, d.condition ?? "");
}
/** The rules in file order (the order `rule_matching: first` tries them). */
export const rules = docs.filter((d): d is RuleEntry => d.rule !== undefined);

const raw = JSON.parse(readFileSync(ROOT + "tests/rules/scenarios.json", "utf8")) as Record<string, Scenario | string>;
export const scenarios = new Map<string, Scenario>(
  Object.entries(raw).filter((e): e is [string, Scenario] => e[0] !== "_doc" && typeof e[1] === "object"),
);

/** Every recorded scenario file, sorted. */
export const fixtureFiles: string[] = readdirSync(FIXTURES).filter((f) => f.endsWith(".jsonl")).sort();

export function lines(file: string): string[] {
  return readFileSync(FIXTURES + file, "utf8").split("\n").filter((l) => l.length > 0);
}

/** `file:line` (1-based) of a recorded event. */
export const label = (file: string, i: number): string => `${file}:${i + 1}`;

/** The event time Falco reports for a recorded line (its exact timeNano, as the collector reads it). */
export function timeNanoOf(payload: string): string {
  const all = [...payload.matchAll(/"timeNano":(\d+)/g)];
  if (all.length === 0) throw new Error(`no timeNano in ${payload.slice(0, 80)}`);
  return all[all.length - 1]![1]!;
}

const x = new Extractor();
export const extractor = x;

/**
 * A field reader over one event, through the real module. An event the module cannot parse
 * has no value for any field, as the host reports it to Falco.
 */
export function reader(payload: string): (field: string, arg: string | null) => Value[] {
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

/** The files a scenario's selectors range over. */
export function scenarioFiles(sc: Scenario): string[] {
  return [sc.file, ...(sc.also ?? [])];
}

/**
 * The events (labels) each selector names. A selector must name exactly one event; the caller
 * checks `counts`.
 */
export function resolveSelectors(sc: Scenario, sels: Selector[]): { labels: string[]; counts: number[] } {
  const counts = sels.map(() => 0);
  const out: string[] = [];
  for (const file of scenarioFiles(sc)) {
    lines(file).forEach((payload, i) => {
      const read = reader(payload);
      let hit = false;
      sels.forEach((sel, k) => {
        const ok = Object.entries(sel).every(([f, v]) =>
          f === "_file" ? file === v : f === "_line" ? String(i + 1) === v : read(f, null).map(String).join("\u0000") === v);
        if (ok) {
          counts[k]!++;
          hit = true;
        }
      });
      if (hit) out.push(label(file, i));
    });
  }
  return { labels: out, counts };
}

/** For every rule: the labels it must raise under `first` and under `all` (a superset). */
export function expectations(): Map<string, { first: string[]; all: string[] }> {
  const m = new Map<string, { first: string[]; all: string[] }>();
  for (const [rule, sc] of scenarios) {
    const first = resolveSelectors(sc, sc.catch).labels;
    const extra = resolveSelectors(sc, sc.catchUnderAll ?? []).labels;
    const all = [...new Set([...first, ...extra])].sort(byLabel);
    m.set(rule, { first: [...first].sort(byLabel), all });
  }
  return m;
}

export function byLabel(a: string, b: string): number {
  const [fa, la] = a.split(":");
  const [fb, lb] = b.split(":");
  return fa! < fb! ? -1 : fa! > fb! ? 1 : Number(la) - Number(lb);
}
