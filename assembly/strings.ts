// Decoding of JSON string contents and exact conversion of JSON number text.

@inline function hexVal(c: u32): i32 {
  if (c - 48 < 10) return <i32>(c - 48);
  const l = c | 0x20;
  if (l - 97 < 6) return <i32>(l - 87);
  return -1;
}

@inline function hex4(p: usize): u32 {
  return (<u32>hexVal(load<u8>(p)) << 12) | (<u32>hexVal(load<u8>(p + 1)) << 8) |
    (<u32>hexVal(load<u8>(p + 2)) << 4) | <u32>hexVal(load<u8>(p + 3));
}

/** Writes code point cp as UTF-8 at d; returns the bytes written. */
@inline function putUtf8(d: usize, cp: u32): usize {
  if (cp < 0x80) { store<u8>(d, <u8>cp); return 1; }
  if (cp < 0x800) {
    store<u8>(d, <u8>(0xC0 | (cp >> 6)));
    store<u8>(d + 1, <u8>(0x80 | (cp & 0x3F)));
    return 2;
  }
  if (cp < 0x10000) {
    store<u8>(d, <u8>(0xE0 | (cp >> 12)));
    store<u8>(d + 1, <u8>(0x80 | ((cp >> 6) & 0x3F)));
    store<u8>(d + 2, <u8>(0x80 | (cp & 0x3F)));
    return 3;
  }
  store<u8>(d, <u8>(0xF0 | (cp >> 18)));
  store<u8>(d + 1, <u8>(0x80 | ((cp >> 12) & 0x3F)));
  store<u8>(d + 2, <u8>(0x80 | ((cp >> 6) & 0x3F)));
  store<u8>(d + 3, <u8>(0x80 | (cp & 0x3F)));
  return 4;
}

/**
 * Set by decodeString when a value it decoded holds a C0 control (0x00-0x1F) or DEL (0x7F);
 * only its users clear it. The extractor then escapes its string results (ABI.md "Control
 * characters"): the common case, no control, costs one flag test per extraction.
 */
export let sawControl: bool = false;
export function setSawControl(v: bool): void { sawControl = v; }

/**
 * Decodes the len encoded bytes at s (the inside of a string the scanner has validated)
 * into d; returns the decoded length, never more than len. A lone UTF-16 surrogate escape
 * becomes U+FFFD, as a JavaScript TextEncoder does. Sets sawControl when the value holds a C0
 * control or DEL (an escape that decodes to one, or a raw DEL byte: the scanner sends strings
 * holding a DEL here even without a backslash).
 */
export function decodeString(s: usize, len: i32, d: usize): i32 {
  const end = s + <usize>len;
  const d0 = d;
  let ctl: u32 = 0;
  while (s < end) {
    const c = <u32>load<u8>(s);
    if (c != 0x5C) { ctl |= <u32>(c == 0x7F); store<u8>(d, <u8>c); d++; s++; continue; }
    const e = <u32>load<u8>(s + 1);
    s += 2;
    switch (e) {
      case 0x62: store<u8>(d, 8); d++; ctl = 1; break;       // \b
      case 0x66: store<u8>(d, 12); d++; ctl = 1; break;      // \f
      case 0x6E: store<u8>(d, 10); d++; ctl = 1; break;      // \n
      case 0x72: store<u8>(d, 13); d++; ctl = 1; break;      // \r
      case 0x74: store<u8>(d, 9); d++; ctl = 1; break;       // \t
      case 0x75: {                                   // \uXXXX
        let cp = hex4(s);
        s += 4;
        if (cp - 0xD800 < 0x400) {                   // high surrogate: needs a following low one
          if (s + 6 <= end && load<u8>(s) == 0x5C && load<u8>(s + 1) == 0x75) {
            const lo = hex4(s + 2);
            if (lo - 0xDC00 < 0x400) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              s += 6;
            } else cp = 0xFFFD;
          } else cp = 0xFFFD;
        } else if (cp - 0xDC00 < 0x400) cp = 0xFFFD;
        else if (cp < 0x20 || cp == 0x7F) ctl = 1;
        d += putUtf8(d, cp);
        break;
      }
      default: store<u8>(d, <u8>e); d++;            // \" \\ \/
    }
  }
  if (ctl != 0) sawControl = true;
  return <i32>(d - d0);
}

