// The fault suite's judge: what the daemon sent (an independent witness) against what Falco
// alerted on, and whether every missing event is covered by a visibility event carrying a count.
//
// The bar (issue 9): 0 missing and 0 duplicated, or every missing event covered by a visibility
// event carrying the count. "Covered" is judged here, and only here:
//
//   A LOSS REPORT is a `collector` event of the docker source (as Falco alerted on it) whose
//   attributes carry a count of lost events:
//     - `dropped`        (docker.collector.dropped): exactly that many events were lost;
//     - `droppedAtLeast`: at least that many were lost (the collector cannot know how many,
//                         e.g. its resume point fell out of the daemon's 256-event replay).
//   A count of 0 or none is not a loss report (connect, disconnect and a reconnect without a
//   count report no loss: a disconnect is followed by a replay from the resume point), with one
//   exception: a `drop` with a window (`gapNs`) and no count whose reason says the daemon was
//   unreachable and may have restarted is a loss report of UNKNOWN count. A daemon that
//   restarts loses its event buffer, and with it what it made before it stopped and did not
//   write to the collector's stream (events a subscriber's handler had not written when the
//   daemon closed its connections: another subscriber, the witness, may have had them). Nobody
//   can count those afterwards, Docker included; the report says where they could be. It covers
//   missing events in its window and claims no number.
//
//   Its WINDOW, on the endpoint it names (attribute `endpoint`):
//     - [time - gapNs, time] when it carries `gapNs` (docker.collector.gap: the blind gap that
//       ends at the report);
//     - (time of the previous loss report of that endpoint, or the start of the observation,
//       time] otherwise (a `drop` counts the events lost since the previous one).
//
//   A missing event (sent by the daemon, never alerted on by Falco) is COVERED when its daemon
//   time lies inside the window of a loss report of its endpoint.
//
//   The counts are CONSISTENT, per endpoint, when the covered missing events number exactly the
//   sum of the exact counts (if every loss report is exact), or at least the sum of all counts
//   (if one of them is a lower bound). A count that claims more, or (exact) fewer, events than
//   are missing is inconsistent: the operator would be told a wrong number.
//
//   The scenario MEETS THE BAR when no Falco event is duplicated, every missing event is covered
//   and the counts are consistent.

/** One daemon event, as the witness saw it or as Falco alerted on it. */
export interface Ev {
  type: string;
  action: string;
  actor: string;
  /** The daemon's timeNano (docker.time), exact. */
  time: bigint;
}

/** A collector event (docker.type = collector) Falco alerted on. */
export interface VisEv {
  action: string;
  endpoint: string;
  time: bigint;
  attributes: Record<string, string>;
}

export interface LossReport {
  ev: VisEv;
  count: number;
  lowerBound: boolean;
  /** The count is unknowable (the daemon restarted): count 0, lowerBound true. */
  unknown: boolean;
  from: bigint;
  /** true: the window includes `from` (a gap); false: it starts just after it. */
  fromInclusive: boolean;
  to: bigint;
}

export const keyOf = (e: Ev): string => `${e.type}|${e.action}|${e.actor}|${e.time}`;

function count(attrs: Record<string, string>, name: string): number | null {
  const v = attrs[name];
  if (v === undefined || !/^\d+$/.test(v)) return null;
  return Number(v);
}

/** The loss reports among the visibility events, with their windows (see the top of this file). */
export function lossReports(vis: VisEv[], start: bigint): LossReport[] {
  const out: LossReport[] = [];
  const prev = new Map<string, bigint>();
  for (const ev of [...vis].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))) {
    const exact = count(ev.attributes, "dropped");
    const atLeast = count(ev.attributes, "droppedAtLeast");
    const gap = ev.attributes.gapNs !== undefined && /^\d+$/.test(ev.attributes.gapNs) ? BigInt(ev.attributes.gapNs) : null;
    const unknown = exact === null && atLeast === null && ev.action === "drop" && gap !== null && /may have restarted/.test(ev.attributes.reason ?? "");
    const n = exact ?? atLeast ?? (unknown ? 0 : null);
    if (n === null || (n <= 0 && !unknown)) continue;
    const from = gap !== null ? ev.time - gap : prev.get(ev.endpoint) ?? start;
    out.push({ ev, count: n, lowerBound: exact === null, unknown, from, fromInclusive: gap !== null || !prev.has(ev.endpoint), to: ev.time });
    prev.set(ev.endpoint, ev.time);
  }
  return out;
}

