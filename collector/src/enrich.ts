// Enrichment: the security context that events do not carry, from GET /containers/{id}/json
// (on container create and start) and GET /exec/{id}/json (on exec_create and exec_start),
// attached under the `falco` key (contracts/ring.md). Bounded by --inspect-timeout-ms; a
// failed or late inspect leaves the keys absent and counts inspect_failures.
// Healthchecks: the daemon runs each one as an ordinary exec (exec_create / exec_start events),
// so the exec context says whether the exec's argv is the container's healthcheck command
// (remembered from the container inspects, per endpoint and container, in a bounded LRU).
// Podman's `exec` event carries neither the command nor the exec ID: the exec is found among the
// container's exec sessions (GET /containers/{id}/json ExecIDs, then GET /exec/{id}/json) and its
// command line is added to the exec context (exec.cmdline), when it can be told which one it is.
import type Docker from "dockerode";
import type { DockerEventFields } from "./event";
import { performance } from "node:perf_hooks";
import type { Engine, EngineName } from "./engine";
import { log } from "./log";

export interface FalcoMount {
  type: string;
  source: string;
  destination: string;
  mode: string;
  rw: boolean;
}

export interface FalcoContainer {
  privileged: boolean;
  capAdd: string[];
  user: string;
  networkMode: string;
  pidMode: string;
  ipcMode: string;
  imageId: string;
  readonlyRootfs: boolean;
  mounts: FalcoMount[];
}

export interface FalcoExec {
  tty: boolean;
  user: string;
  privileged: boolean;
  /** The exec's argv is exactly the container's healthcheck command; absent when the healthcheck is unknown. */
  healthcheck?: boolean;
  /** The exec's command line as Docker writes it in exec_start actions (argv joined by single spaces); only for events that lack it (Podman's exec). */
  cmdline?: string;
}

export interface FalcoKey {
  endpoint: string;
  engine?: EngineName;
  container?: FalcoContainer;
  exec?: FalcoExec;
}

/**
 * An exec's `container` is the event's Actor.ID ("" when absent). "session": an exec event
 * without exec ID (Podman's `exec`), to be found among the container's exec sessions.
 */
export type InspectTarget =
  | { what: "container"; id: string }
  | { what: "exec"; id: string; container: string }
  | { what: "session"; id: string };

/** True when a container event with this Action calls for an inspect (cheap pre-check of inspectTarget). */
export function actionNeedsInspect(action: string, engine: Engine): boolean {
  return action === "create" || action === "start" || action.startsWith("exec_start") || action.startsWith("exec_create") ||
    (engine.execWithoutCommand && action === "exec");
}

