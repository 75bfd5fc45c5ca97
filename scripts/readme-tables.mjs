#!/usr/bin/env node
// Regenerates the README's generated tables from the built artifacts, so they cannot drift:
//   <!-- README-PLUGIN-FIELDS -->  the field table, from the extractor module (which owns it)
//   <!-- README-PLUGIN-CONFIG -->  the init_config keys, from the schema libdocker.so publishes
// Each section ends with the same marker with a slash: <!-- /README-PLUGIN-FIELDS -->.
//   node scripts/readme-tables.mjs          rewrite README.md
//   node scripts/readme-tables.mjs --check  exit 1 if README.md is stale
import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const readmePath = resolve(root, "README.md");

function fieldsTable() {
  return execFileSync(process.execPath, [resolve(root, "scripts/fields-table.mjs")], { encoding: "utf8" }).trim();
}

function configTable() {
  const info = JSON.parse(execFileSync(resolve(root, "build/dkr-harness"),
    ["info", "--lib", resolve(root, "build/libdocker.so")], { encoding: "utf8" }));
  // Keys are nested maps (`ring: {capacityMiB: 8}`); a dotted key (`ring.capacityMiB`) is
  // refused by the schema, so the table writes each key the way it is written in YAML.
  const rows = ["| key, as written in `init_config` | type | default | meaning |", "|---|---|---|---|"];
  const walk = (props, path) => {
    for (const [name, p] of Object.entries(props)) {
      const keys = [...path, name];
      // A section is an object, or null: Falco turns an empty YAML map (`tls: {}`) into null.
      if ([p.type].flat().includes("object") && p.properties) { walk(p.properties, keys); continue; }
      const key = keys.slice(0, -1).reduceRight((inner, k) => `${k}: {${inner}}`, `${name}: …`);
      const range = p.enum ? ` (one of ${p.enum.join(", ")})`
        : p.minimum !== undefined ? ` (${p.minimum}–${p.maximum})` : "";
      rows.push(`| \`${key}\` | ${p.type}${range} | \`${JSON.stringify(p.default)}\` | ${(p.description ?? "").replace(/\|/g, "\\|")} |`);
    }
  };
  walk(info.schema.properties, []);
  return rows.join("\n");
}

let readme = readFileSync(readmePath, "utf8");
const original = readme;
for (const [name, make] of [["FIELDS", fieldsTable], ["CONFIG", configTable]]) {
  const begin = `<!-- README-PLUGIN-${name} -->`;
  const end = `<!-- /README-PLUGIN-${name} -->`;
  const i = readme.indexOf(begin);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) {
    console.error(`README.md lacks the markers ${begin} … ${end}`);
    process.exit(2);
  }
  readme = readme.slice(0, i + begin.length) + "\n" + make() + "\n" + readme.slice(j);
}
if (process.argv.includes("--check")) {
  if (readme !== original) {
    console.error("README.md generated tables are stale: run `node scripts/readme-tables.mjs`");
    process.exit(1);
  }
  console.log("README.md generated tables are up to date");
} else {
  writeFileSync(readmePath, readme);
}
