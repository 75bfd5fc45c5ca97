// Runs the real Falco with the real libdocker.so: what an operator sees (alerts, reloads, exit
// codes, captures). Falco is found at $FALCO_BIN, else `falco` on the PATH, else the upstream
// 0.44 build beside this checkout (../shared/falco/bin/falco). Where none exists the suites
// that need it are skipped with one loud line (describeFalco), never silently.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { describe } from "vitest";
import { stringify } from "yaml";

export const ROOT = resolve(__dirname, "../..");
export const LIB = resolve(ROOT, "build/libdocker.so");
export const RULES = resolve(ROOT, "rules/docker_rules.yaml");

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where the Falco binary is, and how it was found; null when there is none. */
export function findFalco(env: NodeJS.ProcessEnv = process.env): { path: string; how: string } | null {
  const fromEnv = env.FALCO_BIN;
  if (fromEnv !== undefined && fromEnv !== "") return executable(fromEnv) ? { path: fromEnv, how: "$FALCO_BIN" } : null;
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && executable(join(dir, "falco"))) return { path: join(dir, "falco"), how: "PATH" };
  }
  const beside = resolve(ROOT, "../shared/falco/bin/falco");
  return executable(beside) ? { path: beside, how: "../shared/falco" } : null;
}

export const FALCO = findFalco();

/** The version line of the Falco found (e.g. "0.44.1"), or null. */
export function falcoVersion(): string | null {
  if (FALCO === null) return null;
  const r = spawnSync(FALCO.path, ["--version"], { encoding: "utf8" });
  return /Falco version:\s*(\S+)/.exec(r.stdout ?? "")?.[1] ?? null;
}

const announced = new Set<string>();

/**
 * describe() for suites that run the real Falco. Without one, the suite is skipped and one loud
 * line says so on stderr (and in the test report as the skipped suite's name).
 */
export function describeFalco(name: string, fn: () => void): void {
  if (FALCO !== null) {
    describe(`${name} [real Falco]`, fn);
    return;
  }
  if (!announced.has(name)) {
    announced.add(name);
    process.stderr.write(`\n!!! SKIPPED under real Falco: "${name}": no Falco found ($FALCO_BIN, falco on PATH, ../shared/falco/bin/falco)\n\n`);
  }
  describe.skip(`${name} [SKIPPED: no Falco found]`, fn);
}

/** One alert line of Falco's JSON output. */
export interface Alert {
  rule: string;
  priority: string;
  output: string;
  source: string;
  time: string;
  output_fields: Record<string, string | number | boolean | null | Array<string | number | boolean>>;
  tags?: string[];
}

export interface FalcoOptions {
  /** open_params of the docker plugin. */
  openParams: string;
  /** init_config of the docker plugin (a map). A private collector.stateDir is added unless given. */
  initConfig?: Record<string, unknown>;
  /** Rules files (default: the project's rules). */
  rules?: string[];
  /** rule_matching; unset: Falco's default (first). */
  ruleMatching?: "first" | "all";
  /** More top-level keys of falco.yaml (metrics, capture, watch_config_files...). */
  extra?: Record<string, unknown>;
  /** Extra command-line arguments. */
  args?: string[];
  /** Environment of the Falco process (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** library_path of the plugin (default build/libdocker.so). */
  libraryPath?: string;
  /**
   * Keep integers of 16 digits or more in output_fields exact, as decimal strings (docker.time,
   * evt.time exceed 2^53). Default false: plain JSON numbers.
   */
  exactIntegers?: boolean;
}

