// The benchmarks' recording: N events built from recorded real daemon events, as daemons send
// them (180-2,000 bytes, container events with their labels).
// - Sources (named, so that a new fixture does not change the benchmark): the recorded lines
//   of RAW (raw daemon events, tests/fixtures) and RULES (daemon events with the collector's
//   enrichment, tests/fixtures/rules), and bench/fixtures/compose.jsonl (a Compose-managed
//   application: OCI image labels and compose labels on every container event) counted
//   twice, since that is how most hosts look.
// - The lines are cycled in that order; each copy keeps its bytes except `time`/`timeNano`,
//   rewritten to advance 1 ms per event (Falco's capture and the collector want time order).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function lines(file) {
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0);
}

const RAW = [
  "container-lifecycle", "container-misc", "cp", "docker-sock-mount", "exec", "health", "image", "kill",
  "network", "pause", "privileged", "rename", "swarm-service", "swarm", "volume",
];
const RULES = [
  "capabilities", "commit", "copy", "exec", "healthcheck", "mounts", "namespaces", "oom", "plugin",
  "privileged", "swarm", "visibility",
];

export function recordedLines() {
  const fx = path.join(root, "tests/fixtures");
  const compose = lines(path.join(root, "bench/fixtures/compose.jsonl"));
  return [
    ...RAW.flatMap((f) => lines(path.join(fx, `${f}.jsonl`))),
    ...RULES.flatMap((f) => lines(path.join(fx, "rules", `${f}.jsonl`))),
    ...compose, ...compose,
  ];
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
