// The container engines the live suites run against (scripts/test.sh starts them once per run
// with scripts/engines.sh and passes them in DKR_TEST_ENGINES; engines it could not start are in
// DKR_TEST_ENGINES_SKIPPED and are reported, loudly, as skipped suites, never left out silently).
//   DKR_TEST_ENGINES='[{"name":"docker28","host":"unix://…","cli":"/…/docker","root":"/tmp/…"}, …]'
//   DKR_TEST_ENGINES_SKIPPED='[{"name":"podman","reason":"…"}]'
// Without DKR_TEST_ENGINES (vitest run by hand): Docker 20.10 alone, as before (DKR_TEST_DOCKER_HOST
// or scripts/dockerd.sh), and one line saying Docker 28 and Podman were not asked for.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe } from "vitest";

export const ROOT = resolve(__dirname, "../..");

export type EngineName = "docker20" | "docker28" | "podman";

export interface LiveEngine {
  name: EngineName;
  /** DOCKER_HOST of the running engine. */
  host: string;
  /** The docker CLI that drives it (the engine's own for Docker 28; sid's 28.5 for Podman's compat API). */
  cli: string;
  /** Its runtime folder (scripts/engines.sh DKR_ENGINE_ROOT), for a restart; "" when unknown. */
  root: string;
}

export interface Skipped { name: EngineName; reason: string }

/** What docker.engine says for it. */
export function kindOf(e: LiveEngine): "docker" | "podman" {
  return e.name === "podman" ? "podman" : "docker";
}

let cache: { engines: LiveEngine[]; skipped: Skipped[] } | null = null;

export function liveEngines(): { engines: LiveEngine[]; skipped: Skipped[] } {
  if (cache !== null) return cache;
  if (process.env.DKR_SKIP_DOCKER === "1") {
    cache = { engines: [], skipped: (["docker20", "docker28", "podman"] as const).map((name) => ({ name, reason: "DKR_SKIP_DOCKER=1" })) };
  } else if (process.env.DKR_TEST_ENGINES !== undefined && process.env.DKR_TEST_ENGINES !== "") {
    const engines = JSON.parse(process.env.DKR_TEST_ENGINES) as LiveEngine[];
    const skipped = JSON.parse(process.env.DKR_TEST_ENGINES_SKIPPED ?? "[]") as Skipped[];
    cache = { engines, skipped };
  } else {
    const host = process.env.DKR_TEST_DOCKER_HOST ??
      execFileSync("bash", ["scripts/dockerd.sh", "start"], { cwd: ROOT, encoding: "utf8" }).trim();
    cache = {
      engines: [{ name: "docker20", host, cli: "docker", root: process.env.DKR_TEST_ROOT ?? "" }],
      skipped: [
        { name: "docker28", reason: "not started: DKR_TEST_ENGINES unset (npm test starts it)" },
        { name: "podman", reason: "not started: DKR_TEST_ENGINES unset (npm test starts it)" },
      ],
    };
  }
  return cache;
}

/** The engines to test, optionally only some (`only`); the others are announced as skipped. */
export function selectEngines(only?: EngineName[]): { engines: LiveEngine[]; skipped: Skipped[] } {
  const { engines, skipped } = liveEngines();
  const keep = engines.filter((e) => only === undefined || only.includes(e.name));
  return { engines: keep, skipped: skipped.filter((s) => only === undefined || only.includes(s.name)) };
}

/**
 * describe() once per live engine (named after it), and a skipped describe per engine that
 * could not start, whose name says why: vitest counts its tests as skipped and prints the line.
 */
export function describeEngines(title: string, fn: (e: LiveEngine) => void, only?: EngineName[]): void {
  const { engines, skipped } = selectEngines(only);
  for (const e of engines) describe(`${title} [${e.name}]`, () => fn(e));
  for (const s of skipped) {
    describe.skip(`${title} [${s.name}] SKIPPED: ${s.reason}`, () => fn({ name: s.name, host: "", cli: "docker", root: "" }));
  }
}

/** Runs the engine's docker CLI with its DOCKER_HOST. */
export function dockerOf(e: LiveEngine): (...args: string[]) => string {
  return (...args: string[]) =>
    execFileSync(e.cli, args, { env: { ...process.env, DOCKER_HOST: e.host }, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();
}

/** scripts/engines.sh CMD for this engine (same runtime folder as test.sh's). */
export function engineScript(e: LiveEngine, ...args: string[]): string {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (e.root !== "") env.DKR_ENGINE_ROOT = e.root;
  return execFileSync("bash", ["scripts/engines.sh", ...args], { cwd: ROOT, env, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();
}
