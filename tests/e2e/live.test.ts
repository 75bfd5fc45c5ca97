// End to end on every live engine (Docker 20.10, Docker 28, Podman; tests/support/engines.ts):
// daemon → collector → ring → libdocker.so (next_batch) → wasm extractor (extract_fields),
// driven through the ABI by the conformance harness. The same steps give the same normalized
// field values on every engine; only the raw compatibility fields show the engine's own words.
import { afterAll, beforeAll, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { HarnessRun, type EventLine } from "./harness";
import { describeEngines, dockerOf, engineScript, kindOf } from "../support/engines";

const FIELDS = [
  "docker.type", "docker.action", "docker.action.name", "docker.actor.id", "docker.attributes.name", "docker.time",
  "docker.exitcode", "docker.attributes.exitcode", "docker.container.id", "docker.container.name", "docker.container.image",
  "docker.engine", "docker.exec.cmdline", "docker.exec.exe", "docker.exec.args", "docker.exec.user", "docker.exec.tty",
  "docker.health.status", "docker.exec.healthcheck",
].join(",");

describeEngines("live daemon through the real plugin", (engine) => {
  let run: HarnessRun;
  const docker = dockerOf(engine);
  const kind = kindOf(engine);

  beforeAll(async () => {
    run = new HarnessRun(["--open", engine.host, "--fields", FIELDS, "--timeout-ms", "120000"]);
    // The collector announces its first connection with a synthetic `collector connect` event.
    await run.waitFor((e) => e.fields["docker.type"] === "collector" && e.fields["docker.action"] === "connect");
  });

  afterAll(async () => {
    if (run) expect(await run.stop()).toBe(0);
  });

  it("delivers create, start and die of a container with the right fields and timestamps", async () => {
    const name = `e2e-${randomBytes(4).toString("hex")}`;
    const id = docker("create", "--name", name, "dkr-busybox", "sh", "-c", "exit 3");
    docker("start", id);
    docker("wait", id);

    const mine = (action: string) => (e: EventLine) =>
      e.fields["docker.container.id"] === id && e.fields["docker.action.name"] === action;
    const create = await run.waitFor(mine("create"));
    const start = await run.waitFor(mine("start"));
    const die = await run.waitFor(mine("die"));

    for (const e of [create, start, die]) {
      expect(e.source).toBe("docker");
      expect(e.fields["docker.type"]).toBe("container");
      expect(e.fields["docker.engine"]).toBe(kind);
      expect(e.fields["docker.actor.id"]).toBe(id);
      expect(e.fields["docker.attributes.name"]).toBe(name);
      expect(e.fields["docker.container.name"]).toBe(name);
      // The image as the engine writes it: Docker as given, Podman fully qualified.
      expect(e.fields["docker.container.image"]).toBe(kind === "podman" ? "docker.io/library/dkr-busybox:latest" : "dkr-busybox");
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
    docker("rm", id);
    // Docker's destroy is Podman's remove: one name for the fact.
    const gone = await run.waitFor(mine("destroy"));
    expect(gone.fields["docker.action"]).toBe(kind === "podman" ? "remove" : "destroy");
  });

  it("sees the exec command line of a shell exec'd into a container, and its exit code", async () => {
    const name = `e2e-${randomBytes(4).toString("hex")}`;
    const id = docker("run", "-d", "--name", name, "dkr-busybox", "sleep", "60");
    expect(() => docker("exec", "-u", "1000", id, "sh", "-c", "echo hello; exit 4")).toThrow();
    const mine = (action: string) => (e: EventLine) =>
      e.fields["docker.container.id"] === id && e.fields["docker.action.name"] === action;
    const exec = await run.waitFor(mine("exec_start"));
    const died = await run.waitFor(mine("exec_die"));
    // Docker's exec_start carries the command; Podman's exec does not: the collector found it
    // among the container's exec sessions.
    expect(exec.fields["docker.action"]).toBe(kind === "podman" ? "exec" : "exec_start: sh -c echo hello; exit 4");
    expect(exec.fields["docker.exec.cmdline"]).toBe("sh -c echo hello; exit 4");
    expect(exec.fields["docker.exec.exe"]).toBe("sh");
    expect(exec.fields["docker.exec.args"]).toBe("-c echo hello; exit 4");
    expect(exec.fields["docker.exec.user"]).toBe("1000");
    expect(exec.fields["docker.exec.tty"]).toBe(false);
    expect(exec.fields["docker.engine"]).toBe(kind);
    expect(died.fields["docker.exitcode"]).toBe(4);
    expect(died.fields["docker.action"]).toBe(kind === "podman" ? "exec_died" : "exec_die");
    docker("kill", id); // Podman's forced removal waits out the stop timeout first
    docker("rm", "-f", id);
  });

  it.runIf(kind === "podman")("sees the command of an exec started with the podman CLI (libpod API) too", async () => {
    const name = `e2e-${randomBytes(4).toString("hex")}`;
    const id = docker("run", "-d", "--name", name, "dkr-busybox", "sleep", "60");
    // detached: its session is there when the collector asks
    engineScript(engine, "podman", "exec", "-d", name, "sh", "-c", "sleep 3");
    const exec = await run.waitFor((e) => e.fields["docker.container.id"] === id && e.fields["docker.action.name"] === "exec_start");
    expect(exec.fields["docker.exec.cmdline"]).toBe("sh -c sleep 3");
    expect(exec.fields["docker.exec.exe"]).toBe("sh");
    docker("kill", id);
    docker("rm", "-f", id);
  });

  it("reports a container's health in the same field, and its healthcheck is no exec to alert on", async () => {
    const name = `e2e-${randomBytes(4).toString("hex")}`;
    const id = docker("run", "-d", "--name", name, "--health-cmd", "true", "--health-interval", "1s", "dkr-busybox", "sleep", "60");
    // Podman runs no healthcheck timer without systemd: the check is run by hand
    if (kind === "podman") engineScript(engine, "podman", "healthcheck", "run", name);
    const mine = (action: string) => (e: EventLine) =>
      e.fields["docker.container.id"] === id && e.fields["docker.action.name"] === action;
    const health = await run.waitFor(mine("health_status"));
    expect(health.fields["docker.health.status"]).toBe("healthy");
    // Docker: "health_status: healthy"; Podman: health_status with a HealthStatus key
    expect(health.fields["docker.action"]).toBe(kind === "podman" ? "health_status" : "health_status: healthy");
    if (kind === "docker") {
      // Docker runs the check as an exec, which the collector marks as the healthcheck
      const exec = await run.waitFor(mine("exec_start"));
      expect(exec.fields["docker.exec.cmdline"]).toBe("/bin/sh -c true");
      expect(exec.fields["docker.exec.healthcheck"]).toBe(true);
    }
    docker("kill", id);
    docker("rm", "-f", id);
    await run.waitFor(mine("destroy"));
    // Podman's checks are no exec events at all
    if (kind === "podman") expect(run.events.some((e) => mine("exec_start")(e))).toBe(false);
  });
});
