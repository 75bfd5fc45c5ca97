// Buffers of one module instance. The fixed-size areas are static data segments; the
// areas whose size follows the input grow only when a larger payload arrives (bounded by
// MAX_EVENT), so the memory of an instance stays flat however many events it parses.

import { MAX_ARG, MAX_EVENT, MAX_LIST } from "./limits";

/** Result area of dkr_extract: MAX_LIST values of 8 bytes (string {ptr,len}, u64, or bool u32). */
export const resultArea: usize = memory.data(MAX_LIST * 8, 16);
/** Field argument buffer (dkr_arg), one spare byte. */
export const argBuf: usize = memory.data(MAX_ARG + 8, 16);

/** Input payload (dkr_input), followed by at least 8 spare bytes holding a NUL sentinel. */
export let inBuf: usize = 0;
export let inCap: i32 = 0;
/** Decoded copies of escaped keys and of values the parser needs decoded (total <= payload). */
export let arenaBuf: usize = 0;
/** Output strings of one dkr_extract: decoded values, each followed by a NUL. */
export let outBuf: usize = 0;
export let outCap: i32 = 0;
/** One bit per nesting level while validating nested values (depth <= payload bytes). */
export let bitStack: usize = 0;

/** Bytes the output area needs beyond the payload size: a NUL, ":rw" etc. per list value. */
const OUT_SLACK: i32 = MAX_LIST * 8 + 256;

/** Makes the input buffer hold at least len bytes; false if len is over MAX_EVENT. */
export function ensureInput(len: i32): bool {
  if (len < 0 || len > MAX_EVENT) return false;
  if (len <= inCap && inBuf != 0) return true;
  let cap: i32 = 64 << 10;
  while (cap < len) cap <<= 1;
  if (cap > MAX_EVENT) cap = MAX_EVENT;
  if (inBuf != 0) {
    heap.free(inBuf);
    heap.free(arenaBuf);
    heap.free(outBuf);
    heap.free(bitStack);
  }
  inBuf = heap.alloc(<usize>cap + 16);
  arenaBuf = heap.alloc(<usize>cap + 16);
  outCap = cap + OUT_SLACK;
  outBuf = heap.alloc(<usize>outCap + 16);
  bitStack = heap.alloc(<usize>(cap >> 3) + 16);
  inCap = cap;
  return true;
}