/** Which inspect an event calls for, if any. */
export function inspectTarget(ev: DockerEventFields, engine: Engine): InspectTarget | null {
  if (ev.Type !== "container" || typeof ev.Action !== "string") return null;
  const action = ev.Action;
  if (action === "create" || action === "start" || (engine.execWithoutCommand && action === "exec")) {
    const id = ev.Actor?.ID ?? ev.id;
    if (typeof id !== "string" || id === "") return null;
    return action === "exec" ? { what: "session", id } : { what: "container", id };
  }
  if (action.startsWith("exec_start") || action.startsWith("exec_create")) {
    const id = ev.Actor?.Attributes?.execID;
    const c = ev.Actor?.ID ?? ev.id;
    return typeof id === "string" && id !== "" ? { what: "exec", id, container: typeof c === "string" ? c : "" } : null;
  }
  return null;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function bool(v: unknown): boolean {
  return v === true;
}

function rec(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function containerContext(inspect: unknown): FalcoContainer {
  const c = rec(inspect);
  const hc = rec(c.HostConfig);
  const cfg = rec(c.Config);
  // Daemons since 20.10 store "CAP_SYS_ADMIN", older ones what the user typed: one form for rules.
  const caps = Array.isArray(hc.CapAdd)
    ? hc.CapAdd.filter((x): x is string => typeof x === "string").map((x) => x.toUpperCase().replace(/^CAP_/, ""))
    : [];
  const mounts = Array.isArray(c.Mounts) ? c.Mounts.map(rec) : [];
  return {
    privileged: bool(hc.Privileged),
    capAdd: caps,
    user: str(cfg.User),
    networkMode: str(hc.NetworkMode),
    pidMode: str(hc.PidMode),
    ipcMode: str(hc.IpcMode),
    imageId: str(c.Image),
    readonlyRootfs: bool(hc.ReadonlyRootfs),
    mounts: mounts.map((m) => ({ type: str(m.Type), source: str(m.Source), destination: str(m.Destination), mode: str(m.Mode), rw: bool(m.RW) })),
  };
}

export function execContext(inspect: unknown): FalcoExec {
  const pc = rec(rec(inspect).ProcessConfig);
  return { tty: bool(pc.tty), user: str(pc.user), privileged: bool(pc.privileged) };
}

function strings(v: unknown): string[] | null {
  return Array.isArray(v) && v.every((x): x is string => typeof x === "string") ? v : null;
}

/** An argv as Docker writes it after "exec_start: " (joined by single spaces, no quoting). */
export function cmdlineOf(argv: string[]): string {
  return argv.join(" ");
}

/** The exec's argv as the daemon runs it: ProcessConfig entrypoint then arguments (null when not given). */
export function execArgv(inspect: unknown): string[] | null {
  const pc = rec(rec(inspect).ProcessConfig);
  if (typeof pc.entrypoint !== "string") return null;
  return [pc.entrypoint, ...(strings(pc.arguments) ?? [])];
}

/**
 * The argv the daemon execs for a container's healthcheck (Config.Healthcheck.Test, already merged
 * with the image's by the daemon), or null when it has none: ["CMD", a, b…] runs a b …;
 * ["CMD-SHELL", s] runs the container's shell (Config.Shell, default /bin/sh -c) then s;
 * ["NONE"], an empty or absent Test: no healthcheck. (Windows containers, cmd /S /C: not handled.)
 */
export function healthArgv(inspect: unknown): string[] | null {
  const cfg = rec(rec(inspect).Config);
  const test = strings(rec(cfg.Healthcheck).Test);
  if (test === null || test.length < 2) return null;
  if (test[0] === "CMD") return test.slice(1);
  if (test[0] === "CMD-SHELL") {
    const shell = strings(cfg.Shell);
    return [...(shell !== null && shell.length > 0 ? shell : ["/bin/sh", "-c"]), ...test.slice(1)];
  }
  return null;
}

function sameArgv(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Healthcheck argv (null: none) per endpoint and container id, the least recently used dropped past `max`. */
export class HealthCache {
  private readonly map = new Map<string, string[] | null>();
  private readonly max: number;

  constructor(max = 10_000) {
    this.max = max;
  }

  get size(): number {
    return this.map.size;
  }

  /** undefined: not known. */
  get(endpoint: string, id: string): string[] | null | undefined {
    const k = `${endpoint}\n${id}`;
    const v = this.map.get(k);
    if (v === undefined) return undefined;
    this.map.delete(k);
    this.map.set(k, v);
    return v;
  }

  set(endpoint: string, id: string, argv: string[] | null): void {
    const k = `${endpoint}\n${id}`;
    this.map.delete(k);
    this.map.set(k, argv);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  forget(endpoint: string, id: string): void {
    this.map.delete(`${endpoint}\n${id}`);
  }
}

/**
 * The exec sessions of each container already accounted for (per endpoint and container id,
 * the least recently used dropped past `max`): a Podman `exec` event is the one session that is
 * new since the container's previous exec event (or since the collector first looked).
 */
export class SessionCache {
  private readonly map = new Map<string, Set<string>>();
  private readonly max: number;

  constructor(max = 10_000) {
    this.max = max;
  }

  get size(): number {
    return this.map.size;
  }

  /** The sessions of `ids` not accounted for yet; `ids` become the container's accounted sessions. */
  fresh(endpoint: string, id: string, ids: string[]): string[] {
    const k = `${endpoint}\n${id}`;
    const known = this.map.get(k);
    this.map.delete(k);
    this.map.set(k, new Set(ids));
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
    return known === undefined ? ids : ids.filter((x) => !known.has(x));
  }

  forget(endpoint: string, id: string): void {
    this.map.delete(`${endpoint}\n${id}`);
  }
}

export interface FailureCounter {
  add(field: "inspectFailures", n: number): void;
}

/** New exec sessions looked at for one Podman exec event, at most. */
const MAX_SESSIONS = 8;

/** Inspects in flight at once, per collector (more wait in arrival order). */
export const INSPECT_CONCURRENCY = 16;

interface Waiter {
  admit: () => void;
  /** Admitted, or gave up at its deadline. */
  done: boolean;
}

/**
 * A counting gate with a FIFO of waiters, each with a deadline: enter() gives true when the
 * caller holds a place (it must leave() once done), false when its deadline passed first.
 */
class Gate {
  private inside = 0;
  private readonly max: number;
  private waiters: Waiter[] = [];
  private head = 0;

  constructor(max: number) {
    this.max = max;
  }

  get active(): number {
    return this.inside;
  }

  enter(waitMs: number): Promise<boolean> | true {
    this.skipDone();
    if (this.inside < this.max && this.head === this.waiters.length) {
      this.inside++;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const w: Waiter = { admit: () => undefined, done: false };
      const timer = setTimeout(() => {
        if (w.done) return;
        w.done = true;
        resolve(false);
      }, waitMs);
      w.admit = () => {
        w.done = true;
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push(w);
    });
  }

  leave(): void {
    this.inside--;
    this.skipDone();
    while (this.inside < this.max && this.head < this.waiters.length) {
      const w = this.waiters[this.head++] as Waiter;
      if (w.done) continue;
      this.inside++;
      w.admit();
    }
    this.skipDone();
  }

  /** Drops the front of the list that is admitted or expired, and the consumed array space. */
  private skipDone(): void {
    while (this.head < this.waiters.length && (this.waiters[this.head] as Waiter).done) this.head++;
    if (this.head === this.waiters.length) {
      this.waiters = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
  }
}

export class Enricher {
  private readonly timeoutMs: number;
  private readonly counter: FailureCounter;
  private readonly gate: Gate;
  private readonly concurrency: number;
  readonly health = new HealthCache();
  readonly sessions = new SessionCache();
  /** Per endpoint and container: the previous exec-session lookup, so that they run in event order. */
  private readonly sessionChains = new Map<string, Promise<unknown>>();

  constructor(timeoutMs: number, counter: FailureCounter, concurrency = INSPECT_CONCURRENCY) {
    this.timeoutMs = timeoutMs;
    this.counter = counter;
    this.concurrency = concurrency;
    this.gate = new Gate(concurrency);
  }

  /** A container is gone (destroy, Podman's remove): its healthcheck and exec sessions are forgotten. */
  forget(endpoint: string, id: string): void {
    this.health.forget(endpoint, id);
    this.sessions.forget(endpoint, id);
  }

  /** The inspect of the sessions `ids` when they all ran the same exec (argv, user, tty, privileged), else null. */
  private async alikeSessions(docker: Docker, ids: string[], signal: AbortSignal): Promise<unknown> {
    let first: unknown = null;
    let firstKey = "";
    for (const id of ids) {
      const inspect: unknown = await docker.getExec(id).inspect({ abortSignal: signal } as unknown as object);
      const k = JSON.stringify([execArgv(inspect), execContext(inspect)]);
      if (first === null) {
        first = inspect;
        firstKey = k;
      } else if (k !== firstKey) return null;
    }
    return first;
  }

  /** Inspects running now. */
  get inFlight(): number {
    return this.gate.active;
  }

  /**
   * How long an event of `eventBytes` may wait for its enrichment: --inspect-timeout-ms, once more
   * per MiB of the event. The labels that make an event big are in the container's inspect answer
   * too: a container with megabytes of labels must not lose its security context to the deadline.
   */
  budgetMs(eventBytes: number): number {
    return this.timeoutMs * (1 + Math.floor(eventBytes / 1048576));
  }

  /**
   * The falco key for an event needing `target`; never rejects. At most `concurrency` inspects
   * run at once; the others wait in arrival order. The whole wait, queue and inspect, is bounded
   * by budgetMs(eventBytes) from the call: an event is never held longer than that (but Podman's
   * exec events, whose session inspects run one after the other per container, each within its
   * own budget).
   */
  async enrich(docker: Docker, target: InspectTarget, endpoint: string, eventBytes = 0, engine: EngineName = "docker"): Promise<FalcoKey> {
    if (target.what !== "session") return this.inspect(docker, target, endpoint, eventBytes, engine);
    // One container's exec events are matched to its sessions in event order.
    const k = `${endpoint}\n${target.id}`;
    const previous = this.sessionChains.get(k);
    const mine = (previous ?? Promise.resolve()).then(() => this.inspect(docker, target, endpoint, eventBytes, engine));
    this.sessionChains.set(k, mine);
    const key = await mine;
    if (this.sessionChains.get(k) === mine) this.sessionChains.delete(k);
    return key;
  }

  private async inspect(docker: Docker, target: InspectTarget, endpoint: string, eventBytes: number, engine: EngineName): Promise<FalcoKey> {
    const key: FalcoKey = { endpoint, engine };
    const budget = this.budgetMs(eventBytes);
    const deadline = performance.now() + budget;
    const admitted = this.gate.enter(budget);
    if (admitted !== true && !(await admitted)) {
      this.counter.add("inspectFailures", 1);
      log("debug", `inspect ${target.what} ${target.id.slice(0, 12)} on ${endpoint} skipped: ${this.concurrency} inspects busy for ${budget} ms`);
      return key;
    }
    const signal = AbortSignal.timeout(Math.max(1, Math.ceil(deadline - performance.now())));
    try {
      const opts = { abortSignal: signal, _query: {} } as unknown as Docker.ContainerInspectOptions;
      if (target.what === "container") {
        const inspect: unknown = await docker.getContainer(target.id).inspect(opts);
        key.container = containerContext(inspect);
        this.health.set(endpoint, target.id, healthArgv(inspect));
      } else if (target.what === "session") {
        const c: unknown = await docker.getContainer(target.id).inspect(opts);
        const health = healthArgv(c);
        this.health.set(endpoint, target.id, health);
        const fresh = this.sessions.fresh(endpoint, target.id, strings(rec(c).ExecIDs) ?? []);
        // Several new sessions (execs started within the event stream's delay of each other) can
        // only be told apart when they are alike: sessions carry no time, their order is by ID.
        const alike = fresh.length >= 1 && fresh.length <= MAX_SESSIONS ? await this.alikeSessions(docker, fresh, signal) : null;
        if (alike === null) {
          // None (podman exec removes its session when it ends), or several that differ: no exec context.
          log("debug", `exec on ${target.id.slice(0, 12)} (${endpoint}): ${fresh.length} new exec sessions, not one alike: the exec stays unknown`);
          return key;
        }
        const exec = execContext(alike);
        const argv = execArgv(alike);
        if (argv !== null) {
          exec.healthcheck = health !== null && sameArgv(argv, health);
          exec.cmdline = cmdlineOf(argv);
        }
        key.exec = exec;
      } else {
        const inspect: unknown = await docker.getExec(target.id).inspect({ abortSignal: signal } as unknown as object);
        const exec = execContext(inspect);
        key.exec = exec;
        const argv = execArgv(inspect);
        if (argv !== null && target.container !== "") {
          let health = this.health.get(endpoint, target.container);
          if (health === undefined) {
            // Not seen created or started (the collector started later): ask once, within the same deadline and place.
            const c: unknown = await docker.getContainer(target.container).inspect(opts);
            health = healthArgv(c);
            this.health.set(endpoint, target.container, health);
          }
          exec.healthcheck = health !== null && sameArgv(argv, health);
        }
      }
    } catch (e) {
      this.counter.add("inspectFailures", 1);
      const why = signal.aborted ? `no answer within ${budget} ms` : (e as Error).message;
      log("debug", `inspect ${target.what} ${target.id.slice(0, 12)} on ${endpoint} failed: ${why}`);
    } finally {
      this.gate.leave();
    }
    return key;
  }
}
