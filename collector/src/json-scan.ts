// A validating JSON scanner over raw bytes (RFC 8259 text, RFC 3629 UTF-8), for the hot path:
// it accepts exactly the UTF-8 JSON texts whose top-level value is an object, builds no
// objects, and remembers where the values of a few top-level keys are (the last occurrence
// wins, as with JSON.parse). Every stream line goes through it instead of toString + JSON.parse:
// it costs a fraction of that and leaves no garbage behind.

/** Top-level keys whose values the scanner locates (indexes into its result arrays). */
export const TopKey = { Type: 0, Action: 1, TimeNano: 2, Time: 3, Actor: 4 } as const;
export type TopKey = (typeof TopKey)[keyof typeof TopKey];
const TOP_NAMES = ["Type", "Action", "timeNano", "time", "Actor"];
const TOP_KEYS = TOP_NAMES.length;

/** What a located value is (Null: the JSON literal null; Object: an object, its span located). */
export const ValueKind = { Absent: 0, String: 1, Number: 2, Other: 3, Null: 4, Object: 5 } as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

/** Deeper nesting is refused (the extractor refuses anything deeper than 64). */
export const MAX_DEPTH = 512;

// Key names as bytes, compared without decoding when the key has no escape.
const KEY_BYTES: readonly Buffer[] = TOP_NAMES.map((k) => Buffer.from(k, "latin1"));

/** Bytes that end a run of plain string bytes: `"`, `\\`, controls, and non-ASCII (1); the rest 0. */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 256; c++) STRING_STOP[c] = c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x80 ? 1 : 0;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

function isCont(c: number): boolean {
  return (c & 0xc0) === 0x80;
}

/**
 * One scanner, reused line after line (its fields are the result of the last scan). Not
 * reentrant; each source owns one.
 */
export class JsonScanner {
  private b: Buffer = Buffer.alloc(0);
  private end = 0;
  private depth = 0;
  /** Set by a string scan: the string had a backslash escape. */
  private escaped = false;
  /** Per TopKey: kind, and the value's bytes [start, end) (a string's without its quotes). */
  readonly kind = new Uint8Array(TOP_KEYS);
  readonly start = new Int32Array(TOP_KEYS);
  readonly stop = new Int32Array(TOP_KEYS);
  /** Per TopKey: the string value had escapes (decode before comparing). */
  readonly hasEscape = new Uint8Array(TOP_KEYS);

  /** True when b[start, end) is one JSON object (with surrounding whitespace) in valid UTF-8. */
  scanObject(b: Buffer, start: number, end: number): boolean {
    this.b = b;
    this.end = end;
    this.depth = 0;
    this.kind.fill(ValueKind.Absent);
    let i = this.ws(start);
    if (i >= end || b[i] !== 0x7b) return false;
    i = this.value(i, true);
    if (i < 0) return false;
    return this.ws(i) === end;
  }

  /** The located string value, decoded (null when the key is absent or not a string). */
  string(key: TopKey): string | null {
    if (this.kind[key] !== ValueKind.String) return null;
    const s = this.start[key] as number;
    const e = this.stop[key] as number;
    if (this.hasEscape[key] === 0) return this.b.toString("utf8", s, e);
    return JSON.parse(this.b.toString("utf8", s - 1, e + 1)) as string;
  }

  /** True when the located value is the string `text` (ASCII, no escapes in `text`). */
  stringIs(key: TopKey, text: Buffer): boolean {
    if (this.kind[key] !== ValueKind.String) return false;
    if (this.hasEscape[key] !== 0) return this.string(key) === text.toString("latin1");
    return this.bytesAre(this.start[key] as number, this.stop[key] as number, text);
  }

  /** What the located value of `key` is (the last occurrence's). */
  kindOf(key: TopKey): ValueKind {
    return this.kind[key] as ValueKind;
  }

  /** The located number's text (null when absent or not a number). */
  numberText(key: TopKey): string | null {
    if (this.kind[key] !== ValueKind.Number) return null;
    return this.b.toString("latin1", this.start[key] as number, this.stop[key] as number);
  }

