// One Docker event line: structure through JSON.parse, the exact top-level timeNano read from
// the bytes (it exceeds 2^53, a double would round it), and the `falco` key appended at the
// end without touching the daemon's bytes.

export interface DockerEventFields {
  Type?: unknown;
  Action?: unknown;
  Actor?: { ID?: unknown; Attributes?: Record<string, unknown> };
  id?: unknown;
  time?: unknown;
  timeNano?: unknown;
  falco?: unknown;
}

export interface ParsedEvent {
  /** The line without its newline and surrounding whitespace: the daemon's bytes. */
  bytes: Buffer;
  /** The same as text (duplicate removal compares whole lines). */
  text: string;
  obj: DockerEventFields;
  ts: bigint;
}

const KEY = '"timeNano"';

/**
 * Exact value of the top-level "timeNano". Fast path: the last `"timeNano":` in the text (a `"`
 * inside a JSON string is always escaped, so this is a key) when it agrees with the parsed number;
 * otherwise a structural scan that walks only the top-level object.
 */
export function exactTimeNano(text: string, parsed: unknown): bigint | null {
  if (typeof parsed !== "number" || !Number.isFinite(parsed) || parsed < 0) return null;
  const at = text.lastIndexOf(KEY);
  if (at >= 0) {
    const digits = digitsAfterColon(text, at + KEY.length);
    if (digits !== null && Number(digits) === parsed) return BigInt(digits);
  }
  const raw = scanTopLevel(text, "timeNano");
  if (raw === null || !/^\d+$/.test(raw)) return null;
  return BigInt(raw);
}

function digitsAfterColon(text: string, i: number): string | null {
  while (isWs(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 0x3a) return null;
  i++;
  while (isWs(text.charCodeAt(i))) i++;
  const start = i;
  while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
  if (i === start) return null;
  const c = text.charCodeAt(i);
  if (c === 0x2e || c === 0x65 || c === 0x45) return null; // fraction or exponent: not an integer
  return text.slice(start, i);
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Raw text of the value of top-level key `key` (last occurrence), for a text JSON.parse accepted. */
export function scanTopLevel(text: string, key: string): string | null {
  let depth = 0;
  let i = 0;
  let found: string | null = null;
  let expectKey = false;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      if (depth === 1 && expectKey) {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        let j = end + 1;
        while (isWs(text.charCodeAt(j))) j++;
        j++; // the colon
        while (isWs(text.charCodeAt(j))) j++;
        if (name === key) {
          let k = j;
          while (k < n && !isWs(text.charCodeAt(k)) && text[k] !== "," && text[k] !== "}" && text[k] !== "]" && text[k] !== "{" && text[k] !== "[" && text[k] !== '"') k++;
          found = text.slice(j, k);
        }
        expectKey = false;
        i = j;
        continue;
      }
      i = end + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      depth++;
      expectKey = c === 0x7b && depth === 1;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c && depth === 1) {
      expectKey = true;
    }
    i++;
  }
  return found;
}

function stringEnd(text: string, quote: number): number {
  let i = quote + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return text.length - 1;
    let bs = 0;
    for (let k = q - 1; k > quote && text.charCodeAt(k) === 0x5c; k--) bs++;
    if (bs % 2 === 0) return q;
    i = q + 1;
  }
}

/** Trims whitespace (and a CR) around one NDJSON line. */
export function trimLine(line: Buffer): Buffer {
  let s = 0;
  let e = line.length;
  while (s < e && isWs(line[s] as number)) s++;
  while (e > s && isWs(line[e - 1] as number)) e--;
  return s === 0 && e === line.length ? line : line.subarray(s, e);
}

/**
 * Parses one line. Returns null when it is not a JSON object with an exact integer timeNano
 * (or, failing that, an integer `time` in seconds).
 */
export function parseEvent(line: Buffer): ParsedEvent | null {
  const bytes = trimLine(line);
  if (bytes.length < 2 || bytes[0] !== 0x7b || bytes[bytes.length - 1] !== 0x7d) return null;
  const text = bytes.toString("utf8");
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return null;
  }
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return null;
  const ev = obj as DockerEventFields;
  let ts = exactTimeNano(text, ev.timeNano);
  if (ts === null) {
    if (typeof ev.time === "number" && Number.isSafeInteger(ev.time) && ev.time >= 0) ts = BigInt(ev.time) * 1_000_000_000n;
    else return null;
  }
  return { bytes, text, obj: ev, ts };
}

/** True when the trimmed object `bytes` has no key (`{}` or `{ }`). */
function emptyObject(bytes: Buffer): boolean {
  let k = bytes.length - 2;
  while (k >= 0 && isWs(bytes[k] as number)) k--;
  return k >= 0 && bytes[k] === 0x7b;
}

/**
 * What replaces the final `}` of the daemon's bytes to add the falco key: `,"falco":<json>}`.
 * The payload is then body[0, length - 1) + tail: the daemon's bytes are never copied or changed.
 */
export function falcoTail(body: Buffer, falcoJson: string, cached: Buffer | null = null): Buffer {
  if (emptyObject(body)) return Buffer.from(`"falco":${falcoJson}}`, "utf8");
  return cached ?? Buffer.from(`,"falco":${falcoJson}}`, "utf8");
}

/** The daemon's bytes with `,"falco":<json>` inserted before the final `}` (one buffer). */
export function appendFalco(bytes: Buffer, falcoJson: string): Buffer {
  return Buffer.concat([bytes.subarray(0, bytes.length - 1), falcoTail(bytes, falcoJson)]);
}
