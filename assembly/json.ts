// Single-pass JSON scanner over the UTF-8 payload.
//
// It validates the whole document (RFC 8259 grammar; UTF-8 is validated before) and, on
// the way, records where the values the fields need are (event.ts). Values under unknown
// keys are validated and skipped without recursion (one bit per nesting level). Nothing is
// decoded here except object keys holding escapes, Type and Action; values are decoded
// lazily by the extractor. No allocation.
//
// Error precedence, for the whole document: ERR_UTF8, then ERR_SYNTAX, then
// ERR_NOT_OBJECT, then ERR_TOO_LARGE, then ERR_TYPE. So a limit or type error is reported
// only for well-formed JSON, whatever its position. UTF-8 is checked inside strings while
// scanning (outside strings only ASCII is well-formed); when the scan fails, the whole
// payload is checked to tell ERR_UTF8 from ERR_SYNTAX.
//
// Limits on what a user controls (string sizes, attribute and list counts) degrade only the
// offending part: an oversize string is recorded as BIG (no value), members and elements
// past the count limits are validated and not kept. ERR_TOO_LARGE is only structural:
// nesting deeper than MAX_DEPTH (the payload size is checked by the caller).

import {
  ERR_NOT_OBJECT, ERR_SYNTAX, ERR_TOO_LARGE, ERR_TYPE, ERR_UTF8,
  MAX_ATTRS, MAX_DEPTH, MAX_LIST, MAX_STRING,
} from "./limits";
import { arenaBuf, bitStack, inBuf } from "./mem";
import { utf8SeqLen, validUtf8 } from "./utf8";
import { decodeString, sawControl, setSawControl } from "./strings";
import {
  ABSENT, ATTR, BIG, FALSE, MOUNT, M_DESTINATION, M_MODE, M_RW, M_SOURCE, M_TYPE, NUM, NSLOTS, SLOT, STR, STRESC, TRUE,
  S_ACTION, S_ACTOR_ID, S_C_IMAGEID, S_C_IPCMODE, S_C_NETMODE, S_C_PIDMODE, S_C_PRIVILEGED, S_C_READONLY, S_C_USER,
  S_ENDPOINT, S_E_HEALTHCHECK, S_E_PRIVILEGED, S_E_TTY, S_E_USER, S_FROM, S_ID, S_SCOPE, S_STATUS, S_TIME, S_TIMENANO, S_TYPE,
  T_COLLECTOR, T_CONTAINER, T_IMAGE, T_NETWORK, T_NONE, T_OTHER, T_VOLUME,
  attrCount, attrs, capCount, caps, clearSlots, mountCount, mounts, setAction, setAttrCount, setCapCount,
  setMountCount, setParseControl, setSlot, setTypeKind, slotAt, slotLen, slotPtr, slotTag,
  TRUNC_BYTES, TRUNC_PRESENT, clearTruncated,
} from "./event";

// Scanner state (one parse at a time per instance).
let pos: usize = 0;
let end: usize = 0;
let tooLarge = false;
let typeErr = false;
let arenaPos: usize = 0;
// The last string scanned: content start, encoded length, holds an escape.
let strS: usize = 0;
let strL: i32 = 0;
let strEsc = false;
// The last key, decoded if it held escapes.
let keyP: usize = 0;
let keyL: i32 = 0;

const K_STR: i32 = 1;
const K_NUM: i32 = 2;
const K_BOOL: i32 = 3;

@inline function peek(): u32 { return <u32>load<u8>(pos); }

@inline function skipWs(): void {
  let c = <u32>load<u8>(pos);
  while (c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09) { pos++; c = <u32>load<u8>(pos); }
}

@inline function isHex(c: u32): bool {
  return c - 48 < 10 || (c | 0x20) - 97 < 6;
}

