// V8 settings for a small resident set, applied when the collector starts, before the rest of
// it loads (main.ts imports this module first). Only flags V8 reads at run time work here: the
// single executable takes no Node options on its command line, and heap sizes (e.g.
// --max-semi-space-size) are fixed when the heap is made.
//   --semi-space-growth-factor=1  the young generation stays at its initial 2 x 1 MiB instead
//                                 of growing to 2 x 16 MiB under a steady event flow
//   --optimize-for-size           smaller heap growing steps and code
// DKR_COLLECTOR_V8_FLAGS replaces them ("" for none), to measure what they give.
import * as v8 from "node:v8";

export const DEFAULT_V8_FLAGS = "--semi-space-growth-factor=1 --optimize-for-size";

export function applyV8Flags(env: NodeJS.ProcessEnv = process.env): string {
  const flags = env.DKR_COLLECTOR_V8_FLAGS ?? DEFAULT_V8_FLAGS;
  for (const f of flags.split(/\s+/)) if (f !== "") v8.setFlagsFromString(f);
  return flags;
}

applyV8Flags();
