// docker-collector, the single executable the plugin runs by default: it needs nothing on the
// host but glibc and libstdc++, runs alone in an empty directory with an empty environment,
// loads its addons from a private directory, gives back its start-up pages, and so does the
// plain bundle docker-collector.js under `node` with only its addon and the extractor module
// (which reads every line, collector/src/extractor.ts) beside it.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { Collector, ROOT, RingReader, collectorSuite, until } from "./helpers";

const EXE = resolve(ROOT, "build/docker-collector");
const BUNDLE = resolve(ROOT, "build/docker-collector.js");
const MMAP = resolve(ROOT, "build/docker-collector-mmap.node");
const WASM = resolve(ROOT, "build/docker_extractor.wasm");
const RECORDING = resolve(ROOT, "tests/collector/fixtures/small.jsonl");
const suite = collectorSuite("sea");

/** A directory holding only `files` (copies), like a bare plugin directory. */
function alone(name: string, files: string[]): string {
  const d = join(suite.dir(), name);
  mkdirSync(d, { mode: 0o700 });
  for (const f of files) copyFileSync(f, join(d, f.slice(f.lastIndexOf("/") + 1)));
  return d;
}

describe("docker-collector", () => {
  it("needs only glibc, libstdc++ and libgcc_s", () => {
    const libs = execFileSync("ldd", [EXE], { encoding: "utf8" }).split("\n").map((l) => l.trim().split(/\s+/)[0] ?? "").filter((n) => n !== "");
    expect(libs.filter((n) => !/^(linux-vdso\.so\.1|\/lib64\/ld-linux-x86-64\.so\.2|lib(c|m|dl|pthread|rt)\.so\.\d+|libstdc\+\+\.so\.6|libgcc_s\.so\.1)$/.test(n))).toEqual([]);
  });

  it("streams a daemon into the ring from an empty directory and environment, its addons in a private directory", async () => {
    const dir = alone("exe", [EXE]);
    const addons = join(suite.dir(), "addons");
    const d = await suite.fake();
    const ring = join(suite.dir(), "ring-exe");
    const c = suite.collector(["--ring-path", ring, "--endpoint", d.url, "--no-enrich"], {
      program: join(dir, "docker-collector"),
      cleanEnv: true,
      env: { DKR_COLLECTOR_ADDON_DIR: addons, DKR_COLLECTOR_LOG: "debug" },
    });
    const r = await RingReader.open(ring);
    await d.waitForStreams();
    await d.emit(50);
    await r.waitCount("50 events", (x) => x.kind === 1, 50);
    // The mmap addon (at start) and the N-API helper (2 s later), each as <sha256>.node.
    await until("start-up pages given back", () => c.stderr.some((l) => l.startsWith("debug start-up pages given back")), 15_000);
    expect(statSync(addons).mode & 0o777).toBe(0o700);
    const files = readdirSync(addons);
    expect(files).toHaveLength(2);
    for (const f of files) {
      expect(f).toMatch(/^[0-9a-f]{64}\.node$/);
      expect(statSync(join(addons, f)).mode & 0o777).toBe(0o500);
    }
    expect(readdirSync(dir)).toEqual(["docker-collector"]);
    expect(await c.stop(), c.log()).toBe(0);
  });

  it("replays a recording to its end and exits 0", async () => {
    const c = new Collector(["--ring-path", join(suite.dir(), "ring-replay"), "--endpoint", `file://${RECORDING}`], {
      program: EXE, cleanEnv: true, env: { DKR_COLLECTOR_ADDON_DIR: join(suite.dir(), "addons-replay") },
    });
    expect(await c.exited, c.log()).toBe(0);
  });
});

describe("docker-collector.js under node (collector.node)", () => {
  it("runs with only its addon and the extractor module beside it (no node_modules)", async () => {
    const dir = alone("bundle", [BUNDLE, MMAP, WASM]);
    const run = new Collector([join(dir, "docker-collector.js"), "--ring-path", join(suite.dir(), "ring-bundle"), "--endpoint", `file://${RECORDING}`], {
      program: process.execPath, cleanEnv: true,
    });
    expect(await run.exited, run.log()).toBe(0);
  });

  it("without the extractor module beside it, exits 2 naming the file it looked for", async () => {
    const dir = alone("no-module", [BUNDLE, MMAP]);
    const run = new Collector([join(dir, "docker-collector.js"), "--ring-path", join(suite.dir(), "ring-no-module"), "--endpoint", `file://${RECORDING}`], {
      program: process.execPath, cleanEnv: true,
    });
    expect(await run.exited, run.log()).toBe(2);
    expect(run.stderr.some((l) => l.startsWith("error ") && l.includes(join(dir, "docker_extractor.wasm"))), run.log()).toBe(true);
  });
});
