// Extraction of one field from the parsed event into the result area (ABI.md).
// Strings are decoded into the output area, each followed by a NUL; no allocation.

import { ERR_ARG, ERR_FIELD, ERR_NO_EVENT, ERR_NO_ROOM, MAX_ARG, MAX_REQUESTS, MAX_STRING, REQUEST_ARGS } from "./limits";
import { OUT_SLACK, REQUEST, answerTable, batchBuf, batchCap, outBuf, requestArgs, requestTable, resultArea } from "./mem";
import { decimalToU64, decodeString, escapeControls, escapedLength, numValue, numberToU64, sawControl, setSawControl } from "./strings";
import {
  ABSENT, BIG, FALSE, MOUNT, M_DESTINATION, M_MODE, M_RW, M_SOURCE, M_TYPE, NUM, SLOT, STR, STRESC, TRUE,
  S_ACTION, S_ACTOR_ID, S_C_IMAGEID, S_C_IPCMODE, S_C_NETMODE, S_C_PIDMODE, S_C_PRIVILEGED, S_C_READONLY, S_C_USER,
  S_ENDPOINT, S_ENGINE, S_E_CMDLINE, S_E_HEALTHCHECK, S_E_PRIVILEGED, S_E_TTY, S_E_USER, S_FROM, S_HEALTHSTATUS, S_ID, S_SCOPE,
  S_STATUS, S_TIME, S_TIMENANO, S_TYPE,
  T_COLLECTOR, T_CONTAINER, T_IMAGE, T_NETWORK, T_VOLUME,
  actionBig, actionLen, actionNameLen, actionPtr, actionSuffixLen, actionSuffixPtr, attrCount, attrs, ATTR, capCount, caps,
  enginePodman, findAttr, mountCount, mounts, parseControl, parsed, slotAt, slotLen, slotPtr, slotTag, typeKind,
  TRUNC_BYTES, TRUNC_PRESENT,
} from "./event";
import * as F from "./fields";

let outPos: usize = 0;
let n: i32 = 0;

/**
 * Makes the len bytes at d a string value: a NUL after it and its {ptr, len} result entry
 * (ABI.md). The byte after it is one this may overwrite: the closing quote of a string in
 * the payload (nothing reads it after the parse), the NUL byte the arena keeps after each
 * string (json.ts), or output space.
 */
@inline function resultString(d: usize, len: i32): void {
  store<u8>(d + <usize>len, 0);
  const r = resultArea + <usize>(n << 3);
  store<u32>(r, <u32>d);
  store<u32>(r, <u32>len, 4);
  n++;
}

/** resultString for a string written at d in the output area (which then continues after its NUL). */
@inline function endString(d: usize, len: i32): void {
  resultString(d, len);
  outPos = d + <usize>len + 1;
}

/**
 * Copies len bytes from p to d, 16 at a time (memory.copy is a call out of the module in
 * wasmtime): writes up to 15 bytes past d + len (output space) and reads up to 15 past
 * p + len (payload and arena strings have 16 spare bytes after them). d is in the output
 * area, p is not, or p > d (a forward copy then never reads what it wrote).
 */
@inline function copyBytes(d: usize, p: usize, len: i32): void {
  for (let i: usize = 0; i < <usize>len; i += 16) v128.store(d + i, v128.load(p + i));
}

/** Appends the string value of slot s (decoded) to the result; false if the slot holds no string. */
function pushSlot(s: usize): bool {
  const tag = slotTag(s);
  if (tag == STR) {
    resultString(slotPtr(s), slotLen(s));      // in place: no copy
    return true;
  }
  if (tag != STRESC) return false;
  const d = outPos;
  endString(d, decodeString(slotPtr(s), slotLen(s), d));
  return true;
}

/** Appends len raw bytes at p as a string value (copied: p is inside a longer string). */
function pushBytes(p: usize, len: i32): void {
  const d = outPos;
  copyBytes(d, p, len);
  endString(d, len);
}

/** Appends the len bytes at p that end where the action ends (a suffix of it): in place. */
@inline function pushActionTail(p: usize, len: i32): void {
  resultString(p, len);
}

@inline function pushU64(v: u64): void {
  store<u64>(resultArea + <usize>(n << 3), v);
  n++;
}

/** Appends a bool (the result area holds bools as u32). */
@inline function pushBool(v: bool): void {
  store<u32>(resultArea + <usize>(n << 2), v ? 1 : 0);
  n++;
}

/** Appends a bool from a slot holding true/false; false if it holds something else. */
function pushBoolSlot(s: usize): bool {
  const tag = slotTag(s);
  if (tag != TRUE && tag != FALSE) return false;
  pushBool(tag == TRUE);
  return true;
}

