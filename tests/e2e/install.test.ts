// The plugin directory as operators get it: the release archive (`npm run package`) and
// `cmake --install` (with DESTDIR, as a packager runs it) install the same flat set of files
// (packaging/plugin-files.txt); the archives are reproducible, hold regular files owned by
// 0:0 with the listed modes, and carry checksums; the unpacked directory works on its own (its
// library finds its extractor and its collector executable beside it), replaying and live.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { HarnessRun, ROOT } from "./harness";

const VERSION = (JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")) as { version: string }).version;
const listed = readFileSync(resolve(ROOT, "packaging/plugin-files.txt"), "utf8").split("\n")
  .filter((l) => /^[0-7]+ /.test(l)).map((l) => { const [mode, name] = l.split(/\s+/) as [string, string]; return { mode: Number.parseInt(mode, 8), name }; });

interface Entry { name: string; mode: number; uid: number; gid: number; size: number; mtime: number; type: string; data: Buffer }

/** The entries of a .tar.gz, read from its ustar headers (the test's own reader). */
function entries(file: string): Entry[] {
  const tar = gunzipSync(readFileSync(file));
  const out: Entry[] = [];
  const field = (h: Buffer, at: number, len: number): string => h.subarray(at, at + len).toString("latin1").replace(/\0.*$/s, "").trim();
  for (let off = 0; off + 512 <= tar.length;) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = Number.parseInt(field(h, 124, 12), 8);
    const prefix = field(h, 345, 155);
    out.push({
      name: (prefix ? `${prefix}/` : "") + field(h, 0, 100), mode: Number.parseInt(field(h, 100, 8), 8), uid: Number.parseInt(field(h, 108, 8), 8),
      gid: Number.parseInt(field(h, 116, 8), 8), size, mtime: Number.parseInt(field(h, 136, 12), 8), type: field(h, 156, 1) || "0",
      data: tar.subarray(off + 512, off + 512 + size),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function dockerHost(): string {
  return process.env.DKR_TEST_DOCKER_HOST ?? execFileSync("bash", ["scripts/dockerd.sh", "start"], { cwd: ROOT, encoding: "utf8" }).trim();
}

/** Replays the demo recording, then streams a real daemon, through `lib` with the default config. */
async function works(lib: string): Promise<void> {
  const recording = resolve(ROOT, "tests/fixtures/demo.jsonl");
  const n = readFileSync(recording, "utf8").split("\n").filter((l) => l !== "").length;
  const run = new HarnessRun(["--lib", lib, "--open", `file://${recording}`, "--fields", "docker.type,docker.action", "--timeout-ms", "60000"]);
  expect(await run.exited).toBe(0);
  expect(run.events.filter((e) => e.fields["docker.type"] !== "collector").length).toBe(n);
  // The precompiled module is used: its digest (docker_extractor.cwasm.sha256) is installed with it.
  expect(run.stderr.join("\n")).not.toMatch(/instead of loading the precompiled module/);

  const host = dockerHost();
  const live = new HarnessRun(["--lib", lib, "--open", host, "--fields", "docker.type,docker.action,docker.actor.id", "--timeout-ms", "60000"]);
  try {
    await live.waitFor((e) => e.fields["docker.type"] === "collector" && e.fields["docker.action"] === "connect");
    const id = execFileSync("docker", ["create", "dkr-busybox", "true"], { env: { ...process.env, DOCKER_HOST: host }, encoding: "utf8" }).trim();
    await live.waitFor((e) => e.fields["docker.actor.id"] === id && e.fields["docker.action"] === "create");
    execFileSync("docker", ["rm", id], { env: { ...process.env, DOCKER_HOST: host } });
  } finally {
    expect(await live.stop()).toBe(0);
  }
}

describe("the release archives (npm run package)", () => {
  it("are flat, reproducible, checksummed, and the unpacked plugin directory works alone", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "dkr-package-"));
    try {
      const env = { ...process.env, SOURCE_DATE_EPOCH: "1700000000" };
      for (const out of ["a", "b"]) execFileSync("node", ["scripts/package.mjs", "--out", join(tmp, out)], { cwd: ROOT, env, stdio: "pipe" });
      const plugin = `docker-${VERSION}-linux-x86_64.tar.gz`;
      const rules = `docker-rules-${VERSION}.tar.gz`;
      expect(readdirSync(join(tmp, "a")).sort()).toEqual([plugin, `${plugin}.sha256`, rules, `${rules}.sha256`].sort());
      for (const f of [plugin, rules]) {
        const bytes = readFileSync(join(tmp, "a", f));
        expect(readFileSync(join(tmp, "b", f)).equals(bytes), `${f} differs between two runs`).toBe(true);
        expect(readFileSync(join(tmp, "a", `${f}.sha256`), "utf8")).toBe(`${createHash("sha256").update(bytes).digest("hex")}  ${f}\n`);
      }
      const files = entries(join(tmp, "a", plugin));
      expect(files.map((e) => e.name)).toEqual(listed.map((l) => l.name).sort());
      for (const e of files) {
        expect(e.type, e.name).toBe("0");
        expect([e.uid, e.gid, e.mtime], e.name).toEqual([0, 0, 1700000000]);
        expect(e.mode, e.name).toBe(listed.find((l) => l.name === e.name)!.mode);
      }
      expect(entries(join(tmp, "a", rules)).map((e) => [e.name, e.mode, e.data.equals(readFileSync(resolve(ROOT, "rules/docker_rules.yaml")))]))
        .toEqual([["docker_rules.yaml", 0o644, true]]);

      // Unpacked where falcoctl puts it, with nothing else around.
      const dir = join(tmp, "usr/share/falco/plugins");
      mkdirSync(dir, { recursive: true });
      // with the archive's times, as tar and falcoctl unpack it (the host takes a .cwasm written
      // a clock tick before its .wasm for stale)
      for (const e of files) {
        writeFileSync(join(dir, e.name), e.data, { mode: e.mode });
        utimesSync(join(dir, e.name), e.mtime, e.mtime);
      }
      await works(join(dir, "libdocker.so"));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe("cmake --install", () => {
  it("installs the archive's files, flat, and the rules, and the installed directory works alone", async () => {
    const dest = mkdtempSync(join(tmpdir(), "dkr-install-"));
    try {
      execFileSync("cmake", ["--install", resolve(ROOT, "build/cmake"), "--prefix", "/usr"], { env: { ...process.env, DESTDIR: dest }, stdio: "pipe" });
      const plugins = join(dest, "usr/share/falco/plugins");
      expect(readdirSync(plugins).sort()).toEqual(listed.map((l) => l.name).sort());
      for (const l of listed) expect(statSync(join(plugins, l.name)).mode & 0o777, l.name).toBe(l.mode);
      expect(readFileSync(join(dest, "etc/falco/docker_rules.yaml"), "utf8")).toContain("required_plugin_versions");
      await works(join(plugins, "libdocker.so"));
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });
});
