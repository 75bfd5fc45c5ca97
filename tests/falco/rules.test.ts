// The project's rules as an operator runs them: every recorded scenario replayed through the
// real Falco with the real plugin, under Falco's default configuration (rule_matching: first,
// one alert per event) and under rule_matching: all. tests/rules/scenarios.json says what each
// rule raises under each; this file is the judge (tests/rules/ checks the same expectations
// with the project's own evaluator, plus the field declarations).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { type Alert, RULES, describeFalco, replayThroughFalco, validateRules } from "./falco";
import { FIXTURES, byLabel, expectations, fixtureFiles, label, lines, timeNanoOf } from "../rules/scenarios";

/** The alert's event time, exactly (output_fields evt.time is the event's ns timestamp). */
function evtTime(a: Alert): string {
  // output_fields evt.time is above 2^53 (JSON.parse loses digits): the ISO time has them all.
  const m = /^(.*)\.(\d{9})Z$/.exec(a.time);
  if (m === null) throw new Error(`alert time without ns: ${a.time}`);
  return (BigInt(Date.parse(`${m[1]}Z`) / 1000) * 1_000_000_000n + BigInt(m[2]!)).toString();
}

/** Time of every recorded line, by label. */
const timeOf = new Map<string, string>();
for (const file of fixtureFiles) lines(file).forEach((payload, i) => timeOf.set(label(file, i), timeNanoOf(payload)));

/**
 * One Falco replay per recording (so an alert's file is known), at most `par` at a time; each
 * alert becomes "file@time rule". Within one file the event time names the line (two lines of
 * unparseable.jsonl share one: there the comparison is of how many alerts of each rule).
 */
async function replayEach(o: { ruleMatching?: "all" }, par = 3): Promise<{ keys: string[]; perFile: Map<string, Alert[]>; failures: string[] }> {
  const perFile = new Map<string, Alert[]>();
  const failures: string[] = [];
  const queue = [...fixtureFiles];
  await Promise.all(Array.from({ length: par }, async () => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
      const r = await replayThroughFalco([FIXTURES + f], o);
      if (r.code !== 0) failures.push(`${f}: exit ${r.code}\n${r.log}`);
      perFile.set(f, r.alerts);
    }
  }));
  const keys: string[] = [];
  for (const [f, alerts] of perFile) for (const a of alerts) keys.push(`${f}@${evtTime(a)} ${a.rule}`);
  return { keys: keys.sort(), perFile, failures };
}

function wanted(mode: "first" | "all"): string[] {
  const out: string[] = [];
  for (const [rule, e] of expectations()) for (const l of e[mode]) out.push(`${l.split(":")[0]}@${timeOf.get(l)} ${rule}`);
  return out.sort();
}

/** "file:line rule" for a key, for readable failures. */
function readable(keys: string[]): string[] {
  const lineOf = new Map<string, string[]>();
  for (const [l, t] of timeOf) lineOf.set(`${l.split(":")[0]}@${t}`, [...(lineOf.get(`${l.split(":")[0]}@${t}`) ?? []), l]);
  return keys.map((k) => {
    const [where, ...rule] = k.split(" ");
    return `${(lineOf.get(where!) ?? [where!]).join("|")} ${rule.join(" ")}`;
  }).sort((a, b) => byLabel(a.split(/[| ]/)[0]!, b.split(/[| ]/)[0]!) || (a < b ? -1 : 1));
}

