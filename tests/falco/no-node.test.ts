// The plugin where Falco runs without Node.js: a minimal Debian 12 root file system with only
// Falco's runtime libraries (scripts/debian-rootfs.sh: debootstrap minbase, no Node, no
// compiler), imported into the private dockerd as an image, the real Falco copied in (a
// stand-in for the official falcosecurity/falco image), then the repository's Dockerfile built
// on it: the release archive unpacked into /usr/share/falco/plugins, the rules archive into
// /etc/falco, falco.yaml. In a container of that, with the Docker socket mounted, Falco runs;
// containers started beside it raise the rules. Skipped with one loud line where debootstrap
// cannot reach Debian's packages.
import { afterAll, beforeAll, expect, it } from "vitest";
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { randomBytes } from "node:crypto";
import { FALCO, ROOT, describeFalco } from "./falco";

const VERSION = (JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")) as { version: string }).version;
const tag = randomBytes(4).toString("hex");

let host = "";
let rootfs: string | null = null;
let skipWhy = "";
let work = "";
const containers: string[] = [];
const images: string[] = [];

function docker(...args: string[]): string {
  return execFileSync("docker", args, { env: { ...process.env, DOCKER_HOST: host }, encoding: "utf8", maxBuffer: 1 << 28 }).trim();
}

beforeAll(() => {
  const r = spawnSync("bash", ["scripts/debian-rootfs.sh"], { cwd: ROOT, encoding: "utf8" });
  if (r.status === 3) {
    skipWhy = r.stderr.trim().split("\n").pop() ?? "debootstrap unavailable";
    return;
  }
  if (r.status !== 0) throw new Error(`scripts/debian-rootfs.sh failed: ${r.stderr}`);
  rootfs = r.stdout.trim();
  host = process.env.DKR_TEST_DOCKER_HOST ?? execFileSync("bash", ["scripts/dockerd.sh", "start"], { cwd: ROOT, encoding: "utf8" }).trim();
  work = mkdtempSync(join(tmpdir(), "dkr-nonode-"));
}, 600_000);

afterAll(() => {
  for (const c of containers) spawnSync("docker", ["rm", "-f", c], { env: { ...process.env, DOCKER_HOST: host } });
  for (const i of images) spawnSync("docker", ["rmi", i], { env: { ...process.env, DOCKER_HOST: host } });
  if (work) rmSync(work, { recursive: true, force: true });
});

describeFalco("on a Debian 12 with no Node.js, Falco in a container, the plugin from its release archive", () => {
  it("raises the rules for containers started beside it", async (t) => {
    if (rootfs === null) {
      process.stderr.write(`\n!!! SKIPPED: the plugin on a host without Node.js: ${skipWhy}\n\n`);
      t.skip();
      return;
    }
    // The image: the cached root file system, imported once per daemon.
    const image = `dkr-debian12-falco:${rootfs.replace(/^.*rootfs-|\.tar$/g, "")}`;
    if (spawnSync("docker", ["image", "inspect", image], { env: { ...process.env, DOCKER_HOST: host } }).status !== 0) {
      docker("import", rootfs, image);
    }
    expect(docker("run", "--rm", "--network", "none", image, "/bin/sh", "-c", "command -v node nodejs gcc cc || echo none")).toBe("none");

    // A stand-in for the official Falco image (which cannot be pulled here): that Debian with
    // the real Falco at /usr/bin/falco. A packaged Falco resolves library_path in
    // /usr/share/falco/plugins; this build was configured with another prefix, pointed there.
    const base = join(work, "base");
    mkdirSync(join(base, "usr/bin"), { recursive: true });
    copyFileSync(FALCO!.path, join(base, "usr/bin/falco"));
    const plugins = spawnSync("strings", [FALCO!.path], { encoding: "utf8", maxBuffer: 1 << 28 }).stdout.split("\n")
      .find((l) => /^\/.*\/share\/falco\/plugins\/?$/.test(l))?.replace(/\/$/, "");
    if (plugins !== undefined && plugins !== "/usr/share/falco/plugins") {
      mkdirSync(join(base, plugins, ".."), { recursive: true });
      symlinkSync("/usr/share/falco/plugins", join(base, plugins));
    }
    const standin = `dkr-falco-standin-${tag}`;
    containers.push(standin);
    docker("create", "--name", standin, image, "/usr/bin/falco");
    execFileSync("docker", ["cp", "-", `${standin}:/`], { input: execFileSync("tar", ["--owner=0", "--group=0", "-C", base, "-cf", "-", "."], { maxBuffer: 1 << 30 }), env: { ...process.env, DOCKER_HOST: host } });
    const standinImage = `dkr-falco-standin:${tag}`;
    images.push(standinImage);
    docker("commit", standin, standinImage);

    // The repository's Dockerfile on it, with the release archives as an operator gets them.
    const ctx = join(work, "ctx");
    execFileSync("node", ["scripts/package.mjs", "--out", join(ctx, "build/release")], { cwd: ROOT, stdio: "pipe" });
    for (const f of ["Dockerfile", ".dockerignore", "falco.yaml"]) copyFileSync(resolve(ROOT, f), join(ctx, f));
    const withPlugin = `dkr-falco-docker:${tag}`;
    images.push(withPlugin);
    execFileSync("docker", ["build", "-q", "--build-arg", `FALCO_IMAGE=${standinImage}`, "--build-arg", `VERSION=${VERSION}`, "-t", withPlugin, ctx],
      { env: { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: "0" }, stdio: "pipe" });
    const inside = docker("run", "--rm", "--network", "none", "--entrypoint", "/bin/sh", withPlugin, "-c", "command -v node nodejs gcc cc || ls /usr/share/falco/plugins /etc/falco");
    expect(inside).toContain("docker-collector");
    expect(inside).toContain("docker_rules.yaml");

    // The daemon's socket is mounted in the victim from where this test's daemon has it: the
    // operator's way to add a socket path is to append to the rules' list.
    const sock = host.replace(/^unix:\/\//, "");
    const local = join(work, "local");
    mkdirSync(join(local, "etc/falco"), { recursive: true });
    writeFileSync(join(local, "etc/falco/local_rules.yaml"), `- list: docker_socket_paths\n  items: [${sock}]\n  append: true\n`);
    const falco = `dkr-nonode-falco-${tag}`;
    containers.push(falco);
    docker("create", "--name", falco, "--network", "none", "-v", `${sock}:/var/run/docker.sock`, withPlugin,
      "-c", "/etc/falco/falco.yaml", "-r", "/etc/falco/docker_rules.yaml", "-r", "/etc/falco/local_rules.yaml", "--disable-source=syscall");
    execFileSync("docker", ["cp", "-", `${falco}:/`], { input: execFileSync("tar", ["--owner=0", "--group=0", "-C", local, "-cf", "-", "."]), env: { ...process.env, DOCKER_HOST: host } });
    docker("start", falco);

    const out: string[] = [];
    const err: string[] = [];
    const logs: ChildProcess = spawn("docker", ["logs", "-f", falco], { env: { ...process.env, DOCKER_HOST: host } });
    createInterface({ input: logs.stdout! }).on("line", (l) => out.push(l));
    createInterface({ input: logs.stderr! }).on("line", (l) => err.push(l));
    let ended = false;
    logs.on("exit", () => { ended = true; });
    const until = async (what: string, f: () => boolean, ms = 60_000): Promise<void> => {
      const end = Date.now() + ms;
      while (!f()) {
        if (Date.now() > end || ended) throw new Error(`${ended ? "Falco exited" : "timed out"} waiting for ${what}\nstdout:\n${out.slice(-20).join("\n")}\nstderr:\n${err.slice(-30).join("\n")}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    try {
      const alerts = (): Array<{ rule: string; output_fields: Record<string, unknown> }> =>
        out.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { rule: string; output_fields: Record<string, unknown> });
      const fired = (rule: string, name: string): boolean => alerts().some((a) => a.rule === rule && a.output_fields["docker.container.name"] === name);
      const execAlert = (name: string): boolean => fired("Docker Exec Into Container", name) || fired("Docker Shell Exec Into Container", name);
      // Live once an exec into a first container is reported (the collector streams from its start).
      const probe = `dkr-nonode-probe-${tag}`;
      containers.push(probe);
      docker("run", "-d", "--name", probe, "--network", "none", "dkr-busybox", "sleep", "300");
      const end = Date.now() + 90_000;
      while (!execAlert(probe)) {
        if (Date.now() > end || ended) throw new Error(`no alert for execs into ${probe}\nstdout:\n${out.slice(-20).join("\n")}\nstderr:\n${err.slice(-30).join("\n")}`);
        docker("exec", probe, "true");
        await new Promise((r) => setTimeout(r, 2000));
      }
      const victim = `dkr-nonode-victim-${tag}`;
      containers.push(victim);
      docker("run", "-d", "--name", victim, "--network", "none", "-v", `${sock}:/var/run/docker.sock`, "dkr-busybox", "sleep", "300");
      docker("exec", victim, "sh", "-c", "id");
      await until("Docker Socket Mounted In Container", () => fired("Docker Socket Mounted In Container", victim));
      await until("an exec rule", () => execAlert(victim));
      // The collector that ran is the executable, in a container where no Node.js exists.
      expect(docker("exec", falco, "/bin/sh", "-c", "command -v node || ls /usr/share/falco/plugins")).toContain("docker-collector");
    } finally {
      logs.kill();
    }
  }, 600_000);
});
