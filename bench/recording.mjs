// The benchmarks' recording: N events built from recorded real daemon events, as daemons send
// them (180-2,000 bytes, container events with their labels).
// - Sources: every recorded line of tests/fixtures/*.jsonl (raw daemon events) and
//   tests/fixtures/rules/*.jsonl (daemon events with the collector's enrichment), except the
//   hand-made and derived files (demo, docker29-*, enriched-*, *handmade*, unparseable); and
//   bench/fixtures/compose.jsonl (a Compose-managed application: OCI image labels and compose
//   labels on every container event) counted twice, since that is how most hosts look.
// - The lines are cycled in that order; each copy keeps its bytes except `time`/`timeNano`,
//   rewritten to advance 1 ms per event (Falco's capture and the collector want time order).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function lines(file) {
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0);
}

export function recordedLines() {
  const fx = path.join(root, "tests/fixtures");
  const raw = fs.readdirSync(fx).filter((f) => f.endsWith(".jsonl") && f !== "demo.jsonl" && !/^(docker29|enriched)-/.test(f)).sort();
  const rules = fs.readdirSync(path.join(fx, "rules")).filter((f) => f.endsWith(".jsonl") && !/handmade|unparseable/.test(f)).sort();
  const compose = lines(path.join(root, "bench/fixtures/compose.jsonl"));
  return [...raw.flatMap((f) => lines(path.join(fx, f))), ...rules.flatMap((f) => lines(path.join(fx, "rules", f))), ...compose, ...compose];
}

export function buildRecording(n, startNs = 1795786585000000000n) {
  const src = recordedLines();
  const out = new Array(n);
  const sizes = new Array(n);
  let t = startNs;
  for (let i = 0; i < n; i++) {
    t += 1000000n;
    const l = src[i % src.length]
      .replace(/"time":\d+/, `"time":${t / 1000000000n}`)
      .replace(/"timeNano":\d+/, `"timeNano":${t}`);
    out[i] = l;
    sizes[i] = Buffer.byteLength(l);
  }
  const sorted = [...sizes].sort((a, b) => a - b);
  return {
    text: out.join("\n") + "\n",
    sources: src.length,
    meanBytes: sizes.reduce((a, b) => a + b, 0) / n,
    minBytes: sorted[0],
    p50: sorted[Math.floor(n / 2)],
    p90: sorted[Math.floor(n * 0.9)],
    maxBytes: sorted[n - 1],
  };
}
