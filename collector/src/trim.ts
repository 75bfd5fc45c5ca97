// Start-up pages given back (collector/native/trim.c): two seconds after start, the single
// executable asks the kernel to reclaim the pages of its own file that only start-up used
// (V8 and Node bootstrap, the embedded bundle's source, OpenSSL and ICU set-up): 20-30 MiB of
// RSS. The pages still used fault back in once. DKR_COLLECTOR_PAGEOUT=0 turns it off (to measure
// it); under plain `node` nothing is done (its pages are shared with every Node process).
import { loadAssetAddon, seaModule } from "./addon";
import { log } from "./log";

export const TRIM_ASSET = "dkr_trim.node";
export const TRIM_DELAY_MS = 2000;

interface Trim {
  pageOutExecutable(): number;
}

const mib = (bytes: number): string => (bytes / 1048576).toFixed(1);

export function scheduleTrim(env: NodeJS.ProcessEnv = process.env): void {
  if (env.DKR_COLLECTOR_PAGEOUT === "0") return;
  const sea = seaModule();
  if (sea === null) return;
  setTimeout(() => {
    try {
      const before = process.memoryUsage.rss();
      const advised = (loadAssetAddon(sea, TRIM_ASSET) as Trim).pageOutExecutable();
      log("debug", `start-up pages given back: ${mib(advised)} MiB of the executable advised, RSS ${mib(before)} → ${mib(process.memoryUsage.rss())} MiB`);
    } catch (e) {
      log("debug", `start-up pages kept: ${(e as Error).message}`);
    }
  }, TRIM_DELAY_MS).unref();
}
