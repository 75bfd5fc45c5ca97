// Single-pass JSON scanner over the UTF-8 payload.
//
// It validates the whole document (RFC 8259 grammar; UTF-8 is validated before) and, on
// the way, records where the values the fields need are (event.ts). Values under unknown
// keys are validated and skipped without recursion (one bit per nesting level). Nothing is
// decoded here except object keys holding escapes, Type and Action; values are decoded
// lazily by the extractor. No allocation.
//
// Speed (this runs on every event Falco sees): positions live in locals inside the loops
// (a global is a memory access per use in compiled wasm) and are passed between the
// functions as arguments and results (0 = bad syntax: the payload is never at address 0);
// strings are scanned 16 bytes at a time with SIMD (one compare finds '"', '\\', a control
// byte or a non-ASCII byte); keys are recognized by length and one or two word compares.
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
  ABSENT, ATTR, BIG, FALSE, MOUNT, WRONG, M_DESTINATION, M_MODE, M_RW, M_SOURCE, M_TYPE, NUM, SLOT, STR, STRESC, TRUE,
  S_ACTION, S_ACTOR_ID, S_C_IMAGEID, S_C_IPCMODE, S_C_NETMODE, S_C_PIDMODE, S_C_PRIVILEGED, S_C_READONLY, S_C_USER,
  S_ENDPOINT, S_ENGINE, S_E_CMDLINE, S_E_HEALTHCHECK, S_E_PRIVILEGED, S_E_TTY, S_E_USER, S_FROM, S_HEALTHSTATUS, S_ID, S_SCOPE,
  S_STATUS, S_TIME, S_TIMENANO, S_TYPE,
  T_COLLECTOR, T_CONTAINER, T_IMAGE, T_NETWORK, T_NONE, T_OTHER, T_VOLUME,
  attrs, caps, clearAllSlots, clearSlots, mounts, setAction, setAttrCount, setCapCount,
  setMountCount, setParseControl, setSlot, setTypeKind, slotAt, slotLen, slotPtr, slotTag,
  TRUNC_BYTES, TRUNC_PRESENT, clearTruncated, setEnginePodman,
} from "./event";

// Scanner state (one parse at a time per instance).
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
// Result of parseLiteral (TRUE, FALSE or ABSENT for null).
let litTag: i32 = 0;

const K_STR: i32 = 1;
const K_NUM: i32 = 2;
const K_BOOL: i32 = 3;

// ---------------------------------------------------------------- words of known keys
// A key (or a short value) of n <= 8 bytes is compared as one little-endian word of its n
// bytes, a longer one as two. Reading 8 bytes at a key is safe: keys sit in the payload
// (followed by at least its 16 NUL sentinel bytes) or in the arena (16 spare bytes).

/** The first n (1..8) bytes at p as a little-endian word. */
@inline function word(p: usize, n: i32): u64 {
  const w = load<u64>(p);
  return n >= 8 ? w : w & ((<u64>1 << (<u64>n << 3)) - 1);
}

// The first word of the last key (its first min(keyL, 8) bytes), set by scanKey.
let keyW: u64 = 0;

@inline function keyIs(n: i32, lo: u64): bool {
  return keyL == n && keyW == lo;
}

@inline function keyIs2(n: i32, lo: u64, hi: u64): bool {
  return keyL == n && keyW == lo && word(keyP + 8, n - 8) == hi;
}

const W_id: u64 = 0x6469;
const W_Type: u64 = 0x65707954;
const W_time: u64 = 0x656D6974;
const W_from: u64 = 0x6D6F7266;
const W_Actor: u64 = 0x726F746341;
const W_scope: u64 = 0x65706F6373;
const W_falco: u64 = 0x6F636C6166;
const W_Action: u64 = 0x6E6F69746341;
const W_status: u64 = 0x737574617473;
const W_timeNano: u64 = 0x6F6E614E656D6974;
const W_ID: u64 = 0x4449;
const W_Attributes: u64 = 0x7475626972747441; const W_Attributes2: u64 = 0x7365;
const W_endpoint: u64 = 0x746E696F70646E65;
const W_container: u64 = 0x656E6961746E6F63; const W_container2: u64 = 0x72;
const W_exec: u64 = 0x63657865;
const W_privileged: u64 = 0x67656C6976697270; const W_privileged2: u64 = 0x6465;
const W_capAdd: u64 = 0x646441706163;
const W_mounts: u64 = 0x73746E756F6D;
const W_user: u64 = 0x72657375;
const W_networkMode: u64 = 0x4D6B726F7774656E; const W_networkMode2: u64 = 0x65646F;
const W_pidMode: u64 = 0x65646F4D646970;
const W_ipcMode: u64 = 0x65646F4D637069;
const W_imageId: u64 = 0x64496567616D69;
const W_readonlyRootfs: u64 = 0x796C6E6F64616572; const W_readonlyRootfs2: u64 = 0x7366746F6F52;
const W_tty: u64 = 0x797474;
const W_healthcheck: u64 = 0x686368746C616568; const W_healthcheck2: u64 = 0x6B6365;
const W_source: u64 = 0x656372756F73;
const W_destination: u64 = 0x74616E6974736564; const W_destination2: u64 = 0x6E6F69;
const W_mode: u64 = 0x65646F6D;
const W_rw: u64 = 0x7772;
const W_type: u64 = 0x65707974;
const W_image: u64 = 0x6567616D69;
const W_network: u64 = 0x6B726F7774656E;
const W_volume: u64 = 0x656D756C6F76;
const W_collector: u64 = 0x6F7463656C6C6F63; const W_collector2: u64 = 0x72;
const W_truncated: u64 = 0x657461636E757274; const W_truncated2: u64 = 0x64;
const W_bytes: u64 = 0x7365747962;
const W_engine: u64 = 0x656E69676E65;
const W_cmdline: u64 = 0x656E696C646D63;
const W_HealthStatus: u64 = 0x745368746C616548; const W_HealthStatus2: u64 = 0x73757461;

