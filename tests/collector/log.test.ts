// The collector's stderr log (collector/src/log.ts, contracts/collector-cli.md): repeated
// messages are rate-limited with a count of what was suppressed, and nothing queued for stderr is
// lost when the collector exits, even when the host reads its stderr late.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { MAIN, ROOT, collectorSuite } from "./helpers";

const suite = collectorSuite("log");
const LOG_JS = resolve(ROOT, "build/collector/log.js");

/** Runs `cmd` with its stderr in a pipe nobody reads until 1 s after it started: stderr as lines. */
function lateReader(cmd: string, env: NodeJS.ProcessEnv = {}): { lines: string[]; status: number | null } {
  const r = spawnSync("bash", ["-c", `{ ${cmd} ; echo "exit=$?" >&2 ; } 2>&1 >/dev/null | { sleep 1; cat; }`], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 256 << 20,
  });
  const lines = r.stdout.split("\n").filter((l) => l !== "");
  const exit = lines.find((l) => l.startsWith("exit="));
  return { lines: lines.filter((l) => !l.startsWith("exit=")), status: exit === undefined ? null : Number(exit.slice(5)) };
}

describe("collector log", () => {
  it("rate-limits a warning repeated 100,000 times and says how many it suppressed", () => {
    const file = join(suite.dir(), "bad.jsonl");
    const good = '{"Type":"container","Action":"start","Actor":{"ID":"x","Attributes":{}},"time":1,"timeNano":1000000000}';
    writeFileSync(file, `${"not an event\n".repeat(100_000)}${good}\n`);
    const { lines, status } = lateReader(`"${process.execPath}" "${MAIN}" --ring-path "${join(suite.dir(), "ring-bad")}" --endpoint "file://${file}"`);
    expect(status).toBe(0);
    const warnings = lines.filter((l) => /skipping a line that is not a Docker event/.test(l));
    const counts = warnings.map((l) => /^warn (\d+) more message\(s\) like this one suppressed/.exec(l)).filter((m) => m !== null);
    const shown = warnings.length - counts.length;
    const suppressed = counts.reduce((n, m) => n + Number(m![1]), 0);
    expect(lines.length, lines.slice(0, 20).join("\n")).toBeLessThan(40);
    expect(shown).toBeGreaterThan(0);
    expect(shown + suppressed).toBe(100_000);
    // the last lines, written just before exit, arrive although the reader was late
    expect(lines.some((l) => /^info replay finished: 1 events/.test(l)), lines.join("\n")).toBe(true);
  });

  it("flushes stderr before exiting: 300 KB of log lines a late reader still gets, to the last one", () => {
    // Distinct kinds (no rate limit): more than a pipe holds, all queued when the exit comes.
    const script = (exit: string) =>
      `const l = require(${JSON.stringify(LOG_JS)}); for (let i = 0; i < 3000; i++) l.log("info", "line " + i + " " + "x".repeat(90), "k" + i); l.log("info", "LAST", "last"); ${exit};`;
    const flushed = lateReader(`"${process.execPath}" -e '${script("void l.exitAfterFlush(3)")}'`);
    expect(flushed.status).toBe(3);
    expect(flushed.lines).toHaveLength(3001);
    expect(flushed.lines.at(-1)).toBe("info LAST");
    // the same with a plain process.exit loses the end: what exitAfterFlush is for
    const plain = lateReader(`"${process.execPath}" -e '${script("process.exit(3)")}'`);
    expect(plain.lines.length).toBeLessThan(3001);
  });

  it("escapes control characters: one message is one line, without terminal escapes", () => {
    const r = lateReader(`"${process.execPath}" -e 'require(${JSON.stringify(LOG_JS)}).log("warn", "a\\nwarn forged\\u001b[2K\\u007f\\tz")'`);
    expect(r.lines).toEqual(["warn a\\nwarn forged\\x1b[2K\\x7f\\tz"]);
  });
});
