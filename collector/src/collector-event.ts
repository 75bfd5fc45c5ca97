// Synthetic collector events (ring kind 2), in the Docker event shape (contracts/ring.md).

export type CollectorAction = "connect" | "disconnect" | "reconnect" | "drop";

export function collectorEvent(action: CollectorAction, endpoint: string, attrs: Record<string, string>, ts: bigint): Buffer {
  const head = JSON.stringify({
    Type: "collector",
    Action: action,
    Actor: { ID: endpoint, Attributes: { endpoint, ...attrs } },
    scope: "local",
  });
  // time and timeNano are written from the bigint: exact, never through a double.
  return Buffer.from(`${head.slice(0, -1)},"time":${ts / 1_000_000_000n},"timeNano":${ts}}`, "utf8");
}
