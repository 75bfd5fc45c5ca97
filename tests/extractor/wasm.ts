// Loads build/docker_extractor.wasm with Node's WebAssembly (no host) and drives it through
// the guest ABI of assembly/ABI.md.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const WASM_PATH = fileURLToPath(new URL("../../build/docker_extractor.wasm", import.meta.url));

export interface FieldArg { isRequired: boolean; isIndex: boolean; isKey: boolean }
export interface FieldInfo {
  type: "string" | "uint64" | "reltime" | "abstime" | "bool";
  name: string;
  desc: string;
  display: string;
  arg: FieldArg;
  isList: boolean;
  properties: string[];
}

/** A value as the test vectors write it: strings, u64/abstime/reltime as decimal strings, bools. */
export type Value = string | boolean;

interface Exports {
  memory: WebAssembly.Memory;
  dkr_abi_version(): number;
  dkr_fields_ptr(): number;
  dkr_fields_len(): number;
  dkr_input(len: number): number;
  dkr_parse(len: number): number;
  dkr_arg(len: number): number;
  dkr_extract(id: number, argLen: number): number;
  dkr_parse_extract(len: number, count: number): number;
  dkr_requests(): number;
  dkr_answers(): number;
  dkr_result(): number;
  // the collector's entry (ABI.md "The collector's entry")
  dkr_line(len: number): number;
  dkr_scan(len: number): number;
  dkr_scan_info(): number;
}

let compiled: WebAssembly.Module | null = null;

export class Extractor {
  readonly x: Exports;
  readonly fields: FieldInfo[];
  readonly byName = new Map<string, number>();
  private readonly result: number;
  private readonly enc = new TextEncoder();
  private readonly dec = new TextDecoder("utf-8", { fatal: true });

  constructor() {
    compiled ??= new WebAssembly.Module(readFileSync(WASM_PATH));
    const inst = new WebAssembly.Instance(compiled, {});
    this.x = inst.exports as unknown as Exports;
    const p = this.x.dkr_fields_ptr();
    const n = this.x.dkr_fields_len();
    this.fields = JSON.parse(this.dec.decode(this.bytes(p, n))) as FieldInfo[];
    this.fields.forEach((f, i) => this.byName.set(f.name, i));
    this.result = this.x.dkr_result();
  }

  private bytes(p: number, n: number): Uint8Array {
    return new Uint8Array(this.x.memory.buffer, p, n);
  }

  memoryBytes(): number {
    return this.x.memory.buffer.byteLength;
  }

  /** Copies the payload in and parses it; returns dkr_parse's code (or -3 if dkr_input refused it). */
  parse(payload: Uint8Array | string): number {
    const b = typeof payload === "string" ? this.enc.encode(payload) : payload;
    const p = this.x.dkr_input(b.length);
    if (p === 0) return -3;
    this.bytes(p, b.length).set(b);
    return this.x.dkr_parse(b.length);
  }

  /** Writes the argument to the dkr_arg buffer; its length, -1 for none, or null if refused. */
  private putArg(arg: string | null): number | null {
    if (arg === null) return -1;
    const a = this.enc.encode(arg);
    const p = this.x.dkr_arg(a.length);
    if (p === 0) return null;
    this.bytes(p, a.length).set(a);
    return a.length;
  }

  private fieldId(field: number | string): number {
    const id = typeof field === "number" ? field : this.byName.get(field);
    if (id === undefined) throw new Error(`unknown field ${String(field)}`);
    return id;
  }

  /** Runs dkr_extract; returns the values, or the negative error code. */
  extract(field: number | string, arg: string | null = null): Value[] | number {
    const id = this.fieldId(field);
    const argLen = this.putArg(arg);
    if (argLen === null) return -12;
    return this.values(id, this.x.dkr_extract(id, argLen));
  }

  /**
   * Copies the payload in, writes the requests (field, argument) to the request table and runs
   * dkr_parse_extract: its code, and each answer's values (or its negative code).
   */
  parseExtract(payload: Uint8Array | string, requests: Array<[number | string, string | null]>): { rc: number; answers: Array<Value[] | number> } {
    const b = typeof payload === "string" ? this.enc.encode(payload) : payload;
    const p = this.x.dkr_input(b.length);
    if (p === 0) return { rc: -3, answers: [] };
    this.bytes(p, b.length).set(b);
    const table = this.x.dkr_requests();
    const dv = new DataView(this.x.memory.buffer);
    let off = 0;
    const ids = requests.map(([field, arg], i) => {
      const id = typeof field === "number" ? field : this.fieldId(field);
      let len = -1;
      if (arg !== null) {
        const a = this.enc.encode(arg);
        this.bytes(table + 32 * 12 + off, a.length).set(a);
        len = a.length;
      }
      dv.setUint32(table + i * 12, id, true);
      dv.setInt32(table + i * 12 + 4, len, true);
      dv.setUint32(table + i * 12 + 8, off, true);
      off += Math.max(len, 0);
      return id;
    });
    const rc = this.x.dkr_parse_extract(b.length, requests.length);
    const ans = this.x.dkr_answers();
    const answers = rc < 0 ? [] : ids.slice(0, 32).map((id, i) => {
      const v = new DataView(this.x.memory.buffer);
      return this.values(id, v.getInt32(ans + i * 8, true), v.getUint32(ans + i * 8 + 4, true));
    });
    return { rc, answers };
  }

  /** The n values of field id at `at` (default: the result area); n < 0 is returned as is. */
  private values(id: number, n: number, at: number = this.result): Value[] | number {
    if (n < 0) return n;
    const type = this.fields[id]?.type ?? "string";
    const dv = new DataView(this.x.memory.buffer);
    const out: Value[] = [];
    for (let i = 0; i < n; i++) {
      if (type === "string") {
        const sp = dv.getUint32(at + i * 8, true);
        const sl = dv.getUint32(at + i * 8 + 4, true);
        if (dv.getUint8(sp + sl) !== 0) throw new Error("string not NUL-terminated");
        out.push(this.dec.decode(this.bytes(sp, sl)));
      } else if (type === "bool") {
        const v = dv.getUint32(at + i * 4, true);
        if (v > 1) throw new Error(`bool value ${v}`);
        out.push(v === 1);
      } else {
        out.push(dv.getBigUint64(at + i * 8, true).toString());
      }
    }
    return out;
  }
}
