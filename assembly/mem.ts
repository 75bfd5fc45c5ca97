// Buffers of one module instance. The fixed-size areas are static data segments; the
// areas whose size follows the input grow only when a larger payload arrives (bounded by
// MAX_EVENT, or MAX_LINE for the collector's entry), so the memory of an instance stays flat however many events it parses.

import { MAX_ARG, MAX_LIST, MAX_REQUESTS, REQUEST_ARGS } from "./limits";

/** Result area of dkr_extract: MAX_LIST values of 8 bytes (string {ptr,len}, u64, or bool u32). */
export const resultArea: usize = memory.data(MAX_LIST * 8, 16);
/** Field argument buffer (dkr_arg), one spare byte. */
export const argBuf: usize = memory.data(MAX_ARG + 8, 16);

/** Request table of dkr_parse_extract (MAX_REQUESTS x {u32 field_id, i32 arg_len, u32 arg_off}), then its argument area. */
export const REQUEST: i32 = 12;
export const requestTable: usize = memory.data(MAX_REQUESTS * REQUEST + REQUEST_ARGS + 16, 16);
export const requestArgs: usize = requestTable + <usize>(MAX_REQUESTS * REQUEST);
/** Answer table of dkr_parse_extract: MAX_REQUESTS x {i32 n, u32 values}. */
export const answerTable: usize = memory.data(MAX_REQUESTS * 8, 16);

/** Input payload (dkr_input), followed by 16 spare bytes (the NUL sentinel and 15 more). */
export let inBuf: usize = 0;
export let inCap: i32 = 0;
/** Decoded copies of escaped keys and of values the parser needs decoded (total <= payload). */
export let arenaBuf: usize = 0;
/** Output strings of one dkr_extract: decoded values, each followed by a NUL. */
export let outBuf: usize = 0;
export let outCap: i32 = 0;
/** Output of the answers of one dkr_parse_extract (values and strings): at least one field's worst case. */
export let batchBuf: usize = 0;
export let batchCap: i32 = 0;
/** One bit per nesting level while validating nested values (depth <= payload bytes). */
export let bitStack: usize = 0;

/** Bytes the output area needs beyond the payload size: a NUL, ":rw" etc. per list value. */
export const OUT_SLACK: i32 = MAX_LIST * 8 + 256;

/** Makes the input buffer (and the areas that follow its size) hold at least len bytes; false if len is over max. */
export function ensureInput(len: i32, max: i32): bool {
  if (len < 0 || len > max) return false;
  if (len <= inCap && inBuf != 0) return true;
  let cap: i32 = 64 << 10;
  while (cap < len) cap <<= 1;
  if (cap > max) cap = max;
  if (inBuf != 0) {
    heap.free(inBuf);
    heap.free(arenaBuf);
    heap.free(outBuf);
    heap.free(batchBuf);
    heap.free(bitStack);
  }
  inBuf = heap.alloc(<usize>cap + 16);
  arenaBuf = heap.alloc(<usize>cap + 16);
  outCap = cap + OUT_SLACK;
  outBuf = heap.alloc(<usize>outCap + 16);
  batchCap = cap + 4 * OUT_SLACK;
  batchBuf = heap.alloc(<usize>batchCap + 16);
  bitStack = heap.alloc(<usize>(cap >> 3) + 16);
  inCap = cap;
  return true;
}