// The raw bytes `"key":` of the keys of the enrichment and Actor objects (see topMember).
const R_ID: u64 = 0x3A22444922; // 5 "ID":
const R_Attributes: u64 = 0x7562697274744122; const R_Attributes2: u64 = 0x3A22736574; // 13 "Attributes":
const R_endpoint: u64 = 0x6E696F70646E6522; const R_endpoint2: u64 = 0x3A2274; // 11 "endpoint":
const R_engine: u64 = 0x22656E69676E6522; const R_engine2: u64 = 0x3A; // 9 "engine":
const R_container: u64 = 0x6E6961746E6F6322; const R_container2: u64 = 0x3A227265; // 12 "container":
const R_exec: u64 = 0x3A226365786522; // 7 "exec":
const R_privileged: u64 = 0x656C697669727022; const R_privileged2: u64 = 0x3A22646567; // 13 "privileged":
const R_capAdd: u64 = 0x2264644170616322; const R_capAdd2: u64 = 0x3A; // 9 "capAdd":
const R_mounts: u64 = 0x2273746E756F6D22; const R_mounts2: u64 = 0x3A; // 9 "mounts":
const R_user: u64 = 0x3A227265737522; // 7 "user":
const R_networkMode: u64 = 0x6B726F7774656E22; const R_networkMode2: u64 = 0x3A2265646F4D; // 14 "networkMode":
const R_pidMode: u64 = 0x65646F4D64697022; const R_pidMode2: u64 = 0x3A22; // 10 "pidMode":
const R_ipcMode: u64 = 0x65646F4D63706922; const R_ipcMode2: u64 = 0x3A22; // 10 "ipcMode":
const R_imageId: u64 = 0x64496567616D6922; const R_imageId2: u64 = 0x3A22; // 10 "imageId":
const R_tty: u64 = 0x3A2279747422; // 6 "tty":
const R_healthcheck: u64 = 0x6368746C61656822; const R_healthcheck2: u64 = 0x3A226B636568; // 14 "healthcheck":

/** True if the raw bytes at p are the n (<= 16) bytes of `"key":` given as two little-endian words. */
@inline function rawIs(p: usize, n: i32, lo: u64, hi: u64): bool {
  if (n <= 8) return word(p, n) == lo;
  return load<u64>(p) == lo && word(p + 8, n - 8) == hi;
}

// ---------------------------------------------------------------- tokens

/** The position of the first non-whitespace byte at or after p (compact JSON: no loop). */
@inline function ws(p: usize): usize {
  return <u32>load<u8>(p) > 0x20 ? p : wsRest(p);
}

function wsRest(p: usize): usize {
  let c = <u32>load<u8>(p);
  while (c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09) { p++; c = <u32>load<u8>(p); }
  return p;
}

@inline function isHex(c: u32): bool {
  return c - 48 < 10 || (c | 0x20) - 97 < 6;
}

/**
 * One bit per byte of the 16 at p that ends a run of plain string bytes: '"', '\\', a control
 * byte, DEL or a non-ASCII byte. v + 1 < 0x21, signed: 0x00..0x1F (0x01..0x20), DEL (0x80) and
 * 0x80..0xFF (negative, or 0 for 0xFF); DEL goes the escape way (ABI.md "Control characters").
 */
@inline function specialBytes(p: usize): i32 {
  const v = v128.load(p);
  const m = v128.or(v128.or(i8x16.eq(v, i8x16.splat(0x22)), i8x16.eq(v, i8x16.splat(0x5C))),
    i8x16.lt_s(i8x16.add(v, i8x16.splat(1)), i8x16.splat(0x21)));
  return i8x16.bitmask(m);
}

/**
 * The end of the common string whose contents start at s (no escape, ASCII, under 80 bytes:
 * keys, names, ids, digests): the position of its closing '"', or 0 for any other string.
 * No loop. Reads at most 15 bytes past the NUL sentinel that ends the payload (15 more
 * follow it: parseEvent), since a block is only read when the blocks before it held no
 * special byte (the NUL is one).
 */
@inline function plainEnd(s: usize): usize {
  let b = s;
  let m = specialBytes(b);
  if (m == 0) {
    b += 16; m = specialBytes(b);
    if (m == 0) {
      b += 16; m = specialBytes(b);
      if (m == 0) {
        b += 16; m = specialBytes(b);
        if (m == 0) { b += 16; m = specialBytes(b); }
      }
    }
  }
  if (m == 0) return 0;
  const q = b + <usize>ctz(m);
  return load<u8>(q) == 0x22 ? q : 0;
}

/**
 * Scans the string whose opening '"' is at p; sets strS/strL/strEsc and returns the
 * position after its closing '"', or 0 on bad syntax. The common string takes no loop
 * (plainEnd); the others continue in scanStrRest.
 */
@inline function scanStr(p: usize): usize {
  const s = p + 1;
  const q = plainEnd(s);
  if (q == 0) return scanStrRest(s);
  strS = s;
  strL = <i32>(q - s);
  strEsc = false;
  return q + 1;
}

/** scanStr's general case: the string whose contents start at s (after its '"'). */
function scanStrRest(s: usize): usize {
  let p = s;
  let esc = false;
  while (true) {
    let m = specialBytes(p);
    while (m == 0) { p += 16; m = specialBytes(p); }
    p += <usize>ctz(m);
    const c = <u32>load<u8>(p);
    if (c == 0x22) break;
    if (c == 0x5C) {
      esc = true;
      const e = <u32>load<u8>(p + 1);
      if (e == 0x75) {
        if (!(isHex(load<u8>(p + 2)) && isHex(load<u8>(p + 3)) && isHex(load<u8>(p + 4)) && isHex(load<u8>(p + 5)))) return 0;
        p += 6;
      } else if (e == 0x22 || e == 0x5C || e == 0x2F || e == 0x62 || e == 0x66 || e == 0x6E || e == 0x72 || e == 0x74) {
        p += 2;
      } else return 0;
    } else if (c == 0x7F) {
      esc = true;                          // DEL: decoded (and flagged as a control) like an escape
      p++;
    } else if (c < 0x80) {
      return 0;                            // control byte, or the NUL sentinel past the end
    } else {
      const n = utf8SeqLen(p);             // UTF-8 is validated here, inside strings
      if (n == 0) return 0;
      p += n;
    }
  }
  strS = s;
  strL = <i32>(p - s);
  strEsc = esc;
  return p + 1;
}

