// `cmake --install` (with DESTDIR, as a packager runs it) produces a plugin directory that
// works on its own: the installed library finds its extractor and its self-contained
// collector beside it, with nothing from this repository (no node_modules) on the path.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HarnessRun, ROOT } from "./harness";

describe("cmake --install", () => {
  it("installs a self-contained plugin directory and the rules, which replays and streams live", async () => {
    const dest = mkdtempSync(join(tmpdir(), "dkr-install-"));
    try {
      execFileSync("cmake", ["--install", resolve(ROOT, "build/cmake"), "--prefix", "/usr"], { env: { ...process.env, DESTDIR: dest }, stdio: "pipe" });
      const plugins = join(dest, "usr/share/falco/plugins");
      for (const f of ["libdocker.so", "libwasmtime.so", "libjansson.so.4", "docker_extractor.cwasm", "docker_extractor.cwasm.sha256", "docker_extractor.wasm",
        "collector/main.js", "collector/mmap_io.node"]) {
        expect(existsSync(join(plugins, f)), f).toBe(true);
      }
      expect(readFileSync(join(dest, "etc/falco/docker_rules.yaml"), "utf8")).toContain("required_plugin_versions");

      const recording = resolve(ROOT, "tests/fixtures/demo.jsonl");
      const n = readFileSync(recording, "utf8").split("\n").filter((l) => l !== "").length;
      const run = new HarnessRun(["--lib", join(plugins, "libdocker.so"), "--open", `file://${recording}`,
        "--fields", "docker.type,docker.action", "--timeout-ms", "60000"]);
      expect(await run.exited).toBe(0);
      expect(run.events.filter((e) => e.fields["docker.type"] !== "collector").length).toBe(n);
      // The installed precompiled module is used: its digest was installed with it.
      expect(run.stderr.join("\n")).not.toMatch(/instead of loading the precompiled module/);

      // And live: the installed, bundled collector talks to a real daemon.
      const host = process.env.DKR_TEST_DOCKER_HOST ??
        execFileSync("bash", ["scripts/dockerd.sh", "start"], { cwd: ROOT, encoding: "utf8" }).trim();
      const live = new HarnessRun(["--lib", join(plugins, "libdocker.so"), "--open", host,
        "--fields", "docker.type,docker.action,docker.actor.id", "--timeout-ms", "60000"]);
      try {
        await live.waitFor((e) => e.fields["docker.type"] === "collector" && e.fields["docker.action"] === "connect");
        const id = execFileSync("docker", ["create", "dkr-busybox", "true"], { env: { ...process.env, DOCKER_HOST: host }, encoding: "utf8" }).trim();
        await live.waitFor((e) => e.fields["docker.actor.id"] === id && e.fields["docker.action"] === "create");
        execFileSync("docker", ["rm", id], { env: { ...process.env, DOCKER_HOST: host } });
      } finally {
        expect(await live.stop()).toBe(0);
      }
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });
});
