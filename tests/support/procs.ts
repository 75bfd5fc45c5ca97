// The plugin's collector among a process's children, read from /proc (tests that kill, stop or
// watch the collector a Falco or the harness started).
import { readFileSync, readdirSync } from "node:fs";

/** Pids of the live (not zombie) children of `ppid` that are the plugin's collector (`--ring-fd` on their command line). */
export function collectorPids(ppid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) !== ppid || fields[0] === "Z") continue;
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").includes("--ring-fd")) out.push(Number(d));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** Whether `pid` is running (neither gone nor a zombie waiting to be reaped). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] !== "Z";
  } catch {
    return false;
  }
}
