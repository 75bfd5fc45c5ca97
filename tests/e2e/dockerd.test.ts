// The test daemons are stopped by what started them: scripts/dockerd.sh stop ends the daemon and
// the containerd it started, and privateDockerd() stops only a daemon it started itself.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { privateDockerd } from "../support/dockerd";

/** Pids of live processes whose command line mentions `s`. */
function mentioning(s: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8");
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      if (cmd.includes(s) && !/\) Z /.test(stat)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

describe.skipIf(process.env.DKR_SKIP_DOCKER === "1")("private test daemons", () => {
  it("are stopped, containerd included, by whoever started them, and only by them", async () => {
    const root = mkdtempSync(join(tmpdir(), "dkr-dockerd-"));
    try {
      const first = privateDockerd(root);
      expect(first.host).toBe(`unix://${root}/docker.sock`);
      const running = mentioning(root);
      expect(running.length).toBeGreaterThanOrEqual(2); // dockerd and its containerd
      const second = privateDockerd(root); // already up: not this one's to stop
      second.stop();
      expect(mentioning(root)).toEqual(running);
      first.stop();
      const end = Date.now() + 30_000;
      while (mentioning(root).length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
      expect(mentioning(root)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