/** The value slot of attribute key lit (ASCII), or 0. */
function attr(lit: string): usize {
  const l = changetype<usize>(lit);
  const len = lit.length;
  for (let i = attrCount - 1; i >= 0; i--) {
    const e = attrs + <usize>(i * ATTR);
    if (load<i32>(e, 4) != len) continue;
    const k = <usize>load<u32>(e);
    let j = 0;
    while (j < len && <u32>load<u8>(k + <usize>j) == <u32>load<u16>(l + (<usize>j << 1))) j++;
    if (j == len) return e + 8;
  }
  return 0;
}

@inline function pushAttr(lit: string): void {
  const s = attr(lit);
  if (s != 0) pushSlot(s);
}

/**
 * The decoded bytes of string slot s, for parsing: sets rawP/rawL; false if not a string.
 * Decodes into the output area without keeping it.
 */
let rawP: usize = 0;
let rawL: i32 = 0;
function slotText(s: usize): bool {
  if (s == 0) return false;
  const tag = slotTag(s);
  if (tag == STR) { rawP = slotPtr(s); rawL = slotLen(s); return true; }
  if (tag == STRESC) { rawP = outPos; rawL = decodeString(slotPtr(s), slotLen(s), outPos); return true; }
  return false;
}

function pushAttrU64(lit: string, scale: i32, fraction: bool): void {
  if (slotText(attr(lit)) && decimalToU64(rawP, rawL, scale, fraction)) pushU64(numValue);
}

/** Appends the whole decimal number in string slot s (0: none). */
function pushU64Text(s: usize): void {
  if (slotText(s) && decimalToU64(rawP, rawL, 0, false)) pushU64(numValue);
}

/**
 * Appends the len bytes at p, which end where the text slotText last found ends (rawP, rawL):
 * in place, or where slotText decoded it into the output area (which then continues after it).
 */
@inline function pushRawTail(p: usize, len: i32): void {
  if (rawP == outPos) endString(p, len);
  else resultString(p, len);
}

function actionIs(lit: string): bool {
  if (actionNameLen != lit.length) return false;
  const l = changetype<usize>(lit);
  for (let i = 0; i < actionNameLen; i++) {
    if (<u32>load<u8>(actionPtr + <usize>i) != <u32>load<u16>(l + (<usize>i << 1))) return false;
  }
  return true;
}

/** Deprecated status/id/from: as sent, else derived like older daemons did. */
function legacy(sent: i32, derived: usize, types: i32): void {
  if (pushSlot(slotAt(sent))) return;
  if (slotTag(slotAt(sent)) != ABSENT) return;
  if ((types & (1 << typeKind)) == 0) return;
  if (derived != 0) pushSlot(derived);
}

function pushMountsList(which: i32): void {
  for (let i = 0; i < mountCount; i++) pushSlot(mounts + <usize>(i * MOUNT + which * SLOT));
}

/**
 * "source:destination:rw|ro" for each mount (absent source/destination as empty; rw absent =
 * rw); a mount whose source or destination is over the string limit is left out.
 */
function pushMounts(): void {
  for (let i = 0; i < mountCount; i++) {
    const m = mounts + <usize>(i * MOUNT);
    const src = m + <usize>(M_SOURCE * SLOT);
    const dst = m + <usize>(M_DESTINATION * SLOT);
    if (slotTag(src) == BIG || slotTag(dst) == BIG) continue;
    const d = outPos;
    let p = d;
    p += <usize>copySlot(src, p);
    store<u8>(p, 0x3A); p++;
    p += <usize>copySlot(dst, p);
    store<u8>(p, 0x3A); p++;
    const ro = slotTag(m + <usize>(M_RW * SLOT)) == FALSE;
    store<u8>(p, 0x72);                       // "ro" or "rw"
    store<u8>(p + 1, ro ? 0x6F : 0x77);
    p += 2;
    const len = <i32>(p - d);
    store<u8>(p, 0);
    outPos = p + 1;
    const r = resultArea + <usize>(n << 3);
    store<u32>(r, <u32>d);
    store<u32>(r, <u32>len, 4);
    n++;
  }
}

/** Copies the decoded string of slot s to d (nothing if absent); returns the bytes written. */
function copySlot(s: usize, d: usize): i32 {
  const tag = slotTag(s);
  if (tag == STR) { copyBytes(d, slotPtr(s), slotLen(s)); return slotLen(s); }
  if (tag == STRESC) return decodeString(slotPtr(s), slotLen(s), d);
  return 0;
}