@inline function isControl(c: u32): bool {
  return c < 0x20 || c == 0x7F;
}

/** Bytes of the escaped form of the len bytes at p (ABI.md "Control characters"); len when none is a control. */
export function escapedLength(p: usize, len: i32): i32 {
  let n = len;
  for (let i = 0; i < len; i++) {
    const c = <u32>load<u8>(p + <usize>i);
    if (isControl(c)) n += c == 0x09 || c == 0x0A || c == 0x0D ? 1 : 3;
  }
  return n;
}

/**
 * Writes the len bytes at p to d with every C0 control and DEL escaped: tab, LF and CR as
 * \t \n \r, the others as \xHH (two lower-case hex digits); everything else, a backslash
 * included, as is. Returns the bytes written (escapedLength).
 */
export function escapeControls(p: usize, len: i32, d: usize): i32 {
  const d0 = d;
  for (let i = 0; i < len; i++) {
    const c = <u32>load<u8>(p + <usize>i);
    if (!isControl(c)) { store<u8>(d, <u8>c); d++; continue; }
    store<u8>(d, 0x5C);
    if (c == 0x09) { store<u8>(d + 1, 0x74); d += 2; continue; }
    if (c == 0x0A) { store<u8>(d + 1, 0x6E); d += 2; continue; }
    if (c == 0x0D) { store<u8>(d + 1, 0x72); d += 2; continue; }
    store<u8>(d + 1, 0x78);
    store<u8>(d + 2, <u8>HEX.charCodeAt(<i32>(c >> 4)));
    store<u8>(d + 3, <u8>HEX.charCodeAt(<i32>(c & 15)));
    d += 4;
  }
  return <i32>(d - d0);
}

const HEX = "0123456789abcdef";

// Result of numberToU64 (module state: no allocation).
export let numValue: u64 = 0;

/**
 * Converts the JSON number token of len bytes at p, multiplied by 10^scale, to an exact
 * u64 rounded toward zero (floor, as negative values are refused). Returns false when the
 * value is negative (below -0) or above 2^64-1. The token has been validated by the scanner.
 */
