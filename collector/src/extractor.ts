// The extractor module (build/docker_extractor.wasm) run by V8's WebAssembly: for every line,
// whether it is an event, its record time, type and action, and the ids the enrichment needs,
// through the module's collector entry (assembly/ABI.md "The collector's entry"). The same parse
// gives Falco its fields: the collector has no JSON grammar of its own.
//
// Where the module comes from: in the single executable, its embedded copy (SEA asset
// docker_extractor.wasm); under `node docker-collector.js`, the file beside the bundle (the
// plugin directory holds both); the tsc build and the sources under test find build/'s.
//
// Memory: lines up to RESIDENT_LINE bytes go through one resident instance, whose memory stays
// at its first size (about 0.6 MiB). A longer line (rare: big labels) goes through a second
// instance sized for it, dropped LARGE_IDLE_MS after its last use: a WebAssembly memory never
// shrinks, and a 16 MiB line would otherwise keep its pages for the collector's life.
import * as fs from "node:fs";
import * as path from "node:path";
import { seaModule } from "./addon";

export const EXTRACTOR_ASSET = "docker_extractor.wasm";
/** The guest ABI version this collector speaks (assembly/ABI.md). */
export const ABI_VERSION = 2;
/** The longest line dkr_line takes (assembly/limits.ts MAX_LINE). */
export const MAX_SCAN_LINE = 16 << 20;
/** Lines up to this size use the resident instance (the module's first input buffer size). */
export const RESIDENT_LINE = 64 << 10;
export const LARGE_IDLE_MS = 5000;

/** dkr_scan's codes (assembly/ABI.md "Error codes"). */
export const ScanRc = { OK: 0, SYNTAX: -1, NOT_OBJECT: -2, TOO_LARGE: -3, UTF8: -4, TYPE: -5 } as const;

/** The module's class of docker.type (summary `type`). */
export const TypeClass = { NONE: 0, OTHER: 1, CONTAINER: 2, IMAGE: 3, NETWORK: 4, VOLUME: 5, COLLECTOR: 6 } as const;

export class ExtractorError extends Error {}

interface Exports {
  memory: WebAssembly.Memory;
  dkr_abi_version(): number;
  dkr_line(len: number): number;
  dkr_scan(len: number): number;
  dkr_scan_info(): number;
}

/** Where the module file is looked for outside the executable: beside the script, then the build tree. */
export function extractorPaths(dir: string = __dirname): string[] {
  return [path.join(dir, EXTRACTOR_ASSET), path.join(dir, "..", EXTRACTOR_ASSET), path.join(dir, "..", "..", "build", EXTRACTOR_ASSET)];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const sea = seaModule();
  if (sea !== null) {
    try {
      return new Uint8Array(sea.getAsset(EXTRACTOR_ASSET));
    } catch (e) {
      throw new ExtractorError(`the executable carries no extractor module (${(e as Error).message})`);
    }
  }
  const tried = extractorPaths();
  for (const p of tried) {
    try {
      const b = fs.readFileSync(p);
      return new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.length);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new ExtractorError(`cannot read the extractor module ${p}: ${(e as Error).message}`);
    }
  }
  throw new ExtractorError(`the extractor module ${EXTRACTOR_ASSET} is missing: it must be beside the collector (looked for ${tried.join(", ")})`);
}

let compiled: WebAssembly.Module | null = null;

/** The compiled module (compiled once, on first use; throws ExtractorError). */
export function extractorModule(): WebAssembly.Module {
  if (compiled === null) {
    const bytes = moduleBytes();
    try {
      compiled = new WebAssembly.Module(bytes);
    } catch (e) {
      throw new ExtractorError(`the extractor module does not load: ${(e as Error).message}`);
    }
  }
  return compiled;
}

/** One instance of the module, with its input buffer and views of its memory. */
class Instance {
  private readonly x: Exports;
  private readonly info: number;
  private input = 0;
  private cap = 0;
  private u8 = new Uint8Array(0);
  private dv = new DataView(new ArrayBuffer(0));
  private buf = Buffer.alloc(0);

