// Collector footprint benchmark (not a test): start time and resident memory of the collector
// as the plugin runs it (build/docker-collector, the single executable) and as the options run
// it (collector.node with the plain bundle; the tsc build as it ran before the executable).
//   start: spawn → first heartbeat in the ring header (wall time, and CPU time of all the
//          child's threads then, which the shared machine disturbs much less), median of runs
//   memory: against the fake daemon, with a consumer thread draining the ring:
//          idle (connected, no event, 3 s), 1,000 events/s (30 s), burst (100,000 events at full
//          speed); peak VmRSS, split into private memory (RssAnon: V8 heap, malloc), the
//          executable's and libraries' pages (RssFile: clean, shared with the page cache) and
//          the ring (RssShmem: the shared memory file, counted in Falco's RSS too).
// Targets: start ≤ 150 ms; RSS without the ring ≤ 40 MiB idle, ≤ 48 MiB at 1,000 events/s.
// Variants: BENCH_FOOTPRINT=sea,sea-keep,sea-noflags,sea-nogc,bundle,before (default all); extra
// environment for every collector: BENCH_FOOTPRINT_ENV="K=V;K2=V2" (experiments).
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { FakeDaemon } from "../tests/collector/fake-daemon.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const build = path.join(root, "build/collector");
const START_RUNS = Number(process.env.BENCH_START_RUNS ?? 10);
// Long enough for the heap to reach its steady size at that rate (it grows for ~20 s).
const RATE_SECONDS = Number(process.env.BENCH_FOOTPRINT_RATE_SECONDS ?? 30);
const BURST = Number(process.env.BENCH_BURST_EVENTS ?? 100_000);
const HEADER_SIZE = 256 + 64 * 64;
const HEARTBEAT_AT = 216;

const sea = path.join(root, "build/docker-collector");
const variants = {
  sea: { name: "docker-collector (the default)", cmd: [sea] },
  "sea-keep": { name: "docker-collector, start-up pages kept (DKR_COLLECTOR_PAGEOUT=0)", cmd: [sea], env: { DKR_COLLECTOR_PAGEOUT: "0" } },
  "sea-noflags": { name: "docker-collector, no V8 flags (DKR_COLLECTOR_V8_FLAGS=\"\")", cmd: [sea], env: { DKR_COLLECTOR_V8_FLAGS: "" } },
  "sea-nogc": { name: "docker-collector, no buffer guard (DKR_COLLECTOR_GC_MIB=0)", cmd: [sea], env: { DKR_COLLECTOR_GC_MIB: "0" } },
  bundle: { name: "node + docker-collector.js (collector.node)", cmd: [process.execPath, path.join(root, "build/docker-collector.js")] },
  before: { name: "before: node --max-semi-space-size=8 + tsc build, no V8 flags, no buffer guard", cmd: [process.execPath, "--max-semi-space-size=8", path.join(build, "main.js")], env: { DKR_COLLECTOR_V8_FLAGS: "", DKR_COLLECTOR_GC_MIB: "0" } },
};
const chosen = (process.env.BENCH_FOOTPRINT ?? Object.keys(variants).join(",")).split(",").filter((k) => k in variants).map((k) => variants[k]);
const extraEnv = Object.fromEntries((process.env.BENCH_FOOTPRINT_ENV ?? "").split(";").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
for (const v of chosen) {
  if (!fs.existsSync(v.cmd[v.cmd.length - 1])) {
    console.error(`${v.cmd.join(" ")} missing: run npm run build`);
    process.exit(2);
  }
}

// The ring on tmpfs, like the host's memfd: its pages are RssShmem, apart from the rest.
const shm = fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
const dir = fs.mkdtempSync(path.join(shm, "dkrc-footprint-"));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

function status(pid) {
  const out = { rss: 0, anon: 0, file: 0, shmem: 0 };
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    for (const [k, f] of [["VmRSS", "rss"], ["RssAnon", "anon"], ["RssFile", "file"], ["RssShmem", "shmem"]]) {
      const m = new RegExp(`${k}:\\s+(\\d+) kB`).exec(s);
      if (m) out[f] = Number(m[1]) / 1024;
    }
  } catch { /* exited */ }
  return out;
}

function cpuMs(pid) {
  let ns = 0;
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    try { ns += Number(fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]); } catch { /* thread gone */ }
  }
  return ns / 1e6;
}

