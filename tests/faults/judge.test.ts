// The fault suite's definition of "missing event covered by a visibility event carrying the
// count" (tests/faults/judge.ts), on hand-made observations: each rule of the definition has a
// case that passes and one that fails.
import { describe, expect, it } from "vitest";
import { type Ev, type VisEv, judge, lossReports, tableRow } from "./judge";

const EP = "unix:///tmp/d.sock";
const ev = (t: number, action = "create", actor = `c${t}`): Ev => ({ type: "container", action, actor, time: BigInt(t) });
const vis = (t: number, action: string, attributes: Record<string, string> = {}, endpoint = EP): VisEv => ({ action, endpoint, time: BigInt(t), attributes });
const sent = [10, 20, 30, 40, 50].map((t) => ev(t));

describe("the fault suite's judge", () => {
  it("every sent event alerted once: meets the bar", () => {
    const v = judge(sent, sent, [vis(5, "connect")], EP, 0n, 100n);
    expect(v).toMatchObject({ sent: 5, alerted: 5, missing: 0, duplicated: 0, ok: true });
  });

  it("a duplicated alert fails the bar", () => {
    const v = judge(sent, [...sent, ev(30)], [], EP, 0n, 100n);
    expect(v).toMatchObject({ duplicated: 1, ok: false });
  });

  it("a missing event with no loss report fails; a disconnect or a reconnect without a count is no loss report", () => {
    const v = judge(sent, sent.filter((e) => e.time !== 30n), [vis(25, "disconnect"), vis(35, "reconnect", { gapNs: "20" })], EP, 0n, 100n);
    expect(v).toMatchObject({ missing: 1, covered: 0, uncovered: 1, ok: false });
  });

  it("a drop with the exact count covers the events lost since the previous drop", () => {
    const falco = sent.filter((e) => e.time !== 30n && e.time !== 40n);
    expect(judge(sent, falco, [vis(45, "drop", { dropped: "2" })], EP, 0n, 100n)).toMatchObject({ covered: 2, consistent: true, ok: true });
    // Before the previous drop: not this one's window.
    const v = judge(sent, falco, [vis(35, "drop", { dropped: "1" }), vis(38, "drop", { dropped: "1" })], EP, 0n, 100n);
    expect(v).toMatchObject({ covered: 1, uncovered: 1, ok: false });
  });

  it("an exact count that differs from the covered missing events is inconsistent, either way", () => {
    const falco = sent.filter((e) => e.time !== 30n);
    expect(judge(sent, falco, [vis(45, "drop", { dropped: "3" })], EP, 0n, 100n)).toMatchObject({ covered: 1, consistent: false, ok: false });
    const two = sent.filter((e) => e.time !== 30n && e.time !== 40n);
    expect(judge(sent, two, [vis(45, "drop", { dropped: "1" })], EP, 0n, 100n)).toMatchObject({ covered: 2, consistent: false, ok: false });
  });

  it("a gap (gapNs) is the window [time - gapNs, time]", () => {
    const falco = sent.filter((e) => e.time !== 30n);
    expect(judge(sent, falco, [vis(35, "reconnect", { gapNs: "5", dropped: "1" })], EP, 0n, 100n)).toMatchObject({ covered: 1, ok: true });
    expect(judge(sent, falco, [vis(35, "reconnect", { gapNs: "4", dropped: "1" })], EP, 0n, 100n)).toMatchObject({ covered: 0, ok: false });
    expect(judge(sent, falco, [vis(29, "reconnect", { gapNs: "9", dropped: "1" })], EP, 0n, 100n)).toMatchObject({ covered: 0, ok: false });
  });

  it("a lower bound (droppedAtLeast) is consistent with as many missing events or more, not fewer", () => {
    const falco = sent.filter((e) => e.time < 20n || e.time > 40n);
    expect(judge(sent, falco, [vis(45, "reconnect", { gapNs: "30", droppedAtLeast: "1" })], EP, 0n, 100n)).toMatchObject({ covered: 3, consistent: true, ok: true });
    expect(judge(sent, falco, [vis(45, "reconnect", { gapNs: "30", droppedAtLeast: "4" })], EP, 0n, 100n)).toMatchObject({ consistent: false, ok: false });
  });

  it("a drop with a window and no count covers its window only when the daemon may have restarted (count unknowable)", () => {
    const falco = sent.filter((e) => e.time !== 30n);
    const restarted = "gap: the resume point is not among the 256 events the daemon replayed, but the daemon was unreachable meanwhile: it may have restarted; events the daemon made between fromNs and toNs may be lost";
    const v = judge(sent, falco, [vis(45, "drop", { gapNs: "20", reason: restarted })], EP, 0n, 100n);
    expect(v).toMatchObject({ covered: 1, uncovered: 0, consistent: true, ok: true });
    expect(v.reports[0]).toMatchObject({ unknown: true, count: 0 });
    expect(tableRow("s", v)).toContain("1 of unknown count (daemon restarted)");
    // outside its window, or without the reason, or without a window: not covered
    expect(judge(sent, falco, [vis(45, "drop", { gapNs: "10", reason: restarted })], EP, 0n, 100n)).toMatchObject({ uncovered: 1, ok: false });
    expect(judge(sent, falco, [vis(45, "drop", { gapNs: "20", reason: "gap: the resume point is not among the 256 events the daemon replayed" })], EP, 0n, 100n)).toMatchObject({ uncovered: 1, ok: false });
    expect(judge(sent, falco, [vis(45, "drop", { reason: restarted })], EP, 0n, 100n)).toMatchObject({ uncovered: 1, ok: false });
    expect(judge(sent, falco, [vis(45, "reconnect", { gapNs: "20", reason: restarted })], EP, 0n, 100n)).toMatchObject({ uncovered: 1, ok: false });
  });

  it("a loss report of another endpoint covers nothing", () => {
    const falco = sent.filter((e) => e.time !== 30n);
    expect(judge(sent, falco, [vis(45, "drop", { dropped: "1" }, "unix:///other.sock")], EP, 0n, 100n)).toMatchObject({ uncovered: 1, ok: false });
  });

  it("only the observation counts; events only Falco saw are reported, not failed", () => {
    const v = judge([ev(1), ...sent, ev(200)], [...sent, ev(60, "rename")], [], EP, 5n, 100n);
    expect(v).toMatchObject({ sent: 5, missing: 0, unseen: 1, ok: true });
  });

  it("drop windows chain per endpoint from the start of the observation", () => {
    const r = lossReports([vis(30, "drop", { dropped: "1" }), vis(10, "drop", { dropped: "2" }), vis(20, "connect")], 5n);
    expect(r.map((x) => [x.from, x.fromInclusive, x.to])).toEqual([[5n, true, 10n], [10n, false, 30n]]);
  });

  it("prints one table row", () => {
    const v = judge(sent, sent.slice(1), [vis(45, "drop", { dropped: "1" })], EP, 0n, 100n);
    expect(tableRow("burst", v)).toBe("| burst | 5 | 4 | 1 | 0 | drop 1; 1 loss report(s): 1 exact | 1/1 | yes |");
  });
});