/** JSON.parse, with every integer of 16 digits or more outside strings turned into its decimal string. */
export function parseExact(line: string): unknown {
  return JSON.parse(line.replace(/(?<!\\)":(\d{16,})(?=[,}\]])/g, '":"$1"'));
}

/** The falco.yaml a run uses (exported for tests that write their own variant). */
export function falcoYaml(o: FalcoOptions, stateDir: string): string {
  const initConfig = { ...(o.initConfig ?? {}) } as Record<string, unknown>;
  const collector = (initConfig.collector ?? {}) as Record<string, unknown>;
  if (collector.stateDir === undefined) initConfig.collector = { ...collector, stateDir };
  const cfg: Record<string, unknown> = {
    engine: { kind: "nodriver" },
    plugins: [{ name: "docker", library_path: o.libraryPath ?? LIB, init_config: initConfig, open_params: o.openParams }],
    load_plugins: ["docker"],
    rules_files: o.rules ?? [RULES],
    json_output: true,
    json_include_output_property: true,
    json_include_tags_property: true,
    stdout_output: { enabled: true },
    syslog_output: { enabled: false },
    buffered_outputs: false,
    priority: "debug",
    libs_logger: { enabled: true, severity: "debug" },
    // Falco's own log and the plugin's (through libs_logger) on stderr, for waitLog.
    log_stderr: true,
    log_syslog: false,
    log_level: "debug",
    ...(o.ruleMatching !== undefined ? { rule_matching: o.ruleMatching } : {}),
    ...(o.extra ?? {}),
  };
  return stringify(cfg);
}

/** A running Falco. Alerts and log lines are collected as they come. */
export class FalcoRun {
  readonly alerts: Alert[] = [];
  /** stdout lines that are not alerts (Falco's own summary), and stderr lines (its log). */
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly dir: string;
  readonly configPath: string;
  readonly exited: Promise<number | null>;
  /** The signal that ended it, if any. */
  signal: NodeJS.Signals | null = null;
  private readonly child: ChildProcess;
  private waiters: Array<() => void> = [];
  private ownDir: boolean;

  constructor(o: FalcoOptions) {
    if (FALCO === null) throw new Error("no Falco found ($FALCO_BIN, falco on PATH, ../shared/falco/bin/falco)");
    this.dir = mkdtempSync(join(tmpdir(), "dkr-falco-"));
    this.ownDir = true;
    this.configPath = join(this.dir, "falco.yaml");
    writeFileSync(this.configPath, falcoYaml(o, join(this.dir, "state")));
    const args = ["-c", this.configPath, "--disable-source=syscall", ...(o.args ?? [])];
    this.child = spawn(FALCO.path, args, { cwd: this.dir, env: o.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    createInterface({ input: this.child.stdout! }).on("line", (l) => {
      if (l.startsWith("{")) {
        try {
          const a = (o.exactIntegers === true ? parseExact(l) : JSON.parse(l)) as Alert;
          if (typeof a.rule === "string") {
            this.alerts.push(a);
            this.wake();
            return;
          }
        } catch {
          /* not an alert */
        }
      }
      this.stdout.push(l);
      this.wake();
    });
    createInterface({ input: this.child.stderr! }).on("line", (l) => {
      this.stderr.push(l);
      this.wake();
    });
    this.exited = new Promise((res) =>
      this.child.on("exit", (code, signal) => {
        this.signal = signal;
        this.wake();
        res(code);
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Everything Falco printed, for failure messages. */
  log(last = 40): string {
    return [...this.stderr, ...this.stdout].slice(-last).join("\n");
  }

  /** Resolves once `pred` holds (checked on every new line), or rejects after `ms` with Falco's log. */
  async until(pred: () => boolean, ms = 30_000, what = "condition"): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (pred()) return;
      if (!this.running || Date.now() > deadline) {
        throw new Error(`${what} not met within ${ms} ms (${this.alerts.length} alerts, falco ${this.running ? "running" : "exited"}); log:\n${this.log()}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, 100);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** The first alert matching `pred`. */
  async waitAlert(pred: (a: Alert) => boolean, ms = 30_000): Promise<Alert> {
    await this.until(() => this.alerts.some(pred), ms, "alert");
    return this.alerts.find(pred)!;
  }

  /** Waits for a log line matching `re` (Falco's or the plugin's). */
  async waitLog(re: RegExp, ms = 30_000): Promise<string> {
    await this.until(() => this.stderr.some((l) => re.test(l)) || this.stdout.some((l) => re.test(l)), ms, `log line ${re}`);
    return [...this.stderr, ...this.stdout].find((l) => re.test(l))!;
  }

  /** SIGHUP: Falco restarts its engine in the same process (every source closed and opened again). */
  hup(): void {
    this.child.kill("SIGHUP");
  }

  /** SIGTERM and wait; SIGKILL after `ms`. Removes the run's directory. */
  async stop(ms = 15_000): Promise<number | null> {
    if (this.running) this.child.kill("SIGTERM");
    const t = setTimeout(() => this.child.kill("SIGKILL"), ms);
    const code = await this.exited;
    clearTimeout(t);
    if (this.ownDir) rmSync(this.dir, { recursive: true, force: true });
    this.ownDir = false;
    return code;
  }
}

/**
 * Replays recordings through the real Falco to their end (file:// open params; Falco exits 0 at
 * EOF) and returns the alerts and the exit code.
 */
export async function replayThroughFalco(files: string[], o: Omit<FalcoOptions, "openParams"> = {}, ms = 60_000): Promise<{ alerts: Alert[]; code: number | null; log: string }> {
  const run = new FalcoRun({ ...o, openParams: files.map((f) => `file://${resolve(f)}`).join(",") });
  const t = setTimeout(() => run.stop(1000), ms);
  const code = await run.exited;
  clearTimeout(t);
  const log = run.log(200);
  await run.stop();
  return { alerts: run.alerts, code, log };
}

/** One rules file's result of `falco -V` (json_output). */
export interface LoadResult {
  name: string;
  successful: boolean;
  schema_valid: boolean;
  errors: Array<{ code: string; message: string }>;
  warnings: Array<{ code: string; message: string }>;
  schema_warnings: unknown[];
}

/**
 * `falco -V` of rules files with the plugin loaded (so plugin fields and required_plugin_versions
 * are checked): Falco's JSON load results, its exit code and its other output.
 */
export function validateRules(files: string[], o: Omit<FalcoOptions, "openParams" | "rules"> = {}): { results: LoadResult[]; code: number | null; text: string } {
  if (FALCO === null) throw new Error("no Falco found");
  const dir = mkdtempSync(join(tmpdir(), "dkr-falco-V-"));
  try {
    const cfg = join(dir, "falco.yaml");
    writeFileSync(cfg, falcoYaml({ ...o, openParams: "", rules: [] }, join(dir, "state")));
    const args = ["-c", cfg, "-o", "json_output=true", ...files.flatMap((f) => ["-V", f])];
    const r = spawnSync(FALCO.path, args, { encoding: "utf8", env: o.env ?? process.env });
    const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith('{"falco_load_results"'));
    const results = line === undefined ? [] : (JSON.parse(line) as { falco_load_results: LoadResult[] }).falco_load_results;
    return { results, code: r.status, text: `${r.stdout ?? ""}${r.stderr ?? ""}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
