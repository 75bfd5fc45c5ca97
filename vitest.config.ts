import { defineConfig } from "vitest/config";

// One vitest run covers the three rooms and the end-to-end path:
//   tests/extractor  the .wasm in isolation (Node's WebAssembly)
//   tests/collector  the collector against a real dockerd and a fake fast daemon
//   tests/e2e        the real libdocker.so through the conformance harness, on a real dockerd
export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests that share the private daemon must not interleave their containers' events.
    fileParallelism: false,
    pool: "forks",
  },
});