export interface Verdict {
  /** Daemon events the witness saw in the observation. */
  sent: number;
  /** Of those, how many Falco alerted on (at least once). */
  alerted: number;
  missing: number;
  /** Falco alerts beyond the first for the same daemon event. */
  duplicated: number;
  /** Falco alerts on daemon events the witness never saw (information, not a failure). */
  unseen: number;
  covered: number;
  uncovered: number;
  reports: LossReport[];
  /** Every visibility event, by action (e.g. connect 1, disconnect 1). */
  visibility: Record<string, number>;
  consistent: boolean;
  ok: boolean;
  /** Why not ok, for the failure message. */
  problems: string[];
  /** A few uncovered missing events, for the failure message. */
  examples: string[];
}

/**
 * Judges one scenario on one endpoint. `witness` and `falco` hold the daemon events each saw;
 * only events with a time in [start, end] count (the observation).
 */
export function judge(witness: Ev[], falco: Ev[], vis: VisEv[], endpoint: string, start: bigint, end: bigint): Verdict {
  const inside = (e: Ev): boolean => e.time >= start && e.time <= end;
  const sentKeys = new Map<string, Ev>();
  for (const e of witness) if (inside(e)) sentKeys.set(keyOf(e), e);
  const seen = new Map<string, number>();
  for (const e of falco) if (inside(e)) seen.set(keyOf(e), (seen.get(keyOf(e)) ?? 0) + 1);

  let duplicated = 0;
  let unseen = 0;
  for (const [k, n] of seen) {
    duplicated += n - 1;
    if (!sentKeys.has(k)) unseen++;
  }
  const missingEvs = [...sentKeys].filter(([k]) => !seen.has(k)).map(([, e]) => e);
  const reports = lossReports(vis.filter((v) => v.endpoint === endpoint), start);
  const isCovered = (e: Ev): boolean =>
    reports.some((r) => (r.fromInclusive ? e.time >= r.from : e.time > r.from) && e.time <= r.to);
  const covered = missingEvs.filter(isCovered);
  const uncovered = missingEvs.filter((e) => !isCovered(e));

  const exactSum = reports.filter((r) => !r.lowerBound).reduce((s, r) => s + r.count, 0);
  const allSum = reports.reduce((s, r) => s + r.count, 0);
  const anyLower = reports.some((r) => r.lowerBound);
  const consistent = anyLower ? covered.length >= allSum : covered.length === exactSum;

  const visibility: Record<string, number> = {};
  for (const v of vis) visibility[v.action] = (visibility[v.action] ?? 0) + 1;

  const problems: string[] = [];
  if (duplicated > 0) problems.push(`${duplicated} duplicated`);
  if (uncovered.length > 0) problems.push(`${uncovered.length} missing with no loss report covering them`);
  if (!consistent) {
    problems.push(anyLower
      ? `loss reports claim at least ${allSum} lost, ${covered.length} covered missing`
      : `loss reports claim ${exactSum} lost, ${covered.length} covered missing`);
  }
  const examples = uncovered.slice(0, 5).map((e) => `${e.type} ${e.action} ${e.actor.slice(0, 12)} @${e.time}`);
  return {
    sent: sentKeys.size,
    alerted: sentKeys.size - missingEvs.length,
    missing: missingEvs.length,
    duplicated,
    unseen,
    covered: covered.length,
    uncovered: uncovered.length,
    reports,
    visibility,
    consistent,
    ok: problems.length === 0,
    problems,
    examples,
  };
}

/** "disconnect 1, reconnect 1, drop 2 (lost: 45 exact, ≥3)" */
export function visibilitySummary(v: Verdict): string {
  const acts = Object.entries(v.visibility).sort().map(([a, n]) => `${a} ${n}`).join(", ") || "none";
  if (v.reports.length === 0) return `${acts}; no loss report`;
  const exact = v.reports.filter((r) => !r.lowerBound).reduce((s, r) => s + r.count, 0);
  const lower = v.reports.filter((r) => r.lowerBound).reduce((s, r) => s + r.count, 0);
  const unknown = v.reports.filter((r) => r.unknown).length;
  const parts = [exact > 0 ? `${exact} exact` : "", lower > 0 ? `≥${lower}` : "", unknown > 0 ? `${unknown} of unknown count (daemon restarted)` : ""].filter((p) => p !== "");
  return `${acts}; ${v.reports.length} loss report(s): ${parts.join(" + ")}`;
}

export const TABLE_HEAD = [
  "| scenario | sent (witness) | alerted by Falco | missing | duplicated | visibility events (loss reports) | missing covered | meets the bar |",
  "|---|---:|---:|---:|---:|---|---:|---|",
];

export function tableRow(name: string, v: Verdict): string {
  const bar = v.ok ? "yes" : `**no**: ${v.problems.join("; ")}`;
  return `| ${name} | ${v.sent} | ${v.alerted} | ${v.missing} | ${v.duplicated} | ${visibilitySummary(v)} | ${v.covered}/${v.missing} | ${bar} |`;
}
