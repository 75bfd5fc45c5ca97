// FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over bytes, computed on
// four 16-bit limbs so that every intermediate stays an exact small integer (no BigInt per byte).

export interface Hash64 {
  hi: number; // upper 32 bits, unsigned
  lo: number; // lower 32 bits, unsigned
}

export function fnv1a64(bytes: Uint8Array, start = 0, end = bytes.length): Hash64 {
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (let i = start; i < end; i++) {
    h0 ^= bytes[i] as number;
    // h * 0x100000001b3 = h * 0x1b3 + (h << 40); 40 bits = two limbs and 8 bits.
    const t0 = h0 * 0x1b3;
    let t1 = h1 * 0x1b3;
    let t2 = h2 * 0x1b3 + (h0 << 8);
    let t3 = h3 * 0x1b3 + (h1 << 8);
    t1 += t0 >>> 16;
    h0 = t0 & 0xffff;
    t2 += t1 >>> 16;
    h1 = t1 & 0xffff;
    t3 += t2 >>> 16;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  return { hi: ((h3 << 16) | h2) >>> 0, lo: ((h1 << 16) | h0) >>> 0 };
}

export function hashToBigInt(h: Hash64): bigint {
  return (BigInt(h.hi) << 32n) | BigInt(h.lo);
}
