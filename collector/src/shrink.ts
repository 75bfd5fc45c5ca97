// Oversize events: an event over the record limit (the ring's max_payload, and the extractor's
// 4 MiB) is shrunk, never dropped, so that a user cannot hide a container from the rules with
// big labels (contracts/ring.md "Oversize events"). What is cut:
//   1. Actor.Attributes members past the 1,024 the extractor keeps (they have no value anyway);
//   2. strings, the longest first: every string longer than a cap L is cut to at most L bytes (at
//      a character and escape boundary), L the largest cap (at most 64 KiB, the extractor's
//      string limit) that makes the event fit; the identity strings (Type, scope, id, from,
//      Actor.ID) and the enrichment (`falco` key) are never cut;
//   3. if that is not enough (structure, not strings, is too big): the members the extractor does
//      not read, the largest first, then the attributes from the last one back;
//   4. if the enrichment itself is too big for half the record, its mounts from the last back.
// The event keeps its time, type, action, actor and security context, and its `falco` key says
// what was cut: "truncated":{"bytes":…,"strings":…,"stringBytes":…,"attributes":…,"members":…,"mounts":…}.
// The result is a function of the input bytes and the limit only: a line replayed after a
// reconnect is shrunk to the same bytes.

/** The extractor's payload limit (assembly/limits.ts MAX_EVENT). */
export const MAX_EVENT = 4 << 20;
/** The extractor's string limit: longer strings have no value (assembly/limits.ts MAX_STRING). */
export const MAX_STRING = 64 << 10;
/** The extractor keeps the first 1,024 attributes (assembly/limits.ts MAX_ATTRS). */
export const MAX_ATTRS = 1024;
/** Room kept for the "truncated" object in the falco key (its numbers' digits vary). */
const TRUNCATED_RESERVE = 192;

/** What shrinking (or squeezing an over-long line, lines.ts) removed. */
export interface Cut {
  /** Bytes of the daemon's event JSON as received (the line without its newline). */
  bytes: number;
  /** Strings cut short, and the encoded bytes removed from them. */
  strings: number;
  stringBytes: number;
  /** Actor.Attributes members removed. */
  attributes: number;
  /** Other members removed (not read by the extractor). */
  members: number;
  /** Mounts removed from the falco key's container context. */
  mounts: number;
  /** Squeezed lines only: where the strings already cut end (their closing quote's index), so none is counted twice. */
  ends?: number[];
}

export function emptyCut(bytes: number): Cut {
  return { bytes, strings: 0, stringBytes: 0, attributes: 0, members: 0, mounts: 0 };
}

/** `cut` for the same line with its first `by` bytes (leading whitespace) removed. */
export function shiftCut(cut: Cut, by: number): Cut {
  return by === 0 || cut.ends === undefined ? cut : { ...cut, ends: cut.ends.map((e) => e - by) };
}

/** The top-level keys the extractor reads (assembly/ABI.md): never removed. */
const KNOWN = new Set(["Type", "Action", "Actor", "scope", "time", "timeNano", "status", "id", "from", "falco"]);
/** Top-level keys whose string values are identities: never cut. */
const IDENTITY = new Set(["Type", "scope", "id", "from"]);

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export interface Shrunk {
  /** The event JSON with what was cut removed (still ending with its `}`). */
  body: Buffer;
  /** The falco key (with "truncated") and closing brace replacing body's final `}`. */
  tail: Buffer;
  cut: Cut;
}

interface Member {
  /** Where the member starts (its key's opening quote) and ends (after its value). */
  start: number;
  end: number;
  key: string;
  valueStart: number;
}

/**
 * Span collector over a JSON text already validated (by the extractor module, event.ts): every string
 * that may be cut (start and end of its encoded content, between the quotes), in text order.
 */
class Spans {
  readonly b: Buffer;
  starts: number[] = [];
  ends: number[] = [];
  /** Set by members(): the index after the object's closing brace. */
  afterObject = 0;

  constructor(b: Buffer) {
    this.b = b;
  }

  ws(i: number): number {
    while (i < this.b.length && isWs(this.b[i] as number)) i++;
    return i;
  }

  /** The end (after the closing quote) of the string whose opening quote is at i. */
  stringEnd(i: number): number {
    const b = this.b;
    let j = i + 1;
    for (;;) {
      j = b.indexOf(0x22, j);
      let k = j - 1;
      while (b[k] === 0x5c) k--;
      if ((j - 1 - k) % 2 === 0) return j + 1; // an even run of backslashes before it: the closing quote
      j++;
    }
  }

