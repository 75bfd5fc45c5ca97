// packaging/index.yaml (falcoctl's index format) and packaging/registry.yaml (an entry of
// falcosecurity/plugins' registry) describe the artifacts `npm run package` makes: a plugin
// artifact `docker` and a rules artifact `docker-rules`, and the plugin's registered name, ID,
// source and capabilities as the library itself reports them.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";

const root = resolve(__dirname, "../..");
const info = JSON.parse(spawnSync(resolve(root, "build/dkr-harness"), ["info", "--lib", resolve(root, "build/libdocker.so")], { encoding: "utf8" }).stdout) as
  { name: string; id: number; source: string; requiredApiVersion: string };

interface IndexEntry { name: string; type: string; registry: string; repository: string; description: string; home: string; keywords: string[]; license: string; maintainers: Array<{ name: string; email: string }>; sources: string[] }
interface RegistryEntry { name: string; license: string; capabilities: { sourcing: { supported: boolean; id: number; source: string }; extraction: { supported: boolean } } }

describe("packaging", () => {
  const indexText = readFileSync(resolve(root, "packaging/index.yaml"), "utf8");
  const index = parse(indexText) as IndexEntry[];

  it("index.yaml: a plugin artifact named after the plugin and its rules artifact, with every field falcoctl reads", () => {
    expect(index.map((e) => [e.name, e.type])).toEqual([[info.name, "plugin"], [`${info.name}-rules`, "rulesfile"]]);
    for (const e of index) {
      for (const k of ["registry", "repository", "description", "home", "keywords", "license", "maintainers", "sources"] as const) expect(e, `${e.name}.${k}`).toHaveProperty(k);
      expect(e.license).toBe("Apache-2.0");
    }
    // The push command it documents requires the plugin API the library requires.
    expect(indexText).toContain(`--requires plugin_api_version:${info.requiredApiVersion}`);
  });

  it("registry.yaml: the registered name, ID and source, with both capabilities", () => {
    const reg = (parse(readFileSync(resolve(root, "packaging/registry.yaml"), "utf8")) as { plugins: RegistryEntry[] }).plugins;
    expect(reg).toHaveLength(1);
    expect(reg[0]!.name).toBe(info.name);
    expect(reg[0]!.capabilities.sourcing).toEqual({ supported: true, id: info.id, source: info.source });
    expect(reg[0]!.capabilities.extraction.supported).toBe(true);
  });
});
