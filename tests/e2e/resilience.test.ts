// The collector under the real plugin is killed with SIGKILL while containers keep changing:
// the plugin restarts it, it resumes from the last event in the ring, and Falco sees every
// event exactly once, in order: nothing lost while it was dead, nothing duplicated.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { HarnessRun, ROOT } from "./harness";
import { collectorPids } from "../support/procs";

function dockerHost(): string {
  return process.env.DKR_TEST_DOCKER_HOST ??
    execFileSync("bash", ["scripts/dockerd.sh", "start"], { cwd: ROOT, encoding: "utf8" }).trim();
}

function docker(host: string, ...args: string[]): string {
  return execFileSync("docker", args, { env: { ...process.env, DOCKER_HOST: host }, encoding: "utf8" }).trim();
}

async function until<T>(f: () => T | undefined, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("collector killed under the plugin", () => {
  it("is restarted and resumes without losing or duplicating events", async () => {
    const host = dockerHost();
    const run = new HarnessRun(["--open", host, "--fields", "docker.type,docker.action,docker.actor.id", "--timeout-ms", "120000"]);
    try {
      await run.waitFor((e) => e.fields["docker.type"] === "collector" && e.fields["docker.action"] === "connect");
      const first = await until(() => collectorPids(run.pid)[0], 10_000, "the collector process");

      const tag = randomBytes(4).toString("hex");
      const before = docker(host, "create", "--name", `kill-a-${tag}`, "dkr-busybox", "true");
      await run.waitFor((e) => e.fields["docker.actor.id"] === before && e.fields["docker.action"] === "create");

      process.kill(first, "SIGKILL");
      // While no collector runs, the daemon keeps producing events.
      const during = docker(host, "create", "--name", `kill-b-${tag}`, "dkr-busybox", "true");
      docker(host, "rm", during);

      const second = await until(() => collectorPids(run.pid).find((p) => p !== first), 30_000, "a restarted collector");
      expect(second).not.toBe(first);
      const after = docker(host, "create", "--name", `kill-c-${tag}`, "dkr-busybox", "true");
      await run.waitFor((e) => e.fields["docker.actor.id"] === after && e.fields["docker.action"] === "create", 30_000);

      const mine = (id: string) => run.events.filter((e) => e.fields["docker.actor.id"] === id).map((e) => e.fields["docker.action"]);
      expect(mine(before)).toEqual(["create"]);
      expect(mine(during)).toEqual(["create", "destroy"]);
      expect(mine(after)).toEqual(["create"]);
      // Falco's view stays ordered by the daemon's time.
      const ts = run.events.filter((e) => e.fields["docker.type"] !== "collector").map((e) => e.ts);
      expect([...ts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ts);
      docker(host, "rm", before, after);
    } finally {
      expect(await run.stop()).toBe(0);
    }
  });
});
