// Issue 9 under the real Falco: a collector that hangs (SIGSTOP) past collector.hangTimeoutMs
// while the daemon makes more than the 256 events it keeps is killed and restarted by the plugin;
// the new collector cannot find its resume point in what the daemon replays. Falco saw only
// `connect` events before: the events lost left no trace. Now *Docker Lost Visibility* fires on a
// `drop` (gap) event and *Docker Visibility Restored* on the restarted collector's `reconnect`.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { expect, it } from "vitest";
import { ROOT, FalcoRun, describeFalco } from "./falco";

function dockerHost(): string {
  const h = process.env.DKR_TEST_DOCKER_HOST;
  if (h) return h;
  return execFileSync("bash", ["scripts/dockerd.sh", "start"], { cwd: ROOT, encoding: "utf8" }).trim();
}

/** The collector process the plugin started inside Falco (its only child: docker-collector, or node). */
function collectorPid(falcoPid: number): number {
  const kids = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(falcoPid)], { encoding: "utf8" }).trim().split("\n");
  const c = kids.map((l) => l.trim().split(/\s+/)).find(([, comm]) => comm === "node" || comm?.startsWith("docker-collect") === true);
  if (c === undefined) throw new Error(`no collector under Falco ${falcoPid}: ${kids.join("; ")}`);
  return Number(c[0]);
}

const SKIP = process.env.DKR_SKIP_DOCKER === "1";

describeFalco("a collector restart that loses events under the real Falco", () => {
  it.skipIf(SKIP)("a hang past the hang timeout over 300 events: Docker Lost Visibility (gap) and Visibility Restored", { timeout: 180_000 }, async () => {
    const host = dockerHost();
    const d = new Docker({ socketPath: host.slice("unix://".length) });
    const run = new FalcoRun({
      openParams: host,
      initConfig: { collector: { hangTimeoutMs: 1000 } },
      extra: { log_stderr: true, log_syslog: false, log_level: "info" },
    });
    try {
      await run.waitLog(/connected to/, 60_000);
      const tag = randomBytes(4).toString("hex");
      // a resume point: events the collector publishes before it hangs
      for (let i = 0; i < 3; i++) {
        await d.createVolume({ Name: `gap-${tag}-pre${i}` });
        await d.getVolume(`gap-${tag}-pre${i}`).remove();
      }
      await new Promise((r) => setTimeout(r, 1500));
      const pid = collectorPid(run.pid);
      process.kill(pid, "SIGSTOP");
      // 320 events while it is stopped: more than the daemon keeps
      for (let i = 0; i < 160; i++) {
        await d.createVolume({ Name: `gap-${tag}-${i}` });
        await d.getVolume(`gap-${tag}-${i}`).remove();
      }
      const lost = await run.waitAlert((a) => a.rule === "Docker Lost Visibility" && a.output_fields["docker.action"] === "drop", 60_000);
      expect(String(lost.output_fields["docker.attributes[reason]"])).toMatch(/^gap: /);
      await run.waitAlert((a) => a.rule === "Docker Visibility Restored", 30_000);
      expect(run.log(400)).toMatch(/hung|killed/);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nalerts: ${run.alerts.map((a) => `${a.rule}: ${a.output}`).join("\n")}\n${run.log(40)}`);
    } finally {
      await run.stop();
    }
  });
});
