// The loader of native addons carried inside docker-collector (collector/src/addon.ts): the
// asset is written to <private dir>/<sha256>.node and loaded from there only when the
// directory is a real directory of this user closed to others and the file holds exactly the
// asset's bytes. Driven here with a stand-in for node:sea serving the real N-API helper.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { AddonError, addonDirs, loadAssetAddon } from "../../collector/src/addon";

const ROOT = resolve(__dirname, "../..");
const ADDON = resolve(ROOT, "build/dkr_trim.node");
const bytes = readFileSync(ADDON);
const digest = createHash("sha256").update(bytes).digest("hex");
const sea = { isSea: () => true, getAsset: (key: string): ArrayBuffer => {
  if (key !== "dkr_trim.node") throw new Error(`no asset ${key}`);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
} };
const isRoot = process.geteuid?.() === 0;

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "dkrc-addon-"));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const loadsTrim = (m: unknown): boolean => typeof (m as { pageOutExecutable?: unknown }).pageOutExecutable === "function";

describe("loading an addon from a SEA asset", () => {
  it("writes <sha256>.node (0500) into a directory it makes 0700, loads it, and reuses it next time", () => {
    const dir = join(base, "addons");
    expect(loadsTrim(loadAssetAddon(sea, "dkr_trim.node", [dir]))).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir)).toEqual([`${digest}.node`]);
    const st = statSync(join(dir, `${digest}.node`));
    expect(st.mode & 0o777).toBe(0o500);
    loadAssetAddon(sea, "dkr_trim.node", [dir]);
    expect(statSync(join(dir, `${digest}.node`)).ino).toBe(st.ino);
  });

  it("refuses a directory others can enter, and uses the next one", () => {
    const open = join(base, "open");
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    const next = join(base, "next");
    expect(loadsTrim(loadAssetAddon(sea, "dkr_trim.node", [open, next]))).toBe(true);
    expect(readdirSync(open)).toEqual([]);
    expect(existsSync(join(next, `${digest}.node`))).toBe(true);
  });

  it("refuses a symbolic link in place of the directory", () => {
    const real = join(base, "real");
    mkdirSync(real, { mode: 0o700 });
    const link = join(base, "link");
    symlinkSync(real, link);
    expect(() => loadAssetAddon(sea, "dkr_trim.node", [link])).toThrow(/link: .* not a directory/);
    expect(readdirSync(real)).toEqual([]);
  });

  it.skipIf(!isRoot)("refuses a directory owned by another user", () => {
    const theirs = join(base, "theirs");
    mkdirSync(theirs, { mode: 0o700 });
    chownSync(theirs, 65534, 65534);
    expect(() => loadAssetAddon(sea, "dkr_trim.node", [theirs])).toThrow(/owned by uid 65534/);
  });

  it("replaces a planted file whose bytes are not the asset's", () => {
    const dir = join(base, "planted");
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, `${digest}.node`), "not the addon", { mode: 0o500 });
    expect(loadsTrim(loadAssetAddon(sea, "dkr_trim.node", [dir]))).toBe(true);
    expect(createHash("sha256").update(readFileSync(join(dir, `${digest}.node`))).digest("hex")).toBe(digest);
  });

  it("replaces a right file that others may write (it could change before dlopen)", () => {
    const dir = join(base, "writable");
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, `${digest}.node`), bytes);
    chmodSync(join(dir, `${digest}.node`), 0o666);
    loadAssetAddon(sea, "dkr_trim.node", [dir]);
    expect(statSync(join(dir, `${digest}.node`)).mode & 0o777).toBe(0o500);
  });

  it("does not follow a planted symbolic link: its target is left alone, the link replaced", () => {
    const dir = join(base, "linked");
    mkdirSync(dir, { mode: 0o700 });
    const target = join(base, "target");
    writeFileSync(target, "precious");
    symlinkSync(target, join(dir, `${digest}.node`));
    expect(loadsTrim(loadAssetAddon(sea, "dkr_trim.node", [dir]))).toBe(true);
    expect(readFileSync(target, "utf8")).toBe("precious");
    expect(lstatSync(join(dir, `${digest}.node`)).isFile()).toBe(true);
  });

  it("names every directory it tried when none can be used", () => {
    const file = join(base, "a-file");
    writeFileSync(file, "");
    let err: unknown;
    try {
      loadAssetAddon(sea, "dkr_trim.node", [join(file, "sub"), join(base, "missing-parent", "x")]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AddonError);
    expect((err as Error).message).toContain(join(file, "sub"));
    expect((err as Error).message).toContain(join(base, "missing-parent", "x"));
    expect((err as Error).message).toContain("DKR_COLLECTOR_ADDON_DIR");
  });
});

describe("where addons go", () => {
  it("DKR_COLLECTOR_ADDON_DIR first, then $XDG_RUNTIME_DIR, /run for root, then a per-user directory in tmp", () => {
    const dirs = addonDirs({ DKR_COLLECTOR_ADDON_DIR: "/x/addons", XDG_RUNTIME_DIR: "/run/user/7" });
    expect(dirs[0]).toBe("/x/addons");
    expect(dirs[1]).toBe("/run/user/7/falco-docker-plugin");
    if (isRoot) expect(dirs).toContain("/run/falco-docker-plugin");
    expect(dirs.at(-1)).toMatch(/falco-docker-plugin-\d+$/);
    expect(addonDirs({ XDG_RUNTIME_DIR: "relative" }).some((d) => d.startsWith("relative"))).toBe(false);
  });
});
