// The fault suite's independent witness: a plain `docker events` process (the Docker CLI, not
// the project's collector) subscribed to the daemon, counting what the daemon sent. When the
// daemon restarts the stream ends: it subscribes again with --since its last event (the daemon
// replays what it emitted meanwhile), and keeps each event once.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { type Ev, keyOf } from "./judge";

export class Witness {
  /** Every event seen, once, by key. */
  readonly events = new Map<string, Ev>();
  /** How many times the subscription had to be made again (daemon restarts). */
  resubscribed = 0;
  private child: ChildProcess | null = null;
  private stopped = false;
  private last: bigint | null = null;
  private readonly host: string;
  private loop: Promise<void> | null = null;

  constructor(host: string) {
    this.host = host;
  }

  get size(): number {
    return this.events.size;
  }

  all(): Ev[] {
    return [...this.events.values()];
  }

  /** Starts the subscription; resolves once `probe()` (which makes a daemon event) was seen. */
  async start(probe: () => Promise<{ type: string; actor: string }>): Promise<void> {
    this.loop = this.run();
    // The CLI says nothing when it is subscribed: an event of our own proves it.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const p = await probe();
      const until = Date.now() + 2_000;
      while (Date.now() < until) {
        if ([...this.events.values()].some((e) => e.type === p.type && e.actor === p.actor)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      if (Date.now() > deadline) throw new Error("the docker events witness saw none of its probes");
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const args = ["events", "--format", "{{json .}}"];
      if (this.last !== null) args.push("--since", `${this.last / 1_000_000_000n}.${String(this.last % 1_000_000_000n).padStart(9, "0")}`);
      const child = spawn("docker", args, { env: { ...process.env, DOCKER_HOST: this.host }, stdio: ["ignore", "pipe", "pipe"] });
      this.child = child;
      createInterface({ input: child.stdout! }).on("line", (l) => this.line(l));
      child.stderr!.resume();
      await new Promise<void>((r) => child.on("close", () => r()));
      this.child = null;
      if (this.stopped) break;
      this.resubscribed++;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private line(l: string): void {
    if (!l.startsWith("{")) return;
    // timeNano exactly: the last one of the line (the event's own, after its attributes).
    const times = [...l.matchAll(/"timeNano":(\d+)/g)];
    if (times.length === 0) return;
    const time = BigInt(times[times.length - 1]![1]!);
    const j = JSON.parse(l) as { Type?: string; Action?: string; Actor?: { ID?: string } };
    const e: Ev = { type: j.Type ?? "", action: j.Action ?? "", actor: j.Actor?.ID ?? "", time };
    this.events.set(keyOf(e), e);
    if (this.last === null || time > this.last) this.last = time;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.child?.kill("SIGTERM");
    await this.loop;
  }
}