/** Scans the string starting at pos (a '"'); sets strS/strL/strEsc. False on bad syntax. */
function scanString(): bool {
  pos++;
  const s = pos;
  let esc = false;
  while (true) {
    // Fast path, 8 bytes at a time: find the first '"', '\\', control byte, DEL or
    // non-ASCII byte. Each test below flags exactly the lowest matching byte (false flags
    // only appear above a true one), so the lowest flag is the first special byte.
    while (true) {
      const w = load<u64>(pos);
      const q = w ^ 0x2222222222222222;
      const b = w ^ 0x5C5C5C5C5C5C5C5C;
      const has = (((q - 0x0101010101010101) & ~q) | ((b - 0x0101010101010101) & ~b) |
        ((w - 0x2020202020202020) & ~w) | (w + 0x0101010101010101) | w) & 0x8080808080808080;
      if (has != 0) { pos += <usize>(ctz(has) >> 3); break; }
      pos += 8;
    }
    const c = <u32>load<u8>(pos);
    if (c == 0x22) break;
    if (c == 0x5C) {
      esc = true;
      const e = <u32>load<u8>(pos + 1);
      if (e == 0x75) {
        if (!(isHex(load<u8>(pos + 2)) && isHex(load<u8>(pos + 3)) && isHex(load<u8>(pos + 4)) && isHex(load<u8>(pos + 5)))) return false;
        pos += 6;
      } else if (e == 0x22 || e == 0x5C || e == 0x2F || e == 0x62 || e == 0x66 || e == 0x6E || e == 0x72 || e == 0x74) {
        pos += 2;
      } else return false;
    } else if (c < 0x20) {
      return false;                        // control byte, or the NUL sentinel past the end
    } else if (c >= 0x80) {
      const n = utf8SeqLen(pos);           // UTF-8 is validated here, inside strings
      if (n == 0) return false;
      pos += n;
    } else {
      esc = true;                          // DEL: decoded (and flagged as a control) like an escape
      pos++;
    }
  }
  strS = s;
  strL = <i32>(pos - s);
  strEsc = esc;
  pos++;
  return true;
}

function scanNumber(): bool {
  if (peek() == 0x2D) pos++;
  let c = peek();
  if (c == 0x30) pos++;
  else if (c - 49 < 9) { pos++; while (peek() - 48 < 10) pos++; }
  else return false;
  if (peek() == 0x2E) {
    pos++;
    if (peek() - 48 >= 10) return false;
    while (peek() - 48 < 10) pos++;
  }
  if ((peek() | 0x20) == 0x65) {
    pos++;
    c = peek();
    if (c == 0x2B || c == 0x2D) pos++;
    if (peek() - 48 >= 10) return false;
    while (peek() - 48 < 10) pos++;
  }
  return true;
}

/** Scans true/false/null at pos; returns TRUE, FALSE, ABSENT (null) or -1. */
function scanLiteral(): i32 {
  const c = peek();
  if (c == 0x74) {
    if (load<u32>(pos) != 0x65757274) return -1;      // "true"
    pos += 4;
    return TRUE;
  }
  if (c == 0x66) {
    if (load<u32>(pos + 1) != 0x65736C61) return -1;  // "alse"
    pos += 5;
    return FALSE;
  }
  if (c == 0x6E) {
    if (load<u32>(pos) != 0x6C6C756E) return -1;      // "null"
    pos += 4;
    return ABSENT;
  }
  return -1;
}

@inline function setBit(i: i32, v: bool): void {
  const a = bitStack + <usize>(i >> 3);
  const m: u32 = <u32>1 << <u32>(i & 7);
  const b = <u32>load<u8>(a);
  store<u8>(a, <u8>(v ? (b | m) : (b & ~m)));
}
@inline function getBit(i: i32): bool {
  return ((<u32>load<u8>(bitStack + <usize>(i >> 3)) >> <u32>(i & 7)) & 1) != 0;
}

/** Reads `"key" :` at pos (after whitespace). Sets keyP/keyL (decoded into the arena if escaped). */
function scanKey(keep: bool): bool {
  if (peek() != 0x22 || !scanString()) return false;
  if (strEsc) {
    keyP = arenaPos;
    keyL = decodeString(strS, strL, arenaPos);
    if (keep) arenaPos += <usize>keyL;
  } else {
    keyP = strS;
    keyL = strL;
  }
  skipWs();
  if (peek() != 0x3A) return false;
  pos++;
  skipWs();
  return true;
}

/**
 * Validates and skips one value at pos (after whitespace). holder = nesting depth of the
 * container holding the value (0 for the top level). Iterative: one bit per open level.
 */