function freshRing(name) {
  const ring = path.join(dir, name);
  fs.rmSync(ring, { force: true });
  const fd = fs.openSync(ring, "w+", 0o600);
  fs.ftruncateSync(fd, HEADER_SIZE + 8 * 1024 * 1024);
  fs.closeSync(fd);
  return ring;
}

const launch = (v, ring, url) => spawn(v.cmd[0], [...v.cmd.slice(1), "--ring-path", ring, "--endpoint", url], { stdio: ["ignore", "ignore", process.env.BENCH_VERBOSE ? "inherit" : "ignore"], env: { ...process.env, ...v.env, ...extraEnv } });

async function startTimes(v, daemon) {
  const wall = [];
  const cpu = [];
  const b = Buffer.alloc(8);
  for (let i = 0; i < START_RUNS; i++) {
    const ring = freshRing("start");
    const fd = fs.openSync(ring, "r");
    const t0 = performance.now();
    const child = launch(v, ring, daemon.url);
    for (;;) {
      fs.readSync(fd, b, 0, 8, HEARTBEAT_AT);
      if (b.readBigUInt64LE(0) !== 0n) break;
      if (child.exitCode !== null) throw new Error(`${v.name} exited (${child.exitCode}) before its first heartbeat`);
      await new Promise((r) => setImmediate(r));
    }
    wall.push(performance.now() - t0);
    cpu.push(cpuMs(child.pid));
    fs.closeSync(fd);
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
  return { wall: median(wall), cpu: median(cpu) };
}

async function memory(v, daemon) {
  const ring = freshRing("mem");
  const child = launch(v, ring, daemon.url);
  let peak = null;
  const sample = () => {
    const s = status(child.pid);
    if (peak === null || s.rss - s.shmem > peak.rss - peak.shmem) peak = s;
  };
  const phase = async (body) => {
    peak = null;
    const timer = setInterval(sample, 50);
    await body();
    sample();
    clearInterval(timer);
    return peak;
  };
  await daemon.waitForStreams();
  const stop = new SharedArrayBuffer(4);
  const worker = new Worker(path.join(here, "collector-consumer-worker.mjs"), { workerData: { ring, build, stop, expect: 0, latency: false } });
  const done = new Promise((res) => worker.once("message", res));
  await sleep(2000);
  const idle = await phase(() => sleep(1000));
  let seq = 0;
  const rate = await phase(async () => {
    const total = RATE_SECONDS * 1000;
    const start = performance.now();
    while (seq < total) {
      const due = Math.min(total, Math.floor(performance.now() - start) + 1);
      const lines = [];
      while (seq < due) { lines.push(daemon.next()); seq++; }
      if (lines.length) await daemon.write(lines.join("\n") + "\n");
      await sleep(1);
    }
  });
  const blocks = daemon.prepare(BURST);
  const burst = await phase(async () => { await daemon.emitPrepared(blocks); await sleep(1000); });
  Atomics.store(new Int32Array(stop), 0, 1);
  const read = (await done).docker;
  await worker.terminate();
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  return { idle, rate, burst, read, sent: seq + BURST };
}

const results = [];
for (const [i, v] of chosen.entries()) {
  const daemon = new FakeDaemon(path.join(dir, `d${i}.sock`));
  await daemon.start();
  const start = await startTimes(v, daemon);
  const mem = await memory(v, daemon);
  await daemon.stop();
  results.push({ v, start, mem });
}
fs.rmSync(dir, { recursive: true, force: true });

const mib = (x) => x.toFixed(1);
const noRing = (s) => s.rss - s.shmem;
console.log(`collector footprint (start: median of ${START_RUNS}; memory: peak MiB; "private / files" = RssAnon / RssFile; the ring is RssShmem)`);
for (const { v, start, mem } of results) {
  console.log(`\n${v.name}`);
  console.log(`  start, spawn → first heartbeat        ${start.wall.toFixed(1)} ms wall, ${start.cpu.toFixed(1)} ms CPU   target ≤ 150 ms`);
  for (const [label, s, target] of [["idle", mem.idle, 40], ["1,000 events/s", mem.rate, 48], ["burst", mem.burst, null]]) {
    const ok = target === null ? "" : noRing(s) <= target ? `≤ ${target} yes` : `≤ ${target} NO`;
    console.log(`  RSS ${label.padEnd(15)} ${mib(noRing(s)).padStart(6)} MiB without the ring (private ${mib(s.anon)} / files ${mib(s.file)}), ring ${mib(s.shmem)}, total ${mib(s.rss)}   ${ok}`);
  }
  console.log(`  events read / sent                     ${mem.read} / ${mem.sent}`);
}