// ---- Engines. Podman (falco.engine = "podman", from the collector) reports some facts under
// other names or places than Docker; the normalized fields give the same answer for the same
// fact on both (README "Engines"), the compatibility fields (docker.action, docker.status,
// docker.attributes.*, docker.actor.id...) keep the raw event.

/** The event came from Podman's Docker-compatible API (falco.engine "podman", told by the parse). */
@inline function podman(): bool {
  return enginePodman;
}

/** Appends the ASCII literal lit as a string value. */
function pushLit(lit: string): void {
  const d = outPos;
  const l = changetype<usize>(lit);
  for (let i = 0; i < lit.length; i++) store<u8>(d + <usize>i, <u8>load<u16>(l + (<usize>i << 1)));
  endString(d, lit.length);
}

/**
 * docker.action.name: the action without its argument; for Podman, in Docker's words: a
 * container's exec / exec_died / remove are exec_start / exec_die / destroy, a network's or a
 * volume's remove is destroy, an image's remove is delete and loadfromarchive is load.
 */
function pushActionName(): void {
  if (actionLen < 0 || actionNameLen > MAX_STRING) return;
  if (podman()) {
    if (typeKind == T_CONTAINER) {
      if (actionIs("exec")) { pushLit("exec_start"); return; }
      if (actionIs("exec_died")) { pushLit("exec_die"); return; }
      if (actionIs("remove")) { pushLit("destroy"); return; }
    } else if (typeKind == T_NETWORK || typeKind == T_VOLUME) {
      if (actionIs("remove")) { pushLit("destroy"); return; }
    } else if (typeKind == T_IMAGE) {
      if (actionIs("remove")) { pushLit("delete"); return; }
      if (actionIs("loadfromarchive")) { pushLit("load"); return; }
    }
  }
  pushBytes(actionPtr, actionNameLen);
}

/** A Podman network event about a container (connect/disconnect): its actor is the container. */
@inline function podmanNetworkOfContainer(): bool {
  return typeKind == T_NETWORK && podman() && (actionIs("connect") || actionIs("disconnect"));
}

/**
 * The command line of an exec: the exec_create/exec_start action's argument, or for Podman's
 * exec (which carries none) the collector's falco.exec.cmdline. Sets rawP/rawL; false if none.
 */
function execText(): bool {
  if (actionBig) return false;
  if (actionIs("exec_create") || actionIs("exec_start")) {
    if (actionSuffixPtr == 0) return false;
    rawP = actionSuffixPtr;
    rawL = actionSuffixLen;
    return true;
  }
  return typeKind == T_CONTAINER && actionIs("exec") && podman() && slotText(slotAt(S_E_CMDLINE));
}

/**
 * The program word of an exec's command line (execText): sets wordP/wordL to the first
 * space-delimited word after any leading spaces; false for other actions or a command line of
 * spaces only.
 */
let wordP: usize = 0;
let wordL: i32 = 0;
function execWord(): bool {
  if (!execText()) return false;
  let p = rawP;
  const end = p + <usize>rawL;
  while (p < end && load<u8>(p) == 0x20) p++;
  if (p == end) return false;
  let q = p;
  while (q < end && load<u8>(q) != 0x20) q++;
  wordP = p;
  wordL = <i32>(q - p);
  return true;
}

/** docker.exec.exe: the program word without its directory (the text after its last "/"). */
function pushExecExe(): void {
  if (!execWord()) return;
  let i = wordL;
  while (i > 0 && load<u8>(wordP + <usize>(i - 1)) != 0x2F) i--;
  pushBytes(wordP + <usize>i, wordL - i);
}

/** docker.exec.args: the command line after the program word and one space ("" if nothing follows). */
function pushExecArgs(): void {
  if (!execWord()) return;
  const end = rawP + <usize>rawL;
  let p = wordP + <usize>wordL;
  if (p < end) p++;                           // the separating space
  pushRawTail(p, <i32>(end - p));
}

// ---------------------------------------------------------------- control characters
// Escaped copies of string results that held a control (ABI.md "Control characters"), in
// chunks kept for the instance: a call's copies (dkr_parse_extract answers many fields) stay
// valid until the next call, so a chunk is never moved, only the next one taken (each at
// least twice the previous). Reset at the start of each call.
const ESC_CHUNKS = 48;
const escPtr = new StaticArray<usize>(ESC_CHUNKS);
const escCap = new StaticArray<usize>(ESC_CHUNKS);
let escChunk = 0;
let escPos: usize = 0;

function escReset(): void {
  escChunk = 0;
  escPos = 0;
}

