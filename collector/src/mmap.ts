// Loading mmap-io lean (the collector's RSS target is 100 MiB): its package entry loads
// @mapbox/node-pre-gyp (about 11 MiB of RSS) only to find its binary; the binary is loaded
// directly when it is where that package puts it, else through the package entry.
import * as fs from "node:fs";
import * as path from "node:path";
import type MmapModule from "@riaskov/mmap-io";

export type Mmap = typeof MmapModule;

export function loadMmap(): Mmap {
  try {
    const pkg = path.dirname(require.resolve("@riaskov/mmap-io/package.json"));
    const binary = path.join(pkg, "build/binding/Release", `node-v${process.versions.modules}-${process.platform}-${process.arch}`, "mmap_io.node");
    if (fs.existsSync(binary)) return require(binary) as Mmap;
  } catch {
    /* fall through to the package entry */
  }
  return require("@riaskov/mmap-io") as Mmap;
}
