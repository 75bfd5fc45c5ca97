// Control characters a user put in a label or an exec command line (a newline, terminal escapes,
// DEL) must not reach Falco's text outputs raw: a forged alert line or an escape sequence in the
// output file/syslog/terminal. Replays the real recording tests/fixtures/control-chars.jsonl
// through the real Falco with text (non-JSON) output.
import { resolve } from "node:path";
import { expect, it } from "vitest";
import { ROOT, describeFalco, replayThroughFalco } from "./falco";

describeFalco("control characters in field values under the real Falco", () => {
  it("are escaped in the text output: no forged line, no terminal escape", async () => {
    const { code, log, alerts } = await replayThroughFalco([resolve(ROOT, "tests/fixtures/control-chars.jsonl")], {
      ruleMatching: "all",
      extra: { json_output: false },
    });
    expect(code, log).toBe(0);
    expect(alerts).toHaveLength(0); // text output: the alert lines are in the log
    const out = log.split("\n");
    const execs = out.filter((l) => l.includes("executed in container"));
    expect(execs.length, log).toBeGreaterThanOrEqual(1);
    for (const l of execs) expect(l).toContain("cmdline=sh -c true\\n2026-11-30T00:00:00 Critical fake alert\\x1b[2K");
    // the forged text never starts a line of its own, and no output line holds a raw control
    expect(out.filter((l) => l.startsWith("2026-11-30T00:00:00 Critical"))).toEqual([]);
    for (const l of out) expect(l, JSON.stringify(l)).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });
});