  private candidate(s: number, e: number): void {
    this.starts.push(s);
    this.ends.push(e);
  }

  keyText(start: number, end: number): string {
    const raw = this.b.toString("utf8", start, end);
    return raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }

  /** Scans the value at i; its strings (keys included) are candidates unless `keep`. Returns the index after it. */
  value(i: number, keep: boolean): number {
    const b = this.b;
    const c = b[i] as number;
    if (c === 0x22) {
      const e = this.stringEnd(i);
      if (!keep) this.candidate(i + 1, e - 1);
      return e;
    }
    if (c === 0x7b || c === 0x5b) {
      // Every string inside (keys included) is a candidate unless `keep`: one pass, no
      // recursion (the nesting is as deep as the event makes it).
      let depth = 0;
      let j = i;
      for (;;) {
        const d = b[j] as number;
        if (d === 0x22) {
          const e = this.stringEnd(j);
          if (!keep) this.candidate(j + 1, e - 1);
          j = e;
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
    let j = i + 1; // a number or a literal
    while (j < b.length && !isWs(b[j] as number) && b[j] !== 0x2c && b[j] !== 0x7d && b[j] !== 0x5d) j++;
    return j;
  }

  /**
   * The members of the object whose '{' is at i. Keys are candidates unless `keepKeys`; values
   * are scanned by `each` when given (it returns the index after the value), else by value(…, keepKeys).
   */
  members(i: number, keepKeys: boolean, each: ((m: Member) => number) | null): Member[] {
    const b = this.b;
    const out: Member[] = [];
    let j = this.ws(i + 1);
    if (b[j] === 0x7d) {
      this.afterObject = j + 1;
      return out;
    }
    for (;;) {
      const ks = j;
      const ke = this.stringEnd(j);
      if (!keepKeys) this.candidate(ks + 1, ke - 1);
      j = this.ws(ke);
      j = this.ws(j + 1); // ':'
      const m: Member = { start: ks, end: 0, key: this.keyText(ks, ke), valueStart: j };
      j = each !== null ? each(m) : this.value(j, keepKeys);
      m.end = j;
      out.push(m);
      j = this.ws(j);
      if (b[j] === 0x7d) {
        this.afterObject = j + 1;
        return out;
      }
      j = this.ws(j + 1); // ','
    }
  }
}

/** The end of the longest prefix of the encoded string content [start, end), at most cap bytes, that ends on a whole character. */
export function cutPoint(b: Buffer, start: number, end: number, cap: number): number {
  const limit = start + cap;
  let i = start;
  while (i < end) {
    const c = b[i] as number;
    let n: number;
    if (c === 0x5c) {
      n = 2;
      if (b[i + 1] === 0x75) {
        n = 6;
        // a surrogate pair (\uD8xx\uDCxx) is one character
        const hi = parseInt(b.toString("latin1", i + 2, i + 6), 16);
        if (hi >= 0xd800 && hi < 0xdc00 && b[i + 6] === 0x5c && b[i + 7] === 0x75) {
          const lo = parseInt(b.toString("latin1", i + 8, i + 12), 16);
          if (lo >= 0xdc00 && lo < 0xe000) n = 12;
        }
      }
    } else if (c < 0x80) n = 1;
    else if (c >= 0xf0) n = 4;
    else if (c >= 0xe0) n = 3;
    else n = 2;
    if (i + n > limit) break;
    i += n;
  }
  return i;
}

/** The falco key's JSON with "truncated" added (an object; null or another type is replaced). */
function withTruncated(falcoJson: string, cut: Cut): string {
  const t = JSON.stringify({
    bytes: cut.bytes,
    strings: cut.strings,
    stringBytes: cut.stringBytes,
    attributes: cut.attributes,
    members: cut.members,
    mounts: cut.mounts,
  });
  const s = falcoJson.trim();
  if (!s.startsWith("{")) return `{"truncated":${t}}`;
  const inner = s.slice(1, -1).trim();
  return inner === "" ? `{"truncated":${t}}` : `${s.slice(0, -1)},"truncated":${t}}`;
}

interface FalcoObject {
  container?: { mounts?: unknown[] };
}

/** Removes mounts of the falco key from the last back until its JSON is at most `budget` bytes. */
function shrinkFalco(json: string, budget: number, cut: Cut): string {
  if (Buffer.byteLength(json) <= budget) return json;
  let v: FalcoObject;
  try {
    v = JSON.parse(json) as FalcoObject;
  } catch {
    return json;
  }
  const mounts = v?.container?.mounts;
  if (!Array.isArray(mounts)) return json;
  let out = json;
  while (mounts.length > 0 && Buffer.byteLength(out) > budget) {
    const drop = Math.max(1, Math.ceil(mounts.length / 8));
    mounts.splice(mounts.length - drop, drop);
    cut.mounts += drop;
    out = JSON.stringify(v);
  }
  return out;
}

/**
 * The byte ranges that remove the members of `list` marked in `gone`, keeping the rest joined
 * by single commas: each run of removed members goes with the comma before it, or, at the
 * start of the list, with the comma after it.
 */
function memberRanges(list: Member[], gone: Set<number>, out: Array<[number, number]>): void {
  let i = 0;
  while (i < list.length) {
    if (!gone.has(i)) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < list.length && gone.has(j + 1)) j++;
    const first = list[i] as Member;
    const last = list[j] as Member;
    if (i > 0) out.push([(list[i - 1] as Member).end, last.end]);
    else if (j + 1 < list.length) out.push([first.start, (list[j + 1] as Member).start]);
    else out.push([first.start, last.end]);
    i = j + 1;
  }
}

/** Strings are never cut below this (the action's "exec_start: ", attribute keys stay readable). */
const MIN_CAP = 64;

/**
 * Shrinks one event to at most `limit` payload bytes (the body without its final `}`, plus the
 * tail). `body`: the event JSON (validated by the extractor module); `tail`: the collector's falco key
 * (`,"falco":{…}}`), or null when the body carries its own falco key or none (replays); `prior`:
 * what squeezing an over-long line already cut (lines.ts), merged into the result. Returns null
 * when even the smallest form does not fit (the caller drops the event and reports it).
 */
export function shrinkEvent(body: Buffer, tail: Buffer | null, limit: number, prior: Cut | null = null): Shrunk | null {
  const cut: Cut = prior !== null ? { ...prior, ends: undefined } : emptyCut(body.length);
  const cutBefore = new Set(prior?.ends ?? []);
  const sp = new Spans(body);
  let attrs: Member[] = [];
  let falcoAt = -1;
  // Top-level and Actor keys are kept; the extractor reads the last Actor and the last Attributes in it.
  const top = sp.members(sp.ws(0), true, (m) => {
    if (m.key === "falco" && tail === null) return sp.value(m.valueStart, true);
    if (IDENTITY.has(m.key)) return sp.value(m.valueStart, true);
    if (m.key === "Actor" && body[m.valueStart] === 0x7b) {
      attrs = [];
      sp.members(m.valueStart, true, (a) => {
        if (a.key === "ID") return sp.value(a.valueStart, true);
        if (a.key === "Attributes" && body[a.valueStart] === 0x7b) {
          attrs = sp.members(a.valueStart, false, null);
          return sp.afterObject;
        }
        return sp.value(a.valueStart, false);
      });
      return sp.afterObject;
    }
    return sp.value(m.valueStart, false);
  });
  if (tail === null) for (let i = 0; i < top.length; i++) if ((top[i] as Member).key === "falco") falcoAt = i;

  // The falco key: the collector's tail, or the body's own (moved to the end, where it stays the last).
  let falcoJson = "{}";
  if (tail !== null) falcoJson = tail.toString("utf8", tail.indexOf(0x7b), tail.length - 1);
  else if (falcoAt >= 0) falcoJson = body.toString("utf8", (top[falcoAt] as Member).valueStart, (top[falcoAt] as Member).end);
  falcoJson = shrinkFalco(falcoJson, Math.floor(limit / 2), cut);

  const goneTop = new Set<number>();
  const goneAttrs = new Set<number>();
  if (falcoAt >= 0) goneTop.add(falcoAt);
  for (let i = MAX_ATTRS; i < attrs.length; i++) goneAttrs.add(i);
  cut.attributes += Math.max(0, attrs.length - MAX_ATTRS);

  const span = (m: Member): number => m.end - m.start + 1; // with one comma
  // The payload size once `saved` bytes of the kept candidates are cut.
  let removedBytes = 0;
  for (const i of goneTop) removedBytes += span(top[i] as Member);
  for (const i of goneAttrs) removedBytes += span(attrs[i] as Member);
  const tailRoom = Buffer.byteLength(falcoJson) + 16 + TRUNCATED_RESERVE;
  const sizeAt = (saved: number): number => body.length - 1 - removedBytes - saved + tailRoom;
  // Bytes saved by capping every kept candidate at L (computed below on the kept list).
  let lens: number[] = [];
  const keptLens = (): number[] => {
    const ranges: Array<[number, number]> = [];
    for (const i of goneTop) ranges.push([(top[i] as Member).start, (top[i] as Member).end]);
    for (const i of goneAttrs) ranges.push([(attrs[i] as Member).start, (attrs[i] as Member).end]);
    ranges.sort((x, y) => x[0] - y[0]);
    const out: number[] = [];
    let r = 0;
    for (let k = 0; k < sp.starts.length; k++) {
      const s = sp.starts[k] as number;
      while (r < ranges.length && (ranges[r] as [number, number])[1] <= s) r++;
      if (r < ranges.length && s >= (ranges[r] as [number, number])[0]) continue;
      out.push((sp.ends[k] as number) - s);
    }
    return out;
  };
  const savedAt = (L: number): number => {
    let n = 0;
    for (const l of lens) if (l > L) n += l - L;
    return n;
  };
  lens = keptLens();
  if (sizeAt(savedAt(MIN_CAP)) > limit) {
    // Strings alone are not enough: members the extractor does not read, the largest first, then
    // attributes from the last kept one back. At MIN_CAP a member's strings count at most MIN_CAP each.
    const minSaved = (): number => savedAt(MIN_CAP);
    let base = minSaved();
    const extra = top
      .map((m, i) => ({ m, i }))
      .filter(({ m, i }) => !KNOWN.has(m.key) && !goneTop.has(i))
      .sort((a, b) => span(b.m) - span(a.m));
    for (const { m, i } of extra) {
      if (sizeAt(base) <= limit) break;
      goneTop.add(i);
      removedBytes += span(m);
      cut.members++;
      lens = keptLens();
      base = minSaved();
    }
    for (let i = Math.min(attrs.length, MAX_ATTRS) - 1; i >= 0 && sizeAt(base) > limit; i--) {
      goneAttrs.add(i);
      removedBytes += span(attrs[i] as Member);
      cut.attributes++;
      // the strings of the attribute leave the kept list: their share of `base` goes with them
      const m = attrs[i] as Member;
      let n = 0;
      for (let k = sp.starts.length - 1; k >= 0 && (sp.starts[k] as number) >= m.start; k--) {
        const s = sp.starts[k] as number;
        if (s < m.end) {
          const l = (sp.ends[k] as number) - s;
          if (l > MIN_CAP) n += l - MIN_CAP;
        }
      }
      base -= n;
    }
    lens = keptLens();
    if (sizeAt(savedAt(MIN_CAP)) > limit) return null;
  }
  // The largest cap L in [MIN_CAP, MAX_STRING] that fits (savedAt grows as L shrinks).
  let lo = MIN_CAP;
  let hi = MAX_STRING;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (sizeAt(savedAt(mid)) <= limit) lo = mid;
    else hi = mid - 1;
  }
  const L = lo;

  const edits: Array<[number, number]> = [];
  memberRanges(top, goneTop, edits);
  memberRanges(attrs, goneAttrs, edits);
  edits.sort((x, y) => x[0] - y[0]);
  // String cuts, outside the removed ranges.
  let r = 0;
  const cuts: Array<[number, number]> = [];
  for (let k = 0; k < sp.starts.length; k++) {
    const s = sp.starts[k] as number;
    const e = sp.ends[k] as number;
    if (e - s <= L) continue;
    while (r < edits.length && (edits[r] as [number, number])[1] <= s) r++;
    if (r < edits.length && s >= (edits[r] as [number, number])[0]) continue;
    const at = cutPoint(body, s, e, L);
    cuts.push([at, e]);
    if (!cutBefore.has(e)) cut.strings++;
    cut.stringBytes += e - at;
  }
  const all = edits.concat(cuts).sort((x, y) => x[0] - y[0]);
  const parts: Buffer[] = [];
  let at = 0;
  for (const [s, e] of all) {
    if (e <= at) continue;
    if (s > at) parts.push(body.subarray(at, s));
    at = e;
  }
  parts.push(body.subarray(at));
  const out = Buffer.concat(parts);
  // No comma before the falco key when no member is left.
  let k = 1;
  while (k < out.length && isWs(out[k] as number)) k++;
  const empty = out[k] === 0x7d;
  const t = Buffer.from(`${empty ? "" : ","}"falco":${withTruncated(falcoJson, cut)}}`, "utf8");
  if (out.length - 1 + t.length > limit) return null;
  return { body: out, tail: t, cut };
}
