// Issue 9, oversize events on a real daemon through the real plugin (dkr-harness: collector,
// ring, libdocker.so, wasm extractor): a container whose labels make each of its events ~2.2 MB
// (over the default ring's 2 MiB records) used to vanish, all 8 of its events, with no drop
// event. Every event must arrive with its type, action, actor, time and security context,
// marked truncated.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { HarnessRun, ROOT, type EventLine } from "./harness";
import { EXEC, LABELS, LABEL_BYTES, runOversize } from "../support/oversize";

const FIELDS = [
  "docker.type", "docker.action", "docker.actor.id", "docker.time", "docker.container.name", "docker.event.truncated",
  "docker.event.original_size", "docker.container.mount.source", "docker.container.cap_add", "docker.container.pid_mode",
  "docker.container.privileged", "docker.exec.cmdline", "docker.exec.exe", "docker.collector.dropped",
].join(",");

function dockerHost(): string {
  const h = process.env.DKR_TEST_DOCKER_HOST;
  if (h) return h;
  return execFileSync("bash", ["scripts/dockerd.sh", "start"], { cwd: ROOT, encoding: "utf8" }).trim();
}

describe.skipIf(process.env.DKR_SKIP_DOCKER === "1")("oversize events through the real plugin", () => {
  let host: string;
  let run: HarnessRun;

  beforeAll(async () => {
    host = dockerHost();
    run = new HarnessRun(["--open", host, "--fields", FIELDS, "--timeout-ms", "180000"]);
    await run.waitFor((e) => e.fields["docker.type"] === "collector" && e.fields["docker.action"] === "connect");
  });

  afterAll(async () => {
    if (run) await run.stop();
  });

  it("delivers all events of a container with 22 labels of 100,000 bytes, shrunk, with their security context", async () => {
    const tag = randomBytes(4).toString("hex");
    const s = await runOversize(host, tag);
    const of = (id: string) => (e: EventLine) => e.fields["docker.actor.id"] === id;
    const destroy = await run.waitFor((e) => of(s.id)(e) && e.fields["docker.action"] === "destroy", 60_000);
    await run.waitFor((e) => of(s.privId)(e) && e.fields["docker.action"] === "destroy", 60_000);
    expect(destroy).toBeDefined();
    const mine = run.events.filter(of(s.id));
    const cmd = EXEC.join(" ");
    const actions = mine.map((e) => String(e.fields["docker.action"]));
    for (const a of ["create", "start", `exec_create: ${cmd}`, `exec_start: ${cmd}`, "exec_die", "kill", "die", "destroy"]) {
      expect(actions.filter((x) => x === a), `${a} in ${actions.join(", ")}`).toHaveLength(1);
    }
    for (const e of mine) {
      expect(e.fields["docker.type"]).toBe("container");
      expect(e.fields["docker.container.name"]).toBe(s.name);
      expect(e.fields["docker.event.truncated"], String(e.fields["docker.action"])).toBe(true);
      expect(Number(e.fields["docker.event.original_size"])).toBeGreaterThan(LABELS * LABEL_BYTES);
      expect(e.fields["docker.time"]).toBe(e.ts);
    }
    // The context comes from inspects on create and start; the create's inspect waits for the
    // daemon's container lock while the container starts, so under load only the start's may
    // make its deadline: at least one has it, and any that has it has it right.
    const setup = mine.filter((x) => ["create", "start"].includes(String(x.fields["docker.action"])) && x.fields["docker.container.pid_mode"] !== undefined);
    expect(setup.length).toBeGreaterThanOrEqual(1);
    for (const e of setup) {
      const a = String(e.fields["docker.action"]);
      expect(e.fields["docker.container.mount.source"], a).toEqual(expect.arrayContaining(["/var/run/docker.sock", "/"]));
      expect(e.fields["docker.container.cap_add"], a).toEqual(["SYS_ADMIN"]);
      expect(e.fields["docker.container.pid_mode"], a).toBe("host");
    }
    const exec = mine.find((x) => String(x.fields["docker.action"]).startsWith("exec_start"))!;
    expect(exec.fields["docker.exec.cmdline"]).toBe(cmd);
    expect(exec.fields["docker.exec.exe"]).toBe("sh");
    const priv = run.events.find((e) => of(s.privId)(e) && e.fields["docker.action"] === "create")!;
    expect(priv.fields["docker.container.privileged"]).toBe(true);
    expect(priv.fields["docker.event.truncated"]).toBe(true);
    // nothing was dropped
    expect(run.events.filter((e) => e.fields["docker.type"] === "collector" && e.fields["docker.action"] === "drop")).toEqual([]);
    // and the plugin's metrics (what Falco reports as plugins.docker.*) say so: every shrunk event
    // counted in `truncated`, none in `drops`
    const shrunk = run.events.filter((e) => e.fields["docker.event.truncated"] === true).length;
    expect(shrunk).toBeGreaterThanOrEqual(mine.length + 1);
    expect(await run.stop()).toBe(0);
    // (the exit can be seen before the last stderr lines are read)
    for (let i = 0; i < 50 && !run.stderr.some((l) => l.startsWith("[metrics]")); i++) await new Promise((r) => setTimeout(r, 100));
    const line = run.stderr.find((l) => l.startsWith("[metrics]"));
    expect(line, run.stderr.slice(-20).join("\n")).toBeDefined();
    const metrics = Object.fromEntries(line!.slice(10).split(" ").map((kv) => kv.split("=") as [string, string]));
    expect(metrics.truncated).toBe(String(shrunk));
    expect(metrics.drops).toBe("0");
  });
});
