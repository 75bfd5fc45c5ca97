// Bursts of real container events against a real dockerd, and an independent witness of what
// the daemon sent: a `docker events` subscriber of its own (the docker CLI, not our collector),
// filtered by a label only the burst's containers carry. Used to count, per event, what a
// consumer (the harness, the real Falco) missed or saw twice.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { Docker } from "../../collector/src/dockerode";

/** One daemon event, as the witness saw it. */
export interface WitnessEvent {
  type: string;
  action: string;
  id: string;
  timeNano: bigint;
}

/** The identity of an event: its type, action, actor and exact time. */
export function eventKey(e: { type: string; action: string; id: string; timeNano: bigint }): string {
  return `${e.type} ${e.action} ${e.id} ${e.timeNano}`;
}

/** A `docker events` subscriber for the containers labelled `label=value`. */
export class Witness {
  readonly events: WitnessEvent[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  /** `sinceS`: replay from this Unix time (seconds), so a late subscription still sees all. */
  constructor(host: string, label: string, value: string, sinceS: number) {
    this.child = spawn("docker", ["events", "--since", String(sinceS), "--filter", `label=${label}=${value}`, "--format", "{{json .}}"], {
      env: { ...process.env, DOCKER_HOST: host },
      stdio: ["ignore", "pipe", "ignore"],
    });
    createInterface({ input: this.child.stdout! }).on("line", (l) => {
      const m = /"timeNano":(\d+)/.exec(l);
      const j = JSON.parse(l) as { Type: string; Action: string; Actor: { ID: string } };
      if (m === null) return;
      this.events.push({ type: j.Type, action: j.Action, id: j.Actor.ID, timeNano: BigInt(m[1]!) });
    });
    this.exited = new Promise((res) => this.child.on("exit", () => res()));
  }

  /** Resolves once `n` events of actor `id` with `action` were seen (or rejects after `ms`). */
  async waitFor(pred: (e: WitnessEvent) => boolean, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!this.events.some(pred)) {
      if (Date.now() > end) throw new Error(`witness: event not seen within ${ms} ms (${this.events.length} seen)`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.child.kill("SIGTERM");
    await this.exited;
  }
}

/**
 * Runs `n` containers labelled `label=value` (create, start, wait for exit, remove: 4 events
 * each), `concurrency` at a time. Returns their ids in creation order.
 */
export async function burst(host: string, label: string, value: string, n: number, concurrency = 4, image = "dkr-busybox"): Promise<string[]> {
  const api = new Docker({ socketPath: host.replace(/^unix:\/\//, "") });
  const ids: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      const c = await api.createContainer({ Image: image, Cmd: ["true"], Labels: { [label]: value }, HostConfig: { NetworkMode: "none" } });
      ids.push(c.id);
      await c.start();
      await c.wait();
      await c.remove();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return ids;
}

/** What a consumer saw against what the witness saw: sent, missing, duplicated (by eventKey). */
export interface Tally {
  sent: number;
  seen: number;
  missing: string[];
  duplicated: string[];
}

export function tally(witness: WitnessEvent[], seen: string[]): Tally {
  const want = new Set(witness.map(eventKey));
  const count = new Map<string, number>();
  for (const k of seen) if (want.has(k)) count.set(k, (count.get(k) ?? 0) + 1);
  return {
    sent: want.size,
    seen: [...count.values()].reduce((a, b) => a + b, 0),
    missing: [...want].filter((k) => !count.has(k)),
    duplicated: [...count].filter(([, c]) => c > 1).map(([k]) => k),
  };
}
