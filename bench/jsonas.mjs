#!/usr/bin/env node
// json-as against the extractor's own scanner, on the recorded real-daemon fixtures: the
// evidence for keeping the hand-written scanner on the per-event path.
//   node bench/jsonas.mjs [events-per-round]     (build first: npm run build:wasm)
// Builds bench/jsonas/index.ts twice with npx asc (runtime incremental and stub) into
// build/bench/ when the sources are newer than the outputs. Per variant, per event: copy
// the UTF-8 payload into the module, parse (json-as: String.UTF8.decode + JSON.parse into
// @json classes), extract docker.type, docker.action, docker.actor.id,
// docker.attributes.name and docker.time. Reports ns/event (best of 5 rounds, each on a
// fresh instance) and the memory an instance grows by over a run of events.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const FIVE = ["docker.type", "docker.action", "docker.actor.id", "docker.attributes.name", "docker.time"];

/** The fixture events the extractor benchmark uses, as UTF-8 bytes. */
export function benchEvents() {
  const dir = resolve(root, "tests/fixtures");
  const files = readdirSync(dir).filter((f) => f.endsWith(".jsonl") && !f.startsWith("docker29-") && f !== "demo.jsonl");
  const enc = new TextEncoder();
  return files.flatMap((f) => readFileSync(resolve(dir, f), "utf8").split("\n").filter(Boolean)).map((l) => enc.encode(l));
}

function newest(paths) {
  return Math.max(...paths.map((p) => statSync(p).mtimeMs));
}

