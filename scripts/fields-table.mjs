#!/usr/bin/env node
// Prints the extractor's field table as Markdown (| Name | Type | Arg | Description |), read
// from build/docker_extractor.wasm through the guest ABI (dkr_fields_ptr/len): the module
// owns the table. Build first: npm run build:wasm.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const wasm = resolve(root, process.argv[2] ?? "build/docker_extractor.wasm");
const { exports: x } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasm)), {});
if (x.dkr_abi_version() !== 2) throw new Error(`unexpected dkr_abi_version ${x.dkr_abi_version()}`);
const ptr = x.dkr_fields_ptr();
const len = x.dkr_fields_len();
const fields = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(x.memory.buffer, ptr, len)));

const cell = (s) => s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\n/g, " ");
const lines = ["| Name | Type | Arg | Description |", "|------|------|-----|-------------|"];
for (const f of fields) {
  const type = f.type + (f.isList ? " (list)" : "");
  const arg = f.arg?.isKey ? (f.arg.isRequired ? "key, required" : "key") : f.arg?.isIndex ? (f.arg.isRequired ? "index, required" : "index") : "";
  lines.push(`| \`${f.name}\` | ${type} | ${arg} | ${cell(f.desc)} |`);
}
process.stdout.write(lines.join("\n") + "\n");
