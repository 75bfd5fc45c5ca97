// Issue 9 under the real Falco: a container whose 22 labels of 100,000 bytes make each of its
// events ~2.2 MB used to produce zero events in Falco. With the default ring (2 MiB records)
// its events are shrunk and every rule about it fires: Docker socket and sensitive (/) mounts,
// host PID namespace, SYS_ADMIN, the shell exec'd into it, and on a second, created-only
// privileged container with the same labels, the privileged rule. rule_matching: all (the
// project's rules are being reordered for Falco's default first-match by another change).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import { ROOT, FalcoRun, describeFalco } from "./falco";
import { EXEC, runOversize } from "../support/oversize";

function dockerHost(): string {
  const h = process.env.DKR_TEST_DOCKER_HOST;
  if (h) return h;
  return execFileSync("bash", ["scripts/dockerd.sh", "start"], { cwd: ROOT, encoding: "utf8" }).trim();
}

const SKIP = process.env.DKR_SKIP_DOCKER === "1";

describeFalco("oversize events under the real Falco", () => {
  it.skipIf(SKIP)("every rule fires on a container with 22 labels of 100,000 bytes, its events marked truncated", { timeout: 180_000 }, async () => {
    const host = dockerHost();
    const run = new FalcoRun({
      openParams: host,
      ruleMatching: "all",
      extra: {
        log_stderr: true, // the plugin's log (the collector's "connected to") for waitLog
        log_syslog: false,
        log_level: "info",
        append_output: [{ match: { source: "docker" }, extra_fields: ["docker.event.truncated", "docker.event.original_size", "docker.actor.id"] }],
      },
    });
    try {
      await run.waitLog(/connected to/, 60_000);
      const s = await runOversize(host, randomBytes(4).toString("hex"));
      const on = (id: string, rule: string) => (a: { rule: string; output_fields: Record<string, unknown> }) => a.rule === rule && a.output_fields["docker.actor.id"] === id;
      const want: Array<[string, string]> = [
        [s.id, "Docker Socket Mounted In Container"],
        [s.id, "Docker Sensitive Mount"],
        [s.id, "Docker Host Namespace"],
        [s.id, "Docker Dangerous Capabilities"],
        [s.id, "Docker Exec Into Container"],
        [s.id, "Docker Shell Exec Into Container"],
        [s.privId, "Docker Privileged Container"],
      ];
      for (const [id, rule] of want) {
        const a = await run.waitAlert(on(id, rule), 60_000);
        expect(a.output_fields["docker.event.truncated"], rule).toBe(true);
        expect(Number(a.output_fields["docker.event.original_size"]), rule).toBeGreaterThan(2_200_000);
      }
      const exec = run.alerts.find(on(s.id, "Docker Shell Exec Into Container"))!;
      expect(exec.output_fields["docker.exec.cmdline"]).toBe(EXEC.join(" "));
      // on create and/or start (the inspect of a container being started waits for the daemon's
      // container lock: under load the create's inspect can miss its deadline, the start's then has it)
      for (const a of run.alerts.filter(on(s.id, "Docker Socket Mounted In Container"))) expect(["create", "start"]).toContain(a.output_fields["docker.action"]);
      // no visibility loss: nothing was dropped
      expect(run.alerts.filter((a) => a.rule === "Docker Lost Visibility")).toEqual([]);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nalerts: ${run.alerts.map((a) => a.rule).join(", ")}\n${run.log(60)}`);
    } finally {
      await run.stop();
    }
  });
});