/** build/bench/jsonas-<runtime>[-simd].wasm, compiled when missing or older than its sources. */
function buildJsonAs(runtime, simd = false) {
  const out = resolve(root, `build/bench/jsonas-${runtime}${simd ? "-simd" : ""}.wasm`);
  const sources = [resolve(root, "bench/jsonas/index.ts"), resolve(root, "bench/jsonas/asconfig.json"), resolve(root, "assembly/abort.ts")];
  if (!existsSync(out) || statSync(out).mtimeMs < newest(sources)) {
    mkdirSync(dirname(out), { recursive: true });
    const args = ["asc", "bench/jsonas/index.ts", "--config", "bench/jsonas/asconfig.json", "--runtime", runtime, "-o", out];
    if (simd) args.push("--enable", "simd");          // json-as then scans in its SIMD mode
    execFileSync("npx", args,
      { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  }
  return out;
}

/** One instance of a variant, behind the same per-event interface. */
class Runner {
  constructor(module, kind, mode) {
    this.x = new WebAssembly.Instance(module, {}).exports;
    this.kind = kind;
    if (kind === "scanner") {
      const p = this.x.dkr_fields_ptr();
      const n = this.x.dkr_fields_len();
      const fields = JSON.parse(new TextDecoder().decode(new Uint8Array(this.x.memory.buffer, p, n)));
      this.ids = FIVE.map((f) => fields.findIndex((e) => e.name === f));
      this.input = this.x.dkr_input;
      this.parse = this.x.dkr_parse;
      this.extract = (i) => this.x.dkr_extract(this.ids[i], -1);
      this.result = this.x.dkr_result();
    } else {
      this.input = this.x.jb_input;
      this.parse = mode === "reuse" ? this.x.jb_parse_reuse : mode === "decode" ? this.x.jb_decode : this.x.jb_parse;
      this.extract = mode === "decode" ? () => 0 : this.x.jb_extract;
      this.result = this.x.jb_result();
    }
  }
  /** Copy in, parse, five fields; returns the sum of the value counts. */
  event(b) {
    const p = this.input(b.length);
    new Uint8Array(this.x.memory.buffer, p, b.length).set(b);
    if (this.parse(b.length) !== 0) throw new Error("parse failed");
    let n = 0;
    for (let i = 0; i < 5; i++) n += this.extract(i);
    return n;
  }
  /** The five values of the current event, as text (for the equality check). */
  values() {
    const out = [];
    for (let i = 0; i < 5; i++) {
      const n = this.extract(i);
      const dv = new DataView(this.x.memory.buffer);
      if (n === 0) { out.push(null); continue; }
      if (i === 4) { out.push(dv.getBigUint64(this.result, true).toString()); continue; }
      const sp = dv.getUint32(this.result, true);
      const sl = dv.getUint32(this.result + 4, true);
      out.push(new TextDecoder().decode(new Uint8Array(this.x.memory.buffer, sp, sl)));
    }
    return out;
  }
  pages() {
    return this.x.memory.buffer.byteLength / 65536;
  }
}

export function runJsonAsComparison(perRound = 20000, growthEvents = 100000) {
  const events = benchEvents();
  const avgBytes = Math.round(events.reduce((a, b) => a + b.length, 0) / events.length);
  const scannerPath = resolve(root, "build/docker_extractor.wasm");
  const variants = [
    { name: "scanner (this module, incremental runtime)", path: scannerPath, kind: "scanner", mode: "" },
    { name: "json-as, incremental runtime", path: buildJsonAs("incremental"), kind: "jsonas", mode: "" },
    { name: "json-as, incremental runtime, parse into the previous object", path: buildJsonAs("incremental"), kind: "jsonas", mode: "reuse" },
    { name: "json-as, incremental runtime, SIMD build", path: buildJsonAs("incremental", true), kind: "jsonas", mode: "" },
    { name: "json-as, stub runtime (never frees)", path: buildJsonAs("stub"), kind: "jsonas", mode: "" },
    { name: "(part of every json-as row: copy + String.UTF8.decode only, incremental)", path: buildJsonAs("incremental"), kind: "jsonas", mode: "decode" },
  ];
  const modules = new Map();
  const mod = (p) => modules.get(p) ?? (modules.set(p, new WebAssembly.Module(readFileSync(p))), modules.get(p));

  // Same values from every variant, on every fixture event.
  const ref = new Runner(mod(scannerPath), "scanner", "");
  const want = events.map((b) => (ref.event(b), JSON.stringify(ref.values())));
  const rows = [];
  for (const v of variants) {
    const r = new Runner(mod(v.path), v.kind, v.mode);
    const mismatches = v.mode === "decode" ? null
      : events.filter((b, i) => (r.event(b), JSON.stringify(r.values()) !== want[i])).length;

    // ns/event: warm the module up, then 5 rounds of perRound events, each on a fresh instance.
    const warm = new Runner(mod(v.path), v.kind, v.mode);
    for (let i = 0; i < perRound; i++) warm.event(events[i % events.length]);
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const inst = new Runner(mod(v.path), v.kind, v.mode);
      inst.event(events[0]);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < perRound; i++) inst.event(events[i % events.length]);
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / perRound);
    }

    // Memory growth of one instance: after the first event, and after growthEvents more.
    const g = new Runner(mod(v.path), v.kind, v.mode);
    const start = g.pages();
    g.event(events[0]);
    const first = g.pages();
    for (let i = 0; i < growthEvents; i++) g.event(events[i % events.length]);
    rows.push({ name: v.name, bytes: statSync(v.path).size, mismatches, ns: best, start, first, after: g.pages() });
  }

  console.log(`\njson-as vs scanner (V8 ${process.versions.v8}, ${events.length} fixture events, mean ${avgBytes} bytes; ` +
    `copy + parse + ${FIVE.join(", ")}; ${perRound} events a round, best of 5; memory after ${growthEvents} events)`);
  console.log("| variant | module bytes | values differing from the scanner | ns/event | memory at start / after 1 event / after N (64 KiB pages) | growth after the first event |");
  console.log("|---------|-------------:|----------------------------------:|---------:|-------------------------------------------------------:|-----------------------------:|");
  for (const r of rows) {
    const growth = (r.after - r.first) * 65536;
    console.log(`| ${r.name} | ${r.bytes} | ${r.mismatches === null ? "n/a" : `${r.mismatches} / ${events.length}`} | ${r.ns.toFixed(1)} | ${r.start} / ${r.first} / ${r.after} | ` +
      `${(growth / 1048576).toFixed(1)} MiB (${(growth / growthEvents).toFixed(0)} B/event) |`);
  }
  return rows;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runJsonAsComparison(Number(process.argv[2] ?? 20000));
}
