#!/usr/bin/env bash
# Host benchmark: next_batch throughput, extract_fields cost, cold start (.cwasm vs .wasm),
# RSS. Needs `npm run build` first. Prints a table; targets are in the last column.
set -euo pipefail
cd "$(dirname "$0")/.."
exec build/dkr-bench-host --lib build/libdocker.so --root . \
  --fake-collector build/cmake/tests/harness/dkr-fake-collector
