#!/usr/bin/env bash
# `npm test`: builds everything, starts a private Docker daemon, then runs every test:
#   vitest (extractor in isolation, collector against dockerd, end-to-end through the real .so)
#   ctest  (the C conformance harness, under valgrind and ASan/UBSan)
# and prints one closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

# The private daemons the tests use (scripts/dockerd.sh roots). Those not running now are
# stopped when this run ends, however it ends (failure, ^C, SIGTERM): a run leaves behind
# exactly what was running before it. The collector's test files stop theirs too.
roots=("${DKR_TEST_ROOT:-/tmp/docker-plugin-dockerd}" "${DKR_COLLECTOR_TEST_ROOT:-/tmp/dkr-collector}"
  "${DKR_COLLECTOR_HEALTH_TEST_ROOT:-/tmp/dkr-collector-health}")
ours=()
for r in "${roots[@]}"; do
  DKR_TEST_ROOT=$r bash scripts/dockerd.sh status >/dev/null 2>&1 || ours+=("$r")
done
stop_ours() {
  for r in "${ours[@]}"; do DKR_TEST_ROOT=$r bash scripts/dockerd.sh stop >/dev/null 2>&1 || true; done
}
trap stop_ours EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash scripts/prereqs.sh test || { echo "0 passed, 1 failed"; exit 1; }
npm run build || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

if [ "${DKR_SKIP_DOCKER:-0}" != 1 ]; then
  DOCKER_HOST=$(scripts/dockerd.sh start) || { echo "could not start the private dockerd (see above)"; echo "0 passed, 1 failed"; exit 1; }
  export DOCKER_HOST DKR_TEST_DOCKER_HOST=$DOCKER_HOST
fi

mkdir -p build
rc=0
# The tests' and benchmarks' TypeScript is type-checked strictly too (the collector's is by its build).
typecheck=0
npx tsc -p tsconfig.json || { echo "type check of tests/ and bench/ failed"; rc=1; typecheck=1; }
npx vitest run --reporter=default --reporter=json --outputFile.json=build/vitest.json || rc=1
ctest --test-dir build/cmake --output-on-failure 2>&1 | tee build/ctest.log || rc=1

summary=$(TYPECHECK_FAILED=$typecheck node -e '
const fs = require("fs");
let p = 0, f = 0, s = 0;
try {
  const v = JSON.parse(fs.readFileSync("build/vitest.json", "utf8"));
  p += v.numPassedTests; f += v.numFailedTests; s += v.numPendingTests + (v.numTodoTests || 0);
  // A file that failed to load has no failed test of its own: count it once.
  if (v.numFailedTests === 0 && v.numFailedTestSuites > 0) f += v.numFailedTestSuites;
  if (!v.success && f === 0) f += 1;
} catch { f += 1; }
try {
  const log = fs.readFileSync("build/ctest.log", "utf8");
  const m = log.match(/(\d+)% tests passed, (\d+) tests failed out of (\d+)/);
  if (m) { const failed = +m[2], total = +m[3]; p += total - failed; f += failed; } else { f += 1; }
} catch { f += 1; }
if (process.env.TYPECHECK_FAILED === "1") f += 1;
console.log(`${p} passed, ${f} failed` + (s ? `, ${s} skipped` : ""));
')
echo
echo "$summary"
case "$summary" in *" 0 failed"*) [ $rc = 0 ] && exit 0 ;; esac
exit 1
