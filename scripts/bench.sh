#!/usr/bin/env bash
# `npm run bench`: every benchmark, on the built artifacts (builds first). Not tests: they
# print figures and never fail on a figure. Quote medians; this machine is shared and noisy.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build >/dev/null
echo "== machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); commit $(git rev-parse --short HEAD 2>/dev/null || echo none)"
echo
echo "== extractor under V8 (Node's WebAssembly)"
node bench/extractor.mjs
echo
echo "== host: libdocker.so under wasmtime, through the plugin ABI"
bash bench/host.sh
echo
echo "== collector: fake fast daemon → collector → ring"
node bench/collector.mjs
echo
echo "== collector footprint: start time and memory (idle, 1,000 events/s, burst)"
node bench/collector-footprint.mjs
echo
echo "== release artifacts"
node scripts/package.mjs --out build/release >/dev/null
node -e 'const fs = require("fs"); for (const f of [...fs.readdirSync("build/release").filter((n) => n.endsWith(".tar.gz")).map((n) => "build/release/" + n), "build/docker-collector"]) console.log(`${f}  ${(fs.statSync(f).size / 1048576).toFixed(1)} MiB`)'
echo
echo "== inside the real Falco: extraction vs a floor plugin, replay throughput, idle cost"
node bench/falco.mjs
