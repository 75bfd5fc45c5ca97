// stderr logging: one line per message, `<level> <text>` (contracts/collector-cli.md).
// The host forwards each line to Falco's logger with that severity.

export type Level = "error" | "warn" | "info" | "debug";

const ORDER: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };

function threshold(): number {
  const env = process.env.DKR_COLLECTOR_LOG;
  if (env === "error" || env === "warn" || env === "info" || env === "debug") return ORDER[env];
  return ORDER.info;
}

const limit = threshold();

export function log(level: Level, text: string): void {
  if (ORDER[level] > limit) return;
  // Newlines inside a message would split it into several host log lines.
  process.stderr.write(`${level} ${text.replace(/[\r\n]+/g, " ")}\n`);
}
