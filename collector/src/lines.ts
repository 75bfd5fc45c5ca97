// Splits a byte stream (the daemon's NDJSON, a recording) into lines without copying: a line
// inside one chunk is a view of it, a line across chunks is joined once it ends.
//
// An unfinished line is held up to MAX_LINE_BYTES. A longer line is not dropped: from there on it
// is squeezed as it streams in (Squeezer): every JSON string in it is cut to at most 64 KiB
// (the extractor's string limit; 256 bytes once the squeezed line passes SQUEEZE_TIGHT), so the
// event (a container with huge labels) still reaches the rules, shrunk further to the record
// limit by the queue (shrink.ts) and marked as truncated. Only when even the squeezed line
// outgrows MAX_LINE_BYTES (millions of members) is it dropped, and then reported (overlong()).
import { MAX_PAYLOAD_CAP } from "./ring";
import { type Cut, MAX_STRING, emptyCut } from "./shrink";

export const MAX_LINE_BYTES = MAX_PAYLOAD_CAP;
/** A squeezed line longer than this cuts its next strings to TIGHT_CAP bytes. */
const SQUEEZE_TIGHT = MAX_LINE_BYTES >> 1;
const TIGHT_CAP = 256;

export interface LineHandler {
  /**
   * A complete line (without its newline); `nl` is the newline's index in the current chunk;
   * `cut` says what squeezing removed from an over-long line (null: the line as received).
   */
  line(line: Buffer, nl: number, cut: Cut | null): void;
  /** A line could not be squeezed under MAX_LINE_BYTES and is being dropped (called once per such line). */
  overlong(): void;
}

/**
 * Cuts the JSON strings of one line as its bytes stream in, at character and escape boundaries
 * (the bytes are validated later, by the event parser: whatever they are, the output is the
 * input minus parts of string contents, so valid JSON stays valid).
 */
export class Squeezer {
  private readonly parts: Buffer[] = [];
  private length = 0;
  private inString = false;
  /** Bytes left of the escape sequence being read (after its backslash). */
  private escLeft = 0;
  /** The escape being read is a \u one (its length is known at its second byte). */
  private escStart = false;
  private strLen = 0;
  private cutting = false;
  readonly cut: Cut;

  constructor() {
    this.cut = emptyCut(0);
    this.cut.ends = [];
  }

  /** Bytes of output so far. */
  get size(): number {
    return this.length;
  }

  /** The cap for a string character starting when `out` bytes are kept (never depends on how the line was chunked). */
  private cap(out: number): number {
    return out > SQUEEZE_TIGHT ? TIGHT_CAP : MAX_STRING;
  }

  push(b: Buffer): void {
    this.cut.bytes += b.length;
    let run = 0; // start of the run of bytes being kept
    let keep = !(this.inString && this.cutting);
    const flip = (i: number, k: boolean): void => {
      if (k === keep) return;
      if (keep && i > run) this.emit(b.subarray(run, i));
      keep = k;
      run = i;
    };
    for (let i = 0; i < b.length; i++) {
      const c = b[i] as number;
      if (!this.inString) {
        if (c === 0x22) {
          this.inString = true;
          this.strLen = 0;
          this.cutting = false;
        }
        continue;
      }
      if (this.escStart) {
        // the byte after a backslash: \uXXXX has 4 more, the others none
        this.escStart = false;
        this.escLeft = c === 0x75 ? 4 : 0;
        this.strLen++;
        if (this.cutting) this.cut.stringBytes++;
        continue;
      }
      if (this.escLeft > 0) {
        this.escLeft--;
        this.strLen++;
        if (this.cutting) this.cut.stringBytes++;
        continue;
      }
      if (c === 0x22) {
        // the closing quote: kept
        this.inString = false;
        if (this.cutting) {
          this.cut.strings++;
          (this.cut.ends as number[]).push(this.length); // the quote is the next byte out (nothing kept since the cut)
        }
        flip(i, true);
        continue;
      }
      // a character starts here unless c is a UTF-8 continuation byte
      if (!this.cutting && (c & 0xc0) !== 0x80 && this.strLen + 12 > this.cap(this.length + (keep ? i - run : 0))) {
        this.cutting = true;
        flip(i, false);
      }
      if (c === 0x5c) this.escStart = true;
      this.strLen++;
      if (this.cutting) this.cut.stringBytes++;
    }
    if (keep && b.length > run) this.emit(b.subarray(run));
  }

