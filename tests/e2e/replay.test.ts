// The bundled recording replayed through the real plugin (what `npm start` shows with no
// daemon), and a daemon that cannot be reached: the source must keep running, never fail.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { HarnessRun, ROOT } from "./harness";

describe("file:// replay through the real plugin", () => {
  it("delivers every recorded event once, in order, then ends with EOF", async () => {
    const file = resolve(ROOT, "tests/fixtures/demo.jsonl");
    const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "");
    const run = new HarnessRun(["--open", `file://${file}`, "--fields", "docker.type,docker.action,docker.actor.id,docker.time", "--timeout-ms", "60000"]);
    expect(await run.exited).toBe(0);
    const docker = run.events.filter((e) => e.fields["docker.type"] !== "collector");
    expect(docker.length).toBe(lines.length);
    docker.forEach((e, i) => {
      const want = JSON.parse(lines[i]!) as { Type: string; Action: string; Actor: { ID: string } };
      const tn = /"timeNano":(\d+)/.exec(lines[i]!)![1]!;
      expect(e.fields["docker.type"]).toBe(want.Type);
      expect(e.fields["docker.action"]).toBe(want.Action);
      expect(e.fields["docker.actor.id"]).toBe(want.Actor.ID);
      expect(e.ts).toBe(BigInt(tn));
      expect(e.fields["docker.time"]).toBe(BigInt(tn));
    });
  });

  it("fails open with a clear message for a recording that does not exist", async () => {
    const run = new HarnessRun(["--open", "file:///nonexistent/recording.jsonl", "--timeout-ms", "10000"]);
    expect(await run.exited).not.toBe(0);
    expect(run.stderr.join("\n")).toMatch(/nonexistent\/recording\.jsonl/);
  });

  it("keeps the source alive while the daemon is unreachable and reports the disconnect", async () => {
    const run = new HarnessRun(["--open", "unix:///nonexistent/docker.sock", "--fields", "docker.type,docker.action", "--timeout-ms", "4000"]);
    // The harness stops on its own at the timeout: next_batch never returned FAILURE.
    expect(await run.exited).toBe(0);
    expect(run.events.some((e) => e.fields["docker.type"] === "collector" && e.fields["docker.action"] === "disconnect")).toBe(true);
  });
});
