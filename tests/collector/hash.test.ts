// FNV-1a 64 (ring.md last_hash): published test vectors, a BigInt reference on random bytes, and
// sub-ranges (the resume check hashes the daemon's bytes inside a larger chunk).
import { describe, expect, it } from "vitest";
import { fnv1a64, hashToBigInt } from "../../collector/src/hash";

const MASK = (1n << 64n) - 1n;
function reference(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & MASK;
  return h;
}

const hash = (b: Uint8Array, s?: number, e?: number): bigint => hashToBigInt(fnv1a64(b, s, e));

describe("FNV-1a 64", () => {
  it.each([
    ["", 0xcbf29ce484222325n],
    ["a", 0xaf63dc4c8601ec8cn],
    ["b", 0xaf63df4c8601f1a5n],
    ["foobar", 0x85944171f73967e8n],
    ["chongo was here!\n", 0x46810940eff5f915n],
  ])("hashes %j to the published value", (text, want) => {
    expect(hash(Buffer.from(text, "latin1"))).toBe(want);
    expect(reference(Buffer.from(text, "latin1"))).toBe(want);
  });

  it("matches a BigInt reference on random bytes of every length up to 600", () => {
    let seed = 12345;
    for (let n = 0; n <= 600; n++) {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
      expect(hash(b)).toBe(reference(b));
    }
    const ff = new Uint8Array(1000).fill(0xff);
    expect(hash(ff)).toBe(reference(ff));
  });

  it("hashes a sub-range like the same bytes on their own", () => {
    const big = Buffer.from('xx{"Type":"container","timeNano":1795786267080044534}yy');
    expect(hash(big, 2, big.length - 2)).toBe(reference(big.subarray(2, big.length - 2)));
    expect(hash(big, 5, 5)).toBe(0xcbf29ce484222325n);
  });
});
