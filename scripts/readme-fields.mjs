#!/usr/bin/env node
// Regenerates the README's field table from the extractor module itself (the module owns the
// table): the text between <!-- README-PLUGIN-FIELDS --> and <!-- /README-PLUGIN-FIELDS -->.
//   node scripts/readme-fields.mjs          rewrite README.md
//   node scripts/readme-fields.mjs --check  exit 1 if README.md is stale
import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const readmePath = resolve(root, "README.md");
const begin = "<!-- README-PLUGIN-FIELDS -->";
const end = "<!-- /README-PLUGIN-FIELDS -->";

const table = execFileSync(process.execPath, [resolve(root, "scripts/fields-table.mjs")], { encoding: "utf8" }).trim();
const readme = readFileSync(readmePath, "utf8");
const i = readme.indexOf(begin);
const j = readme.indexOf(end);
if (i < 0 || j < i) {
  console.error(`README.md lacks the markers ${begin} … ${end}`);
  process.exit(2);
}
const fresh = readme.slice(0, i + begin.length) + "\n" + table + "\n" + readme.slice(j);
if (process.argv.includes("--check")) {
  if (fresh !== readme) {
    console.error("README.md field table is stale: run `node scripts/readme-fields.mjs`");
    process.exit(1);
  }
  console.log("README.md field table is up to date");
} else {
  writeFileSync(readmePath, fresh);
}