describeFalco("the rules under the real Falco", () => {
  type Runs = Awaited<ReturnType<typeof replayEach>>;
  const runs: Partial<Record<"default" | "all", Runs>> = {};
  beforeAll(async () => {
    runs.default = await replayEach({});
    runs.all = await replayEach({ ruleMatching: "all" });
  });
  const alertsOf = (r: Runs): Alert[] => [...r.perFile.values()].flat();

  it("under the default (rule_matching: first), every recorded event raises exactly the rule its scenario expects, and no other", () => {
    const r = runs.default!;
    expect(r.failures).toEqual([]);
    expect(readable(r.keys)).toEqual(readable(wanted("first")));
    expect(r.keys).toEqual(wanted("first"));
  });

  it("under the default, no event raises more than one alert", () => {
    const per = new Map<string, number>();
    for (const k of runs.default!.keys) per.set(k.split(" ")[0]!, (per.get(k.split(" ")[0]!) ?? 0) + 1);
    // Two lines of unparseable.jsonl share one time (one raises Not Parsed, the other Privileged).
    const shared = new Map<string, number>();
    for (const [l, t] of timeOf) shared.set(`${l.split(":")[0]}@${t}`, (shared.get(`${l.split(":")[0]}@${t}`) ?? 0) + 1);
    expect([...per].filter(([k, n]) => n > (shared.get(k) ?? 1))).toEqual([]);
  });

  it("under rule_matching: all, every rule raises its scenario's events plus the ones an earlier rule wins under first", () => {
    const r = runs.all!;
    expect(r.failures).toEqual([]);
    expect(readable(r.keys)).toEqual(readable(wanted("all")));
    expect(r.keys).toEqual(wanted("all"));
  });

  it("the one alert of a container that is privileged, mounts the socket and /, shares host PID and network and adds SYS_ADMIN says all of it", () => {
    const a = alertsOf(runs.default!).filter((x) => x.output_fields["docker.container.name"] === "sc-all");
    expect(a.map((x) => x.rule)).toEqual(["Docker Privileged Container"]);
    const f = a[0]!.output_fields;
    expect(f["docker.container.privileged"]).toBe(true);
    expect(f["docker.container.cap_add"]).toEqual(["SYS_ADMIN"]);
    expect(f["docker.container.pid_mode"]).toBe("host");
    expect(f["docker.container.network_mode"]).toBe("host");
    expect(String(f["docker.container.mounts"])).toContain("/var/run/docker.sock:/var/run/docker.sock");
    expect(String(f["docker.container.mounts"])).toMatch(/(^|,)\/:\/host/);
    expect(a[0]!.priority).toBe("Critical");
  });

  it("a rule disabled by an override lets the next rule in order report the event, with the same context", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dkr-rules-override-"));
    try {
      const override = join(dir, "override.yaml");
      writeFileSync(override, ["- rule: Docker Privileged Container", "  enabled: false", "",
        "- list: docker_trusted_images", "  items: [trusted.example/none]", "  override:", "    items: append", ""].join("\n"));
      const r = await replayThroughFalco([FIXTURES + "combined.jsonl"], { rules: [RULES, override] });
      expect(r.code, r.log).toBe(0);
      const a = r.alerts.filter((x) => x.output_fields["docker.container.name"] === "sc-all");
      expect(a.map((x) => x.rule)).toEqual(["Docker Socket Mounted In Container"]);
      expect(a[0]!.output_fields["docker.container.privileged"]).toBe(true);
      expect(r.alerts.some((x) => x.rule === "Docker Privileged Container")).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an image appended to docker_trusted_images silences the container rules for it (lists stay overridable)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dkr-rules-trusted-"));
    try {
      const override = join(dir, "override.yaml");
      writeFileSync(override, ["- list: docker_trusted_images", "  items: [dkr-busybox:latest]", "  override:", "    items: append", ""].join("\n"));
      const r = await replayThroughFalco([FIXTURES + "combined.jsonl"], { rules: [RULES, override] });
      expect(r.code, r.log).toBe(0);
      expect(r.alerts.map((x) => x.rule)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("loads with `falco -V` (plugin loaded) with no error and no warning", () => {
    const v = validateRules([RULES]);
    expect(v.code, v.text).toBe(0);
    expect(v.results).toHaveLength(1);
    const r = v.results[0]!;
    expect({ successful: r.successful, schema_valid: r.schema_valid, errors: r.errors, warnings: r.warnings, schema_warnings: r.schema_warnings })
      .toEqual({ successful: true, schema_valid: true, errors: [], warnings: [], schema_warnings: [] });
  });

  it("(control) the same check sees a warning and an unsatisfiable required_plugin_versions", () => {
    const dir = mkdtempSync(join(tmpdir(), "dkr-rules-V-"));
    try {
      const warn = join(dir, "warn.yaml");
      writeFileSync(warn, readFileSync(RULES, "utf8") + "\n- macro: docker_unused_macro\n  condition: docker.type = x\n");
      expect(validateRules([warn]).results[0]!.warnings.map((w) => w.code)).toEqual(["LOAD_UNUSED_MACRO"]);
      const future = join(dir, "future.yaml");
      const rulesText = readFileSync(RULES, "utf8");
      const required = /- name: docker\n\s+version: (\S+)/.exec(rulesText);
      expect(required, "the rules' required_plugin_versions entry").not.toBeNull();
      writeFileSync(future, rulesText.replace(/(- name: docker\n\s+version: )\S+/, "$19.0.0"));
      const v = validateRules([future]);
      expect(v.code).not.toBe(0);
      expect(v.text).toMatch(/not compatible with required plugin version '9\.0\.0'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Rules written for the registered Go plugin (docker 0.4.0): its fields (docker.status, id,
  // from, type, action, attributes.*) and its version requirement keep working.
  it("a rules file written for the old Go plugin (requires docker 0.4.0, keyed on docker.status) loads and fires", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dkr-rules-go-"));
    try {
      const old = join(dir, "go-plugin-rules.yaml");
      writeFileSync(old, [
        "- required_plugin_versions:",
        "    - name: docker",
        "      version: 0.4.0",
        "",
        "- rule: Docker container lifecycle (Go plugin style)",
        "  desc: every container status change, as rules for the Go plugin were written",
        "  condition: docker.status in (create, start, kill, die, destroy)",
        "  output: status=%docker.status id=%docker.id from=%docker.from type=%docker.type action=%docker.action scope=%docker.scope name=%docker.attributes.name image=%docker.attributes.image",
        "  priority: DEBUG",
        "  source: docker",
        "",
      ].join("\n"));
      const v = validateRules([old]);
      expect(v.code, v.text).toBe(0);
      expect(v.results[0]!.warnings).toEqual([]);
      const file = FIXTURES + "privileged.jsonl";
      const r = await replayThroughFalco([file], { rules: [old] });
      expect(r.code, r.log).toBe(0);
      const want = lines("privileged.jsonl")
        .map((l) => JSON.parse(l) as { status?: string; id?: string; from?: string; Action: string })
        .filter((e) => e.status !== undefined && ["create", "start", "kill", "die", "destroy"].includes(e.status))
        .map((e) => `${e.status} ${e.id} ${e.from ?? null} ${e.Action}`);
      expect(want.length).toBeGreaterThan(4);
      expect(r.alerts.map((a) => `${a.output_fields["docker.status"]} ${a.output_fields["docker.id"]} ${a.output_fields["docker.from"]} ${a.output_fields["docker.action"]}`)).toEqual(want);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
