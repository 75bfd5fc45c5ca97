// Splits a byte stream (the daemon's NDJSON, a recording) into lines without copying: a line
// inside one chunk is a view of it, a line across chunks is joined once it ends. An unfinished
// line is held to at most MAX_LINE_BYTES: beyond that it could never be published (max_payload
// is below 16 MiB for every ring), so it is dropped unread up to its newline and reported once.
import { MAX_PAYLOAD_CAP } from "./ring";

export const MAX_LINE_BYTES = MAX_PAYLOAD_CAP;

export interface LineHandler {
  /** A complete line (without its newline); `nl` is the newline's index in the current chunk. */
  line(line: Buffer, nl: number): void;
  /** A line grew past MAX_LINE_BYTES and is being dropped (called once per such line). */
  overlong(): void;
}

export class LineSplitter {
  private readonly h: LineHandler;
  private partial: Buffer[] = [];
  private partialLen = 0;
  private skipping = false;

  constructor(h: LineHandler) {
    this.h = h;
  }

  /** Bytes of the unfinished line held now. */
  get pending(): number {
    return this.partialLen;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    for (;;) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) break;
      if (this.skipping) {
        this.skipping = false; // the over-long line ends here
      } else if (this.partialLen > 0) {
        if (this.partialLen + (nl - pos) > MAX_LINE_BYTES) {
          this.h.overlong();
        } else {
          this.partial.push(chunk.subarray(pos, nl));
          this.h.line(Buffer.concat(this.partial, this.partialLen + (nl - pos)), nl);
        }
        this.partial = [];
        this.partialLen = 0;
      } else {
        this.h.line(chunk.subarray(pos, nl), nl);
      }
      pos = nl + 1;
    }
    if (pos === chunk.length || this.skipping) return;
    const rest = chunk.length - pos;
    if (this.partialLen + rest > MAX_LINE_BYTES) {
      this.partial = [];
      this.partialLen = 0;
      this.skipping = true;
      this.h.overlong();
      return;
    }
    this.partial.push(chunk.subarray(pos));
    this.partialLen += rest;
  }

  /** Ends the input: the unfinished last line, if any (null when none or dropped). */
  end(): Buffer | null {
    this.skipping = false;
    if (this.partialLen === 0) return null;
    const last = Buffer.concat(this.partial, this.partialLen);
    this.partial = [];
    this.partialLen = 0;
    return last;
  }
}