function skipValue(holder: i32): bool {
  let sp: i32 = 0;
  while (true) {
    skipWs();
    let c = peek();
    if (c == 0x7B || c == 0x5B) {
      pos++;
      if (holder + sp + 1 > MAX_DEPTH) tooLarge = true;
      const obj = c == 0x7B;
      setBit(sp, obj);
      sp++;
      skipWs();
      c = peek();
      if (obj) {
        if (c == 0x7D) { pos++; sp--; }
        else {
          if (c != 0x22 || !scanString()) return false;
          skipWs();
          if (peek() != 0x3A) return false;
          pos++;
          continue;
        }
      } else {
        if (c == 0x5D) { pos++; sp--; }
        else continue;
      }
    } else if (c == 0x22) {
      if (!scanString()) return false;
    } else if (c == 0x2D || c - 48 < 10) {
      if (!scanNumber()) return false;
    } else if (scanLiteral() < 0) {
      return false;
    }
    // A value is complete: close containers or go to the next member/element.
    while (true) {
      if (sp == 0) return true;
      skipWs();
      c = peek();
      const obj = getBit(sp - 1);
      if (c == 0x2C) {
        pos++;
        if (obj) {
          skipWs();
          if (peek() != 0x22 || !scanString()) return false;
          skipWs();
          if (peek() != 0x3A) return false;
          pos++;
        }
        break;
      }
      if (c == (obj ? <u32>0x7D : <u32>0x5D)) { pos++; sp--; continue; }
      return false;
    }
  }
  return false;
}

/** The slot tag of the last string scanned: BIG over MAX_STRING, else STR or STRESC. */
@inline function strTag(): i32 {
  return strL > MAX_STRING ? BIG : strEsc ? STRESC : STR;
}

/** Reads a scalar of the wanted kind into slot s; another JSON type is a type error. */
function valueInto(s: usize, want: i32, holder: i32): bool {
  const c = peek();
  if (c == 0x22) {
    if (!scanString()) return false;
    setSlot(s, strS, strL, strTag());
    if (want != K_STR) typeErr = true;
    return true;
  }
  if (c == 0x2D || c - 48 < 10) {
    const start = pos;
    if (!scanNumber()) return false;
    setSlot(s, start, <i32>(pos - start), NUM);
    if (want != K_NUM) typeErr = true;
    return true;
  }
  if (c == 0x7B || c == 0x5B) {
    if (!skipValue(holder)) return false;
    setSlot(s, 0, 0, ABSENT);
    typeErr = true;
    return true;
  }
  const t = scanLiteral();
  if (t < 0) return false;
  setSlot(s, 0, 0, t);
  if (t != ABSENT && want != K_BOOL) typeErr = true;
  return true;
}

/** After a member value: ',' (true, more members) or the closing '}' / ']' (false, done). */
let more = false;
@inline function next(close: u32): bool {
  skipWs();
  const c = peek();
  if (c == 0x2C) { pos++; skipWs(); more = true; return true; }
  if (c == close) { pos++; more = false; return true; }
  return false;
}

/** Opens a known object: '{' -> 1 (members follow), '{}' -> 0, null -> 0, other -> 2 (type error, skipped), -1 syntax. */
function openObject(holder: i32, close: u32): i32 {
  const c = peek();
  const open: u32 = close == 0x7D ? 0x7B : 0x5B;
  if (c == open) {
    pos++;
    skipWs();
    if (peek() == close) { pos++; return 0; }
    return 1;
  }
  if (c == 0x6E) return scanLiteral() == ABSENT ? 0 : -1;
  if (!skipValue(holder)) return -1;
  typeErr = true;
  return 2;
}

@inline function isKey(lit: string): bool {
  if (keyL != lit.length) return false;
  const l = changetype<usize>(lit);
  for (let i = 0; i < keyL; i++) {
    if (<u32>load<u8>(keyP + <usize>i) != <u32>load<u16>(l + (<usize>i << 1))) return false;
  }
  return true;
}

