// Which collector the real plugin starts (init_config collector.node / collector.path): by
// default the single executable docker-collector next to libdocker.so (no Node.js needed);
// with collector.node, that Node running the plain bundle docker-collector.js next to it; a
// collector that is not there fails open with a message naming it and the key to set.
import { afterAll, describe, expect, it } from "vitest";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { HarnessRun, ROOT, tempStateDir } from "./harness";

const RECORDING = resolve(ROOT, "tests/fixtures/demo.jsonl");
const docker = (run: HarnessRun): number => run.events.filter((e) => e.fields["docker.type"] !== "collector").length;
const recorded = readFileSync(RECORDING, "utf8").split("\n").filter((l) => l.trim() !== "").length;

/** Command lines (argv) of the live children of `ppid`. */
function children(ppid: number): string[][] {
  const out: string[][] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === ppid) out.push(readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").filter((a) => a));
    } catch { /* exited meanwhile */ }
  }
  return out;
}

const stateDirs: string[] = [];
afterAll(() => { for (const d of stateDirs) rmSync(d, { recursive: true, force: true }); });

function run(collector: Record<string, string>, open = `file://${RECORDING}`): HarnessRun {
  const stateDir = tempStateDir();
  stateDirs.push(stateDir);
  const config = JSON.stringify({ collector: { stateDir, ...collector } });
  return new HarnessRun(["--config", config, "--open", open, "--fields", "docker.type,docker.action", "--timeout-ms", "60000"]);
}

async function childWhileRunning(r: HarnessRun): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const c = children(r.pid).find((argv) => argv.includes("--ring-fd"));
    if (c) return c;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error("no collector child seen");
}

describe("the collector the plugin starts", () => {
  it("by default: docker-collector next to libdocker.so, with no Node.js in its command line", async () => {
    const r = run({}, "unix:///nonexistent/docker.sock");
    const argv = await childWhileRunning(r);
    expect(argv[0]).toBe(resolve(ROOT, "build/docker-collector"));
    expect(argv[1]).toBe("--ring-fd");
    await r.stop();
    const replay = run({});
    expect(await replay.exited).toBe(0);
    expect(docker(replay)).toBe(recorded);
  });

  it("with collector.node: that Node running docker-collector.js next to libdocker.so", async () => {
    const r = run({ node: process.execPath }, "unix:///nonexistent/docker.sock");
    const argv = await childWhileRunning(r);
    expect(argv.slice(0, 3)).toEqual([process.execPath, resolve(ROOT, "build/docker-collector.js"), "--ring-fd"]);
    await r.stop();
    const replay = run({ node: "node" });
    expect(await replay.exited).toBe(0);
    expect(docker(replay)).toBe(recorded);
  });

  it("fails open naming a missing executable and collector.path", async () => {
    const r = run({ path: "/nonexistent/docker-collector" });
    expect(await r.exited).not.toBe(0);
    expect(r.stderr.join("\n")).toMatch(/\/nonexistent\/docker-collector.*collector\.path/);
  });

  it("fails open naming a missing script, and a missing Node", async () => {
    const r = run({ node: "node", path: "/nonexistent/docker-collector.js" });
    expect(await r.exited).not.toBe(0);
    expect(r.stderr.join("\n")).toMatch(/\/nonexistent\/docker-collector\.js.*collector\.path/);
    const n = run({ node: "/nonexistent/node" });
    expect(await n.exited).not.toBe(0);
    expect(n.stderr.join("\n")).toMatch(/\/nonexistent\/node.*collector\.node/);
  });
});
