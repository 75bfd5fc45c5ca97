// UTF-8 validation of a whole payload (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF), with an 8-bytes-at-a-time path for ASCII runs.

/** True if the len bytes at p are valid UTF-8. */
export function validUtf8(p: usize, len: i32): bool {
  let i: usize = p;
  const end: usize = p + <usize>len;
  while (i < end) {
    // ASCII fast path.
    while (i + 8 <= end && (load<u64>(i) & 0x8080808080808080) == 0) i += 8;
    if (i >= end) break;
    const c = <u32>load<u8>(i);
    if (c < 0x80) { i++; continue; }
    if (c < 0xC2) return false;                    // continuation byte or overlong 2-byte lead
    if (c < 0xE0) {
      if (i + 2 > end) return false;
      if ((<u32>load<u8>(i + 1) & 0xC0) != 0x80) return false;
      i += 2;
      continue;
    }
    if (c < 0xF0) {
      if (i + 3 > end) return false;
      const c1 = <u32>load<u8>(i + 1);
      if ((c1 & 0xC0) != 0x80) return false;
      if (c == 0xE0 && c1 < 0xA0) return false;    // overlong
      if (c == 0xED && c1 >= 0xA0) return false;   // UTF-16 surrogate
      if ((<u32>load<u8>(i + 2) & 0xC0) != 0x80) return false;
      i += 3;
      continue;
    }
    if (c < 0xF5) {
      if (i + 4 > end) return false;
      const c1 = <u32>load<u8>(i + 1);
      if ((c1 & 0xC0) != 0x80) return false;
      if (c == 0xF0 && c1 < 0x90) return false;    // overlong
      if (c == 0xF4 && c1 >= 0x90) return false;   // above U+10FFFF
      if ((<u32>load<u8>(i + 2) & 0xC0) != 0x80) return false;
      if ((<u32>load<u8>(i + 3) & 0xC0) != 0x80) return false;
      i += 4;
      continue;
    }
    return false;
  }
  return true;
}

/**
 * Length of the valid UTF-8 multi-byte sequence starting at p (lead byte >= 0x80), or 0.
 * The bytes after the payload are NULs, so reading past a truncated sequence is safe.
 */
@inline export function utf8SeqLen(p: usize): usize {
  const c = <u32>load<u8>(p);
  const c1 = <u32>load<u8>(p + 1);
  if (c < 0xC2) return 0;
  if ((c1 & 0xC0) != 0x80) return 0;
  if (c < 0xE0) return 2;
  const c2 = <u32>load<u8>(p + 2);
  if ((c2 & 0xC0) != 0x80) return 0;
  if (c < 0xF0) {
    if (c == 0xE0 && c1 < 0xA0) return 0;
    if (c == 0xED && c1 >= 0xA0) return 0;
    return 3;
  }
  if (c >= 0xF5) return 0;
  if (c == 0xF0 && c1 < 0x90) return 0;
  if (c == 0xF4 && c1 >= 0x90) return 0;
  if ((<u32>load<u8>(p + 3) & 0xC0) != 0x80) return 0;
  return 4;
}
