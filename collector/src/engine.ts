// Which engine serves an endpoint, from its GET /version answer, and what the collector must
// do differently for it. Docker and Podman (through its Docker-compatible API, `podman system
// service`) stream the same /events shape with different facts (contracts/ring.md "Engines"):
// Podman's timeNano is not monotonic in stream order (an image event is written after a
// container event stamped later), so resuming with `since` at the newest timeNano seen could
// skip an event stamped earlier but written later; the collector resumes a little earlier and
// removes the replayed duplicates by their bytes.

export type EngineName = "docker" | "podman";

export interface VersionAnswer {
  ApiVersion?: string;
  MinAPIVersion?: string;
  Version?: string;
  Components?: Array<{ Name?: unknown; Version?: unknown }>;
}

export interface Engine {
  name: EngineName;
  /** How far before the newest timeNano seen a resumed stream starts (ns). */
  sinceSlackNs: bigint;
  /** Its exec events carry neither the command nor the exec ID (Podman's `exec`). */
  execWithoutCommand: boolean;
}

/** Podman stamps an event when it happens and writes it later (image events through a channel): ms apart here. */
export const PODMAN_SINCE_SLACK_NS = 2_000_000_000n;

export const DOCKER: Engine = { name: "docker", sinceSlackNs: 0n, execWithoutCommand: false };
export const PODMAN: Engine = { name: "podman", sinceSlackNs: PODMAN_SINCE_SLACK_NS, execWithoutCommand: true };

/** Podman's /version lists a component named "Podman Engine" (Docker's is "Engine"). */
export function engineOf(v: VersionAnswer): Engine {
  const podman = Array.isArray(v.Components) && v.Components.some((c) => c !== null && typeof c === "object" && c.Name === "Podman Engine");
  return podman ? PODMAN : DOCKER;
}
