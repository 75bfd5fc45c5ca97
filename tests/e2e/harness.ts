// Drives build/dkr-harness in `run` mode: the real libdocker.so, loaded the way Falco loads it,
// printing one JSON line per event. Used by the end-to-end tests.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(__dirname, "../..");
export const HARNESS = resolve(ROOT, "build/dkr-harness");
export const LIB = resolve(ROOT, "build/libdocker.so");

export type FieldValue = string | number | bigint | boolean | Array<string | number | boolean>;
export interface EventLine {
  evtnum: number;
  ts: bigint;
  source: string;
  fields: Record<string, FieldValue>;
}

/**
 * Parses one harness line, keeping integers exact: `ts` and abstime fields exceed 2^53, so
 * every integer of 16 digits or more becomes a bigint.
 */
export function parseLine(line: string): EventLine {
  const exact = line.replace(/(?<!\\)":(\d{16,})(?=[,}\]])/g, '":"#big:$1"');
  const raw = JSON.parse(exact, (_k, v: unknown) =>
    typeof v === "string" && v.startsWith("#big:") ? BigInt(v.slice(5)) : v,
  ) as { evtnum: number; ts: bigint | number; source: string; fields: Record<string, FieldValue> };
  return { evtnum: raw.evtnum, ts: BigInt(raw.ts), source: raw.source, fields: raw.fields };
}

export interface HarnessOptions {
  /**
   * init_config collector.stateDir of this run (where close saves, and open reads, the resume
   * state). Default: a fresh temporary directory removed when the run exits, so runs never see
   * each other's (or a real Falco's) state. Ignored when `args` has --config.
   */
  stateDir?: string;
}

/** A fresh temporary directory for collector.stateDir; the caller removes it. */
export function tempStateDir(): string {
  return mkdtempSync(join(tmpdir(), "dkr-e2e-state-"));
}

export class HarnessRun {
  readonly events: EventLine[] = [];
  /** collector.stateDir of this run (null when the test gave its own --config). */
  readonly stateDir: string | null;
  readonly stderr: string[] = [];
  private readonly child: ChildProcess;
  private waiters: Array<() => void> = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[], opts: HarnessOptions = {}) {
    const lib = args.includes("--lib") ? [] : ["--lib", LIB];
    let config: string[] = [];
    let ownDir: string | null = null;
    if (args.includes("--config")) {
      this.stateDir = null;
    } else {
      if (opts.stateDir === undefined) ownDir = tempStateDir();
      this.stateDir = opts.stateDir ?? ownDir;
      config = ["--config", JSON.stringify({ collector: { stateDir: this.stateDir } })];
    }
    this.child = spawn(HARNESS, ["run", ...lib, ...config, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    createInterface({ input: this.child.stdout! }).on("line", (l) => {
      if (l.trim() === "") return;
      this.events.push(parseLine(l));
      this.wake();
    });
    createInterface({ input: this.child.stderr! }).on("line", (l) => {
      this.stderr.push(l);
    });
    this.exited = new Promise((res) => this.child.on("exit", (code) => {
      if (ownDir !== null) rmSync(ownDir, { recursive: true, force: true });
      this.wake();
      res(code);
    }));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves with the first event matching `pred`, or rejects after `ms` with what was seen. */
  async waitFor(pred: (e: EventLine) => boolean, ms = 30_000): Promise<EventLine> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`event not seen within ${ms} ms; ${this.events.length} events; stderr:\n${this.stderr.slice(-20).join("\n")}`);
      }
      await new Promise<void>((res) => {
        const t = setTimeout(res, 200);
        this.waiters.push(() => { clearTimeout(t); res(); });
      });
    }
  }

  /** The harness process id (its children include the collector the plugin started). */
  get pid(): number {
    return this.child.pid!;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
    return this.exited;
  }
}
