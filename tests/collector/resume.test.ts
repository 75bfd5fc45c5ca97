// Per-endpoint resume points (contracts/ring.md "Resume points"): two fake daemons whose event
// clocks are 30 s apart keep producing while the collector is SIGKILLed and restarted on the same
// ring file. Every event of both daemons must be in the ring exactly once. With one global
// last_ts, the daemon behind would resume too late (its gap lost) or the one ahead too early
// (its events repeated).
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { FakeDaemon } from "./fake-daemon.mjs";
import { Collector, RingReader, collectorSuite, until } from "./helpers";

const SKEW = 30_000_000_000n;
const A_START = 1795786267000000000n;
const PRODUCED = 240; // produced around the kill and the restart
const TOTAL = 250; // then 10 more once the new streams are up; below the fake daemon's 256-event `since` history
const KILL_AT = 80;
const RESTART_AT = 160;

const suite = collectorSuite("resume");
const { collector } = suite;
const fake = (_name: string, startTs: bigint) => suite.fake({ startTs });


describe("collector restart with several daemons", () => {
  it("resumes each daemon from its own point: every event of both exactly once across a SIGKILL", async () => {
    const behind = await fake("behind", A_START);
    const ahead = await fake("ahead", A_START + SKEW);
    const ring = join(suite.dir(), "ring");
    const args = ["--ring-path", ring, "--endpoint", behind.url, "--endpoint", ahead.url, "--reconnect-max-ms", "200"];
    const first = collector(args);
    await behind.waitForStreams();
    await ahead.waitForStreams();
    const r = await RingReader.open(ring);
    let second: Collector | null = null;
    for (let i = 0; i < PRODUCED; i++) {
      await behind.emit(1);
      await ahead.emit(1);
      if (i === KILL_AT) {
        // some of both daemons' events are published, maybe some are still in flight
        await r.waitCount("events of both daemons", (x) => x.kind === 1 && x.json.falco?.endpoint === ahead.url, 10);
        await first.kill9();
        expect(first.exitSignal).toBe("SIGKILL");
        await until("the daemons to see the streams close", () => behind.streams.size === 0 && ahead.streams.size === 0);
      }
      if (i === RESTART_AT) second = collector(args); // both daemons keep producing while it starts
      await new Promise((res) => setTimeout(res, 1));
    }
    expect(second).not.toBeNull();
    // the last events reach the new collector live, whatever it resumed from
    await behind.waitForStreams();
    await ahead.waitForStreams();
    await behind.emit(TOTAL - PRODUCED);
    await ahead.emit(TOTAL - PRODUCED);
    const lastOf = (d: FakeDaemon) => (x: (typeof r.records)[number]) =>
      x.kind === 1 && x.json.falco?.endpoint === d.url && x.json.Actor.Attributes.seq === String(TOTAL - 1);
    // Each daemon's events are published in its order (the resumed replay first), so once its last
    // event is in the ring, all of its events that will ever be there are.
    await r.waitFor("the last event of the daemon behind", lastOf(behind));
    await r.waitFor("the last event of the daemon ahead", lastOf(ahead));
    r.poll();

    const mem = r.mem;
    for (const d of [behind, ahead]) {
      const seqs = r.docker().filter((x) => x.json.falco?.endpoint === d.url).map((x) => Number(x.json.Actor.Attributes.seq));
      expect(seqs, `${d.url}: every event exactly once, in order`).toEqual([...Array(TOTAL).keys()]);
      // the restarted collector resumed this daemon from its own entry
      expect(second!.log()).toContain(`${d.url}: resuming after event`);
      expect(mem.resumePoint(d.url)?.from).toBe("entry");
    }
    expect(second!.log()).not.toMatch(/global last_ts/);
    // the two resume points really were 30 s apart: one global point could not have served both
    const pb = mem.resumePoint(behind.url)!.ts;
    const pa = mem.resumePoint(ahead.url)!.ts;
    expect(pa - pb).toBeGreaterThan(SKEW - 1_000_000_000n);
    expect(r.get("eventsDropped")).toBe(0n);
  });
});
