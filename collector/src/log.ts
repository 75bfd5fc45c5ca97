// stderr logging: one line per message, `<level> <text>` (contracts/collector-cli.md).
// The host forwards each line to Falco's logger with that severity.
//
// Repeated messages are rate-limited: per kind of message (an explicit key, or the text with its
// numbers and ids masked), at most BURST lines per WINDOW_MS; the rest are counted and one line
// says how many were suppressed when the window ends (or at exit). A bad recording of 100,000
// lines is then a handful of warnings and one count, not 100,000 warnings.
//
// stderr is a pipe to the host: Node writes to it asynchronously, and process.exit() drops what is
// still queued. Every exit of the collector goes through exitAfterFlush(), which writes the pending
// suppression counts and waits (bounded) until stderr has taken everything.

export type Level = "error" | "warn" | "info" | "debug";

const ORDER: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Lines of one kind shown per window before the rest are counted. */
export const BURST = 5;
/** The rate-limit window. */
export const WINDOW_MS = 10_000;
/** Kinds of message remembered at once (the least recently started window is forgotten past this). */
const MAX_KINDS = 1024;

function threshold(): number {
  const env = process.env.DKR_COLLECTOR_LOG;
  if (env === "error" || env === "warn" || env === "info" || env === "debug") return ORDER[env];
  return ORDER.info;
}

const limit = threshold();

interface Kind {
  level: Level;
  /** Start of the current window (ms, monotonic). */
  since: number;
  shown: number;
  suppressed: number;
  /** The last suppressed text, quoted in the count line. */
  sample: string;
  timer: NodeJS.Timeout | null;
}

const kinds = new Map<string, Kind>();

/**
 * One line of text: C0 controls and DEL are escaped (\n, \r, \t, \xHH), so a message quoting
 * something a user controls (an error text, a label) can neither split the host's log line nor
 * carry terminal escapes.
 */
export function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/** The kind of a message without a key: its text with numbers and hex ids masked, cut at 80 characters. */
export function kindOf(text: string): string {
  return text.replace(/[0-9a-f]{12,}|\d+/gi, "#").slice(0, 80);
}

function write(level: Level, text: string): void {
  process.stderr.write(`${level} ${oneLine(text)}\n`);
}

function report(key: string, k: Kind): void {
  if (k.timer !== null) clearTimeout(k.timer);
  k.timer = null;
  if (k.suppressed > 0) {
    const secs = Math.max(1, Math.round((performance.now() - k.since) / 1000));
    write(k.level, `${k.suppressed} more message(s) like this one suppressed in the last ${secs} s: ${k.sample}`);
  }
  kinds.delete(key);
}

/**
 * Logs one message. `key` names its kind for rate limiting (default: kindOf(text)); every kind
 * shows at most BURST lines per WINDOW_MS, then one count of what it suppressed.
 */
export function log(level: Level, text: string, key: string = kindOf(text)): void {
  if (ORDER[level] > limit) return;
  const now = performance.now();
  let k = kinds.get(key);
  if (k !== undefined && now - k.since >= WINDOW_MS) {
    report(key, k);
    k = undefined;
  }
  if (k === undefined) {
    if (kinds.size >= MAX_KINDS) {
      const [oldest, ok] = kinds.entries().next().value as [string, Kind];
      report(oldest, ok);
    }
    k = { level, since: now, shown: 0, suppressed: 0, sample: "", timer: null };
    kinds.set(key, k);
  }
  if (k.shown < BURST) {
    k.shown++;
    write(level, text);
    return;
  }
  k.suppressed++;
  k.sample = text;
  if (k.timer === null) {
    const kind = k;
    kind.timer = setTimeout(() => {
      if (kinds.get(key) === kind) report(key, kind);
    }, Math.max(1, WINDOW_MS - (now - k.since)));
    kind.timer.unref();
  }
}

/** Writes every pending suppression count now. */
export function reportSuppressed(): void {
  for (const [key, k] of [...kinds]) report(key, k);
}

/**
 * Writes the pending suppression counts, then resolves once stderr has written everything queued
 * (or after `ms`, if the reader does not keep up).
 */
export function flushLog(ms: number): Promise<void> {
  reportSuppressed();
  const err = process.stderr;
  if (err.writableLength === 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    // A write's callback runs once everything queued before it is written.
    err.write("", () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** process.exit(code) once the log is flushed (at most `ms` of waiting). */
export async function exitAfterFlush(code: number, ms = 1000): Promise<never> {
  await flushLog(ms);
  process.exit(code);
}