  /** True when the located number is digits only (no sign, fraction or exponent). */
  numberIsDigits(key: TopKey): boolean {
    if (this.kind[key] !== ValueKind.Number) return false;
    const b = this.b;
    for (let i = this.start[key] as number; i < (this.stop[key] as number); i++) if (!isDigit(b[i] as number)) return false;
    return true;
  }

  private bytesAre(s: number, e: number, text: Uint8Array): boolean {
    if (e - s !== text.length) return false;
    const b = this.b;
    for (let k = 0; k < text.length; k++) if (b[s + k] !== text[k]) return false;
    return true;
  }

  private ws(i: number): number {
    const b = this.b;
    const end = this.end;
    while (i < end && isWs(b[i] as number)) i++;
    return i;
  }

  /** Scans the value at `i` (no whitespace before it); returns the index after it or -1. */
  private value(i: number, top: boolean): number {
    const c = this.b[i] as number;
    if (c === 0x22) return this.str(i);
    if (c === 0x7b) return this.object(i, top);
    if (c === 0x5b) return this.array(i);
    if (c === 0x2d || isDigit(c)) return this.number(i);
    if (c === 0x74) return this.literal(i, 0x72, 0x75, 0x65, -1); // true
    if (c === 0x66) return this.literal(i, 0x61, 0x6c, 0x73, 0x65); // false
    if (c === 0x6e) return this.literal(i, 0x75, 0x6c, 0x6c, -1); // null
    return -1;
  }

  private literal(i: number, c1: number, c2: number, c3: number, c4: number): number {
    const b = this.b;
    const n = c4 < 0 ? 4 : 5;
    if (i + n > this.end || b[i + 1] !== c1 || b[i + 2] !== c2 || b[i + 3] !== c3) return -1;
    if (c4 >= 0 && b[i + 4] !== c4) return -1;
    return i + n;
  }

