// FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3 = 2^40 + 0x1b3) over bytes,
// without BigInt: the low 32 bits as two 16-bit limbs (their products by 0x1b3 stay small exact
// integers and give the carries), the high 32 bits wrapped with Math.imul. The loop is bound by
// the multiply chain of one byte after another (FNV is serial); it runs once per ring
// publication (the last event's last_hash), not once per event.

export interface Hash64 {
  hi: number; // upper 32 bits, unsigned
  lo: number; // lower 32 bits, unsigned
}

export function fnv1a64(bytes: Uint8Array, start = 0, end = bytes.length): Hash64 {
  let l0 = 0x2325; // bits 0..15
  let l1 = 0x8422; // bits 16..31
  let hi = 0xcbf29ce4 | 0; // bits 32..63
  for (let i = start; i < end; i++) {
    l0 ^= bytes[i] as number;
    // h * (2^40 + 0x1b3) mod 2^64: low word = lo * 0x1b3 (with carries), high word =
    // hi * 0x1b3 + carry out of the low word + (lo << 8).
    const a = l0 * 0x1b3;
    const b = l1 * 0x1b3 + (a >>> 16);
    hi = (Math.imul(hi, 0x1b3) + (b >>> 16) + (l0 << 8) + (l1 << 24)) | 0;
    l0 = a & 0xffff;
    l1 = b & 0xffff;
  }
  return { hi: hi >>> 0, lo: ((l1 << 16) | l0) >>> 0 };
}

export function hashToBigInt(h: Hash64): bigint {
  return (BigInt(h.hi) << 32n) | BigInt(h.lo);
}
