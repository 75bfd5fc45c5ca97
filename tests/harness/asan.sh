#!/usr/bin/env bash
# Builds libdocker.so + dkr-harness with -DDKR_SANITIZE=ON (ASan + UBSan) in build/cmake-asan
# (artifacts in build/asan, reusing build/docker_extractor.wasm) and runs the conformance
# checks with it. Any sanitizer report fails the test.
set -euo pipefail
root=$1
make_program=${2:-ninja}
out="$root/build/asan"
cmake -S "$root" -B "$root/build/cmake-asan" -G Ninja -DCMAKE_MAKE_PROGRAM="$make_program" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDKR_SANITIZE=ON -DDKR_OUT_DIR="$out" \
  -DDKR_WASM="$root/build/docker_extractor.wasm" >/dev/null
cmake --build "$root/build/cmake-asan" --target dkr-harness dkr-fake-collector
[ "$(nm -D "$out/libdocker.so" | grep -c __asan_init)" -gt 0 ] || { echo "asan.sh: $out/libdocker.so is not instrumented" >&2; exit 1; }
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1:allow_user_segv_handler=1:handle_segv=0:handle_sigill=0:handle_sigbus=0:detect_stack_use_after_return=0
export LSAN_OPTIONS=suppressions=$root/tests/harness/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
exec "$out/dkr-harness" conformance --lib "$out/libdocker.so" --root "$root" \
  --fake-collector "$root/build/cmake-asan/tests/harness/dkr-fake-collector"