function parseAttributes(holder: i32): bool {
  setAttrCount(0);
  const o = openObject(holder, 0x7D);
  if (o < 0) return false;
  if (o != 1) return true;
  let n: i32 = 0;
  while (true) {
    if (!scanKey(n < MAX_ATTRS)) return false;
    const keyBig = strL > MAX_STRING;
    n++;
    const c = peek();
    if (c == 0x22 || c == 0x6E) {
      if (c == 0x22) { if (!scanString()) return false; }
      else if (scanLiteral() != ABSENT) return false;
      if (n <= MAX_ATTRS) {
        const e = attrs + <usize>((n - 1) * ATTR);
        store<u32>(e, <u32>keyP);
        store<i32>(e, keyL, 4);
        if (keyBig) setSlot(e + 8, 0, 0, BIG);
        else if (c == 0x22) setSlot(e + 8, strS, strL, strTag());
        else setSlot(e + 8, 0, 0, ABSENT);
      }
    } else {
      if (!skipValue(holder + 1)) return false;
      typeErr = true;
    }
    if (!next(0x7D)) return false;
    if (!more) break;
  }
  setAttrCount(n <= MAX_ATTRS ? n : MAX_ATTRS);
  return true;
}

function parseActor(holder: i32): bool {
  clearSlots(S_ACTOR_ID, S_ACTOR_ID + 1);
  setAttrCount(0);
  const o = openObject(holder, 0x7D);
  if (o < 0) return false;
  if (o != 1) return true;
  const d = holder + 1;
  while (true) {
    if (!scanKey(false)) return false;
    let ok: bool;
    if (isKey("ID")) ok = valueInto(slotAt(S_ACTOR_ID), K_STR, d);
    else if (isKey("Attributes")) ok = parseAttributes(d);
    else ok = skipValue(d);
    if (!ok || !next(0x7D)) return false;
    if (!more) return true;
  }
  return false;
}

function parseCapAdd(holder: i32): bool {
  setCapCount(0);
  const o = openObject(holder, 0x5D);
  if (o < 0) return false;
  if (o != 1) return true;
  let n: i32 = 0;
  while (true) {
    skipWs();
    if (peek() == 0x22) {
      if (!scanString()) return false;
      if (n < MAX_LIST) setSlotAt(caps + <usize>(n * SLOT), strS, strL, strTag());
    } else {
      if (!skipValue(holder + 1)) return false;
      typeErr = true;
    }
    n++;
    if (!next(0x5D)) return false;
    if (!more) break;
  }
  setCapCount(n <= MAX_LIST ? n : MAX_LIST);
  return true;
}

@inline function setSlotAt(s: usize, p: usize, len: i32, tag: i32): void { setSlot(s, p, len, tag); }

function parseMount(m: usize, holder: i32): bool {
  // holder = depth of the mounts array; the mount object is holder + 1.
  memory.fill(m, 0, <usize>MOUNT);
  pos++;                                     // '{'
  skipWs();
  if (peek() == 0x7D) { pos++; return true; }
  const d = holder + 1;
  while (true) {
    if (!scanKey(false)) return false;
    let ok: bool;
    if (isKey("source")) ok = valueInto(m + <usize>(M_SOURCE * SLOT), K_STR, d);
    else if (isKey("destination")) ok = valueInto(m + <usize>(M_DESTINATION * SLOT), K_STR, d);
    else if (isKey("mode")) ok = valueInto(m + <usize>(M_MODE * SLOT), K_STR, d);
    else if (isKey("rw")) ok = valueInto(m + <usize>(M_RW * SLOT), K_BOOL, d);
    else if (isKey("type")) ok = valueInto(m + <usize>(M_TYPE * SLOT), K_STR, d);
    else ok = skipValue(d);
    if (!ok || !next(0x7D)) return false;
    if (!more) return true;
  }
  return false;
}

const spareMount: usize = memory.data(MOUNT, 8);

function parseMounts(holder: i32): bool {
  setMountCount(0);
  const o = openObject(holder, 0x5D);
  if (o < 0) return false;
  if (o != 1) return true;
  let n: i32 = 0;
  while (true) {
    skipWs();
    if (peek() == 0x7B) {
      // Past MAX_LIST a mount is still checked (into a scratch record) but not kept.
      if (!parseMount(n < MAX_LIST ? mounts + <usize>(n * MOUNT) : spareMount, holder + 1)) return false;
    } else {
      if (!skipValue(holder + 1)) return false;
      typeErr = true;
    }
    n++;
    if (!next(0x5D)) return false;
    if (!more) break;
  }
  setMountCount(n <= MAX_LIST ? n : MAX_LIST);
  return true;
}

