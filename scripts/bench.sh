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
echo "== inside the real Falco: extraction vs a floor plugin, replay throughput, idle cost"
node bench/falco.mjs
