// Healthcheck execs against a REAL dockerd (its own private daemon under
// DKR_COLLECTOR_HEALTH_TEST_ROOT, default /tmp/dkr-collector-health): the daemon runs every
// healthcheck as an ordinary exec (exec_create / exec_start events); the collector marks the
// exec context with healthcheck=true when the exec's argv is the container's healthcheck command
// (shell form: /bin/sh -c s; exec form: the Test arguments), false for other execs, including a
// collector started after the container (it inspects the container once for its healthcheck).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Docker } from "../../collector/src/dockerode";
import { privateDockerd, type PrivateDockerd } from "../support/dockerd";
import { Collector, type Rec, RingReader, ensureBuilt, privateDir } from "./helpers";

const TEST_ROOT = process.env.DKR_COLLECTOR_HEALTH_TEST_ROOT ?? "/tmp/dkr-collector-health";
const skip = process.env.DKR_SKIP_DOCKER === "1";

let host = "";
let daemon: PrivateDockerd | null = null;
function docker(...args: string[]): string {
  return execFileSync("docker", args, { env: { ...process.env, DOCKER_HOST: host }, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();
}

const uniq = (p: string) => `${p}-${randomBytes(4).toString("hex")}`;

let dir: string;
let cleanup: () => void = () => undefined;
const running: Collector[] = [];
const containers: string[] = [];

beforeAll(() => {
  ensureBuilt();
  if (skip) return;
  daemon = privateDockerd(TEST_ROOT);
  host = daemon.host;
  ({ dir, cleanup } = privateDir("health"));
});
afterAll(() => {
  cleanup();
  daemon?.stop(); // only if this file started it
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
  for (const id of containers.splice(0)) docker("rm", "-f", id);
});

let n = 0;
async function start(): Promise<RingReader> {
  const ring = join(dir, `ring-${n++}`);
  const c = new Collector(["--ring-path", ring, "--endpoint", host, "--reconnect-max-ms", "500"]);
  running.push(c);
  const r = await RingReader.open(ring);
  await r.waitFor("connect", (x) => x.kind === 2 && x.json.Action === "connect");
  return r;
}

const execOf = (id: string, phase: "exec_create" | "exec_start") => (x: Rec) =>
  x.kind === 1 && x.json.Actor.ID === id && x.json.Action.startsWith(`${phase}: `);

/** Runs an exec through the Engine API (its id known) and waits for it to end. */
async function apiExec(d: Docker, id: string, cmd: string[]): Promise<string> {
  const exec = await d.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((res) => {
    stream.on("end", res);
    stream.on("close", res);
    stream.resume();
  });
  return exec.id;
}

describe.skipIf(skip)("healthcheck execs on a real dockerd", () => {
  it("marks shell-form and exec-form healthcheck execs, not other execs; an exact mimic is marked too", async () => {
    const r = await start();
    const api = new Docker({ socketPath: host.replace(/^unix:\/\//, "") });
    // shell form (the CLI always makes CMD-SHELL): the daemon runs /bin/sh -c true
    const shell = docker("run", "-d", "--name", uniq("hc-shell"), "--health-cmd", "true", "--health-interval", "1s", "dkr-busybox", "sleep", "300");
    containers.push(shell);
    // exec form, through the Engine API: the daemon runs `true`
    const made = await api.createContainer({
      name: uniq("hc-cmd"), Image: "dkr-busybox", Cmd: ["sleep", "300"],
      Healthcheck: { Test: ["CMD", "true"], Interval: 1_000_000_000 },
    });
    containers.push(made.id);
    await made.start();
    // no healthcheck at all
    const plain = docker("run", "-d", "--name", uniq("hc-none"), "dkr-busybox", "sleep", "300");
    containers.push(plain);

    const health = await r.waitCount("two shell-form health execs", (x) => execOf(shell, "exec_start")(x) && x.json.Action === "exec_start: /bin/sh -c true", 2);
    for (const x of health) expect(x.json.falco?.exec).toEqual({ tty: false, user: "", privileged: false, healthcheck: true });
    const created = await r.waitFor("a shell-form health exec_create", execOf(shell, "exec_create"));
    expect(created.json.falco?.exec?.healthcheck).toBe(true);
    const cmd = await r.waitCount("two exec-form health execs", execOf(made.id, "exec_start"), 2);
    for (const x of cmd) expect(x.json.falco?.exec?.healthcheck).toBe(true);

    // a manual exec, same meaning, other argv: not the healthcheck
    docker("exec", shell, "sh", "-c", "true");
    const manualStart = await r.waitFor("manual exec_start", (x) => execOf(shell, "exec_start")(x) && x.json.Action === "exec_start: sh -c true");
    const manualCreate = await r.waitFor("manual exec_create", (x) => execOf(shell, "exec_create")(x) && x.json.Action === "exec_create: sh -c true");
    expect(manualStart.json.falco?.exec).toEqual({ tty: false, user: "", privileged: false, healthcheck: false });
    expect(manualCreate.json.falco?.exec?.healthcheck).toBe(false);
    // the exec-form container's command run by hand with another argv, and an exec into a container without healthcheck
    const other = await apiExec(api, made.id, ["sh", "-c", "true"]);
    const none = await apiExec(api, plain, ["true"]);
    for (const id of [other, none]) {
      const x = await r.waitFor("manual api exec", (y) => y.kind === 1 && y.json.Actor.Attributes.execID === id && y.json.Action.startsWith("exec_start"));
      expect(x.json.falco?.exec?.healthcheck, x.json.Action).toBe(false);
    }
    // the known limitation: a manual exec with exactly the healthcheck's argv is marked as one (contracts/ring.md)
    const mimic = await apiExec(api, shell, ["/bin/sh", "-c", "true"]);
    const m = await r.waitFor("mimic exec", (x) => x.kind === 1 && x.json.Actor.Attributes.execID === mimic && x.json.Action.startsWith("exec_start"));
    expect(m.json.Action).toBe("exec_start: /bin/sh -c true");
    expect(m.json.falco?.exec?.healthcheck).toBe(true);
  });

  it("a collector started after the container inspects it once and marks its healthcheck execs", async () => {
    const shell = docker("run", "-d", "--name", uniq("hc-late"), "--health-cmd", "true", "--health-interval", "1s", "dkr-busybox", "sleep", "300");
    containers.push(shell);
    const r = await start();
    const health = await r.waitCount("two health execs", execOf(shell, "exec_start"), 2);
    for (const x of health) expect(x.json.falco?.exec?.healthcheck).toBe(true);
    // the container's create/start were before this collector: no container context, the exec context has it
    expect(r.docker().some((x) => x.json.Actor.ID === shell && x.json.Action === "start")).toBe(false);
    expect(r.get("inspectFailures")).toBe(0n);
  });
});
