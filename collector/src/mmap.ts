// Loading the mmap-io addon (the ring is a shared mapping of the host's memory file).
// - In the single executable (docker-collector) the addon is the SEA asset "mmap_io.node",
//   loaded from a private content-addressed file (addon.ts).
// - Otherwise lean: its package entry loads @mapbox/node-pre-gyp (about 11 MiB of RSS) only to
//   find its binary; the binary is loaded directly when it is where that package puts it,
//   else through the package entry (the plain bundle has a stand-in that points beside it).
import * as fs from "node:fs";
import * as path from "node:path";
import type MmapModule from "@riaskov/mmap-io";
import { loadAssetAddon, seaModule } from "./addon";

export type Mmap = typeof MmapModule;

export const MMAP_ASSET = "mmap_io.node";

export function loadMmap(): Mmap {
  const sea = seaModule();
  if (sea !== null) return loadAssetAddon(sea, MMAP_ASSET) as Mmap;
  try {
    const pkg = path.dirname(require.resolve("@riaskov/mmap-io/package.json"));
    const binary = path.join(pkg, "build/binding/Release", `node-v${process.versions.modules}-${process.platform}-${process.arch}`, "mmap_io.node");
    if (fs.existsSync(binary)) return require(binary) as Mmap;
  } catch {
    /* fall through to the package entry */
  }
  return require("@riaskov/mmap-io") as Mmap;
}
