#!/usr/bin/env node
// build/docker-NOTICES.txt: the licenses of everything the plugin directory carries — this
// plugin, Node.js (inside docker-collector), every npm package in the collector bundle
// (build/dist/docker-collector.meta.json from scripts/dist-collector.mjs), mmap-io, wasmtime
// and jansson.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { NODE_PIN, pinnedNode } from "./node-pin.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const build = path.join(root, "build");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const rule = "=".repeat(78);

function licenseText(dir) {
  const f = fs.readdirSync(dir).find((n) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(n));
  return f ? fs.readFileSync(path.join(dir, f), "utf8").trim() : null;
}

/** Every npm package whose code is in the bundle: { name, version, license, dir }. */
function bundledPackages() {
  const meta = JSON.parse(fs.readFileSync(path.join(build, "dist/docker-collector.meta.json"), "utf8"));
  const dirs = new Set();
  for (const input of Object.keys(meta.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(path.resolve(root, m[1]));
  }
  // The addon is not in the bundle's inputs (it is loaded beside it).
  dirs.add(path.join(root, "node_modules/@riaskov/mmap-io"));
  return [...dirs].map((dir) => {
    const p = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    return { name: p.name, version: p.version, license: p.license ?? "see its text", dir };
  }).sort((a, b) => a.name.localeCompare(b.name));
}

export function writeNotices(out = path.join(build, "docker-NOTICES.txt")) {
  const parts = [];
  const add = (title, body) => parts.push(`${rule}\n${title}\n${rule}\n\n${body.trim()}\n`);
  add(`docker Falco plugin ${pkg.version} (${pkg.license})`, fs.readFileSync(path.join(root, "LICENSE"), "utf8"));
  const node = pinnedNode();
  add(`Node.js ${NODE_PIN.version} (MIT and the licenses below), built into docker-collector`,
    node.license ? fs.readFileSync(node.license, "utf8") : `https://github.com/nodejs/node/blob/v${NODE_PIN.version}/LICENSE`);
  for (const p of bundledPackages()) {
    add(`${p.name} ${p.version} (${p.license}), in docker-collector and docker-collector.js`, licenseText(p.dir) ?? `License: ${p.license}`);
  }
  const wasmtime = fs.readFileSync(path.join(root, "CMakeLists.txt"), "utf8").match(/WASMTIME_VERSION "([^"]+)"/)?.[1] ?? "?";
  add(`wasmtime ${wasmtime} (Apache-2.0 WITH LLVM-exception), libwasmtime.so`,
    `https://github.com/bytecodealliance/wasmtime/blob/v${wasmtime}/LICENSE`);
  const jansson = "/usr/share/doc/libjansson4/copyright";
  add("jansson (MIT), libjansson.so.4", fs.existsSync(jansson) ? fs.readFileSync(jansson, "utf8") : "https://github.com/akheron/jansson/blob/master/LICENSE");
  fs.writeFileSync(out, parts.join("\n"));
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`notices: ${path.relative(root, writeNotices())}`);
}