/** scanStr, not inlined (the cold paths). */
function scanString(p: usize): usize {
  return scanStr(p);
}

/** The position after the run of ASCII digits at p (16 at a time; the NUL sentinel ends a run). */
@inline function skipDigits(p: usize): usize {
  // The first 32 bytes outside the loop: numbers of up to 31 digits (a timeNano has 19) take
  // no loop turn, each one an epoch check under wasmtime.
  const d0 = i8x16.lt_u(i8x16.sub(v128.load(p), i8x16.splat(0x30)), i8x16.splat(10));
  const n0 = ctz(~i8x16.bitmask(d0));
  p += <usize>n0;
  if (n0 < 16) return p;
  const d1 = i8x16.lt_u(i8x16.sub(v128.load(p), i8x16.splat(0x30)), i8x16.splat(10));
  const n1 = ctz(~i8x16.bitmask(d1));
  p += <usize>n1;
  if (n1 < 16) return p;
  while (true) {
    const d = i8x16.lt_u(i8x16.sub(v128.load(p), i8x16.splat(0x30)), i8x16.splat(10));
    const n = ctz(~i8x16.bitmask(d));
    p += <usize>n;
    if (n < 16) return p;
  }
  return p;
}

/** Scans the number at p; returns the position after it, or 0. */
function scanNumber(p: usize): usize {
  if (load<u8>(p) == 0x2D) p++;
  let c = <u32>load<u8>(p);
  if (c == 0x30) p++;
  else if (c - 49 < 9) p = skipDigits(p + 1);
  else return 0;
  if (load<u8>(p) == 0x2E) {
    p++;
    if (<u32>load<u8>(p) - 48 >= 10) return 0;
    p = skipDigits(p);
  }
  if ((<u32>load<u8>(p) | 0x20) == 0x65) {
    p++;
    c = <u32>load<u8>(p);
    if (c == 0x2B || c == 0x2D) p++;
    if (<u32>load<u8>(p) - 48 >= 10) return 0;
    p = skipDigits(p);
  }
  return p;
}

