// The host's guarantees as an operator sees them, under the real Falco with a real dockerd:
// - reloads (SIGHUP) during a burst of container events lose nothing and repeat nothing, counted
//   against an independent `docker events` subscriber;
// - a collector that exits 0 behind Falco's back is restarted, Falco keeps alerting;
// - a permanent misconfiguration stops Falco at once with the collector's own message;
// - a damaged precompiled extractor is refused with a warning and the rules still fire.
// DKR_FALCO_LIB runs the suite against another build of libdocker.so (to show a fix).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Witness, burst, eventKey, tally } from "../support/burst";
import { FalcoRun, LIB, ROOT, RULES, describeFalco, replayThroughFalco, type Alert } from "./falco";
import { collectorPids, isRunning } from "../support/procs";

const LIBRARY = process.env.DKR_FALCO_LIB ?? LIB;

/** A rule that alerts on every Docker event, its identity first in the output. */
const CATCH_ALL = `- rule: Every Docker Event
  desc: every event of the docker source (reliability tests)
  condition: docker.type != ""
  output: "docker event %docker.time %docker.type %docker.actor.id %docker.action"
  priority: INFO
  source: docker
`;

/** The event an alert of CATCH_ALL is about (docker.time is exact in the text, not in output_fields). */
function alertKey(a: Alert): string | null {
  const m = /docker event (\d+) (\S+) (\S+) (.*)$/.exec(a.output);
  return m === null ? null : eventKey({ type: m[2]!, id: m[3]!, action: m[4]!, timeNano: BigInt(m[1]!) });
}

let dir: string;
let rules: string;
let host: string;

function docker(...args: string[]): string {
  return execFileSync("docker", args, { env: { ...process.env, DOCKER_HOST: host }, encoding: "utf8" }).trim();
}

