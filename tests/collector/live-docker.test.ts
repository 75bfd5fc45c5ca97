// The collector against every REAL engine (tests/support/engines.ts: Docker 20.10 on its own
// private daemon under DKR_COLLECTOR_TEST_ROOT, default /tmp/dkr-collector, because these tests
// restart it; Docker 28 and Podman as npm test started them, restarted with scripts/engines.sh):
// lifecycle, exec, cp, rename, kill, swarm secret and config (Podman: local secrets), enrichment
// of a privileged container, a daemon restart in the middle of the stream, and a collector killed
// with SIGKILL and restarted on the same ring. Podman's events differ (engine.ts, README
// "Engines"): the expectations say how, per engine.
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { request } from "node:http";
import Docker from "dockerode";
import { join } from "node:path";
import { privateDockerd, type PrivateDockerd } from "../support/dockerd";
import { Collector, ROOT, type Rec, RingReader, ensureBuilt, privateDir, timeNanoOf, until, withoutFalco } from "./helpers";
import { type LiveEngine, describeEngines, engineScript, kindOf } from "../support/engines";

const TEST_ROOT = process.env.DKR_COLLECTOR_TEST_ROOT ?? "/tmp/dkr-collector";

/** GET path on a unix-socket daemon: the body. */
function httpGet(host: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: host.replace(/^unix:\/\//, ""), path, method: "GET" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

describeEngines("real engine", (engine: LiveEngine) => {
  const kind = kindOf(engine);
  const podman = kind === "podman";

  /** Docker 20.10: this file's own private daemon (stopped at the end if it started it); the others: the run's, restarted in place. */
  let daemon: PrivateDockerd | null = null;
  function dockerd(cmd: "start" | "restart"): string {
    if (engine.name !== "docker20") return engineScript(engine, cmd, engine.name);
    if (cmd === "start") daemon = privateDockerd(TEST_ROOT);
    return cmd === "start" ? daemon!.host : daemon!.restart();
  }

  let host = "";
  function docker(...args: string[]): string {
    return execFileSync(engine.cli, args, { env: { ...process.env, DOCKER_HOST: host }, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();
  }
  const destroyAction = podman ? "remove" : "destroy";
  /** Podman's exec event comes through its events file with a delay: an exec started before the previous one's event came cannot be told apart by the collector. */
  const pace = (): Promise<void> => new Promise((r) => setTimeout(r, podman ? 1000 : 0));

  const uniq = (p: string) => `${p}-${randomBytes(4).toString("hex")}`;

  let dir: string;
  let cleanup: () => void;
  const running: Collector[] = [];

  beforeAll(() => {
    ensureBuilt();
    host = dockerd("start");
    ({ dir, cleanup } = privateDir("live"));
  });
  afterAll(() => cleanup());
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });

  let n = 0;
  async function start(ring = join(dir, `ring-${n++}`), extra: string[] = []): Promise<{ c: Collector; r: RingReader; ring: string }> {
    const c = new Collector(["--ring-path", ring, "--endpoint", host, "--reconnect-max-ms", "500", "--inspect-timeout-ms", "5000", ...extra]);
    running.push(c);
    const r = await RingReader.open(ring);
    const conn = await r.waitFor("connect", (x) => x.kind === 2 && x.json.Action === "connect");
    // the API negotiated (Docker 28: 1.51, the collector's newest; Podman's compat API: 1.44) and the engine
    expect(conn.json.Actor.Attributes.apiVersion).toBe({ docker20: "1.41", docker28: "1.51", podman: "1.44" }[engine.name]);
    expect(conn.json.Actor.Attributes.engine).toBe(kind);
    return { c, r, ring };
  }

  const of = (id: string) => (x: Rec) => x.kind === 1 && x.json.Actor.ID === id;

  /** Every docker record appears once (the daemon's bytes and timeNano). */
  function expectNoDuplicates(r: RingReader): void {
    const keys = r.docker().map((x) => `${x.ts}|${withoutFalco(x.text)}`);
    expect(new Set(keys).size).toBe(keys.length);
  }

  it("streams a container's lifecycle, exec, cp, rename and kill, byte for byte, with exact timeNano", async () => {
    const { r } = await start();
    const name = uniq("life");
    const since = docker("version", "--format", "{{.Server.Version}}") && String(Math.floor(Date.now() / 1000) - 1);
    // no network: Docker 28 with --bridge=none cannot rename a container on the default one
    const id = docker("create", "--name", name, "--network", "none", "dkr-busybox", "sleep", "300");
    docker("start", id);
    docker("exec", id, "sh", "-c", "echo hi");
    await pace();
    const local = join(dir, `in-${n++}.txt`);
    writeFileSync(local, "data\n");
    docker("cp", local, `${id}:/tmp/in.txt`);
    docker("cp", `${id}:/tmp/in.txt`, join(dir, `out-${n++}.txt`));
    docker("rename", name, `${name}-2`);
    docker("kill", "-s", "KILL", id);
    docker("wait", id);
    docker("rm", id);
    const destroy = podman ? "remove" : "destroy";
    await r.waitFor(destroy, (x) => of(id)(x) && x.json.Action === destroy);
    const mine = r.records.filter(of(id));
    const actions = mine.map((x) => x.json.Action);
    // Podman: exec without command (no exec_create), exec_died, remove; no cp events; init and cleanup.
    // (Podman now and then reports one exec's end twice, two exec_died events ms apart: its own race.)
    const once = podman
      ? ["create", "init", "start", "exec", "rename", "kill", "die", "remove"]
      : ["create", "start", "exec_create: sh -c echo hi", "exec_start: sh -c echo hi", "exec_die", "extract-to-dir", "archive-path", "rename", "kill", "die", "destroy"];
    for (const a of once) expect(actions.filter((x) => x === a), a).toHaveLength(1);
    if (podman) expect(actions.filter((x) => x === "exec_died").length).toBeOneOf([1, 2]);
    const rename = mine.find((x) => x.json.Action === "rename")!.json.Actor.Attributes;
    const kill = mine.find((x) => x.json.Action === "kill")!.json.Actor.Attributes;
    expect(rename.oldName).toBe(podman ? undefined : `/${name}`); // the daemon's form; Podman sends none
    expect(rename.name).toBe(`${name}-2`);
    expect(kill.signal).toBe(podman ? undefined : "9"); // Podman sends none
    expect(mine.find((x) => x.json.Action === "die")!.json.Actor.Attributes.exitCode).toBe("137");
    // ring order is the daemon's order; ts is the exact timeNano of each payload
    for (const x of mine) expect(x.ts).toBe(timeNanoOf(x.text));
    // the daemon's own account of these events: same bytes. Docker: the CLI (the same Go struct)
    // with since and until; Podman: its since+until replay returns nothing, since alone works.
    const until_ = String(Math.floor(Date.now() / 1000) + 1);
    const account = podman
      ? (await httpGet(host, `/v1.44/events?since=${since}&stream=false&filters=${encodeURIComponent(JSON.stringify({ container: [id] }))}`))
        .split("\n").filter((l) => l !== "")
      : docker("events", "--since", since, "--until", until_, "--filter", `container=${id}`, "--format", "{{json .}}").split("\n");
    expect(mine.map((x) => withoutFalco(x.text))).toEqual(account);
    // enrichment on create/start and exec
    const image = docker("image", "inspect", "--format", "{{.Id}}", "dkr-busybox");
    for (const a of ["create", "start"]) {
      const c = mine.find((x) => x.json.Action === a)!.json.falco!.container!;
      expect(c, a).toMatchObject({ privileged: false, capAdd: [], user: "", pidMode: podman ? "private" : "", imageId: image, readonlyRootfs: false, mounts: [] });
    }
    if (podman) {
      // The command Podman's exec event lacks, from the container's exec sessions.
      expect(mine.find((x) => x.json.Action === "exec")!.json.falco!.exec).toEqual({ tty: false, user: "", privileged: false, healthcheck: false, cmdline: "sh -c echo hi" });
    } else {
      expect(mine.find((x) => x.json.Action.startsWith("exec_start"))!.json.falco!.exec).toEqual({ tty: false, user: "", privileged: false, healthcheck: false });
      expect(mine.find((x) => x.json.Action.startsWith("exec_create"))!.json.falco!.exec).toEqual({ tty: false, user: "", privileged: false, healthcheck: false });
    }
    expect(mine.find((x) => x.json.Action === "die")!.json.falco).toEqual({ endpoint: host, engine: kind });
    expectNoDuplicates(r);
  });

  it("enriches a privileged container with the engine's socket, SYS_ADMIN and the host pid namespace", async () => {
    const { r } = await start();
    const sock = host.replace(/^unix:\/\//, "");
    const id = docker("create", "--privileged", "-v", `${sock}:/var/run/docker.sock`, "--cap-add", "SYS_ADMIN", "--pid", "host",
      "--user", "1000:1000", "--read-only", "--name", uniq("priv"), "dkr-busybox", "true");
    const create = await r.waitFor("create", (x) => of(id)(x) && x.json.Action === "create");
    const image = docker("inspect", "--format", "{{.Image}}", id);
    const mounts = JSON.parse(docker("inspect", "--format", "{{json .Mounts}}", id)) as Array<{ Mode: string }>;
    expect(create.json.falco).toEqual({
      endpoint: host,
      engine: kind,
      container: {
        // Podman reports no added capability on a privileged container (it has them all)
        privileged: true, capAdd: podman ? [] : ["SYS_ADMIN"], user: "1000:1000", networkMode: docker("inspect", "--format", "{{.HostConfig.NetworkMode}}", id),
        pidMode: "host", ipcMode: docker("inspect", "--format", "{{.HostConfig.IpcMode}}", id), imageId: image, readonlyRootfs: true,
        // the mode as the engine reports it (Docker: "", Podman: its mount options)
        mounts: [{ type: "bind", source: sock, destination: "/var/run/docker.sock", mode: mounts[0]!.Mode, rw: true }],
      },
    });
    docker("rm", id);
  });

  it.skipIf(podman)("sees swarm secret and config events", async () => {
    const state = docker("info", "--format", "{{.Swarm.LocalNodeState}}");
    // a port of our own: other daemons on this machine may already listen on 2377
    const port = String(24000 + Math.floor(Math.random() * 8000));
    if (state !== "active") docker("swarm", "init", "--advertise-addr", `127.0.0.1:${port}`, "--listen-addr", `127.0.0.1:${port}`);
    const { r } = await start();
    const secretFile = join(dir, `s-${n++}`);
    writeFileSync(secretFile, "s3cr3t");
    const sname = uniq("sec");
    const cname = uniq("cfg");
    const sid = docker("secret", "create", sname, secretFile);
    const cid = docker("config", "create", cname, secretFile);
    docker("secret", "rm", sid);
    docker("config", "rm", cid);
    const want = (type: string, id: string, action: string) => (x: Rec) => x.kind === 1 && x.json.Type === type && x.json.Actor.ID === id && x.json.Action === action;
    for (const [type, id, nm] of [["secret", sid, sname], ["config", cid, cname]] as const) {
      const created = await r.waitFor(`${type} create`, want(type, id, "create"));
      await r.waitFor(`${type} remove`, want(type, id, "remove"));
      expect(created.json.scope).toBe("swarm");
      expect(created.json.Actor.Attributes.name).toBe(nm);
    }
  });

  it.runIf(podman)("sees Podman's local secret events (no swarm: no configs, no secret name)", async () => {
    const { r } = await start();
    const secretFile = join(dir, `s-${n++}`);
    writeFileSync(secretFile, "s3cr3t");
    const sid = docker("secret", "create", uniq("sec"), secretFile);
    docker("secret", "rm", sid);
    const want = (action: string) => (x: Rec) => x.kind === 1 && x.json.Type === "secret" && x.json.Actor.ID === sid && x.json.Action === action;
    const created = await r.waitFor("secret create", want("create"));
    await r.waitFor("secret remove", want("remove"));
    expect(created.json.scope).toBe("local");
    expect(created.json.Actor.Attributes.name).toBe("");
  });

  it("survives a dockerd restart in the middle of the stream: nothing lost, nothing duplicated, disconnect and reconnect reported", async () => {
    const { r } = await start();
    const before = [docker("create", "--name", uniq("pre"), "dkr-busybox", "true"), docker("create", "--name", uniq("pre"), "dkr-busybox", "true")];
    for (const id of before) await r.waitFor("create before", (x) => of(id)(x) && x.json.Action === "create");
    host = dockerd("restart");
    // events right after the restart, possibly before the collector is back: `since` brings them
    const after = [docker("create", "--name", uniq("post"), "dkr-busybox", "true"), docker("create", "--name", uniq("post"), "dkr-busybox", "true")];
    for (const id of [...before, ...after]) docker("rm", id);
    for (const id of [...before, ...after]) await r.waitFor(destroyAction, (x) => of(id)(x) && x.json.Action === destroyAction, 60_000);
    const disc = r.collector("disconnect");
    const rec = r.collector("reconnect");
    expect(disc.length).toBeGreaterThanOrEqual(1);
    expect(rec.length).toBeGreaterThanOrEqual(1);
    expect(r.records.indexOf(disc[0]!)).toBeLessThan(r.records.indexOf(rec[0]!));
    expect(BigInt(rec[0]!.json.Actor.Attributes.gapNs!)).toBeGreaterThan(0n);
    expect(r.get("reconnects")).toBeGreaterThanOrEqual(1n);
    for (const id of [...before, ...after]) {
      expect(r.records.filter((x) => of(id)(x) && x.json.Action === "create")).toHaveLength(1);
      expect(r.records.filter((x) => of(id)(x) && x.json.Action === destroyAction)).toHaveLength(1);
    }
    expectNoDuplicates(r);
    await until("connected again", () => r.get("connected") === 1n);
  });

  it("resumes after the collector is killed with SIGKILL: the events missed while it was dead arrive once", async () => {
    const first = await start(undefined, []);
    const { r, ring } = first;
    const before: string[] = [];
    for (let i = 0; i < 5; i++) before.push(docker("create", "--name", uniq("k1"), "dkr-busybox", "true"));
    await r.waitFor("last create before", (x) => of(before[4]!)(x) && x.json.Action === "create");
    await first.c.kill9();
    expect(first.c.exitSignal).toBe("SIGKILL");
    const lastTs = r.get("lastTs");
    expect(lastTs).toBeGreaterThan(0n);
    const dead = [docker("create", "--name", uniq("k2"), "dkr-busybox", "true"), docker("create", "--name", uniq("k2"), "dkr-busybox", "true")];
    const second = new Collector(["--ring-path", ring, "--endpoint", host, "--reconnect-max-ms", "500", "--inspect-timeout-ms", "5000"]);
    running.push(second);
    await until("second collector connected", () => r.get("connected") === 1n && second.log().includes("resuming"));
    const afterIds = [docker("create", "--name", uniq("k3"), "dkr-busybox", "true")];
    const all = [...before, ...dead, ...afterIds];
    for (const id of all) await r.waitFor("create", (x) => of(id)(x) && x.json.Action === "create");
    for (const id of all) docker("rm", id);
    for (const id of all) await r.waitFor(destroyAction, (x) => of(id)(x) && x.json.Action === destroyAction);
    for (const id of all) expect(r.records.filter((x) => of(id)(x) && x.json.Action === "create"), id).toHaveLength(1);
    expectNoDuplicates(r);
    expect(second.log()).toContain(`resuming after event ${lastTs}`);
  });

  // Docker keeps its last 256 events: a collector restarted after 300 more has lost some, and says
  // so. Podman replays its whole events file: the same restart loses nothing and claims no loss.
  it(`a collector restart past 256 events: ${podman ? "no gap claimed, everything published once" : "says reconnect and reports the gap with a drop event, then publishes what the daemon still holds"}`, async () => {
    const first = await start();
    const { r, ring } = first;
    const d = new Docker({ socketPath: host.slice("unix://".length) });
    const tag = uniq("gap");
    // Podman's volume events carry the name as an attribute (Actor.ID is "")
    const vol = (x: Rec): string => (podman ? (x.json.Actor.Attributes.name ?? "") : x.json.Actor.ID);
    if (podman) {
      // Podman: a burst just before the resume point (400 events, about 1 s here), which its
      // replay from 2 s before that point brings back first: more than 256 replayed events
      // before the point are no sign of a loss there, and all of them were published already.
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < 200) {
          const i = next++;
          await d.createVolume({ Name: `${tag}b-${i}` });
          await d.getVolume(`${tag}b-${i}`).remove();
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
    }
    await d.createVolume({ Name: `${tag}-pre` });
    await r.waitFor("the volume before", (x) => x.kind === 1 && vol(x) === `${tag}-pre`);
    await first.c.kill9();
    const lastTs = r.get("lastTs");
    // 300 events while no collector runs: Docker keeps only the last 256
    for (let i = 0; i < 150; i++) {
      await d.createVolume({ Name: `${tag}-${i}` });
      await d.getVolume(`${tag}-${i}`).remove();
    }
    const second = new Collector(["--ring-path", ring, "--endpoint", host, "--reconnect-max-ms", "500"]);
    running.push(second);
    await r.waitFor("the last removal", (x) => x.kind === 1 && vol(x) === `${tag}-149` && x.json.Action === destroyAction, 60_000);
    await d.getVolume(`${tag}-pre`).remove();
    await r.waitFor("a live event after", (x) => x.kind === 1 && vol(x) === `${tag}-pre` && x.json.Action === destroyAction, 60_000);
    const rc = r.collector("reconnect");
    expect(rc).toHaveLength(1);
    expect(rc[0]!.json.Actor.Attributes.reason).toMatch(/^collector restarted/);
    expectNoDuplicates(r);
    const mine = r.docker().filter((x) => vol(x).startsWith(`${tag}-`) && vol(x) !== `${tag}-pre`);
    const drops = r.collector("drop");
    if (podman) {
      expect(drops).toHaveLength(0);
      expect(mine).toHaveLength(300);
      expect(r.docker().filter((x) => vol(x).startsWith(`${tag}b-`))).toHaveLength(400);
      return;
    }
    expect(drops).toHaveLength(1);
    // found by asking the daemon what it holds, or by the replay's first 256 events
    expect(drops[0]!.json.Actor.Attributes.reason).toMatch(/^gap: (the daemon no longer holds the last event the ring holds \(its 256 events are all newer\)|the resume point is not among the 256 events the daemon replayed)/);
    expect(drops[0]!.json.Actor.Attributes.droppedAtLeast).toBe("1");
    expect(drops[0]!.json.Actor.Attributes.resumeTs).toBe(String(lastTs));
    // the gap is reported before what the daemon still held
    expect(r.records.indexOf(drops[0]!)).toBeLessThan(r.records.findIndex((x) => x.kind === 1 && vol(x) === `${tag}-149`));
    // the daemon still held the last 256: those arrived
    expect(mine.length).toBeGreaterThanOrEqual(250);
  }, 180_000);

  afterAll(() => {
    if (host === "") return;
    try {
      if (docker("info", "--format", "{{.Swarm.LocalNodeState}}") === "active") {
        docker("swarm", "leave", "--force");
        docker("network", "rm", "docker_gwbridge"); // a bridge swarm left in the host's namespace
      }
    } catch {
      /* best effort */
    } finally {
      daemon?.stop(); // only if this file started it
    }
  });
});
