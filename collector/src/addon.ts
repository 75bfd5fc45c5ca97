// Native addons carried inside the single executable (node:sea assets). dlopen needs a file,
// so the asset is written once to a private, content-addressed file and loaded from there:
//   <private dir>/<sha256 of the bytes>.node, the directory 0700 and owned by this user,
//   the file made under a unique temporary name (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0500) then
//   renamed into place, and every file read back and its digest checked before dlopen.
// Private directories, first usable wins (one on a noexec mount is skipped):
//   $DKR_COLLECTOR_ADDON_DIR, $XDG_RUNTIME_DIR/falco-docker-plugin, /run/falco-docker-plugin
//   (root), <tmpdir>/falco-docker-plugin-<uid>.
// Another user can neither swap the directory (it is checked with lstat, and its parent is
// either private, root-only or sticky) nor write into it, so there is no window between the
// check and the load they could use.
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export class AddonError extends Error {}

interface Sea {
  isSea(): boolean;
  getAsset(key: string): ArrayBuffer;
}

/** node:sea when this process is a single executable application, else null. */
export function seaModule(): Sea | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sea = require("node:sea") as Sea;
    return sea.isSea() ? sea : null;
  } catch {
    return null; // Node without node:sea (< 20.12): not a single executable
  }
}

function uid(): number {
  return process.geteuid !== undefined ? process.geteuid() : -1;
}

/** Candidate private directories, most private first. */
export function addonDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  if (env.DKR_COLLECTOR_ADDON_DIR) dirs.push(env.DKR_COLLECTOR_ADDON_DIR);
  if (env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR)) dirs.push(path.join(env.XDG_RUNTIME_DIR, "falco-docker-plugin"));
  if (uid() === 0) dirs.push("/run/falco-docker-plugin");
  dirs.push(path.join(os.tmpdir(), `falco-docker-plugin-${uid()}`));
  return dirs;
}

/** Makes `dir` (0700) if missing and checks it is a real directory, ours, closed to others. */
function privateDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new AddonError(`${dir} is not a directory`);
  if (st.uid !== uid()) throw new AddonError(`${dir} is owned by uid ${st.uid}, not ${uid()}`);
  if ((st.mode & 0o077) !== 0) throw new AddonError(`${dir} has mode ${(st.mode & 0o777).toString(8)}, not 0700`);
}

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/**
 * Opens `file` read-only without following a link and returns its descriptor when it is a
 * regular file of ours that nobody else can write and whose bytes hash to `digest`; null
 * when it is absent or does not match (the caller replaces it).
 */
function openVerified(file: string, digest: string): number | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ELOOP") return null;
    throw e;
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isFile() && st.uid === uid() && (st.mode & 0o022) === 0 && sha256(fs.readFileSync(fd)) === digest) {
      const ok = fd;
      fd = -1;
      return ok;
    }
    return null;
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** Writes `bytes` as `<dir>/<digest>.node` unless a verified copy is there; returns a verified descriptor. */
function install(dir: string, bytes: Uint8Array, digest: string): number {
  privateDir(dir);
  const file = path.join(dir, `${digest}.node`);
  const have = openVerified(file, digest);
  if (have !== null) return have;
  const tmp = path.join(dir, `.${digest}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o500);
  try {
    fs.writeFileSync(fd, bytes);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file); // atomic: a concurrent collector installs the same bytes
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  const got = openVerified(file, digest);
  if (got === null) throw new AddonError(`${file} does not hold the bytes just written`);
  return got;
}

/**
 * Loads the native addon stored as SEA asset `key`. Throws AddonError naming every directory
 * tried and why it was refused.
 */
export function loadAssetAddon(sea: Sea, key: string, dirs: string[] = addonDirs()): unknown {
  const bytes = new Uint8Array(sea.getAsset(key));
  const digest = sha256(bytes);
  const why: string[] = [];
  for (const dir of dirs) {
    let fd = -1;
    try {
      fd = install(dir, bytes, digest);
      // By its content-addressed name: /proc/self/fd/N would be taken by the dynamic loader for
      // an object already loaded under that name when the descriptor number is reused.
      const m = { exports: {} as unknown };
      process.dlopen(m, path.join(dir, `${digest}.node`));
      return m.exports;
    } catch (e) {
      why.push(`${dir}: ${(e as Error).message}`);
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }
  throw new AddonError(`cannot load the ${key} addon from any private directory (${why.join("; ")}); set DKR_COLLECTOR_ADDON_DIR to a private directory on an exec-allowed file system`);
}
