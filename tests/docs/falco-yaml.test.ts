// falco.yaml is a complete example that Falco 0.42+ accepts for this plugin: the plugin entry's
// name is the plugin's own name (required for an event source), and its init_config, turned
// into JSON the way Falco does (a YAML map becomes a JSON object), initializes the real library.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";

const root = resolve(__dirname, "../..");

interface PluginEntry { name: string; library_path: string; init_config?: unknown; open_params?: string }
interface FalcoYaml { plugins: PluginEntry[]; load_plugins: string[]; rules_files: string[]; engine: { kind: string } }

describe("falco.yaml", () => {
  const cfg = parse(readFileSync(resolve(root, "falco.yaml"), "utf8")) as FalcoYaml;
  const info = (config: string) => spawnSync(resolve(root, "build/dkr-harness"),
    ["info", "--lib", resolve(root, "build/libdocker.so"), "--config", config], { encoding: "utf8" });

  it("loads the docker plugin by its own name, with the installed rules, without a kernel driver", () => {
    const self = JSON.parse(info("").stdout) as { name: string };
    expect(cfg.plugins.map((p) => p.name)).toEqual([self.name]);
    expect(cfg.load_plugins).toEqual([self.name]);
    expect(cfg.plugins[0]!.library_path).toBe("libdocker.so");
    expect(cfg.rules_files).toContain("/etc/falco/docker_rules.yaml");
    expect(cfg.engine.kind).toBe("nodriver");
  });

  it("has an init_config the library accepts", () => {
    const r = info(JSON.stringify(cfg.plugins[0]!.init_config));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("would be refused with a misspelled key, so the check above can fail", () => {
    const bad = { ...(cfg.plugins[0]!.init_config as Record<string, unknown>), colector: {} };
    const r = info(JSON.stringify(bad));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/colector/);
  });
});
