// Wall-clock time in ns since the epoch, exact to the microsecond (no double above 2^53).
import { performance } from "node:perf_hooks";

export function nowNs(): bigint {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return BigInt(us) * 1000n;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