/** size bytes of escape space, valid until the next escReset; 0 if none can be had. */
function escAlloc(size: usize): usize {
  while (escChunk < ESC_CHUNKS) {
    let p = escPtr[escChunk];
    if (p == 0) {
      const prev = escChunk > 0 ? escCap[escChunk - 1] : <usize>(64 << 10);
      const cap = size > prev * 2 ? size : prev * 2;
      p = heap.alloc(cap);
      escPtr[escChunk] = p;
      escCap[escChunk] = cap;
    }
    if (escPos + size <= escCap[escChunk]) {
      const at = p + escPos;
      escPos += size;
      return at;
    }
    escChunk++;
    escPos = 0;
  }
  return 0;
}

/**
 * Rewrites the string results that hold a C0 control or DEL into their escaped form, the slow
 * path: taken only when a value this extraction decoded (or the event's Type/Action) holds one.
 * Without escape space left the field has no value rather than a raw control.
 */
function escapeResults(): void {
  let need: usize = 0;
  for (let i = 0; i < n; i++) {
    const r = resultArea + <usize>(i << 3);
    const l = load<i32>(r, 4);
    const e = escapedLength(<usize>load<u32>(r), l);
    if (e != l) need += <usize>e + 1;
  }
  if (need == 0) return;
  let d = escAlloc(need);
  if (d == 0) { n = 0; return; }
  for (let i = 0; i < n; i++) {
    const r = resultArea + <usize>(i << 3);
    const p = <usize>load<u32>(r);
    const l = load<i32>(r, 4);
    if (escapedLength(p, l) == l) continue;
    const m = escapeControls(p, l, d);
    store<u8>(d + <usize>m, 0);
    store<u32>(r, <u32>d);
    store<u32>(r, <u32>m, 4);
    d += <usize>m + 1;
  }
}

const TK_CONTAINER: i32 = 1 << T_CONTAINER;
const TK_IMAGE: i32 = 1 << T_IMAGE;

/**
 * The event time (docker.time, and the collector's record time: ABI.md "Parsing rules" and "The
 * collector's entry"), into numValue: floor(timeNano) when the top-level timeNano is present
 * (not null), else floor(time * 10^9); false when the one that decides is not a number, is
 * negative or is above 2^64-1 (no fallback from a bad timeNano to time). After a successful
 * parse the two slots hold a number or nothing; after a type error or a nesting too deep they
 * may hold another type (then false).
 */
export function eventTime(): bool {
  const tn = slotAt(S_TIMENANO);
  if (slotTag(tn) != ABSENT) return slotTag(tn) == NUM && numberToU64(slotPtr(tn), slotLen(tn), 0);
  const t = slotAt(S_TIME);
  return slotTag(t) == NUM && numberToU64(slotPtr(t), slotLen(t), 9);
}

/** dkr_extract: the number of values written to the result area, or a negative error. */
export function extractField(id: i32, argPtr: usize, argLen: i32): i32 {
  escReset();
  return extractInto(id, argPtr, argLen, outBuf);
}

/**
 * dkr_parse_extract's requests (the event is parsed): each answer is {n, values}, the values
 * (laid out as in the result area) and their strings in the batch output area. A request
 * is only served when the area has room for any field's output (else ERR_NO_ROOM: the host
 * asks dkr_extract), so that area never overflows.
 */
export function extractRequests(count: i32, payloadLen: i32): void {
  if (count > MAX_REQUESTS) count = MAX_REQUESTS;
  escReset();
  if (count <= 0) return;
  let cur = batchBuf;
  const end = batchBuf + <usize>batchCap;
  const room = <usize>payloadLen + <usize>(2 * OUT_SLACK) + 32;
  const tk = typeKind;
  const eo: usize = podman() ? <usize>F.NFIELDS : 0;   // the engine's half of the table
  // Type and Action are decoded by the parse: holding a control, they take the general path to be escaped.
  const ctl = parseControl;
  let i = 0;
  do {  // one loop turn a request (each turn is an epoch check under wasmtime: no test before the first)
    const q = requestTable + <usize>(i * REQUEST);
    const id = load<i32>(q);
    const argLen = load<i32>(q, 4);
    const a = answerTable + <usize>(i << 3);
    let r: i32 = -1;
    let values: usize = 0;
    // A field of one slot or attribute (see fastKind), unless its string needs decoding.
    if (argLen == -1 && <u32>id < <u32>F.NFIELDS && end - cur >= room && !(ctl && (id == F.F_TYPE || id == F.F_ACTION))) {
      const kind = load<u8>(fastKind + eo + <usize>id);
      if (kind != FK_GENERAL) {
        r = 0;
        const f = (eo + <usize>id) << 2;
        if ((load<u32>(fastTypes + f) >> <u32>tk) & 1) {
          let sl = <usize>load<u32>(fastSlot + f);
          if (kind == FK_ATTR) sl = findAttr(sl, load<i32>(fastLen + f));
          if (sl != 0) {
            const tag = slotTag(sl);
            if (kind == FK_BOOL) {
              if (tag == TRUE || tag == FALSE) {
                store<u64>(cur, tag == TRUE ? 1 : 0);
                r = 1;
              }
            } else if (tag == STR) {
              const sp = slotPtr(sl);
              const sn = slotLen(sl);
              store<u8>(sp + <usize>sn, 0);         // in place, as resultString
              store<u32>(cur, <u32>sp);
              store<u32>(cur, <u32>sn, 4);
              r = 1;
            } else if (tag == STRESC) r = -1;      // decoded by the general path
          }
        }
        if (r == 1) {
          values = cur;
          cur += 8;
        }
      }
    }
    if (r < 0) {
      r = answerGeneral(id, argLen, load<u32>(q, 8), cur, end - cur < room);
      if (r > 0) {
        values = answerAt;
        cur = answerAt + <usize>(r << 3);
      } else cur = answerAt;
    }
    store<i32>(a, r);
    store<u32>(a, <u32>values, 4);
  } while (++i < count);
}

