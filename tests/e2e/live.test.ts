// End to end on a real daemon: dockerd → collector → ring → libdocker.so (next_batch) → wasm
// extractor (extract_fields), driven through the ABI by the conformance harness.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { HarnessRun, ROOT, type EventLine } from "./harness";

const FIELDS = [
  "docker.type", "docker.action", "docker.actor.id", "docker.attributes.name", "docker.time",
  "docker.exitcode", "docker.attributes.exitcode", "docker.container.name", "docker.container.image",
].join(",");

function dockerHost(): string {
  const h = process.env.DKR_TEST_DOCKER_HOST;
  if (h) return h;
  return execFileSync("bash", ["scripts/dockerd.sh", "start"], { cwd: ROOT, encoding: "utf8" }).trim();
}

function docker(host: string, ...args: string[]): string {
  return execFileSync("docker", args, { env: { ...process.env, DOCKER_HOST: host }, encoding: "utf8" }).trim();
}

describe("live daemon through the real plugin", () => {
  let host: string;
  let run: HarnessRun;

  beforeAll(async () => {
    host = dockerHost();
    run = new HarnessRun(["--open", host, "--fields", FIELDS, "--timeout-ms", "120000"]);
    // The collector announces its first connection with a synthetic `collector connect` event.
    await run.waitFor((e) => e.fields["docker.type"] === "collector" && e.fields["docker.action"] === "connect");
  });

  afterAll(async () => {
    if (run) expect(await run.stop()).toBe(0);
  });

  it("delivers create, start and die of a container with the right fields and timestamps", async () => {
    const name = `e2e-${randomBytes(4).toString("hex")}`;
    const id = docker(host, "create", "--name", name, "dkr-busybox", "sh", "-c", "exit 3");
    docker(host, "start", id);
    docker(host, "wait", id);

    const mine = (action: string) => (e: EventLine) =>
      e.fields["docker.actor.id"] === id && e.fields["docker.action"] === action;
    const create = await run.waitFor(mine("create"));
    const start = await run.waitFor(mine("start"));
    const die = await run.waitFor(mine("die"));

    for (const e of [create, start, die]) {
      expect(e.source).toBe("docker");
      expect(e.fields["docker.type"]).toBe("container");
      expect(e.fields["docker.attributes.name"]).toBe(name);
      expect(e.fields["docker.container.name"]).toBe(name);
      expect(e.fields["docker.container.image"]).toBe("dkr-busybox");
      // The event's timestamp is the daemon's timeNano, exactly.
      expect(e.fields["docker.time"]).toBe(e.ts);
    }
    expect(create.ts < start.ts && start.ts < die.ts).toBe(true);
    expect(create.evtnum < start.evtnum && start.evtnum < die.evtnum).toBe(true);
    expect(die.fields["docker.exitcode"]).toBe(3);
    expect(die.fields["docker.attributes.exitcode"]).toBe("3");
    // A key the event does not carry has no value (the old plugin returned "" or a stale value).
    expect(create.fields["docker.exitcode"]).toBeUndefined();
    expect(start.fields["docker.attributes.exitcode"]).toBeUndefined();
    docker(host, "rm", id);
  });

  it("sees the exec command line of a shell exec'd into a container", async () => {
    const name = `e2e-${randomBytes(4).toString("hex")}`;
    const id = docker(host, "run", "-d", "--name", name, "dkr-busybox", "sleep", "60");
    docker(host, "exec", id, "sh", "-c", "echo hello");
    const exec = await run.waitFor((e) => e.fields["docker.actor.id"] === id && String(e.fields["docker.action"]).startsWith("exec_start"));
    expect(exec.fields["docker.action"]).toBe("exec_start: sh -c echo hello");
    docker(host, "rm", "-f", id);
  });
});
