// A private dockerd for a test file (scripts/dockerd.sh under its own root): started if it is not
// already up, and stopped at the end only if this file started it, so a test run leaves behind
// exactly the daemons that were running before it.
import { execFileSync, spawnSync } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");

function script(root: string, cmd: "start" | "stop" | "restart" | "status"): { ok: boolean; out: string } {
  const r = spawnSync("bash", ["scripts/dockerd.sh", cmd], { cwd: ROOT, env: { ...process.env, DKR_TEST_ROOT: root }, encoding: "utf8" });
  return { ok: r.status === 0, out: (r.stdout ?? "").trim() };
}

export interface PrivateDockerd {
  host: string;
  /** Restarts the same daemon (same data root); returns its DOCKER_HOST. */
  restart(): string;
  /** Stops it if this process started it. */
  stop(): void;
}

export function privateDockerd(root: string): PrivateDockerd {
  const wasUp = script(root, "status").ok;
  const host = execFileSync("bash", ["scripts/dockerd.sh", "start"], { cwd: ROOT, env: { ...process.env, DKR_TEST_ROOT: root }, encoding: "utf8" }).trim();
  return {
    host,
    restart: () => execFileSync("bash", ["scripts/dockerd.sh", "restart"], { cwd: ROOT, env: { ...process.env, DKR_TEST_ROOT: root }, encoding: "utf8" }).trim(),
    stop: () => {
      if (!wasUp) script(root, "stop");
    },
  };
}
