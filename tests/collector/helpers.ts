// Shared by the collector tests: the built collector as a child process, and a ring reader
// (the TS consumer over the ring file) that accumulates records.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, closeSync, fstatSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import mmap from "@riaskov/mmap-io";
import { type HeaderField, RingMemory } from "../../collector/src/ring";
import { RingConsumer } from "../../collector/src/ring-consumer";
import { afterAll, afterEach, beforeAll } from "vitest";
import { FakeDaemon } from "./fake-daemon.mjs";

export const ROOT = resolve(__dirname, "../..");
export const MAIN = resolve(ROOT, "build/collector/main.js");

export function ensureBuilt(): void {
  if (!existsSync(MAIN)) execFileSync("npx", ["tsc", "-p", "collector/tsconfig.json"], { cwd: ROOT, stdio: "inherit" });
}

/** A private 0700 directory for ring files. */
export function privateDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `dkrc-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Things a test file starts and that must be stopped after each test. */
export interface Stoppable { stop(): Promise<unknown> }

export interface CollectorSuite {
  /** The file's private directory (rings, sockets); valid inside tests. */
  dir: () => string;
  /** Starts a fake daemon on a fresh socket in dir(), stopped after the test. */
  fake: (opts?: ConstructorParameters<typeof FakeDaemon>[1]) => Promise<FakeDaemon>;
  /** Starts the built collector with args, stopped after the test (before the daemons). */
  collector: (args: string[], opts?: ConstructorParameters<typeof Collector>[1]) => Collector;
  /** Stops a daemon the test started itself, after the test. */
  track: (d: Stoppable) => void;
}

/**
 * Registers the usual lifecycle of a collector test file: the collector built, a private
 * directory for rings and sockets, and every collector and fake daemon a test started stopped
 * after it (collectors first).
 */
export function collectorSuite(tag: string): CollectorSuite {
  let dir = "";
  let cleanup: () => void = () => undefined;
  let sockets = 0;
  const running: Stoppable[] = [];
  const daemons: Stoppable[] = [];
  beforeAll(() => {
    ensureBuilt();
    ({ dir, cleanup } = privateDir(tag));
  });
  afterAll(() => cleanup());
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
    await Promise.all(daemons.splice(0).map((d) => d.stop()));
  });
  return {
    dir: () => dir,
    fake: async (opts = {}) => {
      const d = new FakeDaemon(join(dir, `fake-${sockets++}.sock`), opts);
      await d.start();
      daemons.push(d);
      return d;
    },
    collector: (args, opts) => {
      const c = new Collector(args, opts);
      running.push(c);
      return c;
    },
    track: (d) => {
      daemons.push(d);
    },
  };
}

export async function until<T>(what: string, probe: () => T | undefined | null | false, ms = 30_000, every = 20): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

export class Collector {
  readonly child: ChildProcess;
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  exitSignal: NodeJS.Signals | null = null;

  /** opts.program: run that executable (e.g. build/docker-collector) instead of `node MAIN`; opts.cleanEnv: only opts.env. */
  /** opts.stdio3: an fd the child inherits as fd 3, or "pipe" (this.child.stdio[3]: what the child writes there). */
  constructor(args: string[], opts: { env?: NodeJS.ProcessEnv; stdio3?: number | "pipe"; program?: string; cleanEnv?: boolean } = {}) {
    const stdio: Array<"ignore" | "pipe" | number> = ["ignore", "ignore", "pipe"];
    if (opts.stdio3 !== undefined) stdio.push(opts.stdio3);
    const env = opts.cleanEnv ? { ...opts.env } : { ...process.env, ...opts.env };
    const [cmd, argv] = opts.program !== undefined ? [opts.program, args] : [process.execPath, [MAIN, ...args]];
    this.child = spawn(cmd, argv, { cwd: opts.program !== undefined ? dirname(opts.program) : ROOT, stdio, env });
    createInterface({ input: this.child.stderr! }).on("line", (l) => this.stderr.push(l));
    this.exited = new Promise((res) =>
      this.child.on("exit", (code, signal) => {
        this.exitSignal = signal;
        res(code);
      }),
    );
  }

  get pid(): number {
    return this.child.pid as number;
  }

  log(): string {
    return this.stderr.join("\n");
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    return this.exited;
  }

  async kill9(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.exited;
  }
}

export interface Rec {
  kind: number;
  ts: bigint;
  text: string;
  json: {
    Type: string;
    Action: string;
    Actor: { ID: string; Attributes: Record<string, string> };
    scope?: string;
    falco?: {
      endpoint: string;
      engine?: string;
      container?: Record<string, unknown>;
      exec?: { tty: boolean; user: string; privileged: boolean; healthcheck?: boolean; cmdline?: string };
    };
  };
}

/** Maps a ring file and reads it with the TS consumer. */
export class RingReader {
  readonly mem: RingMemory;
  readonly records: Rec[] = [];
  private consumer: RingConsumer | null = null;

  constructor(path: string) {
    const fd = openSync(path, "r+");
    try {
      const size = fstatSync(fd).size;
      this.mem = new RingMemory(mmap.map(size, (mmap.PROT_READ | mmap.PROT_WRITE) as 3, mmap.MAP_SHARED, fd, 0));
    } finally {
      closeSync(fd);
    }
  }

  static async open(path: string, ms = 30_000): Promise<RingReader> {
    await until(`ring file ${path}`, () => existsSync(path) && fstatSizeOk(path), ms);
    const r = new RingReader(path);
    await until("ring header", () => r.mem.initialized(), ms);
    return r;
  }

  get(field: HeaderField): bigint {
    return this.mem.load(field);
  }

  /** Reads what is published now. */
  poll(): Rec[] {
    if (this.consumer === null) this.consumer = new RingConsumer(this.mem);
    const got = this.consumer.poll().map((r) => {
      const text = r.payload.toString("utf8");
      return { kind: r.kind, ts: r.ts, text, json: JSON.parse(text) as Rec["json"] };
    });
    this.records.push(...got);
    return got;
  }

  async waitFor(what: string, pred: (r: Rec) => boolean, ms = 30_000): Promise<Rec> {
    return until(what, () => {
      this.poll();
      return this.records.find(pred);
    }, ms);
  }

  async waitCount(what: string, pred: (r: Rec) => boolean, n: number, ms = 30_000): Promise<Rec[]> {
    return until(what, () => {
      this.poll();
      const hits = this.records.filter(pred);
      return hits.length >= n ? hits : undefined;
    }, ms, 2);
  }

  docker(): Rec[] {
    return this.records.filter((r) => r.kind === 1);
  }

  collector(action: string): Rec[] {
    return this.records.filter((r) => r.kind === 2 && r.json.Action === action);
  }
}

function fstatSizeOk(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    return fstatSync(fd).size > 256;
  } finally {
    closeSync(fd);
  }
}

/** The exact top-level timeNano of a payload (the test's own reading, independent of the collector). */
export function timeNanoOf(text: string): bigint {
  const m = /"timeNano":(\d+)[,}]/.exec(text.replace(/,"falco":.*$/, "}"));
  if (m === null) throw new Error(`no timeNano in ${text}`);
  return BigInt(m[1] as string);
}

/** The payload without the collector's falco key: the daemon's bytes. */
export function withoutFalco(text: string): string {
  const at = text.lastIndexOf(',"falco":{');
  return at < 0 ? text : `${text.slice(0, at)}}`;
}
