// The collector's memory settings, applied when it starts, before the rest of it loads
// (main.ts imports this module first).
// 1. V8 flags V8 reads at run time (the single executable takes no Node options on its command
//    line, and heap sizes such as --max-semi-space-size are fixed when the heap is made):
//      --semi-space-growth-factor=1  the young generation stays at its initial 2 x 1 MiB instead
//                                    of growing to 2 x 16 MiB under a steady event flow
//      --optimize-for-size           smaller heap growing steps and code
//    DKR_COLLECTOR_V8_FLAGS replaces them ("" for none), to measure what they give.
// 2. A guard on socket buffers: the daemon's stream arrives in 64 KiB chunks that the events
//    point into until published; in a burst many live long enough to reach the old generation,
//    which V8 collects only once 64 MiB of such external memory has piled up. When ArrayBuffer
//    memory exceeds DKR_COLLECTOR_GC_MIB (default 16; 0: off), checked on the collector's tick
//    (main.ts, every TICK_MS), a full GC runs.
import * as v8 from "node:v8";
import * as vm from "node:vm";

export const DEFAULT_V8_FLAGS = "--semi-space-growth-factor=1 --optimize-for-size";
export const DEFAULT_GC_MIB = 16;

export function applyV8Flags(env: NodeJS.ProcessEnv = process.env): string {
  const flags = env.DKR_COLLECTOR_V8_FLAGS ?? DEFAULT_V8_FLAGS;
  for (const f of flags.split(/\s+/)) if (f !== "") v8.setFlagsFromString(f);
  return flags;
}

/** The buffer guard: a check to run periodically (main.ts's tick), or null when off. */
export function guardBuffers(env: NodeJS.ProcessEnv = process.env): (() => void) | null {
  const mib = env.DKR_COLLECTOR_GC_MIB !== undefined && /^\d+$/.test(env.DKR_COLLECTOR_GC_MIB) ? Number(env.DKR_COLLECTOR_GC_MIB) : DEFAULT_GC_MIB;
  if (mib === 0) return null;
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void; // a context made after the flag has gc()
  const limit = mib * 1048576;
  return () => {
    if (process.memoryUsage().arrayBuffers > limit) gc();
  };
}

applyV8Flags();
export const checkBuffers = guardBuffers();