export function numberToU64(p: usize, len: i32, scale: i32): bool {
  // Fast path: a plain integer of at most 19 digits (timeNano, time) cannot overflow before scaling.
  if (len <= 19) {
    let v: u64 = 0;
    let i = 0;
    for (; i < len; i++) {
      const d = <u32>load<u8>(p + <usize>i) - 48;
      if (d >= 10) break;
      v = v * 10 + <u64>d;
    }
    if (i == len && (len == 1 || load<u8>(p) != 0x30)) {
      for (let k = 0; k < scale; k++) {
        if (v > 0xFFFFFFFFFFFFFFFF / 10) return false;
        v *= 10;
      }
      numValue = v;
      return true;
    }
  }
  const end = p + <usize>len;
  let neg = false;
  if (load<u8>(p) == 0x2D) { neg = true; p++; }
  // Mantissa: int digits, then optional fraction digits.
  const intStart = p;
  while (p < end && <u32>load<u8>(p) - 48 < 10) p++;
  const intEnd = p;
  let fracStart = p, fracEnd = p;
  if (p < end && load<u8>(p) == 0x2E) {
    p++;
    fracStart = p;
    while (p < end && <u32>load<u8>(p) - 48 < 10) p++;
    fracEnd = p;
  }
  // Exponent, saturated far outside the range that matters.
  let exp: i64 = 0;
  if (p < end && (load<u8>(p) | 0x20) == 0x65) {
    p++;
    let eneg = false;
    const sc = load<u8>(p);
    if (sc == 0x2D) { eneg = true; p++; } else if (sc == 0x2B) p++;
    while (p < end) {
      if (exp < 1000000) exp = exp * 10 + <i64>(<u32>load<u8>(p) - 48);
      p++;
    }
    if (exp > 1000000) exp = 1000000;         // far beyond u64 either way; same clamp as the reference
    if (eneg) exp = -exp;
  }
  // Digit sequence D = int digits ++ frac digits; value = D * 10^(exp + scale - fracLen).
  const fracLen = <i64>(fracEnd - fracStart);
  const e: i64 = exp + <i64>scale - fracLen;
  // Count significant digits (skip leading zeros of D).
  let total = <i64>(intEnd - intStart) + fracLen;
  let lead: i64 = 0;
  for (let q = intStart; q < intEnd && load<u8>(q) == 0x30; q++) lead++;
  if (lead == <i64>(intEnd - intStart)) {
    for (let q = fracStart; q < fracEnd && load<u8>(q) == 0x30; q++) lead++;
  }
  const sig = total - lead;
  if (sig == 0) { numValue = 0; return true; }        // zero, including -0
  // Digits of the integer result: sig + e.
  const keep = sig + e;
  if (keep <= 0) {                                      // 0 < |value| < 1
    numValue = 0;
    return !neg;
  }
  if (neg) return false;
  if (keep > 20) return false;
  let v: u64 = 0;
  let taken: i64 = 0;
  let skipped: i64 = 0;
  for (let q = intStart; q < fracEnd && taken < keep; q++) {
    if (q == intEnd) { q = fracStart; if (q >= fracEnd) break; }
    if (skipped < lead) { skipped++; continue; }
    const dgt = <u64>(<u32>load<u8>(q) - 48);
    if (v > (0xFFFFFFFFFFFFFFFF - dgt) / 10) return false;
    v = v * 10 + dgt;
    taken++;
  }
  while (taken < keep) {                                // trailing zeros from a positive exponent
    if (v > 0xFFFFFFFFFFFFFFFF / 10) return false;
    v *= 10;
    taken++;
  }
  numValue = v;
  return true;
}

/**
 * Parses an unsigned decimal text (digits, optionally "." and more digits) times 10^scale
 * as an exact u64 (fraction digits beyond the scale are dropped). False if not that shape
 * or above 2^64-1. Used for attribute values (exitCode, execDuration, gapNs, dropped).
 */
export function decimalToU64(p: usize, len: i32, scale: i32, allowFraction: bool): bool {
  if (len <= 0) return false;
  const end = p + <usize>len;
  let v: u64 = 0;
  let q = p;
  let digits = 0;
  while (q < end && <u32>load<u8>(q) - 48 < 10) {
    const dgt = <u64>(<u32>load<u8>(q) - 48);
    if (v > (0xFFFFFFFFFFFFFFFF - dgt) / 10) return false;
    v = v * 10 + dgt;
    q++;
    digits++;
  }
  if (digits == 0) return false;
  let fracTaken = 0;
  if (q < end) {
    if (!allowFraction || load<u8>(q) != 0x2E) return false;
    q++;
    if (q >= end) return false;
    while (q < end) {
      const c = <u32>load<u8>(q) - 48;
      if (c >= 10) return false;
      if (fracTaken < scale) {
        const dgt = <u64>c;
        if (v > (0xFFFFFFFFFFFFFFFF - dgt) / 10) return false;
        v = v * 10 + dgt;
        fracTaken++;
      }
      q++;
    }
  }
  for (let i = fracTaken; i < scale; i++) {
    if (v > 0xFFFFFFFFFFFFFFFF / 10) return false;
    v *= 10;
  }
  numValue = v;
  return true;
}
