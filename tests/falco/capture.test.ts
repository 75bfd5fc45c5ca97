// A capture written by the real Falco (capture.enabled) replays with the same field values:
// every recorded scenario is replayed through Falco (default rule_matching) with the project's
// rules, a catch-all rule after them (so every event raises exactly one alert) and every field
// the plugin declares appended to every alert's output (append_output.extra_fields); Falco
// writes a .scap of it; Falco then replays that .scap (engine.kind: replay, the plugin loaded
// as extractor only) and must raise the same alerts with the same output_fields.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Alert, FalcoRun, LIB, ROOT, RULES, describeFalco } from "./falco";
import { FIXTURES, fixtureFiles, lines } from "../rules/scenarios";

interface FieldDecl { name: string; arg: { isRequired: boolean } }

/** Every field the plugin declares, as Falco writes it in an output (a key for docker.attributes). */
function allFields(): string[] {
  const info = spawnSync(resolve(ROOT, "build/dkr-harness"), ["info", "--lib", LIB], { encoding: "utf8" });
  const fields = (JSON.parse(info.stdout) as { fields: FieldDecl[] }).fields;
  return fields.map((f) => (f.arg.isRequired ? `${f.name}[name]` : f.name));
}

const CATCH_ALL = [
  "- rule: Every docker event (capture test)",
  "  desc: raises every event no project rule raised, so that every event is in the capture and compared",
  "  condition: evt.num > 0",
  "  output: docker event (type=%docker.type action=%docker.action)",
  "  priority: DEBUG",
  "  source: docker",
  "",
].join("\n");

/** An alert without what may legitimately differ between a live read and a replay: nothing but the host name. */
const comparable = (a: Alert): Omit<Alert, "hostname"> => {
  const { hostname: _h, ...rest } = a as Alert & { hostname?: string };
  return rest;
};

async function runToEnd(run: FalcoRun, ms = 60_000): Promise<number | null> {
  const t = setTimeout(() => void run.stop(1000), ms);
  const code = await run.exited;
  clearTimeout(t);
  return code;
}

describeFalco("captures written by the real Falco", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "dkr-capture-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a capture (mode all_rules) of every recorded scenario replays with the same alerts and the same value of every field", async () => {
    const catchAll = join(dir, "catch-all.yaml");
    writeFileSync(catchAll, CATCH_ALL);
    const fields = allFields();
    expect(fields.length).toBeGreaterThan(60);
    const common = {
      rules: [RULES, catchAll],
      initConfig: { collector: { stateDir: join(dir, "state") } },
      extra: { append_output: [{ match: { source: "docker" }, extra_fields: [...fields, "evt.num", "evt.plugininfo"] }] },
    };
    mkdirSync(join(dir, "cap"));
    const prefix = join(dir, "cap", "docker");
    const live = new FalcoRun({
      ...common,
      openParams: fixtureFiles.map((f) => `file://${FIXTURES}${f}`).join(","),
      extra: { ...common.extra, capture: { enabled: true, mode: "all_rules", path_prefix: prefix } },
    });
    const liveCode = await runToEnd(live);
    const liveLog = live.log(100);
    await live.stop();
    expect(liveCode, liveLog).toBe(0);
    // Every recorded event raises exactly one alert (a project rule's or the catch-all's).
    const events = fixtureFiles.reduce((n, f) => n + lines(f).length, 0);
    expect(live.alerts.length).toBe(events);
    for (const a of live.alerts) expect(Object.keys(a.output_fields).length).toBeGreaterThanOrEqual(fields.length);

    const scaps = readdirSync(join(dir, "cap")).filter((f) => f.endsWith(".scap")).map((f) => join(dir, "cap", f)).sort();
    expect(scaps.length, liveLog).toBeGreaterThan(0);
    const replayed: Alert[] = [];
    for (const scap of scaps) {
      expect(statSync(scap).size).toBeGreaterThan(0);
      const run = new FalcoRun({ ...common, openParams: "", extra: { ...common.extra, engine: { kind: "replay", replay: { capture_file: scap } } } });
      const code = await runToEnd(run);
      const log = run.log(100);
      await run.stop();
      expect(code, log).toBe(0);
      replayed.push(...run.alerts);
    }
    expect(replayed.length).toBe(events);
    expect(replayed.map(comparable)).toEqual(live.alerts.map(comparable));
  });
});
