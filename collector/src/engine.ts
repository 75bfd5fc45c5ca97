// Which engine serves an endpoint, from its GET /version answer, and what the collector must
// do differently for it. Docker and Podman (through its Docker-compatible API, `podman system
// service`) stream the same /events shape with different facts (contracts/ring.md "Engines"),
// and replay differently when a stream resumes (docker.ts, contracts/ring.md "Resuming a
// stream"): dockerd replays from its last 256 events, stamped before they are appended (not
// sorted by time) and handed to each subscriber in racing goroutines; Podman replays its events
// file, everything from `since` on, in the order its stream gave, but its timeNano is not
// monotonic in that order (an image event is written after a container event stamped later),
// and it answers nothing to `since` with `until`.

export type EngineName = "docker" | "podman";

export interface VersionAnswer {
  ApiVersion?: string;
  MinAPIVersion?: string;
  Version?: string;
  Components?: Array<{ Name?: unknown; Version?: unknown }>;
}

export interface Engine {
  name: EngineName;
  /** How far before the newest event time seen a resumed stream asks `since` (ns). */
  sinceMarginNs: bigint;
  /**
   * Docker: how many events the daemon keeps for `since` (a resume point older than those is
   * evicted, and `since` with `until` says what it holds). Podman: null (its events file keeps
   * them; `until` does not work).
   */
  bufferLimit: number | null;
  /**
   * How many replayed events just before the resume point may have reached the previous stream
   * after it: published again after a restart unless the ring entry's hashes (the last 4
   * published) say they were. Docker: 1 (it hands concurrent events to each subscriber in racing
   * goroutines; wider, an event published a few positions earlier but buffered just before the
   * resume point came twice in a SIGHUP fault run). Podman: 0 (its file is in the order it streamed).
   */
  reorderWindow: number;
  /** Its exec events carry neither the command nor the exec ID (Podman's `exec`). */
  execWithoutCommand: boolean;
}

/** Docker: `since` a second early (the buffer is not sorted by time: stamped before the lock). */
export const DOCKER_SINCE_MARGIN_NS = 1_000_000_000n;
/** Podman stamps an event when it happens and writes it later (image events through a channel): ms apart here. */
export const PODMAN_SINCE_MARGIN_NS = 2_000_000_000n;

export const DOCKER: Engine = { name: "docker", sinceMarginNs: DOCKER_SINCE_MARGIN_NS, bufferLimit: 256, reorderWindow: 1, execWithoutCommand: false };
export const PODMAN: Engine = { name: "podman", sinceMarginNs: PODMAN_SINCE_MARGIN_NS, bufferLimit: null, reorderWindow: 0, execWithoutCommand: true };

/** Podman's /version lists a component named "Podman Engine" (Docker's is "Engine"). */
export function engineOf(v: VersionAnswer): Engine {
  const podman = Array.isArray(v.Components) && v.Components.some((c) => c !== null && typeof c === "object" && c.Name === "Podman Engine");
  return podman ? PODMAN : DOCKER;
}
