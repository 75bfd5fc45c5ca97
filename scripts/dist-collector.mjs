#!/usr/bin/env node
// The plain collector bundle, beside libdocker.so in build/ (and in the plugin directory):
//   build/docker-collector.js  one esbuild bundle of collector/src with dockerode and every
//                              dependency; what docker-collector embeds, and what
//                              `collector.node` runs
//   build/docker-collector-mmap.node  the shared-memory addon mmap-io (found by the bundle beside it)
//   build/dist/docker-collector.meta.json  the bundle's inputs (for the third-party notices)
// Modules the collector never runs are replaced by an empty one (scripts/dist/empty.cjs).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(root, "build");
mkdirSync(resolve(out, "dist"), { recursive: true });
const empty = resolve(root, "scripts/dist/empty.cjs");

const result = await build({
  entryPoints: [resolve(root, "collector/src/main.ts")],
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  outfile: resolve(out, "docker-collector.js"),
  alias: {
    "@mapbox/node-pre-gyp": resolve(root, "scripts/dist/node-pre-gyp-shim.cjs"),
    // BuildKit sessions and ssh:// daemons (see collector/src/dockerode.ts).
    "@grpc/grpc-js": empty,
    "@grpc/proto-loader": empty,
    "ssh2": empty,
    // debug (docker-modem's logger) probes for it; without it debug uses its basic colours.
    "supports-color": empty,
    // Only image builds use these (dockerode's buildkit.js and util.js prepareBuildContext):
    // a third of the bundle's source, which V8 keeps in memory as one string.
    "protobufjs": empty,
    "tar-fs": empty,
    "@balena/dockerignore": empty,
  },
  external: ["*.node"],
  logLevel: "warning",
  // Licenses are in the plugin archive's THIRD_PARTY_NOTICES (scripts/package.mjs).
  legalComments: "none",
  // Whitespace and syntax only: names stay, so a crash's stack trace still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
});
writeFileSync(resolve(out, "dist/docker-collector.meta.json"), JSON.stringify(result.metafile));

// The addon node-pre-gyp built for this Node ABI during `npm ci`.
const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve("@riaskov/mmap-io/package.json"));
const pkg = JSON.parse(readFileSync(resolve(pkgDir, "package.json"), "utf8"));
const abi = `node-v${process.versions.modules}-${process.platform}-${process.arch}`;
const addon = resolve(pkgDir, pkg.binary.module_path.replace("{configuration}", "Release")
  .replace("{node_abi}-{platform}-{arch}", abi), `${pkg.binary.module_name}.node`);
copyFileSync(addon, resolve(out, "docker-collector-mmap.node"));
console.log("collector bundle: build/docker-collector.js, build/docker-collector-mmap.node");