  private number(i: number): number {
    const b = this.b;
    const end = this.end;
    if (b[i] === 0x2d) i++;
    if (i >= end) return -1;
    if (b[i] === 0x30) {
      i++;
    } else if (isDigit(b[i] as number)) {
      while (i < end && isDigit(b[i] as number)) i++;
    } else {
      return -1;
    }
    if (i < end && b[i] === 0x2e) {
      i++;
      if (i >= end || !isDigit(b[i] as number)) return -1;
      while (i < end && isDigit(b[i] as number)) i++;
    }
    if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
      i++;
      if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) i++;
      if (i >= end || !isDigit(b[i] as number)) return -1;
      while (i < end && isDigit(b[i] as number)) i++;
    }
    return i;
  }

  /** A string from its opening quote; returns the index after the closing quote or -1. */
  private str(i: number): number {
    const b = this.b;
    const end = this.end;
    this.escaped = false;
    i++;
    while (i < end) {
      const c = b[i] as number;
      if (c >= 0x20 && c < 0x80 && c !== 0x5c && c !== 0x22) {
        i++;
        continue;
      }
      if (c === 0x22) return i + 1;
      if (c === 0x5c) {
        this.escaped = true;
        if (i + 1 >= end) return -1;
        const e = b[i + 1] as number;
        if (e === 0x75) {
          if (i + 6 > end || !isHex(b[i + 2] as number) || !isHex(b[i + 3] as number) || !isHex(b[i + 4] as number) || !isHex(b[i + 5] as number)) return -1;
          i += 6;
        } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
          i += 2;
        } else {
          return -1;
        }
        continue;
      }
      if (c < 0x20) return -1;
      i = this.utf8(i, c);
      if (i < 0) return -1;
    }
    return -1;
  }

  /** One multi-byte UTF-8 sequence starting with `c` at `i` (RFC 3629 table); the index after it or -1. */
  private utf8(i: number, c: number): number {
    const b = this.b;
    const end = this.end;
    if (c >= 0xc2 && c <= 0xdf) {
      return i + 1 < end && isCont(b[i + 1] as number) ? i + 2 : -1;
    }
    if (c >= 0xe0 && c <= 0xef) {
      if (i + 2 >= end) return -1;
      const c1 = b[i + 1] as number;
      const lo = c === 0xe0 ? 0xa0 : 0x80; // no overlong form
      const hi = c === 0xed ? 0x9f : 0xbf; // no encoded surrogate
      return c1 >= lo && c1 <= hi && isCont(b[i + 2] as number) ? i + 3 : -1;
    }
    if (c >= 0xf0 && c <= 0xf4) {
      if (i + 3 >= end) return -1;
      const c1 = b[i + 1] as number;
      const lo = c === 0xf0 ? 0x90 : 0x80; // no overlong form
      const hi = c === 0xf4 ? 0x8f : 0xbf; // nothing above U+10FFFF
      return c1 >= lo && c1 <= hi && isCont(b[i + 2] as number) && isCont(b[i + 3] as number) ? i + 4 : -1;
    }
    return -1;
  }

  private array(i: number): number {
    if (++this.depth > MAX_DEPTH) return -1;
    const b = this.b;
    i = this.ws(i + 1);
    if (i < this.end && b[i] === 0x5d) {
      this.depth--;
      return i + 1;
    }
    for (;;) {
      if (i >= this.end) return -1;
      i = this.value(i, false);
      if (i < 0) return -1;
      i = this.ws(i);
      if (i >= this.end) return -1;
      const c = b[i];
      if (c === 0x5d) {
        this.depth--;
        return i + 1;
      }
      if (c !== 0x2c) return -1;
      i = this.ws(i + 1);
    }
  }

  private object(i: number, top: boolean): number {
    if (++this.depth > MAX_DEPTH) return -1;
    const b = this.b;
    i = this.ws(i + 1);
    if (i < this.end && b[i] === 0x7d) {
      this.depth--;
      return i + 1;
    }
    for (;;) {
      if (i >= this.end || b[i] !== 0x22) return -1;
      const keyAt = i;
      i = this.str(i);
      if (i < 0) return -1;
      const key = top ? this.topKey(keyAt + 1, i - 1, this.escaped) : -1;
      i = this.ws(i);
      if (i >= this.end || b[i] !== 0x3a) return -1;
      i = this.ws(i + 1);
      if (i >= this.end) return -1;
      const valueAt = i;
      i = this.value(i, false);
      if (i < 0) return -1;
      if (key >= 0) this.locate(key, valueAt, i);
      i = this.ws(i);
      if (i >= this.end) return -1;
      const c = b[i];
      if (c === 0x7d) {
        this.depth--;
        return i + 1;
      }
      if (c !== 0x2c) return -1;
      i = this.ws(i + 1);
    }
  }

  /** Which TopKey the key b[s, e) (between its quotes) is, or -1. */
  private topKey(s: number, e: number, escaped: boolean): number {
    if (escaped) {
      const name = JSON.parse(this.b.toString("utf8", s - 1, e + 1)) as string;
      return TOP_NAMES.indexOf(name);
    }
    const n = e - s;
    if (n !== 4 && n !== 5 && n !== 6 && n !== 8) return -1;
    for (let k = 0; k < TOP_KEYS; k++) if (this.bytesAre(s, e, KEY_BYTES[k] as Buffer)) return k;
    return -1;
  }

  /** Records the value b[s, e) for a top-level key (a later duplicate replaces it). */
  private locate(key: number, s: number, e: number): void {
    const c = this.b[s] as number;
    if (c === 0x22) {
      this.kind[key] = ValueKind.String;
      this.start[key] = s + 1;
      this.stop[key] = e - 1;
      this.hasEscape[key] = this.escaped ? 1 : 0;
    } else if (c === 0x2d || isDigit(c)) {
      this.kind[key] = ValueKind.Number;
      this.start[key] = s;
      this.stop[key] = e;
    } else if (c === 0x6e) {
      this.kind[key] = ValueKind.Null;
    } else if (c === 0x7b) {
      this.kind[key] = ValueKind.Object;
      this.start[key] = s;
      this.stop[key] = e;
    } else {
      this.kind[key] = ValueKind.Other;
    }
  }
}