  private emit(part: Buffer): void {
    this.parts.push(part);
    this.length += part.length;
  }

  /** The squeezed line. */
  result(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}

export class LineSplitter {
  private readonly h: LineHandler;
  private partial: Buffer[] = [];
  private partialLen = 0;
  /** The line being squeezed (over MAX_LINE_BYTES), or null. */
  private squeeze: Squeezer | null = null;
  /** Dropping an over-long line up to its newline. */
  private skipping = false;

  constructor(h: LineHandler) {
    this.h = h;
  }

  /** Bytes of the unfinished line held now. */
  get pending(): number {
    return this.squeeze !== null ? this.squeeze.size : this.partialLen;
  }

  /** Feeds bytes to the line being squeezed; false (and the line dropped) once it outgrows the limit. */
  private feed(part: Buffer): boolean {
    const sq = this.squeeze as Squeezer;
    sq.push(part);
    if (sq.size <= MAX_LINE_BYTES) return true;
    this.squeeze = null;
    this.skipping = true;
    this.h.overlong();
    return false;
  }

  /** The held partial line grew past MAX_LINE_BYTES: squeeze it from its start. */
  private startSqueeze(): void {
    this.squeeze = new Squeezer();
    const held = this.partial;
    this.partial = [];
    this.partialLen = 0;
    for (const p of held) if (!this.feed(p)) return;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    for (;;) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) break;
      if (this.skipping) {
        this.skipping = false; // the over-long line ends here
      } else if (this.squeeze !== null) {
        if (this.feed(chunk.subarray(pos, nl))) {
          const sq = this.squeeze;
          this.squeeze = null;
          this.h.line(sq.result(), nl, sq.cut);
        } else this.skipping = false;
      } else if (this.partialLen > 0) {
        this.partial.push(chunk.subarray(pos, nl));
        this.partialLen += nl - pos;
        if (this.partialLen > MAX_LINE_BYTES) {
          this.startSqueeze();
          if (this.squeeze !== null) {
            const sq: Squeezer = this.squeeze;
            this.squeeze = null;
            this.h.line(sq.result(), nl, sq.cut);
          } else this.skipping = false;
        } else {
          this.h.line(Buffer.concat(this.partial, this.partialLen), nl, null);
        }
        this.partial = [];
        this.partialLen = 0;
      } else if (nl - pos > MAX_LINE_BYTES) {
        this.squeeze = new Squeezer();
        if (this.feed(chunk.subarray(pos, nl))) {
          const sq: Squeezer = this.squeeze;
          this.squeeze = null;
          this.h.line(sq.result(), nl, sq.cut);
        } else this.skipping = false;
      } else {
        this.h.line(chunk.subarray(pos, nl), nl, null);
      }
      pos = nl + 1;
    }
    if (pos === chunk.length || this.skipping) return;
    const rest = chunk.subarray(pos);
    if (this.squeeze !== null) {
      this.feed(rest);
      return;
    }
    this.partial.push(rest);
    this.partialLen += rest.length;
    if (this.partialLen > MAX_LINE_BYTES) this.startSqueeze();
  }

  /** Ends the input: the unfinished last line, if any (null when none or dropped), and what squeezing cut from it. */
  end(): { line: Buffer; cut: Cut | null } | null {
    this.skipping = false;
    if (this.squeeze !== null) {
      const sq = this.squeeze;
      this.squeeze = null;
      return { line: sq.result(), cut: sq.cut };
    }
    if (this.partialLen === 0) return null;
    const last = Buffer.concat(this.partial, this.partialLen);
    this.partial = [];
    this.partialLen = 0;
    return { line: last, cut: null };
  }
}