/** Where answerGeneral left its values (r > 0) or the batch area's next free byte (r <= 0). */
let answerAt: usize = 0;

/**
 * A request extractRequests does not answer from a slot: its code or number of values, which
 * it leaves at answerAt (8 bytes each), with the batch area's next free byte after them. Apart
 * from the loop, so that the common requests keep their values in registers.
 */
function answerGeneral(id: i32, argLen: i32, argOff: u32, cur: usize, noRoom: bool): i32 {
  answerAt = cur;
  if (argLen >= 0 && (argOff > <u32>REQUEST_ARGS || <u32>argLen > <u32>REQUEST_ARGS - argOff)) return ERR_ARG;
  if (noRoom) return ERR_NO_ROOM;
  outPos = cur;
  const r = extractInto(id, requestArgs + <usize>argOff, argLen, cur);
  cur = (outPos + 7) & ~<usize>7;
  answerAt = cur;
  if (r > 0) {
    if (r == 1) store<u64>(cur, load<u64>(resultArea));
    else copyBytes(cur, resultArea, r << 3);  // bools take 4 bytes, the others 8: 8 per value covers both
  }
  return r;
}

// ---------------------------------------------------------------- fields of one slot or attribute
// Most fields are one string slot, one bool slot or one attribute, on some event types. This
// table says which, so that dkr_parse_extract answers them without the general switch of
// extractInto, which defines every field (tests/extractor compares the two on every field of
// every fixture). It has two halves: Docker's, and Podman's (podman()), where the fields that
// read another member (docker.network.name/type, docker.volume.name) say which and the fields
// whose answer depends on the action (docker.network.id) take the general path.
const FK_GENERAL: u8 = 0;
const FK_SLOT: u8 = 1;
const FK_ATTR: u8 = 2;
const FK_BOOL: u8 = 3;
const NT = 2 * F.NFIELDS;
const fastKind: usize = memory.data(NT);
const fastSlot: usize = memory.data(NT * 4, 4);    // the slot, or the attribute key (UTF-8)
const fastLen: usize = memory.data(NT * 4, 4);     // the key's length
const fastTypes: usize = memory.data(NT * 4, 4);   // the typeKind values (bits) that have a value
const ANY: u32 = 0xFFFFFFFF;
const DOCKER: i32 = 0;
const PODMAN: i32 = F.NFIELDS;

function fastSlotField(id: i32, slot: i32, types: u32, bool: bool, half: i32 = -1): void {
  if (half < 0) { fastSlotField(id, slot, types, bool, DOCKER); fastSlotField(id, slot, types, bool, PODMAN); return; }
  const e = <usize>(half + id);
  store<u8>(fastKind + e, bool ? FK_BOOL : FK_SLOT);
  store<u32>(fastSlot + (e << 2), <u32>slotAt(slot));
  store<u32>(fastTypes + (e << 2), types);
}

function fastAttrField(id: i32, key: string, types: u32, half: i32 = -1): void {
  if (half < 0) { fastAttrField(id, key, types, DOCKER); fastAttrField(id, key, types, PODMAN); return; }
  const e = <usize>(half + id);
  const n = String.UTF8.byteLength(key, false);
  const k = heap.alloc(<usize>n + 8);              // 8 spare bytes: findAttr compares 8 at a time
  String.UTF8.encodeUnsafe(changetype<usize>(key), key.length, k, false);
  store<u64>(k + <usize>n, 0);
  store<u8>(fastKind + e, FK_ATTR);
  store<u32>(fastSlot + (e << 2), <u32>k);
  store<i32>(fastLen + (e << 2), n);
  store<u32>(fastTypes + (e << 2), types);
}

