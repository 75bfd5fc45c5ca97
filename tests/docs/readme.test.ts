// The README's field table is generated from the module; it must never drift from it.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";

const root = resolve(__dirname, "../..");

describe("README", () => {
  it("lists exactly the fields the module declares and the config keys the library accepts", () => {
    const r = spawnSync(process.execPath, [resolve(root, "scripts/readme-tables.mjs"), "--check"], { cwd: root, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("lists the rules in file order (the order rule_matching: first tries them) with their priorities", () => {
    const rules = (parseYaml(readFileSync(resolve(root, "rules/docker_rules.yaml"), "utf8")) as Array<{ rule?: string; priority?: string }>)
      .filter((d) => d.rule !== undefined).map((d) => `${d.rule} ${d.priority}`);
    const readme = readFileSync(resolve(root, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Rules"), readme.indexOf("\n## ", readme.indexOf("## Rules") + 1));
    const rows = [...section.matchAll(/^\| (Docker [^|]+?) \| ([A-Z]+) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(rows).toEqual(rules);
  });
});