function parseContainer(holder: i32): bool {
  clearSlots(S_C_PRIVILEGED, S_C_IMAGEID + 1);
  setCapCount(0);
  setMountCount(0);
  const o = openObject(holder, 0x7D);
  if (o < 0) return false;
  if (o != 1) return true;
  const d = holder + 1;
  while (true) {
    if (!scanKey(false)) return false;
    let ok: bool;
    if (isKey("privileged")) ok = valueInto(slotAt(S_C_PRIVILEGED), K_BOOL, d);
    else if (isKey("capAdd")) ok = parseCapAdd(d);
    else if (isKey("mounts")) ok = parseMounts(d);
    else if (isKey("user")) ok = valueInto(slotAt(S_C_USER), K_STR, d);
    else if (isKey("networkMode")) ok = valueInto(slotAt(S_C_NETMODE), K_STR, d);
    else if (isKey("pidMode")) ok = valueInto(slotAt(S_C_PIDMODE), K_STR, d);
    else if (isKey("ipcMode")) ok = valueInto(slotAt(S_C_IPCMODE), K_STR, d);
    else if (isKey("imageId")) ok = valueInto(slotAt(S_C_IMAGEID), K_STR, d);
    else if (isKey("readonlyRootfs")) ok = valueInto(slotAt(S_C_READONLY), K_BOOL, d);
    else ok = skipValue(d);
    if (!ok || !next(0x7D)) return false;
    if (!more) return true;
  }
  return false;
}

function parseExec(holder: i32): bool {
  clearSlots(S_E_TTY, S_E_HEALTHCHECK + 1);
  const o = openObject(holder, 0x7D);
  if (o < 0) return false;
  if (o != 1) return true;
  const d = holder + 1;
  while (true) {
    if (!scanKey(false)) return false;
    let ok: bool;
    if (isKey("tty")) ok = valueInto(slotAt(S_E_TTY), K_BOOL, d);
    else if (isKey("user")) ok = valueInto(slotAt(S_E_USER), K_STR, d);
    else if (isKey("privileged")) ok = valueInto(slotAt(S_E_PRIVILEGED), K_BOOL, d);
    else if (isKey("healthcheck")) ok = valueInto(slotAt(S_E_HEALTHCHECK), K_BOOL, d);
    else ok = skipValue(d);
    if (!ok || !next(0x7D)) return false;
    if (!more) return true;
  }
  return false;
}

/** falco.truncated: an object (present) with a "bytes" number; null is absent. */
function parseTruncated(holder: i32): bool {
  clearTruncated();
  const isNull = peek() == 0x6E;
  const o = openObject(holder, 0x7D);
  if (o < 0) return false;
  if (o == 2 || isNull) return true;
  setSlot(TRUNC_PRESENT, 0, 0, TRUE);
  if (o == 0) return true;
  const d = holder + 1;
  while (true) {
    if (!scanKey(false)) return false;
    const ok = isKey("bytes") ? valueInto(TRUNC_BYTES, K_NUM, d) : skipValue(d);
    if (!ok || !next(0x7D)) return false;
    if (!more) return true;
  }
  return false;
}

function parseFalco(holder: i32): bool {
  clearSlots(S_ENDPOINT, S_E_HEALTHCHECK + 1);
  clearTruncated();
  setCapCount(0);
  setMountCount(0);
  const o = openObject(holder, 0x7D);
  if (o < 0) return false;
  if (o != 1) return true;
  const d = holder + 1;
  while (true) {
    if (!scanKey(false)) return false;
    let ok: bool;
    if (isKey("endpoint")) ok = valueInto(slotAt(S_ENDPOINT), K_STR, d);
    else if (isKey("container")) ok = parseContainer(d);
    else if (isKey("exec")) ok = parseExec(d);
    else if (isKey("truncated")) ok = parseTruncated(d);
    else ok = skipValue(d);
    if (!ok || !next(0x7D)) return false;
    if (!more) return true;
  }
  return false;
}