function initFast(): void {
  fastSlotField(F.F_TYPE, S_TYPE, ANY, false);
  fastSlotField(F.F_ACTION, S_ACTION, ANY, false);
  fastSlotField(F.F_SCOPE, S_SCOPE, ANY, false);
  fastSlotField(F.F_ACTOR_ID, S_ACTOR_ID, ANY, false);
  fastSlotField(F.F_NETWORK_ID, S_ACTOR_ID, 1 << T_NETWORK, false, DOCKER);   // Podman: general (connect/disconnect)
  fastSlotField(F.F_VOLUME_NAME, S_ACTOR_ID, 1 << T_VOLUME, false, DOCKER);
  fastAttrField(F.F_VOLUME_NAME, "name", 1 << T_VOLUME, PODMAN);
  fastSlotField(F.F_C_NETWORK_MODE, S_C_NETMODE, ANY, false);
  fastSlotField(F.F_C_PID_MODE, S_C_PIDMODE, ANY, false);
  fastSlotField(F.F_C_IPC_MODE, S_C_IPCMODE, ANY, false);
  fastSlotField(F.F_C_USER, S_C_USER, ANY, false);
  fastSlotField(F.F_C_IMAGE_ID, S_C_IMAGEID, ANY, false);
  fastSlotField(F.F_EXEC_USER, S_E_USER, ANY, false);
  fastSlotField(F.F_ENGINE, S_ENGINE, ANY, false);
  fastSlotField(F.F_C_PRIVILEGED, S_C_PRIVILEGED, ANY, true);
  fastSlotField(F.F_C_READONLY_ROOTFS, S_C_READONLY, ANY, true);
  fastSlotField(F.F_EXEC_TTY, S_E_TTY, ANY, true);
  fastSlotField(F.F_EXEC_PRIVILEGED, S_E_PRIVILEGED, ANY, true);
  fastSlotField(F.F_EXEC_HEALTHCHECK, S_E_HEALTHCHECK, ANY, true);
  fastAttrField(F.F_STACK_NAMESPACE, "com.docker.stack.namespace", ANY);
  fastAttrField(F.F_NODE_ID, "com.docker.swarm.node.id", ANY);
  fastAttrField(F.F_SWARM_TASK, "com.docker.swarm.task", ANY);
  fastAttrField(F.F_SWARM_TASKID, "com.docker.swarm.task.id", ANY);
  fastAttrField(F.F_SWARM_TASKNAME, "com.docker.swarm.task.name", ANY);
  fastAttrField(F.F_SWARM_SERVICENAME, "com.docker.swarm.service.name", ANY);
  fastAttrField(F.F_NODE_STATENEW, "state.new", ANY);
  fastAttrField(F.F_NODE_STATEOLD, "state.old", ANY);
  fastAttrField(F.F_ATTR_CONTAINER, "container", ANY);
  fastAttrField(F.F_ATTR_IMAGE, "image", ANY);
  fastAttrField(F.F_ATTR_NAME, "name", ANY);
  fastAttrField(F.F_ATTR_TYPE, "type", ANY);
  fastAttrField(F.F_ATTR_EXITCODE, "exitCode", ANY);
  fastAttrField(F.F_ATTR_SIGNAL, "signal", ANY);
  fastAttrField(F.F_EXEC_ID, "execID", ANY);
  fastAttrField(F.F_CONTAINER_NAME, "name", 1 << T_CONTAINER);
  fastAttrField(F.F_CONTAINER_IMAGE, "image", 1 << T_CONTAINER);
  fastAttrField(F.F_NETWORK_NAME, "name", 1 << T_NETWORK, DOCKER);
  fastAttrField(F.F_NETWORK_NAME, "network", 1 << T_NETWORK, PODMAN);
  fastAttrField(F.F_NETWORK_TYPE, "type", 1 << T_NETWORK, DOCKER);
  fastAttrField(F.F_NETWORK_TYPE, "driver", 1 << T_NETWORK, PODMAN);
  fastAttrField(F.F_VOLUME_DRIVER, "driver", 1 << T_VOLUME);
  fastAttrField(F.F_VOLUME_DESTINATION, "destination", 1 << T_VOLUME);
  fastAttrField(F.F_IMAGE_NAME, "name", 1 << T_IMAGE);
  fastAttrField(F.F_COLLECTOR_REASON, "reason", 1 << T_COLLECTOR);
}
initFast();

