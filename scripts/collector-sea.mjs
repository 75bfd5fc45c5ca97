#!/usr/bin/env node
// Makes build/docker-collector: the collector as one executable that needs nothing on the host
// but glibc and libstdc++ (a Node single executable application, node:sea).
//   - Node: the pinned official build (scripts/node-pin.mjs), without its static symbol table
//     and debug sections (strip --strip-all keeps the dynamic symbols addons link against;
//     nothing loaded at run time changes; 12 MiB smaller).
//   - The blob: build/docker-collector.js (scripts/dist-collector.mjs) with V8's code cache, and
//     as assets the mmap addon and the N-API helper (loaded at run time by
//     collector/src/addon.ts) and the extractor module.
//   - postject (npm) injects the blob; the result is checked with ldd and by running it.
// A startup snapshot (useSnapshot) is not used: Node 20's snapshot builder cannot load
// node:http, which dockerode needs when it loads.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { NODE_PIN, nodeCache, pinnedNode } from "./node-pin.mjs";

const SENTINEL = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
/** What the executable may need from the host: glibc's libraries, libstdc++ and libgcc_s. */
const ALLOWED_LIBS = /^(linux-vdso\.so\.1|\/lib64\/ld-linux-x86-64\.so\.2|lib(c|m|dl|pthread|rt)\.so\.\d+|libstdc\+\+\.so\.6|libgcc_s\.so\.1)$/;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const build = path.join(root, "build");

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "inherit"], ...opts }).toString();

/** The pinned binary without its static symbol table and debug sections (cached). */
function strippedNode() {
  const out = path.join(nodeCache, "node-stripped");
  const { bin } = pinnedNode();
  const stamp = `${out}.sha256`;
  if (fs.existsSync(out) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === NODE_PIN.sha256) return out;
  const tmp = `${out}.${process.pid}.tmp`;
  run("strip", ["--strip-all", "-o", tmp, bin]);
  fs.renameSync(tmp, out);
  fs.writeFileSync(stamp, NODE_PIN.sha256);
  return out;
}

/** Throws unless `exe` needs only glibc, libstdc++ and libgcc_s. */
export function checkLibraries(exe) {
  const bad = [];
  for (const line of run("ldd", [exe]).split("\n")) {
    const name = line.trim().split(/\s+/)[0];
    if (name && !ALLOWED_LIBS.test(name)) bad.push(line.trim());
  }
  if (bad.length) throw new Error(`${exe} needs more than glibc and libstdc++: ${bad.join(", ")}`);
}

export function buildSea({ out = path.join(build, "docker-collector"), codeCache = true } = {}) {
  const inputs = {
    main: path.join(build, "docker-collector.js"),
    "mmap_io.node": path.join(build, "docker-collector-mmap.node"),
    "dkr_trim.node": path.join(build, "dkr_trim.node"),
    "docker_extractor.wasm": path.join(build, "docker_extractor.wasm"),
  };
  for (const f of Object.values(inputs)) if (!fs.existsSync(f)) throw new Error(`${f} missing: run npm run build`);
  // mmap-io is a NAN addon, bound to one Node ABI: `npm ci` built it for the Node that ran it.
  if (process.versions.modules !== NODE_PIN.abi) {
    throw new Error(`mmap_io.node was built for Node ABI ${process.versions.modules}; docker-collector embeds Node ${NODE_PIN.version} (ABI ${NODE_PIN.abi}): run npm ci and the build with Node 20`);
  }
  const node = strippedNode();
  const work = path.join(build, "dist/sea");
  fs.mkdirSync(work, { recursive: true });
  const blob = path.join(work, "collector.blob");
  const { main, ...assets } = inputs;
  const config = { main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: codeCache, assets };
  fs.writeFileSync(path.join(work, "sea-config.json"), `${JSON.stringify(config, null, 2)}\n`);
  // The blob (and its code cache) must be made by the Node that will run it.
  run(node, ["--experimental-sea-config", path.join(work, "sea-config.json")], { cwd: work });
  const tmp = `${out}.${process.pid}.tmp`;
  fs.copyFileSync(node, tmp);
  fs.chmodSync(tmp, 0o755);
  const postject = path.join(root, "node_modules/postject/dist/cli.js");
  try {
    // postject warns about every ELF note it does not know (the official binary has many).
    execFileSync(process.execPath, [postject, tmp, "NODE_SEA_BLOB", blob, "--sentinel-fuse", SENTINEL], { stdio: ["ignore", "ignore", "pipe"] });
    checkLibraries(tmp);
    // It runs: a bad argument is a configuration error (exit 2), reached only once the
    // embedded collector has loaded.
    try {
      execFileSync(tmp, ["--no-such-flag"], { stdio: "pipe", env: { PATH: process.env.PATH ?? "" } });
      throw new Error(`${tmp} accepted --no-such-flag`);
    } catch (e) {
      if (e.status !== 2) throw new Error(`${tmp} does not run: exit ${e.status}, ${String(e.stderr).slice(0, 500)}`);
    }
    fs.renameSync(tmp, out);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = buildSea({ codeCache: !process.argv.includes("--no-code-cache") });
  console.log(`collector executable: ${path.relative(root, out)} (${(fs.statSync(out).size / 1048576).toFixed(1)} MiB, Node ${NODE_PIN.version})`);
}