  constructor(cap: number) {
    this.x = new WebAssembly.Instance(extractorModule(), {}).exports as unknown as Exports;
    const v = this.x.dkr_abi_version();
    if (v !== ABI_VERSION) throw new ExtractorError(`the extractor module speaks guest ABI ${v}, this collector ${ABI_VERSION}`);
    this.info = this.x.dkr_scan_info();
    this.reserve(cap);
  }

  /** Makes the input buffer hold `len` bytes (false above MAX_SCAN_LINE). */
  reserve(len: number): boolean {
    if (len <= this.cap) return true;
    const p = this.x.dkr_line(len);
    if (p === 0) return false;
    this.input = p;
    this.cap = len;
    // dkr_line may grow the memory (a new buffer); nothing else does.
    const mem = this.x.memory.buffer;
    this.u8 = new Uint8Array(mem);
    this.dv = new DataView(mem);
    this.buf = Buffer.from(mem);
    return true;
  }

  /** Copies the line in and scans it; dkr_scan's code. The summary getters read this scan until the next one. */
  scan(line: Uint8Array): number {
    this.u8.set(line, this.input);
    return this.x.dkr_scan(line.length);
  }

  ts(): bigint | null {
    return this.dv.getInt32(this.info + 8, true) === 1 ? this.dv.getBigUint64(this.info, true) : null;
  }

  typeClass(): number {
    return this.dv.getInt32(this.info + 12, true);
  }

  /** The summary string at `off` (action 16, actor id 24, exec id 32), or null. */
  text(off: number): string | null {
    const n = this.dv.getInt32(this.info + off + 4, true);
    if (n < 0) return null;
    const p = this.dv.getUint32(this.info + off, true);
    return this.buf.toString("utf8", p, p + n);
  }
}

/**
 * Scans lines, one at a time (not reentrant: every caller is synchronous, so one per process
 * serves them all, see `lineScanner`). After `scan`, the getters describe that line.
 */
export class LineScanner {
  private resident: Instance | null = null;
  private large: Instance | null = null;
  private largeTimer: NodeJS.Timeout | null = null;
  private last: Instance | null = null;
  /** dkr_scan's code for the last line (ScanRc.TOO_LARGE for a line over MAX_SCAN_LINE). */
  rc: number = ScanRc.SYNTAX;

  /** Loads the module now (the collector's start checks it is there); throws ExtractorError. */
  load(): void {
    this.resident ??= new Instance(RESIDENT_LINE);
  }

  private forLine(len: number): Instance | null {
    if (len <= RESIDENT_LINE) return (this.resident ??= new Instance(RESIDENT_LINE));
    if (len > MAX_SCAN_LINE) return null;
    this.large ??= new Instance(len);
    if (!this.large.reserve(len)) return null;
    if (this.largeTimer === null) {
      this.largeTimer = setTimeout(() => {
        this.large = null;
        this.largeTimer = null;
      }, LARGE_IDLE_MS);
      this.largeTimer.unref();
    } else this.largeTimer.refresh();
    return this.large;
  }

  /** Scans one line (its bytes as they are: surrounding whitespace is allowed). Returns its record time, or null: not an event. */
  scan(line: Uint8Array): bigint | null {
    const x = this.forLine(line.length);
    this.last = x;
    if (x === null) {
      this.rc = ScanRc.TOO_LARGE;
      return null;
    }
    this.rc = x.scan(line);
    return x.ts();
  }

  /** The class of docker.type of the last line (TypeClass.NONE when it did not parse). */
  typeClass(): number {
    return this.last === null ? TypeClass.NONE : this.last.typeClass();
  }

  /** docker.action of the last line, decoded (null: none, or it did not parse). */
  action(): string | null {
    return this.last === null ? null : this.last.text(16);
  }

  /** docker.actor.id of the last line, decoded. */
  actorId(): string | null {
    return this.last === null ? null : this.last.text(24);
  }

  /** docker.exec.id (Actor.Attributes.execID) of the last line, decoded. */
  execId(): string | null {
    return this.last === null ? null : this.last.text(32);
  }
}

let shared: LineScanner | null = null;

/** The process's line scanner. */
export function lineScanner(): LineScanner {
  return (shared ??= new LineScanner());
}
