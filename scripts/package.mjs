#!/usr/bin/env node
// `npm run package` (after `npm run build`): the release artifacts, in falcosecurity/plugins
// form, into build/release/ (or --out DIR):
//   docker-<version>-linux-x86_64.tar.gz   the plugin directory, flat (packaging/plugin-files.txt):
//                                          `falcoctl artifact install docker` unpacks it into
//                                          /usr/share/falco/plugins
//   docker-rules-<version>.tar.gz          docker_rules.yaml, unpacked into /etc/falco
//   <archive>.sha256                       "<sha256>  <archive>" (sha256sum -c)
// Shared objects are stripped. Reproducible: entries sorted, regular files only, owner 0:0, mode from the list, mtime
// SOURCE_DATE_EPOCH (default: the last commit's time), ustar format, gzip without name or time.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const build = path.join(root, "build");
const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;

/** [{ mode, name }] of packaging/plugin-files.txt. */
export function pluginFiles() {
  return fs.readFileSync(path.join(root, "packaging/plugin-files.txt"), "utf8").split("\n")
    .filter((l) => /^[0-7]+ /.test(l)).map((l) => { const [mode, name] = l.trim().split(/\s+/); return { mode, name }; });
}

function sourceDateEpoch() {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  try {
    return Number(execFileSync("git", ["log", "-1", "--format=%ct"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] }).toString().trim());
  } catch {
    return 0;
  }
}

/** Writes `out` (.tar.gz) holding `files` ([{ mode, name, from }]) flat; returns its sha256. */
function archive(out, files, mtime) {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), "dkr-package-"));
  try {
    for (const f of files) {
      if (!fs.existsSync(f.from)) throw new Error(`${f.from} missing: run npm run build`);
      if (f.strip) execFileSync("strip", ["--strip-unneeded", "-o", path.join(stage, f.name), f.from]);
      else fs.copyFileSync(f.from, path.join(stage, f.name));
      fs.chmodSync(path.join(stage, f.name), Number.parseInt(f.mode, 8));
    }
    const names = files.map((f) => f.name).sort();
    const tar = execFileSync("tar", ["--create", "--format=ustar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner",
      `--mtime=@${mtime}`, "--directory", stage, "--file", "-", "--", ...names], { maxBuffer: 1 << 30 });
    const gz = zlib.gzipSync(tar, { level: 9 });
    fs.writeFileSync(out, gz);
    const sum = createHash("sha256").update(gz).digest("hex");
    fs.writeFileSync(`${out}.sha256`, `${sum}  ${path.basename(out)}\n`);
    return sum;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

export function makePackages(outDir = path.join(build, "release")) {
  fs.mkdirSync(outDir, { recursive: true });
  const mtime = sourceDateEpoch();
  const plugin = path.join(outDir, `docker-${version}-linux-x86_64.tar.gz`);
  const rules = path.join(outDir, `docker-rules-${version}.tar.gz`);
  // Shared objects and programs lose their symbol tables and debug sections (libwasmtime.so:
  // 29.7 → 24.0 MiB); docker-collector is made from an already stripped Node (stripping it
  // again could damage the blob injected into it).
  const strip = (name) => name !== "docker-collector" && /\.so(\.\d+)?$|\.node$|^dkr-precompile$/.test(name);
  archive(plugin, pluginFiles().map((f) => ({ ...f, from: path.join(build, f.name), strip: strip(f.name) })), mtime);
  archive(rules, [{ mode: "0644", name: "docker_rules.yaml", from: path.join(root, "rules/docker_rules.yaml") }], mtime);
  return { plugin, rules };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--out");
  const { plugin, rules } = makePackages(i > 0 ? path.resolve(process.argv[i + 1]) : undefined);
  for (const f of [plugin, rules]) {
    console.log(`${path.relative(process.cwd(), f)}  ${(fs.statSync(f).size / 1048576).toFixed(1)} MiB  sha256 ${fs.readFileSync(`${f}.sha256`, "utf8").split(" ")[0]}`);
  }
}
