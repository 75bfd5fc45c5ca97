// Falco closes and reopens every source on a hot reload (SIGHUP, a rules or config edit). The
// plugin saves where the daemon's stream stopped on close (init_config collector.stateDir) and
// the next open of the same endpoint resumes from there: the events of the gap are delivered
// once, and what the first run already delivered is not delivered again.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { HarnessRun, ROOT, tempStateDir, type EventLine } from "./harness";
import { Witness, burst, eventKey, tally } from "../support/burst";

function dockerHost(): string {
  return process.env.DKR_TEST_DOCKER_HOST ??
    execFileSync("bash", ["scripts/dockerd.sh", "start"], { cwd: ROOT, encoding: "utf8" }).trim();
}

function docker(host: string, ...args: string[]): string {
  return execFileSync("docker", args, { env: { ...process.env, DOCKER_HOST: host }, encoding: "utf8" }).trim();
}

const FIELDS = "docker.type,docker.action,docker.actor.id";
const isConnect = (e: EventLine): boolean => e.fields["docker.type"] === "collector" && e.fields["docker.action"] === "connect";

describe("close and reopen (Falco hot reload)", () => {
  it("delivers the events of the gap exactly once and nothing of the first run again", async () => {
    const host = dockerHost();
    const stateDir = tempStateDir();
    const tag = randomBytes(4).toString("hex");
    const created: string[] = [];
    try {
      const first = new HarnessRun(["--open", host, "--fields", FIELDS, "--timeout-ms", "120000"], { stateDir });
      let a: string;
      try {
        await first.waitFor(isConnect);
        a = docker(host, "create", "--name", `reopen-a-${tag}`, "dkr-busybox", "true");
        created.push(a);
        await first.waitFor((e) => e.fields["docker.actor.id"] === a && e.fields["docker.action"] === "create");
      } finally {
        expect(await first.stop()).toBe(0);
      }
      // close saved the resume state, private to its owner.
      const files = readdirSync(stateDir).filter((f) => /^resume-[0-9a-f]{16}\.bin$/.test(f));
      expect(files).toHaveLength(1);
      expect(statSync(join(stateDir, files[0]!)).mode & 0o777).toBe(0o600);

      // While no source is open, the daemon keeps producing events.
      const b = docker(host, "create", "--name", `reopen-b-${tag}`, "dkr-busybox", "true");
      created.push(b);

      const second = new HarnessRun(["--open", host, "--fields", FIELDS, "--timeout-ms", "120000"], { stateDir });
      try {
        await second.waitFor((e) => e.fields["docker.actor.id"] === b && e.fields["docker.action"] === "create");
        // A marker after the gap: once it is seen, everything the daemon replayed has been too.
        const c = docker(host, "create", "--name", `reopen-c-${tag}`, "dkr-busybox", "true");
        created.push(c);
        await second.waitFor((e) => e.fields["docker.actor.id"] === c && e.fields["docker.action"] === "create");
        const actions = (id: string): Array<string | undefined> =>
          second.events.filter((e) => e.fields["docker.actor.id"] === id).map((e) => e.fields["docker.action"] as string | undefined);
        expect(actions(b)).toEqual(["create"]);
        expect(actions(a)).toEqual([]);
        expect(actions(c)).toEqual(["create"]);
        expect(second.stderr.join("\n")).toMatch(/resuming after event/);
      } finally {
        expect(await second.stop()).toBe(0);
      }
    } finally {
      if (created.length > 0) docker(host, "rm", ...created);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("resumes without a gap after a close that came before the daemon's first event", async () => {
    // The first run sees no Docker event at all (only its own connect): its resume point is
    // where its stream started on the daemon's clock, so what happens while closed is not lost.
    const host = dockerHost();
    const stateDir = tempStateDir();
    const tag = randomBytes(4).toString("hex");
    let id = "";
    try {
      const first = new HarnessRun(["--open", host, "--fields", FIELDS, "--timeout-ms", "120000"], { stateDir });
      try {
        await first.waitFor(isConnect);
      } finally {
        expect(await first.stop()).toBe(0);
      }
      expect(first.events.filter((e) => e.fields["docker.type"] !== "collector")).toEqual([]);
      id = docker(host, "create", "--name", `reopen-first-${tag}`, "dkr-busybox", "true");
      const second = new HarnessRun(["--open", host, "--fields", FIELDS, "--timeout-ms", "120000"], { stateDir });
      try {
        await second.waitFor((e) => e.fields["docker.actor.id"] === id && e.fields["docker.action"] === "create");
      } finally {
        expect(await second.stop()).toBe(0);
      }
    } finally {
      if (id !== "") docker(host, "rm", id);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("delivers every event of a burst exactly once across many close/open cycles", async () => {
    // The harness reloads like Falco every 400 ms: it stops in the middle of a batch (the event
    // just taken and the rest unprocessed), closes, destroys, inits and opens again. It consumes
    // slowly (30 ms per event), so published records wait in the ring at each close.
    const host = dockerHost();
    const stateDir = tempStateDir();
    const tag = randomBytes(4).toString("hex");
    const witness = new Witness(host, "dkr-reopen-burst", tag, Math.floor(Date.now() / 1000) - 1);
    const run = new HarnessRun(["--open", host, "--fields", FIELDS, "--timeout-ms", "400000",
      "--reopen-ms", "400", "--event-delay-us", "30000"], { stateDir });
    try {
      await run.waitFor(isConnect);
      // One container at a time: the daemon stamps events of concurrent requests out of order
      // at times, which the collector's resume across restarts does not handle yet (a finding
      // for the collector); this test is about what the host delivers.
      const ids = await burst(host, "dkr-reopen-burst", tag, 40, 1);
      await witness.waitFor(() => witness.events.filter((e) => e.action === "destroy").length === ids.length);
      const seen = (): string[] => run.events
        .filter((e) => e.fields["docker.type"] === "container")
        .map((e) => eventKey({ type: "container", action: String(e.fields["docker.action"]), id: String(e.fields["docker.actor.id"]), timeNano: e.ts }));
      // Everything the daemon sent is delivered, or nothing more comes for a while.
      const end = Date.now() + 120_000;
      while (tally(witness.events, seen()).missing.length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 250));
      const t = tally(witness.events, seen());
      const reopens = run.stderr.filter((l) => l.startsWith("[reopen]")).length;
      const saved = run.stderr.filter((l) => /saved with \d+ undelivered/.test(l)).length;
      console.log(`burst of ${ids.length} containers, ${reopens} close/open cycles (${saved} saved undelivered events): sent ${t.sent}, delivered ${t.seen}, missing ${t.missing.length}, duplicated ${t.duplicated.length}`);
      expect(reopens).toBeGreaterThanOrEqual(8);
      expect(t.sent).toBe(ids.length * 4);
      expect(t.missing).toEqual([]);
      expect(t.duplicated).toEqual([]);
    } finally {
      await witness.stop();
      expect(await run.stop()).toBe(0);
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 600_000);
});
