// Exports of the extractor module: the guest ABI of assembly/ABI.md, nothing else.

import { ABI_VERSION, ERR_SYNTAX, ERR_TOO_LARGE, MAX_ARG, MAX_EVENT, MAX_LINE } from "./limits";
import { answerTable, argBuf, ensureInput, inBuf, inCap, requestTable, resultArea } from "./mem";
import { setParsed } from "./event";
import { parseEvent } from "./json";
import { extractField, extractRequests } from "./extract";
import { fieldsJson } from "./fields";
import { scanInfo, summarize } from "./scan";
import "./abort";

let fieldsPtr: usize = 0;
let fieldsLen: i32 = 0;

function initFields(): void {
  if (fieldsPtr != 0) return;
  const json = fieldsJson();
  fieldsLen = String.UTF8.byteLength(json, false);
  fieldsPtr = heap.alloc(<usize>fieldsLen + 1);
  String.UTF8.encodeUnsafe(changetype<usize>(json), json.length, fieldsPtr, true);
}

export function dkr_abi_version(): i32 {
  return ABI_VERSION;
}

export function dkr_fields_ptr(): usize {
  initFields();
  return fieldsPtr;
}

export function dkr_fields_len(): i32 {
  initFields();
  return fieldsLen;
}

export function dkr_input(len: i32): usize {
  setParsed(false);
  if (!ensureInput(len, MAX_EVENT)) return 0;
  return inBuf;
}

/** Parses len bytes of the input buffer, when they are at most max. */
function parseUpTo(len: i32, max: i32): i32 {
  setParsed(false);
  if (inBuf == 0) ensureInput(0, max);         // no dkr_input yet: parse an empty buffer
  if (len < 0 || len > inCap || len > max) return ERR_TOO_LARGE;
  const rc = parseEvent(len);
  setParsed(rc == 0);
  return rc;
}

export function dkr_parse(len: i32): i32 {
  return parseUpTo(len, MAX_EVENT);
}

export function dkr_arg(len: i32): usize {
  if (len < 0 || len > MAX_ARG) return 0;
  return argBuf;
}

export function dkr_extract(fieldId: i32, argLen: i32): i32 {
  return extractField(fieldId, argBuf, argLen);
}

/** dkr_parse, then (when it parsed) the first `count` requests of the request table into the answer table. */
export function dkr_parse_extract(len: i32, count: i32): i32 {
  const rc = dkr_parse(len);
  if (rc == 0 && count > 0) extractRequests(count, len);
  return rc;
}

export function dkr_requests(): usize {
  return requestTable;
}

export function dkr_answers(): usize {
  return answerTable;
}

export function dkr_result(): usize {
  return resultArea;
}

// The collector's entry (ABI.md "The collector's entry"; the host does not use it).

/** dkr_input for a line of up to MAX_LINE bytes. */
export function dkr_line(len: i32): usize {
  setParsed(false);
  if (!ensureInput(len, MAX_LINE)) return 0;
  return inBuf;
}

/** dkr_parse of a line of up to MAX_LINE bytes, then its summary (dkr_scan_info). */
export function dkr_scan(len: i32): i32 {
  const read = inBuf != 0 && len >= 0 && len <= inCap;   // else nothing is parsed (ERR_TOO_LARGE)
  const rc = parseUpTo(len, MAX_LINE);
  summarize(read ? rc : ERR_SYNTAX);
  return rc;
}

export function dkr_scan_info(): usize {
  return scanInfo;
}