/** One field into the result area, its strings from out on. */
function extractInto(id: i32, argPtr: usize, argLen: i32, out: usize): i32 {
  if (id < 0 || id >= F.NFIELDS) return ERR_FIELD;
  if (id == F.F_ATTRIBUTES) {
    if (argLen < 0 || argLen > MAX_ARG) return ERR_ARG;
  } else if (argLen != -1) return ERR_ARG;
  if (!parsed) return ERR_NO_EVENT;
  outPos = out;
  n = 0;
  setSawControl(parseControl);
  switch (id) {
    case F.F_STATUS: legacy(S_STATUS, slotAt(S_ACTION), TK_CONTAINER | TK_IMAGE); break;
    case F.F_ID: legacy(S_ID, slotAt(S_ACTOR_ID), TK_CONTAINER | TK_IMAGE); break;
    case F.F_FROM: legacy(S_FROM, attr("image"), TK_CONTAINER); break;
    case F.F_TYPE: pushSlot(slotAt(S_TYPE)); break;
    case F.F_ACTION: pushSlot(slotAt(S_ACTION)); break;
    case F.F_STACK_NAMESPACE: pushAttr("com.docker.stack.namespace"); break;
    case F.F_NODE_ID: pushAttr("com.docker.swarm.node.id"); break;
    case F.F_SWARM_TASK: pushAttr("com.docker.swarm.task"); break;
    case F.F_SWARM_TASKID: pushAttr("com.docker.swarm.task.id"); break;
    case F.F_SWARM_TASKNAME: pushAttr("com.docker.swarm.task.name"); break;
    case F.F_SWARM_SERVICENAME: pushAttr("com.docker.swarm.service.name"); break;
    case F.F_NODE_STATENEW: pushAttr("state.new"); break;
    case F.F_NODE_STATEOLD: pushAttr("state.old"); break;
    case F.F_ATTR_CONTAINER: pushAttr("container"); break;
    case F.F_ATTR_IMAGE: pushAttr("image"); break;
    case F.F_ATTR_NAME: pushAttr("name"); break;
    case F.F_ATTR_TYPE: pushAttr("type"); break;
    case F.F_ATTR_EXITCODE: pushAttr("exitCode"); break;
    case F.F_ATTR_SIGNAL: pushAttr("signal"); break;
    case F.F_SCOPE: pushSlot(slotAt(S_SCOPE)); break;
    case F.F_ACTOR_ID: pushSlot(slotAt(S_ACTOR_ID)); break;
    case F.F_ATTRIBUTES: {
      const s = findAttr(argPtr, argLen);
      if (s != 0) pushSlot(s);
      break;
    }
    case F.F_TIME: if (eventTime()) pushU64(numValue); break;
    case F.F_ACTION_NAME: pushActionName(); break;
    case F.F_EXEC_CMDLINE: if (execText()) pushRawTail(rawP, rawL); break;
    case F.F_HEALTH_STATUS:
      if (!actionBig && actionIs("health_status")) {
        if (actionSuffixPtr != 0) pushActionTail(actionSuffixPtr, actionSuffixLen);
        else if (podman()) pushSlot(slotAt(S_HEALTHSTATUS));      // Podman: no argument, a top-level HealthStatus
      }
      break;
    case F.F_EXITCODE: {
      const s = attr("exitCode");
      if (s != 0) pushU64Text(s);
      else if (typeKind == T_CONTAINER && podman() && actionIs("exec_died")) pushU64Text(attr("containerExitCode"));
      break;
    }
    case F.F_EXEC_DURATION: pushAttrU64("execDuration", 9, true); break;
    case F.F_EXEC_ID: pushAttr("execID"); break;
    case F.F_CONTAINER_ID:
      if (typeKind == T_CONTAINER || podmanNetworkOfContainer()) pushSlot(slotAt(S_ACTOR_ID));
      else if (typeKind == T_NETWORK || typeKind == T_VOLUME) pushAttr("container");
      break;
    case F.F_CONTAINER_NAME: if (typeKind == T_CONTAINER) pushAttr("name"); break;
    case F.F_CONTAINER_IMAGE: if (typeKind == T_CONTAINER) pushAttr("image"); break;
    case F.F_CONTAINER_OLDNAME: {
      if (slotText(attr("oldName"))) {
        let p = rawP, l = rawL;
        if (l > 0 && load<u8>(p) == 0x2F) { p++; l--; }
        if (rawP == outPos) endString(p, l);    // decoded into the output area: keep it there
        else resultString(p, l);                // a string of the payload: in place
      }
      break;
    }
    case F.F_NETWORK_ID: if (typeKind == T_NETWORK && !podmanNetworkOfContainer()) pushSlot(slotAt(S_ACTOR_ID)); break;
    case F.F_NETWORK_NAME: if (typeKind == T_NETWORK) pushAttr(podman() ? "network" : "name"); break;
    case F.F_NETWORK_TYPE: if (typeKind == T_NETWORK) pushAttr(podman() ? "driver" : "type"); break;
    case F.F_VOLUME_NAME:
      if (typeKind == T_VOLUME) {
        if (podman()) pushAttr("name");
        else pushSlot(slotAt(S_ACTOR_ID));
      }
      break;
    case F.F_VOLUME_DRIVER: if (typeKind == T_VOLUME) pushAttr("driver"); break;
    case F.F_VOLUME_DESTINATION: if (typeKind == T_VOLUME) pushAttr("destination"); break;
    case F.F_VOLUME_RW: {
      if (typeKind == T_VOLUME && slotText(attr("read/write"))) {
        if (rawL == 4 && load<u32>(rawP) == 0x65757274) pushBool(true);                                   // "true"
        else if (rawL == 5 && load<u32>(rawP) == 0x736C6166 && load<u8>(rawP + 4) == 0x65) pushBool(false); // "false"
      }
      break;
    }
    case F.F_IMAGE_NAME: if (typeKind == T_IMAGE) pushAttr("name"); break;
    case F.F_ENDPOINT:
      if (!pushSlot(slotAt(S_ENDPOINT)) && slotTag(slotAt(S_ENDPOINT)) == ABSENT && typeKind == T_COLLECTOR) pushAttr("endpoint");
      break;
    case F.F_C_PRIVILEGED: pushBoolSlot(slotAt(S_C_PRIVILEGED)); break;
    case F.F_C_CAP_ADD: for (let i = 0; i < capCount; i++) pushSlot(caps + <usize>(i * SLOT)); break;
    case F.F_C_MOUNTS: pushMounts(); break;
    case F.F_C_MOUNT_SOURCE: pushMountsList(M_SOURCE); break;
    case F.F_C_MOUNT_DESTINATION: pushMountsList(M_DESTINATION); break;
    case F.F_C_MOUNT_MODE: pushMountsList(M_MODE); break;
    case F.F_C_MOUNT_TYPE: pushMountsList(M_TYPE); break;
    case F.F_C_NETWORK_MODE: pushSlot(slotAt(S_C_NETMODE)); break;
    case F.F_C_PID_MODE: pushSlot(slotAt(S_C_PIDMODE)); break;
    case F.F_C_IPC_MODE: pushSlot(slotAt(S_C_IPCMODE)); break;
    case F.F_C_USER: pushSlot(slotAt(S_C_USER)); break;
    case F.F_C_IMAGE_ID: pushSlot(slotAt(S_C_IMAGEID)); break;
    case F.F_C_READONLY_ROOTFS: pushBoolSlot(slotAt(S_C_READONLY)); break;
    case F.F_EXEC_TTY: pushBoolSlot(slotAt(S_E_TTY)); break;
    case F.F_EXEC_USER: pushSlot(slotAt(S_E_USER)); break;
    case F.F_EXEC_PRIVILEGED: pushBoolSlot(slotAt(S_E_PRIVILEGED)); break;
    case F.F_COLLECTOR_GAP: if (typeKind == T_COLLECTOR) pushAttrU64("gapNs", 0, false); break;
    case F.F_COLLECTOR_DROPPED: if (typeKind == T_COLLECTOR) pushAttrU64("dropped", 0, false); break;
    case F.F_COLLECTOR_REASON: if (typeKind == T_COLLECTOR) pushAttr("reason"); break;
    case F.F_EXEC_EXE: pushExecExe(); break;
    case F.F_EXEC_ARGS: pushExecArgs(); break;
    case F.F_EXEC_HEALTHCHECK: pushBoolSlot(slotAt(S_E_HEALTHCHECK)); break;
    case F.F_EVENT_TRUNCATED: pushBool(slotTag(TRUNC_PRESENT) == TRUE); break;
    case F.F_EVENT_ORIGINAL_SIZE:
      if (slotTag(TRUNC_PRESENT) == TRUE && slotTag(TRUNC_BYTES) == NUM && numberToU64(slotPtr(TRUNC_BYTES), slotLen(TRUNC_BYTES), 0)) pushU64(numValue);
      break;
    case F.F_COLLECTOR_DROPPED_AT_LEAST: if (typeKind == T_COLLECTOR) pushAttrU64("droppedAtLeast", 0, false); break;
    case F.F_ENGINE: pushSlot(slotAt(S_ENGINE)); break;
    default: return ERR_FIELD;
  }
  if (sawControl && n > 0 && F.isStringField(id)) escapeResults();
  return n;
}
