// Bench helper: a ring consumer in its own thread (so the fake daemon's event loop is not
// disturbed), polling every ~50 µs. Reports how many Docker records it read, when, and for
// records carrying a "sent" attribute (µs since the epoch) the latency to the read.
import { parentPort, workerData } from "node:worker_threads";
import { createRequire } from "node:module";
import fs from "node:fs";
import { performance } from "node:perf_hooks";

const require = createRequire(import.meta.url);
const mmap = require("@riaskov/mmap-io");
const { RingMemory } = require(workerData.build + "/ring.js");
const { RingConsumer } = require(workerData.build + "/ring-consumer.js");

const fd = fs.openSync(workerData.ring, "r+");
const mem = new RingMemory(mmap.map(fs.fstatSync(fd).size, 3, mmap.MAP_SHARED, fd, 0));
fs.closeSync(fd);
const consumer = new RingConsumer(mem);
const nap = new Int32Array(new SharedArrayBuffer(4));
const stop = new Int32Array(workerData.stop);
const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;

let docker = 0;
let maxQueue = 0n;
let polls = 0;
let firstAt = 0;
let lastAt = 0;
const latencies = [];
const SENT = /"sent":"(\d+(?:\.\d+)?)"/;
while (Atomics.load(stop, 0) === 0) {
  if ((polls++ & 63) === 0) { const q = mem.load("queueDepth"); if (q > maxQueue) maxQueue = q; }
  const recs = consumer.poll();
  if (recs.length === 0) {
    Atomics.wait(nap, 0, 0, 0.05);
    continue;
  }
  const t = nowUs();
  for (const r of recs) {
    if (r.kind !== 1) continue;
    docker++;
    if (firstAt === 0) firstAt = t;
    lastAt = t;
    if (workerData.latency) {
      const m = SENT.exec(r.payload.toString("latin1"));
      if (m) latencies.push(t - Number(m[1]));
    }
  }
  if (docker >= workerData.expect && workerData.expect > 0) break;
}
parentPort.postMessage({ docker, firstAt, lastAt, latencies, maxQueue: Number(maxQueue) });
