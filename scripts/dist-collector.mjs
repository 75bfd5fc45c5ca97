#!/usr/bin/env node
// Makes the self-contained collector that `cmake --install` ships next to libdocker.so:
// build/dist/collector/main.js (one esbuild bundle with dockerode and every dependency) and
// build/dist/collector/mmap_io.node (the shared-memory addon, found by the bundle beside it).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(root, "build/dist/collector");
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [resolve(root, "collector/src/main.ts")],
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  outfile: resolve(out, "main.js"),
  alias: {
    "@mapbox/node-pre-gyp": resolve(root, "scripts/dist/node-pre-gyp-shim.cjs"),
    "@grpc/grpc-js": resolve(root, "scripts/dist/empty.cjs"),
    "@grpc/proto-loader": resolve(root, "scripts/dist/empty.cjs"),
    "ssh2": resolve(root, "scripts/dist/empty.cjs"),
  },
  external: ["*.node"],
  logLevel: "warning",
  legalComments: "linked",
});

// The addon node-pre-gyp built for this Node ABI during `npm ci`.
const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve("@riaskov/mmap-io/package.json"));
const pkg = JSON.parse(readFileSync(resolve(pkgDir, "package.json"), "utf8"));
const abi = `node-v${process.versions.modules}-${process.platform}-${process.arch}`;
const addon = resolve(pkgDir, pkg.binary.module_path.replace("{configuration}", "Release")
  .replace("{node_abi}-{platform}-{arch}", abi), `${pkg.binary.module_name}.node`);
copyFileSync(addon, resolve(out, "mmap_io.node"));
console.log(`collector bundle: ${out}`);