/** The members of the top-level object (pos is past its '{' and whitespace, not at '}'). */
function parseTop(): bool {
  while (true) {
    if (!scanKey(false)) return false;
    let ok: bool;
    switch (keyL) {
      case 2:
        ok = isKey("id") ? valueInto(slotAt(S_ID), K_STR, 1) : skipValue(1); break;
      case 4:
        if (isKey("Type")) ok = valueInto(slotAt(S_TYPE), K_STR, 1);
        else if (isKey("time")) ok = valueInto(slotAt(S_TIME), K_NUM, 1);
        else if (isKey("from")) ok = valueInto(slotAt(S_FROM), K_STR, 1);
        else ok = skipValue(1);
        break;
      case 5:
        if (isKey("Actor")) ok = parseActor(1);
        else if (isKey("scope")) ok = valueInto(slotAt(S_SCOPE), K_STR, 1);
        else if (isKey("falco")) ok = parseFalco(1);
        else ok = skipValue(1);
        break;
      case 6:
        if (isKey("Action")) ok = valueInto(slotAt(S_ACTION), K_STR, 1);
        else if (isKey("status")) ok = valueInto(slotAt(S_STATUS), K_STR, 1);
        else ok = skipValue(1);
        break;
      case 8:
        ok = isKey("timeNano") ? valueInto(slotAt(S_TIMENANO), K_NUM, 1) : skipValue(1); break;
      default:
        ok = skipValue(1);
    }
    if (!ok || !next(0x7D)) return false;
    if (!more) return true;
  }
  return false;
}

/** Replaces an escaped string slot by its decoded bytes in the arena. */
function decodeSlot(s: usize): void {
  if (slotTag(s) != STRESC) return;
  const n = decodeString(slotPtr(s), slotLen(s), arenaPos);
  setSlot(s, arenaPos, n, STR);
  arenaPos += <usize>n;
}

function slotIs(s: usize, lit: string): bool {
  keyP = slotPtr(s);
  keyL = slotLen(s);
  return isKey(lit);
}

function finish(): void {
  setSawControl(false);
  const t = slotAt(S_TYPE);
  let k = T_NONE;
  if (slotTag(t) == BIG) k = T_OTHER;
  else if (slotTag(t) == STR || slotTag(t) == STRESC) {
    decodeSlot(t);
    if (slotIs(t, "container")) k = T_CONTAINER;
    else if (slotIs(t, "image")) k = T_IMAGE;
    else if (slotIs(t, "network")) k = T_NETWORK;
    else if (slotIs(t, "volume")) k = T_VOLUME;
    else if (slotIs(t, "collector")) k = T_COLLECTOR;
    else k = T_OTHER;
  }
  setTypeKind(k);
  const a = slotAt(S_ACTION);
  const big = slotTag(a) == BIG;
  if (big) {
    // Decoded for docker.action.name only; the slot stays BIG (docker.action has no value).
    const n = decodeString(slotPtr(a), slotLen(a), arenaPos);
    setSlot(a, arenaPos, n, BIG);
    arenaPos += <usize>n;
  }
  if (big || slotTag(a) == STR || slotTag(a) == STRESC) {
    decodeSlot(a);
    const p = slotPtr(a);
    const n = slotLen(a);
    let split = -1;
    for (let i = 0; i + 1 < n; i++) {
      if (load<u8>(p + <usize>i) == 0x3A && load<u8>(p + <usize>i + 1) == 0x20) { split = i; break; }
    }
    if (split >= 0) setAction(p, n, split, p + <usize>split + 2, n - split - 2, big);
    else setAction(p, n, n, 0, 0, big);
  } else setAction(0, -1, -1, 0, 0, false);
  setParseControl(sawControl);
}

function syntaxOrUtf8(len: i32): i32 {
  return validUtf8(inBuf, len) ? ERR_SYNTAX : ERR_UTF8;
}

/** Parses the len payload bytes at inBuf. Returns 0 or a negative error code. */
export function parseEvent(len: i32): i32 {
  pos = inBuf;
  end = inBuf + <usize>len;
  store<u64>(end, 0);
  store<u64>(end, 0, 8);
  tooLarge = false;
  typeErr = false;
  arenaPos = arenaBuf;
  clearSlots(0, NSLOTS);
  clearTruncated();
  setAttrCount(0);
  setCapCount(0);
  setMountCount(0);
  skipWs();
  if (peek() != 0x7B) {
    if (!skipValue(0)) return syntaxOrUtf8(len);
    skipWs();
    return pos == end ? ERR_NOT_OBJECT : syntaxOrUtf8(len);
  }
  pos++;
  skipWs();
  if (peek() == 0x7D) pos++;
  else if (!parseTop()) return syntaxOrUtf8(len);
  skipWs();
  if (pos != end) return syntaxOrUtf8(len);
  if (tooLarge) return ERR_TOO_LARGE;
  if (typeErr) return ERR_TYPE;
  finish();
  return 0;
}
