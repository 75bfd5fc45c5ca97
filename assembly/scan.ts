// The collector's entry (ABI.md "The collector's entry"): the collector runs this module under
// V8 to decide, for every line a daemon or a recording gives it, whether it is an event, its
// record time, and the few values its enrichment needs. The parse is dkr_parse's, so one
// definition of an event serves the collector and the extractor.

import { ERR_NOT_OBJECT, ERR_SYNTAX, ERR_UTF8 } from "./limits";
import { outBuf } from "./mem";
import { decodeString, numValue } from "./strings";
import { ABSENT, STR, STRESC, S_ACTOR_ID, actionBig, actionLen, actionPtr, findAttr, slotAt, slotLen, slotPtr, slotTag, typeKind } from "./event";
import { eventTime } from "./extract";

/** The summary of the last dkr_scan (ABI.md "The collector's entry" gives the layout). */
export const scanInfo: usize = memory.data(40, 8);

/** "execID" followed by 8 spare bytes (findAttr compares 8 bytes at a time). */
const EXEC_ID: usize = memory.data<u8>([0x65, 0x78, 0x65, 0x63, 0x49, 0x44, 0, 0, 0, 0, 0, 0, 0, 0]);

/** The decoded bytes of string slot s at info offset off ({u32 ptr, i32 len}; len -1: no value); returns where the next decoded string may go. */
function putString(off: usize, s: usize, d: usize): usize {
  const tag = s == 0 ? ABSENT : slotTag(s);
  if (tag == STR) {
    store<u32>(scanInfo + off, <u32>slotPtr(s));
    store<i32>(scanInfo + off, slotLen(s), 4);
    return d;
  }
  if (tag == STRESC) {
    const n = decodeString(slotPtr(s), slotLen(s), d);
    store<u32>(scanInfo + off, <u32>d);
    store<i32>(scanInfo + off, n, 4);
    return d + <usize>n;
  }
  store<u32>(scanInfo + off, 0);
  store<i32>(scanInfo + off, -1, 4);
  return d;
}

/** Fills the summary after a parse that returned rc. */
export function summarize(rc: i32): void {
  // A well-formed object (parsed, or refused for a type or a nesting depth) has its time.
  const wellFormed = rc != ERR_SYNTAX && rc != ERR_UTF8 && rc != ERR_NOT_OBJECT;
  const timed = wellFormed && eventTime();
  store<u64>(scanInfo, timed ? numValue : 0);
  store<i32>(scanInfo, timed ? 1 : 0, 8);
  const ok = rc == 0;
  store<i32>(scanInfo, ok ? typeKind : 0, 12);
  // Decoded as in the JSON (no control escaping: these name things to Docker, nobody reads them).
  if (ok && actionLen >= 0 && !actionBig) {
    store<u32>(scanInfo, <u32>actionPtr, 16);
    store<i32>(scanInfo, actionLen, 20);
  } else {
    store<u32>(scanInfo, 0, 16);
    store<i32>(scanInfo, -1, 20);
  }
  let d = outBuf;
  d = putString(24, ok ? slotAt(S_ACTOR_ID) : 0, d);
  const e = ok ? findAttr(EXEC_ID, 6) : 0;
  putString(32, e, d);
}
