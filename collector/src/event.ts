// One Docker event line: validated and located by the byte scanner (json-scan.ts) with no
// JSON.parse and no string of the whole line, the exact top-level timeNano read from its
// digits (it exceeds 2^53, a double would round it), and the `falco` key appended at the end
// without touching the daemon's bytes.
import { JsonScanner, TopKey, ValueKind } from "./json-scan";

/** The fields of a Docker event object the collector reads (JSON.parse of a line that needs enrichment). */
export interface DockerEventFields {
  Type?: unknown;
  Action?: unknown;
  Actor?: { ID?: unknown; Attributes?: Record<string, unknown> };
  id?: unknown;
  time?: unknown;
  timeNano?: unknown;
  falco?: unknown;
}

export type EventType = "container" | "collector" | "other";

export interface ParsedEvent {
  /** The line without its newline and surrounding whitespace: the daemon's bytes. */
  bytes: Buffer;
  /** The top-level Actor object's span in bytes, [-1, -1] when it is not an object. */
  actorStart: number;
  actorEnd: number;
  ts: bigint;
  /** The top-level Type, as far as the collector cares. */
  type: EventType;
  /** The top-level Action (decoded) when type is "container", else null. */
  action: string | null;
}

const U64_MAX = 0xffffffffffffffffn;
const CONTAINER = Buffer.from("container", "latin1");
const COLLECTOR = Buffer.from("collector", "latin1");

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Trims whitespace (and a CR) around one NDJSON line. */
export function trimLine(line: Buffer): Buffer {
  let s = 0;
  let e = line.length;
  while (s < e && isWs(line[s] as number)) s++;
  while (e > s && isWs(line[e - 1] as number)) e--;
  return s === 0 && e === line.length ? line : line.subarray(s, e);
}

/** Value of a digits-only number text, exact (two doubles below 2^53, joined as a bigint). */
function digitsToBigInt(b: Buffer, s: number, e: number): bigint {
  if (e - s <= 15) {
    let v = 0;
    for (let i = s; i < e; i++) v = v * 10 + ((b[i] as number) - 0x30);
    return BigInt(v);
  }
  if (e - s > 20) return BigInt(b.toString("latin1", s, e));
  let hi = 0;
  let lo = 0;
  const mid = e - 9;
  for (let i = s; i < mid; i++) hi = hi * 10 + ((b[i] as number) - 0x30);
  for (let i = mid; i < e; i++) lo = lo * 10 + ((b[i] as number) - 0x30);
  return BigInt(hi) * 1_000_000_000n + BigInt(lo);
}

/**
 * floor(v * 10^scale) of the JSON number token `text` (already validated), exact, computed on
 * its decimal text; null when negative (below -0) or above 2^64-1. The same definition as the
 * extractor's docker.time (assembly/ABI.md "Parsing rules"), checked by tests/vectors/time.json.
 */
export function numberTimes(text: string, scale: number): bigint | null {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null) return null;
  const digits = `${m[2] as string}${m[3] ?? ""}`.replace(/^0+/, "");
  if (digits === "") return 0n; // zero, -0 included
  if (m[1] === "-") return null;
  // Exponents this far out only decide between 0 and overflow (the extractor clamps them too).
  const expText = m[4] ?? "0";
  const exp = expText.replace(/^[+-]?0*/, "").length > 7 ? (expText.startsWith("-") ? -1e7 : 1e7) : Number(expText);
  const e = exp + scale - (m[3]?.length ?? 0);
  // digits * 10^e has digits.length + e integer digits; more than 20 is over 2^64-1.
  if (digits.length + e > 20) return null;
  const v = e >= 0 ? BigInt(digits) * 10n ** BigInt(e) : -e >= digits.length ? 0n : BigInt(digits.slice(0, digits.length + e));
  return v <= U64_MAX ? v : null;
}

/**
 * The event time the extractor gives docker.time (assembly/ABI.md): floor(timeNano) when the
 * top-level timeNano is present (not null), else floor(time * 10^9); null when the one that
 * decides is not a number, negative or above 2^64-1 (no fallback from a bad timeNano to time).
 */
function eventTime(sc: JsonScanner, b: Buffer): bigint | null {
  const tn = sc.kindOf(TopKey.TimeNano);
  if (tn !== ValueKind.Absent && tn !== ValueKind.Null) {
    if (tn !== ValueKind.Number) return null;
    if (sc.numberIsDigits(TopKey.TimeNano)) {
      // The daemon's form: an integer of at most 20 digits (no leading zero in JSON).
      const s = sc.start[TopKey.TimeNano] as number;
      const e = sc.stop[TopKey.TimeNano] as number;
      if (e - s > 20) return null;
      const v = digitsToBigInt(b, s, e);
      return v <= U64_MAX ? v : null;
    }
    return numberTimes(sc.numberText(TopKey.TimeNano) as string, 0);
  }
  const t = sc.kindOf(TopKey.Time);
  if (t !== ValueKind.Number) return null;
  return numberTimes(sc.numberText(TopKey.Time) as string, 9);
}