describeFalco("host guarantees", () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "dkr-falco-host-"));
    rules = join(dir, "catch-all.yaml");
    writeFileSync(rules, CATCH_ALL);
    host = process.env.DKR_TEST_DOCKER_HOST ?? execFileSync("bash", ["scripts/dockerd.sh", "start"], { cwd: ROOT, encoding: "utf8" }).trim();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("loses and repeats nothing over ten reloads (SIGHUP) during a burst", async () => {
    const tag = randomBytes(4).toString("hex");
    const witness = new Witness(host, "dkr-falco-hup", tag, Math.floor(Date.now() / 1000) - 1);
    const run = new FalcoRun({ openParams: host, rules: [rules], libraryPath: LIBRARY });
    try {
      await run.waitLog(/connected to unix:/, 60_000);
      // One container at a time (see tests/e2e/reopen.test.ts: out-of-order daemon timestamps).
      const ids = burst(host, "dkr-falco-hup", tag, 60, 1);
      const started = (): number => run.stderr.filter((l) => /collector started/.test(l)).length;
      for (let hup = 1; hup <= 10; hup++) {
        await new Promise((r) => setTimeout(r, 1200));
        // One reload at a time: the next once this one has opened the source again.
        const before = started();
        run.hup();
        await run.until(() => started() > before, 60_000, `reload ${hup}`);
      }
      const created = await ids;
      await witness.waitFor(() => witness.events.filter((e) => e.action === "destroy").length === created.length);
      const seen = (): string[] => run.alerts.map(alertKey).filter((k): k is string => k !== null);
      const end = Date.now() + 90_000;
      while (tally(witness.events, seen()).missing.length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 250));
      const t = tally(witness.events, seen());
      const reloads = run.stderr.filter((l) => /SIGHUP received/.test(l)).length;
      console.log(`real Falco, ${reloads} reloads during a burst of ${created.length} containers: sent ${t.sent}, alerted ${t.seen}, missing ${t.missing.length}, duplicated ${t.duplicated.length}`);
      // On a failure, where each duplicate sits among the alerts (reloads are where they come from).
      const keys = run.alerts.map((a) => alertKey(a) ?? a.output);
      for (const d of t.duplicated) {
        const at = keys.flatMap((k, i) => (k === d ? [i] : []));
        console.log(`duplicate ${d} at alerts ${at.join(", ")}:\n${keys.slice(Math.max(0, at[0]! - 3), at.at(-1)! + 3).join("\n")}`);
      }
      expect(reloads).toBeGreaterThanOrEqual(10);
      expect(t.sent).toBe(created.length * 4);
      expect(t.missing).toEqual([]);
      expect(t.duplicated).toEqual([]);
      expect(run.running).toBe(true);
    } finally {
      await witness.stop();
      await run.stop();
    }
  }, 600_000);

  it("keeps alerting after the collector exits 0 behind its back (restarted, not the end)", async () => {
    const run = new FalcoRun({ openParams: host, rules: [rules], libraryPath: LIBRARY, initConfig: { collector: { restartMaxMs: 200 } } });
    try {
      await run.waitLog(/connected to unix:/, 60_000);
      const [pid] = collectorPids(run.pid);
      expect(pid, run.log()).toBeDefined();
      process.kill(pid!, "SIGTERM"); // the collector stops cleanly: exit 0
      await run.waitLog(/exited with code 0 \(a live source never finishes\)/, 30_000);
      await run.until(() => collectorPids(run.pid).some((p) => p !== pid), 30_000, "a restarted collector");
      const id = docker("create", "dkr-busybox", "true");
      try {
        await run.until(() => run.alerts.some((a) => a.output.includes(`container ${id} create`)), 60_000, "the create after the restart");
      } finally {
        docker("rm", id);
      }
      expect(run.running).toBe(true);
    } finally {
      await run.stop();
    }
  }, 180_000);

  it("leaves no collector behind when Falco is killed (SIGKILL: no close, its stderr pipe broken)", async () => {
    const run = new FalcoRun({ openParams: host, rules: [rules], libraryPath: LIBRARY });
    let pid: number | undefined;
    try {
      await run.waitLog(/connected to unix:/, 60_000);
      [pid] = collectorPids(run.pid);
      expect(pid, run.log()).toBeDefined();
      process.kill(run.pid, "SIGKILL");
      await run.exited;
      // its parent gone, the collector says it is stopping (to a pipe nobody reads) and exits
      const end = Date.now() + 20_000;
      while (isRunning(pid!) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
      expect(isRunning(pid!), `collector ${pid} still running 20 s after Falco was killed`).toBe(false);
    } finally {
      if (pid !== undefined) try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
      await run.stop();
    }
  }, 120_000);

  it.each([
    ["collector.node /bin/false", { collector: { node: "/bin/false" } }, "live", /exited with code 1 before it started/],
    ["collector.node /bin/true", { collector: { node: "/bin/true" } }, "live", /exited with code 0 before it started/],
    ["collector.path a directory", { collector: { path: "/tmp" } }, "live", /\/tmp: not a regular file/],
    ["tls.key not PEM", { tls: { cert: "GARBAGE", key: "GARBAGE" } }, "tcp://127.0.0.1:1", /--tls-key .*garbage\.pem: not a PEM private key/],
    ["tls.ca a FIFO", { tls: { ca: "FIFO" } }, "tcp://127.0.0.1:1", /tls\.ca: cannot read .*ca\.fifo: not a regular file/],
  ] as const)("stops at once with the collector's own message: %s", async (_name, cfg, params, want) => {
    const garbage = join(dir, "garbage.pem");
    const fifo = join(dir, "ca.fifo");
    writeFileSync(garbage, "-----BEGIN GARBAGE-----\nnot pem\n");
    try {
      execFileSync("mkfifo", [fifo]);
    } catch {
      /* exists */
    }
    const initConfig = JSON.parse(JSON.stringify(cfg).replaceAll('"GARBAGE"', JSON.stringify(garbage)).replaceAll('"FIFO"', JSON.stringify(fifo))) as Record<string, unknown>;
    const t0 = Date.now();
    const run = new FalcoRun({ openParams: params === "live" ? host : params, rules: [rules], libraryPath: LIBRARY, initConfig });
    const timer = setTimeout(() => void run.stop(1000), 30_000);
    const code = await run.exited;
    clearTimeout(timer);
    const log = run.log(200);
    await run.stop();
    expect(code, log).not.toBe(0);
    expect(log).toMatch(want);
    expect(Date.now() - t0).toBeLessThan(25_000);
  }, 60_000);

  it("refuses a damaged precompiled extractor with a warning and still raises the rules", async () => {
    const plugins = join(dir, "plugins");
    execFileSync("mkdir", ["-p", plugins]);
    const from = dirname(LIBRARY);
    // The plugin directory's files (packaging/plugin-files.txt), the modules copied, the rest linked.
    const listed = readFileSync(resolve(ROOT, "packaging/plugin-files.txt"), "utf8").split("\n").filter((l) => /^[0-7]+ /.test(l)).map((l) => l.split(/\s+/)[1]!);
    for (const f of listed) {
      try {
        if (f.startsWith("docker_extractor.") || f === "libdocker.so") copyFileSync(join(from, f), join(plugins, f));
        else symlinkSync(resolve(from, f), join(plugins, f));
      } catch {
        /* an old build lacks some (the digest) */
      }
    }
    const good = readFileSync(join(from, "docker_extractor.cwasm"));
    for (const at of [0.25, 0.5, 0.75]) {
      const bad = Buffer.from(good);
      const o = Math.floor(bad.length * at);
      for (let i = 0; i < 16; i++) bad[o + i]! ^= 0xa5;
      writeFileSync(join(plugins, "docker_extractor.cwasm"), bad);
      const { alerts, code, log } = await replayThroughFalco([resolve(ROOT, "tests/fixtures/rules/privileged.jsonl")], { libraryPath: join(plugins, "libdocker.so"), rules: [RULES] });
      expect(code, log).toBe(0);
      expect(log).toMatch(/docker_extractor\.cwasm is damaged/);
      expect(alerts.map((a) => a.rule)).toContain("Docker Privileged Container");
    }
  }, 180_000);
});