/** Scans true/false/null at p; sets litTag (TRUE, FALSE, ABSENT) and returns the position after it, or 0. */
function scanLiteral(p: usize): usize {
  const c = <u32>load<u8>(p);
  if (c == 0x74) {
    if (load<u32>(p) != 0x65757274) return 0;      // "true"
    litTag = TRUE;
    return p + 4;
  }
  if (c == 0x66) {
    if (load<u32>(p + 1) != 0x65736C61) return 0;  // "alse"
    litTag = FALSE;
    return p + 5;
  }
  if (c == 0x6E) {
    if (load<u32>(p) != 0x6C6C756E) return 0;      // "null"
    litTag = ABSENT;
    return p + 4;
  }
  return 0;
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

/** Decodes the key just scanned (it holds escapes) into the arena; kept there if keep. */
function decodeKey(keep: bool): void {
  keyP = arenaPos;
  keyL = decodeString(strS, strL, arenaPos);
  if (keep) arenaPos += <usize>keyL;
}

/** scanKey's general case: the key at p is not a plain string. */
function scanKeyRest(p: usize, keep: bool): usize {
  p = scanStrRest(p + 1);
  if (p == 0) return 0;
  if (strEsc) decodeKey(keep);
  else {
    keyP = strS;
    keyL = strL;
  }
  return p;
}

/**
 * Reads `"key" :` at p (after whitespace) and the whitespace after the colon. Sets keyP/keyL
 * (decoded into the arena if escaped; strL is its encoded length) and keyW, and returns the
 * position of the value, or 0.
 */
@inline function scanKey(p: usize, keep: bool): usize {
  if (load<u8>(p) != 0x22) return 0;
  const s = p + 1;
  const q = plainEnd(s);
  let kp: usize, kl: i32;
  if (q != 0) {
    kp = s;
    kl = <i32>(q - s);
    strL = kl;
    p = q + 1;
  } else {
    p = scanKeyRest(p, keep);
    if (p == 0) return 0;
    kp = keyP;
    kl = keyL;
  }
  keyP = kp;
  keyL = kl;
  const w = load<u64>(kp);
  keyW = kl >= 8 ? w : w & ((<u64>1 << (<u64>kl << 3)) - 1);
  if (load<u8>(p) != 0x3A) {
    p = ws(p);
    if (load<u8>(p) != 0x3A) return 0;
  }
  return ws(p + 1);
}

/**
 * Validates and skips one value at p (after whitespace); returns the position after it, or
 * 0. holder = nesting depth of the container holding the value (0 for the top level).
 * Iterative: one bit per open level.
 */
function skipValue(p: usize, holder: i32): usize {
  let sp: i32 = 0;
  while (true) {
    p = ws(p);
    let c = <u32>load<u8>(p);
    if (c == 0x7B || c == 0x5B) {
      p++;
      if (holder + sp + 1 > MAX_DEPTH) tooLarge = true;
      const obj = c == 0x7B;
      setBit(sp, obj);
      sp++;
      p = ws(p);
      c = <u32>load<u8>(p);
      if (obj) {
        if (c == 0x7D) { p++; sp--; }
        else {
          if (c != 0x22) return 0;
          p = scanStr(p);
          if (p == 0) return 0;
          p = ws(p);
          if (load<u8>(p) != 0x3A) return 0;
          p++;
          continue;
        }
      } else {
        if (c == 0x5D) { p++; sp--; }
        else continue;
      }
    } else if (c == 0x22) {
      p = scanStr(p);
      if (p == 0) return 0;
    } else if (c == 0x2D || c - 48 < 10) {
      p = scanNumber(p);
      if (p == 0) return 0;
    } else {
      p = scanLiteral(p);
      if (p == 0) return 0;
    }
    // A value is complete: close containers or go to the next member/element.
    while (true) {
      if (sp == 0) return p;
      p = ws(p);
      c = <u32>load<u8>(p);
      const obj = getBit(sp - 1);
      if (c == 0x2C) {
        p++;
        if (obj) {
          p = ws(p);
          if (load<u8>(p) != 0x22) return 0;
          p = scanStr(p);
          if (p == 0) return 0;
          p = ws(p);
          if (load<u8>(p) != 0x3A) return 0;
          p++;
        }
        break;
      }
      if (c == (obj ? <u32>0x7D : <u32>0x5D)) { p++; sp--; continue; }
      return 0;
    }
  }
  return 0;
}

/** The slot tag of the last string scanned: BIG over MAX_STRING, else STR or STRESC. */
@inline function strTag(): i32 {
  return strL > MAX_STRING ? BIG : strEsc ? STRESC : STR;
}

/** valueInto for a value expected to be a string: the common case inline. */
@inline function strInto(p: usize, s: usize, holder: i32): usize {
  if (load<u8>(p) != 0x22) return valueInto(p, s, K_STR, holder);
  p = scanStr(p);
  if (p != 0) setSlot(s, strS, strL, strTag());
  return p;
}

/** Reads a scalar of the wanted kind at p into slot s (another JSON type is a type error); returns the position after it, or 0. */
function valueInto(p: usize, s: usize, want: i32, holder: i32): usize {
  const c = <u32>load<u8>(p);
  if (c == 0x22) {
    p = scanStr(p);
    if (p == 0) return 0;
    setSlot(s, strS, strL, strTag());
    if (want != K_STR) typeErr = true;
    return p;
  }
  if (c == 0x2D || c - 48 < 10) {
    const start = p;
    p = scanNumber(p);
    if (p == 0) return 0;
    setSlot(s, start, <i32>(p - start), NUM);
    if (want != K_NUM) typeErr = true;
    return p;
  }
  if (c == 0x7B || c == 0x5B) {
    p = skipValue(p, holder);
    if (p == 0) return 0;
    setSlot(s, 0, 0, WRONG);
    typeErr = true;
    return p;
  }
  p = scanLiteral(p);
  if (p == 0) return 0;
  setSlot(s, 0, 0, litTag);
  if (litTag != ABSENT && want != K_BOOL) typeErr = true;
  return p;
}

// After a member value: ',' (more members follow: `more`, and the result is the position
// of the next key after whitespace) or the closing byte (done: the position after it); 0 otherwise.
let more = false;
@inline function next(p: usize, close: u32): usize {
  let c = <u32>load<u8>(p);
  if (c <= 0x20) {
    p = ws(p);
    c = <u32>load<u8>(p);
  }
  if (c == 0x2C) { more = true; return ws(p + 1); }
  if (c == close) { more = false; return p + 1; }
  return 0;
}

// Opening a known object or array at p: openState 1 (members follow at the result), 0
// (empty or null: the result is after it), 2 (another type: skipped, a type error); the
// result is 0 on bad syntax.
let openState: i32 = 0;
@inline function openContainer(p: usize, holder: i32, close: u32): usize {
  const c = <u32>load<u8>(p);
  const open: u32 = close == 0x7D ? 0x7B : 0x5B;
  if (c == open) {
    p = ws(p + 1);
    if (<u32>load<u8>(p) == close) { openState = 0; return p + 1; }
    openState = 1;
    return p;
  }
  if (c == 0x6E) {
    p = scanLiteral(p);
    if (p == 0 || litTag != ABSENT) return 0;
    openState = 0;
    return p;
  }
  p = skipValue(p, holder);
  if (p == 0) return 0;
  typeErr = true;
  openState = 2;
  return p;
}

/**
 * The attribute member at p if written `"key":"value"` with plain strings (no escape, ASCII,
 * under 80 bytes) and no whitespace: its key and value into the entry at e, and the position
 * of the value's closing quote; 0 for any other member (the general loop reads it).
 */
@inline function attrCompact(p: usize, e: usize): usize {
  if (load<u8>(p) != 0x22) return 0;
  const ks = p + 1;
  const kq = plainEnd(ks);
  if (kq == 0 || load<u16>(kq + 1) != 0x223A) return 0;   // `:"` after the key
  const vs = kq + 3;
  const vq = plainEnd(vs);
  if (vq == 0) return 0;
  store<u32>(e, <u32>ks);
  store<i32>(e, <i32>(kq - ks), 4);
  setSlot(e + 8, vs, <i32>(vq - vs), STR);
  return vq;
}

function parseAttributes(p: usize, holder: i32): usize {
  setAttrCount(0);
  p = openContainer(p, holder, 0x7D);
  if (p == 0 || openState != 1) return p;
  let n: i32 = 0;
  let e = attrs;
  // The members as daemons write them, `"key":"value"` with plain strings (no escape, ASCII,
  // under 80 bytes) and no whitespace, without leaving locals, two a loop turn (each turn is an
  // epoch check under wasmtime); at any other member the general loop below takes over at that
  // member's start.
  while (n < MAX_ATTRS - 1) {
    let q = attrCompact(p, e);
    if (q == 0) break;
    e += <usize>ATTR;
    n++;
    if (load<u8>(q + 1) == 0x2C) p = ws(q + 2);
    else {
      p = next(q + 1, 0x7D);
      if (p == 0) return 0;
      if (!more) { setAttrCount(n); return p; }
    }
    q = attrCompact(p, e);
    if (q == 0) break;
    e += <usize>ATTR;
    n++;
    if (load<u8>(q + 1) == 0x2C) p = ws(q + 2);
    else {
      p = next(q + 1, 0x7D);
      if (p == 0) return 0;
      if (!more) { setAttrCount(n); return p; }
    }
  }
  while (true) {
    p = scanKey(p, n < MAX_ATTRS);
    if (p == 0) return 0;
    const keyBig = strL > MAX_STRING;
    n++;
    const c = <u32>load<u8>(p);
    if (c == 0x22) {
      p = scanStr(p);
      if (p == 0) return 0;
      if (n <= MAX_ATTRS) {
        store<u32>(e, <u32>keyP);
        store<i32>(e, keyL, 4);
        if (keyBig) setSlot(e + 8, 0, 0, BIG);
        else setSlot(e + 8, strS, strL, strTag());
        e += <usize>ATTR;
      }
    } else if (c == 0x6E) {
      p = scanLiteral(p);
      if (p == 0 || litTag != ABSENT) return 0;
      if (n <= MAX_ATTRS) {
        store<u32>(e, <u32>keyP);
        store<i32>(e, keyL, 4);
        setSlot(e + 8, 0, 0, keyBig ? BIG : ABSENT);
        e += <usize>ATTR;
      }
    } else {
      p = skipValue(p, holder + 1);
      if (p == 0) return 0;
      typeErr = true;
    }
    p = next(p, 0x7D);
    if (p == 0) return 0;
    if (!more) break;
  }
  setAttrCount(n <= MAX_ATTRS ? n : MAX_ATTRS);
  return p;
}

function parseActor(p: usize, holder: i32): usize {
  store<i32>(slotAt(S_ACTOR_ID), ABSENT, 8);
  setAttrCount(0);
  p = openContainer(p, holder, 0x7D);
  if (p == 0 || openState != 1) return p;
  const d = holder + 1;
  // ID then Attributes, as daemons write them, without a loop turn (an epoch check each under
  // wasmtime); anything else, or more, in the loop: the same result.
  if (rawIs(p, 5, R_ID, 0)) {
    p = strInto(ws(p + 5), slotAt(S_ACTOR_ID), d);
    if (p == 0) return 0;
    p = next(p, 0x7D);
    if (p == 0 || !more) return p;
  }
  if (rawIs(p, 13, R_Attributes, R_Attributes2)) {
    p = parseAttributes(ws(p + 13), d);
    if (p == 0) return 0;
    p = next(p, 0x7D);
    if (p == 0 || !more) return p;
  }
  while (true) {
    let m = 0;
    if (rawIs(p, 5, R_ID, 0)) { m = 1; p = ws(p + 5); }
    else if (rawIs(p, 13, R_Attributes, R_Attributes2)) { m = 2; p = ws(p + 13); }
    else {
      p = scanKey(p, false);
      if (p == 0) return 0;
      if (keyIs(2, W_ID)) m = 1;
      else if (keyIs2(10, W_Attributes, W_Attributes2)) m = 2;
    }
    if (m == 1) p = strInto(p, slotAt(S_ACTOR_ID), d);
    else if (m == 2) p = parseAttributes(p, d);
    else p = skipValue(p, d);
    if (p == 0) return 0;
    p = next(p, 0x7D);
    if (p == 0 || !more) return p;
  }
  return 0;
}

function parseCapAdd(p: usize, holder: i32): usize {
  setCapCount(0);
  p = openContainer(p, holder, 0x5D);
  if (p == 0 || openState != 1) return p;
  let n: i32 = 0;
  while (true) {
    p = ws(p);
    if (load<u8>(p) == 0x22) {
      p = scanString(p);
      if (p == 0) return 0;
      if (n < MAX_LIST) setSlot(caps + <usize>(n * SLOT), strS, strL, strTag());
    } else {
      p = skipValue(p, holder + 1);
      if (p == 0) return 0;
      typeErr = true;
    }
    n++;
    p = next(p, 0x5D);
    if (p == 0) return 0;
    if (!more) break;
  }
  setCapCount(n <= MAX_LIST ? n : MAX_LIST);
  return p;
}

/** One mount object at p (its '{'), into the record m; holder = depth of the mounts array. */
function parseMount(p: usize, m: usize, holder: i32): usize {
  store<i32>(m, ABSENT, 8);
  store<i32>(m + <usize>SLOT, ABSENT, 8);
  store<i32>(m + <usize>(2 * SLOT), ABSENT, 8);
  store<i32>(m + <usize>(3 * SLOT), ABSENT, 8);
  store<i32>(m + <usize>(4 * SLOT), ABSENT, 8);
  p = ws(p + 1);
  if (load<u8>(p) == 0x7D) return p + 1;
  const d = holder + 1;
  while (true) {
    p = scanKey(p, false);
    if (p == 0) return 0;
    if (keyIs(6, W_source)) p = strInto(p, m + <usize>(M_SOURCE * SLOT), d);
    else if (keyIs2(11, W_destination, W_destination2)) p = strInto(p, m + <usize>(M_DESTINATION * SLOT), d);
    else if (keyIs(4, W_mode)) p = strInto(p, m + <usize>(M_MODE * SLOT), d);
    else if (keyIs(2, W_rw)) p = valueInto(p, m + <usize>(M_RW * SLOT), K_BOOL, d);
    else if (keyIs(4, W_type)) p = strInto(p, m + <usize>(M_TYPE * SLOT), d);
    else p = skipValue(p, d);
    if (p == 0) return 0;
    p = next(p, 0x7D);
    if (p == 0 || !more) return p;
  }
  return 0;
}

const spareMount: usize = memory.data(MOUNT, 8);

function parseMounts(p: usize, holder: i32): usize {
  setMountCount(0);
  p = openContainer(p, holder, 0x5D);
  if (p == 0 || openState != 1) return p;
  let n: i32 = 0;
  while (true) {
    p = ws(p);
    if (load<u8>(p) == 0x7B) {
      // Past MAX_LIST a mount is still checked (into a scratch record) but not kept.
      p = parseMount(p, n < MAX_LIST ? mounts + <usize>(n * MOUNT) : spareMount, holder + 1);
    } else {
      p = skipValue(p, holder + 1);
      typeErr = true;
    }
    if (p == 0) return 0;
    n++;
    p = next(p, 0x5D);
    if (p == 0) return 0;
    if (!more) break;
  }
  setMountCount(n <= MAX_LIST ? n : MAX_LIST);
  return p;
}

const C_USER = 1, C_CAPADD = 2, C_MOUNTS = 3, C_PIDMODE = 4, C_IPCMODE = 5, C_IMAGEID = 6,
  C_PRIVILEGED = 7, C_NETMODE = 8, C_READONLY = 9;

// The slots of falco, falco.container and falco.exec are clear (clearAllSlots) until the first
// such object of the event: only a repeated one clears them again, with a loop (every loop turn
// costs an epoch check under wasmtime).
let seenFalco = false;
let seenContainer = false;
let seenExec = false;

function parseContainer(p: usize, holder: i32): usize {
  if (seenContainer) clearSlots(S_C_PRIVILEGED, S_C_IMAGEID + 1);
  seenContainer = true;
  setCapCount(0);
  setMountCount(0);
  p = openContainer(p, holder, 0x7D);
  if (p == 0 || openState != 1) return p;
  const d = holder + 1;
  while (true) {
    let m = 0;
    let n = 0;
    switch (<u32>load<u8>(p + 1)) {
      case 0x75: if (rawIs(p, 7, R_user, 0)) { m = C_USER; n = 7; } break;
      case 0x63: if (rawIs(p, 9, R_capAdd, R_capAdd2)) { m = C_CAPADD; n = 9; } break;
      case 0x6D: if (rawIs(p, 9, R_mounts, R_mounts2)) { m = C_MOUNTS; n = 9; } break;
      case 0x70:
        if (rawIs(p, 10, R_pidMode, R_pidMode2)) { m = C_PIDMODE; n = 10; }
        else if (rawIs(p, 13, R_privileged, R_privileged2)) { m = C_PRIVILEGED; n = 13; }
        break;
      case 0x69:
        if (rawIs(p, 10, R_ipcMode, R_ipcMode2)) { m = C_IPCMODE; n = 10; }
        else if (rawIs(p, 10, R_imageId, R_imageId2)) { m = C_IMAGEID; n = 10; }
        break;
      case 0x6E: if (rawIs(p, 14, R_networkMode, R_networkMode2)) { m = C_NETMODE; n = 14; } break;
    }
    if (m != 0) p = ws(p + <usize>n);
    else {
      p = scanKey(p, false);
      if (p == 0) return 0;
      switch (keyL) {
        case 4: if (keyIs(4, W_user)) m = C_USER; break;
        case 6:
          if (keyIs(6, W_capAdd)) m = C_CAPADD;
          else if (keyIs(6, W_mounts)) m = C_MOUNTS;
          break;
        case 7:
          if (keyIs(7, W_pidMode)) m = C_PIDMODE;
          else if (keyIs(7, W_ipcMode)) m = C_IPCMODE;
          else if (keyIs(7, W_imageId)) m = C_IMAGEID;
          break;
        case 10: if (keyIs2(10, W_privileged, W_privileged2)) m = C_PRIVILEGED; break;
        case 11: if (keyIs2(11, W_networkMode, W_networkMode2)) m = C_NETMODE; break;
        case 14: if (keyIs2(14, W_readonlyRootfs, W_readonlyRootfs2)) m = C_READONLY; break;
      }
    }
    switch (m) {
      case C_USER: p = strInto(p, slotAt(S_C_USER), d); break;
      case C_CAPADD: p = parseCapAdd(p, d); break;
      case C_MOUNTS: p = parseMounts(p, d); break;
      case C_PIDMODE: p = strInto(p, slotAt(S_C_PIDMODE), d); break;
      case C_IPCMODE: p = strInto(p, slotAt(S_C_IPCMODE), d); break;
      case C_IMAGEID: p = strInto(p, slotAt(S_C_IMAGEID), d); break;
      case C_PRIVILEGED: p = valueInto(p, slotAt(S_C_PRIVILEGED), K_BOOL, d); break;
      case C_NETMODE: p = strInto(p, slotAt(S_C_NETMODE), d); break;
      case C_READONLY: p = valueInto(p, slotAt(S_C_READONLY), K_BOOL, d); break;
      default: p = skipValue(p, d);
    }
    if (p == 0) return 0;
    p = next(p, 0x7D);
    if (p == 0 || !more) return p;
  }
  return 0;
}

function parseExec(p: usize, holder: i32): usize {
  if (seenExec) clearSlots(S_E_TTY, S_E_CMDLINE + 1);
  seenExec = true;
  p = openContainer(p, holder, 0x7D);
  if (p == 0 || openState != 1) return p;
  const d = holder + 1;
  while (true) {
    let m = 0;
    if (rawIs(p, 6, R_tty, 0)) { m = 1; p = ws(p + 6); }
    else if (rawIs(p, 7, R_user, 0)) { m = 2; p = ws(p + 7); }
    else if (rawIs(p, 13, R_privileged, R_privileged2)) { m = 3; p = ws(p + 13); }
    else if (rawIs(p, 14, R_healthcheck, R_healthcheck2)) { m = 4; p = ws(p + 14); }
    else {
      p = scanKey(p, false);
      if (p == 0) return 0;
      if (keyIs(3, W_tty)) m = 1;
      else if (keyIs(4, W_user)) m = 2;
      else if (keyIs2(10, W_privileged, W_privileged2)) m = 3;
      else if (keyIs2(11, W_healthcheck, W_healthcheck2)) m = 4;
      else if (keyIs(7, W_cmdline)) m = 5;                 // Podman's exec (the collector found it)
    }
    switch (m) {
      case 1: p = valueInto(p, slotAt(S_E_TTY), K_BOOL, d); break;
      case 2: p = strInto(p, slotAt(S_E_USER), d); break;
      case 3: p = valueInto(p, slotAt(S_E_PRIVILEGED), K_BOOL, d); break;
      case 4: p = valueInto(p, slotAt(S_E_HEALTHCHECK), K_BOOL, d); break;
      case 5: p = strInto(p, slotAt(S_E_CMDLINE), d); break;
      default: p = skipValue(p, d);
    }
    if (p == 0) return 0;
    p = next(p, 0x7D);
    if (p == 0 || !more) return p;
  }
  return 0;
}

/** falco.truncated: an object (present) with a "bytes" number; null is absent. */
function parseTruncated(p: usize, holder: i32): usize {
  clearTruncated();
  const isNull = load<u8>(p) == 0x6E;
  p = openContainer(p, holder, 0x7D);
  if (p == 0 || openState == 2 || isNull) return p;
  setSlot(TRUNC_PRESENT, 0, 0, TRUE);
  if (openState == 0) return p;
  const d = holder + 1;
  while (true) {
    p = scanKey(p, false);
    if (p == 0) return 0;
    p = keyIs(5, W_bytes) ? valueInto(p, TRUNC_BYTES, K_NUM, d) : skipValue(p, d);
    if (p == 0) return 0;
    p = next(p, 0x7D);
    if (p == 0 || !more) return p;
  }
  return 0;
}

/** The string slot s is "podman", decoded (an escaped spelling is the same name, as JSON.parse reads it). */
function isPodman(s: usize): bool {
  let p = slotPtr(s);
  let n = slotLen(s);
  const tag = slotTag(s);
  if (tag == STRESC) {
    if (n > 36) return false;                  // "podman" is at most 6 \uXXXX escapes
    n = decodeString(p, n, podmanScratch);     // (sawControl is reset by finish)
    p = podmanScratch;
  } else if (tag != STR) return false;
  return n == 6 && load<u32>(p) == 0x6D646F70 && load<u16>(p + 4) == 0x6E61;   // "podm" "an"
}
const podmanScratch: usize = memory.data(40, 8);

function parseFalco(p: usize, holder: i32): usize {
  if (seenFalco) clearSlots(S_ENDPOINT, S_ENGINE + 1);
  seenFalco = true;
  setEnginePodman(false);
  clearTruncated();
  setCapCount(0);
  setMountCount(0);
  p = openContainer(p, holder, 0x7D);
  if (p == 0 || openState != 1) return p;
  const d = holder + 1;
  while (true) {
    let m = 0;
    if (rawIs(p, 11, R_endpoint, R_endpoint2)) { m = 1; p = ws(p + 11); }
    else if (rawIs(p, 9, R_engine, R_engine2)) { m = 5; p = ws(p + 9); }
    else if (rawIs(p, 12, R_container, R_container2)) { m = 2; p = ws(p + 12); }
    else if (rawIs(p, 7, R_exec, 0)) { m = 3; p = ws(p + 7); }
    else {
      p = scanKey(p, false);
      if (p == 0) return 0;
      if (keyIs(8, W_endpoint)) m = 1;
      else if (keyIs2(9, W_container, W_container2)) m = 2;
      else if (keyIs(4, W_exec)) m = 3;
      else if (keyIs2(9, W_truncated, W_truncated2)) m = 4;
      else if (keyIs(6, W_engine)) m = 5;
    }
    if (m == 1) p = strInto(p, slotAt(S_ENDPOINT), d);
    else if (m == 2) p = parseContainer(p, d);
    else if (m == 3) p = parseExec(p, d);
    else if (m == 4) p = parseTruncated(p, d);
    else if (m == 5) {
      p = strInto(p, slotAt(S_ENGINE), d);
      if (p != 0) setEnginePodman(isPodman(slotAt(S_ENGINE)));
    }
    else p = skipValue(p, d);
    if (p == 0) return 0;
    p = next(p, 0x7D);
    if (p == 0 || !more) return p;
  }
  return 0;
}

// Top-level members as daemons write them, recognized by the raw bytes of `"key":` (a key
// without escapes and the colon right after it): one or two word compares instead of
// scanning the key. Any other member goes the general way (scanKey), with the same result.
const TOP_NONE: i32 = 0;
const TOP_ID: i32 = 1;
const TOP_TYPE: i32 = 2;
const TOP_TIME: i32 = 3;
const TOP_FROM: i32 = 4;
const TOP_ACTOR: i32 = 5;
const TOP_SCOPE: i32 = 6;
const TOP_FALCO: i32 = 7;
const TOP_ACTION: i32 = 8;
const TOP_STATUS: i32 = 9;
const TOP_TIMENANO: i32 = 10;
const TOP_HEALTHSTATUS: i32 = 11;          // Podman's health_status events (general way only)
// The slot of each top-level member by TOP_ value, with its kind (TS_STR: a string, TS_NUM: a
// number; 0: another member).
const TS_NUM: u8 = 0x40;
const TS_STR: u8 = 0x80;
const TOP_SLOTS: usize = memory.data<u8>([
  0, TS_STR | <u8>S_ID, TS_STR | <u8>S_TYPE, TS_NUM | <u8>S_TIME, TS_STR | <u8>S_FROM, 0, TS_STR | <u8>S_SCOPE, 0,
  TS_STR | <u8>S_ACTION, TS_STR | <u8>S_STATUS, TS_NUM | <u8>S_TIMENANO, TS_STR | <u8>S_HEALTHSTATUS,
]);
const M7: u64 = 0x00FFFFFFFFFFFFFF;
const M5: u64 = 0x000000FFFFFFFFFF;

/** The top-level member whose `"key":` bytes start at p (TOP_NONE: another, or written otherwise); sets memberEnd. */
let memberEnd: usize = 0;
@inline function topMember(p: usize): i32 {
  const w = load<u64>(p);
  switch (<u32>(w >> 8) & 0xFF) {
    case 0x69: if ((w & M5) == 0x3A22646922) { memberEnd = p + 5; return TOP_ID; } break;                 // "id":
    case 0x54: if ((w & M7) == 0x3A226570795422) { memberEnd = p + 7; return TOP_TYPE; } break;           // "Type":
    case 0x74:
      if ((w & M7) == 0x3A22656D697422) { memberEnd = p + 7; return TOP_TIME; }                           // "time":
      if (w == 0x6E614E656D697422 && (load<u32>(p + 8) & 0xFFFFFF) == 0x3A226F) { memberEnd = p + 11; return TOP_TIMENANO; }
      break;
    case 0x66:
      if ((w & M7) == 0x3A226D6F726622) { memberEnd = p + 7; return TOP_FROM; }                           // "from":
      if (w == 0x3A226F636C616622) { memberEnd = p + 8; return TOP_FALCO; }                               // "falco":
      break;
    case 0x41:
      if (w == 0x3A22726F74634122) { memberEnd = p + 8; return TOP_ACTOR; }                               // "Actor":
      if (w == 0x226E6F6974634122 && load<u8>(p + 8) == 0x3A) { memberEnd = p + 9; return TOP_ACTION; }   // "Action":
      break;
    case 0x73:
      if (w == 0x3A2265706F637322) { memberEnd = p + 8; return TOP_SCOPE; }                               // "scope":
      if (w == 0x2273757461747322 && load<u8>(p + 8) == 0x3A) { memberEnd = p + 9; return TOP_STATUS; }   // "status":
      break;
  }
  return TOP_NONE;
}

/** The members of the top-level object (p is past its '{' and whitespace, not at '}'); returns the position after its '}', or 0. */
function parseTop(p: usize): usize {
  while (true) {
    let m = topMember(p);
    if (m != TOP_NONE) p = ws(memberEnd);
    else {
      p = scanKey(p, false);
      if (p == 0) return 0;
      switch (keyL) {
        case 2: if (keyIs(2, W_id)) m = TOP_ID; break;
        case 4:
          if (keyIs(4, W_Type)) m = TOP_TYPE;
          else if (keyIs(4, W_time)) m = TOP_TIME;
          else if (keyIs(4, W_from)) m = TOP_FROM;
          break;
        case 5:
          if (keyIs(5, W_Actor)) m = TOP_ACTOR;
          else if (keyIs(5, W_scope)) m = TOP_SCOPE;
          else if (keyIs(5, W_falco)) m = TOP_FALCO;
          break;
        case 6:
          if (keyIs(6, W_Action)) m = TOP_ACTION;
          else if (keyIs(6, W_status)) m = TOP_STATUS;
          break;
        case 8: if (keyIs(8, W_timeNano)) m = TOP_TIMENANO; break;
        case 12: if (keyIs2(12, W_HealthStatus, W_HealthStatus2)) m = TOP_HEALTHSTATUS; break;
      }
    }
    // One inlined string scan for every string member (and no jump table): the slot of each
    // member, with its kind, from TOP_SLOTS.
    const t = <u32>load<u8>(TOP_SLOTS + <usize>m);
    if (t >= <u32>TS_STR) p = strInto(p, slotAt(<i32>(t & 31)), 1);
    else if (t >= <u32>TS_NUM) p = valueInto(p, slotAt(<i32>(t & 31)), K_NUM, 1);
    else if (m == TOP_ACTOR) p = parseActor(p, 1);
    else if (m == TOP_FALCO) p = parseFalco(p, 1);
    else p = skipValue(p, 1);
    if (p == 0) return 0;
    p = next(p, 0x7D);
    if (p == 0 || !more) return p;
  }
  return 0;
}

/**
 * Replaces an escaped string slot by its decoded bytes in the arena, followed by a NUL byte
 * of its own (extract.ts hands string values out in place, NUL-terminated: the byte after a
 * value must be one nothing else uses). The arena cannot overflow: a string with an escape
 * decodes to fewer bytes than it has between its quotes.
 */
@inline function decodeSlot(s: usize): void {
  if (slotTag(s) == STRESC) decodeSlotEsc(s);
}
function decodeSlotEsc(s: usize): void {
  const n = decodeString(slotPtr(s), slotLen(s), arenaPos);
  setSlot(s, arenaPos, n, STR);
  store<u8>(arenaPos + <usize>n, 0);
  arenaPos += <usize>n + 1;
}

/** The Type class of the decoded type string of n bytes at p. */
function typeKindOf(p: usize, n: i32): i32 {
  switch (n) {
    case 5: return word(p, 5) == W_image ? T_IMAGE : T_OTHER;
    case 6: return word(p, 6) == W_volume ? T_VOLUME : T_OTHER;
    case 7: return word(p, 7) == W_network ? T_NETWORK : T_OTHER;
    case 9: {
      const lo = load<u64>(p);
      const hi = <u64>load<u8>(p + 8);
      if (lo == W_container && hi == W_container2) return T_CONTAINER;
      if (lo == W_collector && hi == W_collector2) return T_COLLECTOR;
      return T_OTHER;
    }
  }
  return T_OTHER;
}

function finish(): void {
  setSawControl(false);
  const t = slotAt(S_TYPE);
  let k = T_NONE;
  if (slotTag(t) == BIG) k = T_OTHER;
  else if (slotTag(t) == STR || slotTag(t) == STRESC) {
    decodeSlot(t);
    k = typeKindOf(slotPtr(t), slotLen(t));
  }
  setTypeKind(k);
  const a = slotAt(S_ACTION);
  const big = slotTag(a) == BIG;
  if (big) {
    // Decoded for docker.action.name only; the slot stays BIG (docker.action has no value).
    const n = decodeString(slotPtr(a), slotLen(a), arenaPos);
    setSlot(a, arenaPos, n, BIG);
    store<u8>(arenaPos + <usize>n, 0);
    arenaPos += <usize>n + 1;
  }
  if (big || slotTag(a) == STR || slotTag(a) == STRESC) {
    decodeSlot(a);
    const p = slotPtr(a);
    const n = slotLen(a);
    let split = -1;
    // The first ": " (16 bytes at a time: most actions have none; the action is followed by
    // 16 readable bytes, in the payload or the arena). An action of up to 16 bytes with no ':'
    // takes no loop turn (each one an epoch check under wasmtime).
    const first = i8x16.bitmask(i8x16.eq(v128.load(p), i8x16.splat(0x3A)));
    if (first != 0 || n > 16) for (let i = 0; i + 1 < n; i += 16) {
      let m = i8x16.bitmask(i8x16.eq(v128.load(p + <usize>i), i8x16.splat(0x3A)));
      while (m != 0) {
        const j = i + ctz(m);
        if (j + 1 >= n) break;
        if (load<u8>(p + <usize>j + 1) == 0x20) { split = j; break; }
        m &= m - 1;
      }
      if (split >= 0) break;
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
  const end = inBuf + <usize>len;
  v128.store(end, i8x16.splat(0));             // the NUL sentinel and 15 more: scanStr reads 16 bytes at a time
  tooLarge = false;
  typeErr = false;
  arenaPos = arenaBuf;
  clearAllSlots();
  seenFalco = false;
  seenContainer = false;
  seenExec = false;
  setEnginePodman(false);
  clearTruncated();
  setAttrCount(0);
  setCapCount(0);
  setMountCount(0);
  let p = ws(inBuf);
  if (load<u8>(p) != 0x7B) {
    p = skipValue(p, 0);
    if (p == 0) return syntaxOrUtf8(len);
    return ws(p) == end ? ERR_NOT_OBJECT : syntaxOrUtf8(len);
  }
  p = ws(p + 1);
  if (load<u8>(p) == 0x7D) p++;
  else {
    p = parseTop(p);
    if (p == 0) return syntaxOrUtf8(len);
  }
  if (ws(p) != end) return syntaxOrUtf8(len);
  if (tooLarge) return ERR_TOO_LARGE;
  if (typeErr) return ERR_TYPE;
  finish();
  return 0;
}