/**
 * Parses Docker event lines with one reusable scanner. Returns null when a line is not a JSON
 * object in valid UTF-8, or has no event time as the extractor defines docker.time (eventTime).
 */
export class EventParser {
  private readonly scanner = new JsonScanner();

  parse(line: Buffer): ParsedEvent | null {
    const bytes = trimLine(line);
    const sc = this.scanner;
    if (bytes.length < 2 || bytes[0] !== 0x7b || !sc.scanObject(bytes, 0, bytes.length)) return null;
    const ts = eventTime(sc, bytes);
    if (ts === null) return null;
    let type: EventType = "other";
    let action: string | null = null;
    if (sc.stringIs(TopKey.Type, CONTAINER)) {
      type = "container";
      action = sc.string(TopKey.Action);
    } else if (sc.stringIs(TopKey.Type, COLLECTOR)) {
      type = "collector";
    }
    const actor = sc.kindOf(TopKey.Actor) === ValueKind.Object;
    const actorStart = actor ? (sc.start[TopKey.Actor] as number) : -1;
    const actorEnd = actor ? (sc.stop[TopKey.Actor] as number) : -1;
    return { bytes, ts, type, action, actorStart, actorEnd };
  }
}

/** The end (after its closing quote) of the JSON string whose opening quote is at i (validated text). */
function stringEnd(b: Buffer, i: number): number {
  let j = i + 1;
  for (;;) {
    j = b.indexOf(0x22, j);
    let k = j - 1;
    while (b[k] === 0x5c) k--;
    if ((j - 1 - k) % 2 === 0) return j + 1;
    j++;
  }
}

/** The end of the (validated) JSON value at i: strings skipped with indexOf, containers by depth. */
function valueEnd(b: Buffer, i: number): number {
  const c = b[i];
  if (c === 0x22) return stringEnd(b, i);
  if (c !== 0x7b && c !== 0x5b) {
    let j = i + 1;
    while (j < b.length && b[j] !== 0x2c && b[j] !== 0x7d && b[j] !== 0x5d && !isWs(b[j] as number)) j++;
    return j;
  }
  let depth = 0;
  let j = i;
  for (;;) {
    const d = b[j];
    if (d === 0x22) {
      j = stringEnd(b, j);
      continue;
    }
    if (d === 0x7b || d === 0x5b) depth++;
    else if (d === 0x7d || d === 0x5d) {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
}

/** The members of the (validated) object at i: [decoded key, value start, value end], the last occurrence last. */
function members(b: Buffer, i: number): Array<[string, number, number]> {
  const out: Array<[string, number, number]> = [];
  let j = i + 1;
  const ws = (): void => {
    while (isWs(b[j] as number)) j++;
  };
  ws();
  if (b[j] === 0x7d) return out;
  for (;;) {
    const ke = stringEnd(b, j);
    const raw = b.toString("utf8", j, ke);
    const key = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
    j = ke;
    ws();
    j++; // ':'
    ws();
    const vs = j;
    j = valueEnd(b, j);
    out.push([key, vs, j]);
    ws();
    if (b[j] === 0x7d) return out;
    j++; // ','
    ws();
  }
}

function stringAt(b: Buffer, s: number, e: number): string | undefined {
  return b[s] === 0x22 ? (JSON.parse(b.toString("utf8", s, e)) as string) : undefined;
}

/**
 * What the enrichment needs of an event (Type, Action, Actor.ID, Actor.Attributes.execID), read
 * from the located Actor object without parsing the whole line: an event with megabytes of
 * labels costs a walk over their few string boundaries, not a JSON.parse of megabytes.
 */
export function eventFields(ev: ParsedEvent): DockerEventFields {
  const f: DockerEventFields = { Type: ev.type === "container" ? "container" : ev.type, Action: ev.action ?? undefined };
  if (ev.actorStart < 0) return f;
  const b = ev.bytes;
  const actor: NonNullable<DockerEventFields["Actor"]> = {};
  for (const [k, s, e] of members(b, ev.actorStart)) {
    if (k === "ID") actor.ID = stringAt(b, s, e);
    else if (k === "Attributes" && b[s] === 0x7b) {
      const attrs: Record<string, unknown> = {};
      for (const [ak, as, ae] of members(b, s)) if (ak === "execID") attrs.execID = stringAt(b, as, ae);
      actor.Attributes = attrs;
    }
  }
  f.Actor = actor;
  return f;
}

const shared = new EventParser();

/** EventParser.parse with a module-wide parser (synchronous, so never reentered). */
export function parseEvent(line: Buffer): ParsedEvent | null {
  return shared.parse(line);
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
