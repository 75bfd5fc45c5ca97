// The plugin as the real Falco loads it: plugin info, the field list, a replay to its end with
// the project's rules, and a bad open_params that must stop Falco with the plugin's message.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { expect, it } from "vitest";
import { FALCO, FalcoRun, LIB, ROOT, describeFalco, falcoVersion, falcoYaml, replayThroughFalco } from "./falco";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

describeFalco("the plugin under the real Falco", () => {
  it("is found and reports its version", () => {
    expect(falcoVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("lists the plugin's fields (--list=docker) exactly as the module declares them", () => {
    const dir = mkdtempSync(join(tmpdir(), "dkr-falco-list-"));
    try {
      const cfg = join(dir, "falco.yaml");
      writeFileSync(cfg, falcoYaml({ openParams: "" }, join(dir, "state")));
      const r = spawnSync(FALCO!.path, ["-c", cfg, "--list=docker"], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const table = JSON.parse(spawnSync(resolve(ROOT, "build/dkr-harness"), ["info", "--lib", LIB], { encoding: "utf8" }).stdout) as { fields: Array<{ name: string }> };
      for (const f of table.fields) expect(r.stdout).toContain(f.name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("replays a recording to its end, raises the rules and exits 0", async () => {
    const { alerts, code, log } = await replayThroughFalco([resolve(ROOT, "tests/fixtures/rules/privileged.jsonl")]);
    expect(code, log).toBe(0);
    expect(alerts.map((a) => a.rule)).toContain("Docker Privileged Container");
    for (const a of alerts) expect(a.source).toBe("docker");
  });

  it("loads init_config: {} and empty sections (Falco hands an empty YAML map over as null)", () => {
    const dir = mkdtempSync(join(tmpdir(), "dkr-falco-empty-"));
    try {
      const recording = resolve(ROOT, "tests/fixtures/rules/privileged.jsonl");
      for (const initConfig of ["{}", `{collector: {stateDir: ${JSON.stringify(join(dir, "state"))}}, tls: {}, ring: {}, batch: {}, extractor: {}}`]) {
        const cfg = join(dir, "falco.yaml");
        writeFileSync(cfg, [
          "engine: {kind: nodriver}",
          `plugins: [{name: docker, library_path: ${JSON.stringify(LIB)}, init_config: ${initConfig}, open_params: ${JSON.stringify(`file://${recording}`)}}]`,
          "load_plugins: [docker]",
          `rules_files: [${JSON.stringify(resolve(ROOT, "rules/docker_rules.yaml"))}]`,
          "json_output: true",
          "stdout_output: {enabled: true}",
        ].join("\n"));
        const r = spawnSync(FALCO!.path, ["-c", cfg, "--disable-source=syscall"], { encoding: "utf8", timeout: 60_000 });
        expect(r.status, `${initConfig}: ${r.stderr}${r.stdout}`).toBe(0);
        expect(r.stdout, initConfig).toContain("Docker Privileged Container");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stops with the plugin's own message on open_params it cannot use", async () => {
    const run = new FalcoRun({ openParams: "ftp://nowhere" });
    const code = await run.exited;
    await run.stop();
    expect(code).not.toBe(0);
    expect(run.log(100)).toMatch(/unknown endpoint/);
  });
});
