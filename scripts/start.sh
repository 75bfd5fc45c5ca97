#!/usr/bin/env bash
# `npm start`: builds everything, then runs the plugin the way Falco does (through the
# conformance harness, which dlopens build/libdocker.so) and prints each event with its
# fields as one JSON line. Live Docker events when a daemon is reachable (DOCKER_HOST, else
# /var/run/docker.sock); otherwise the bundled recording of real events, and it says so.
# Extra arguments go to the harness (e.g. --max-events 20, --fields docker.type,docker.action).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prereqs.sh build >&2
npm run build >&2

host=${DOCKER_HOST:-unix:///var/run/docker.sock}
recording=${DKR_RECORDING:-tests/fixtures/demo.jsonl}
if DOCKER_HOST=$host timeout 5 docker version >/dev/null 2>&1 \
   || { [ "${host#unix://}" != "$host" ] && timeout 5 curl -sf --unix-socket "${host#unix://}" http://localhost/_ping >/dev/null 2>&1; }; then
  echo "npm start: live events from $host (Ctrl-C to stop)" >&2
  open=$host
else
  echo "npm start: no Docker daemon reachable at $host: replaying the bundled recording $recording" >&2
  open="file://$(pwd)/$recording"
fi
exec build/dkr-harness run --lib build/libdocker.so --open "$open" --fields all "$@"
