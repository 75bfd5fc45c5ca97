// The collector on a fake Podman (fake-daemon.mjs with `podman`): the engine told from the
// version answer, the exec command recovered from the container's exec sessions, and resuming on
// a stream whose timeNano is not monotonic (Podman writes an event after one stamped later) with
// `since` only, nothing lost and nothing duplicated. The live Podman runs the same through
// live-docker.test.ts.
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { eventLine } from "./fake-daemon.mjs";
import { RingReader, collectorSuite, until, withoutFalco } from "./helpers";

const suite = collectorSuite("podman");
const { collector } = suite;
const S = 1_000_000_000n;
const T0 = 1795786267000000000n;
const CID = "beef".padEnd(64, "0");

/** A Podman container event of container CID (Podman's shape: podId, no execID on exec). */
function podmanLine(action: string, ts: bigint, name = "pc"): string {
  return `{"status":"${action}","id":"${CID}","from":"docker.io/library/dkr-busybox:latest","Type":"container","Action":"${action}",` +
    `"Actor":{"ID":"${CID}","Attributes":{"image":"docker.io/library/dkr-busybox:latest","name":"${name}","podId":""}},` +
    `"scope":"local","time":${ts / S},"timeNano":${ts}}`;
}

describe("the collector on Podman's Docker-compatible API", () => {
  it("tells Podman from its version answer: falco.engine on every event and in the connect event", async () => {
    const d = await suite.fake({ podman: true });
    const ring = join(suite.dir(), "ring-engine");
    collector(["--ring-path", ring, "--endpoint", d.url]);
    const r = await RingReader.open(ring);
    const conn = await r.waitFor("connect", (x) => x.kind === 2 && x.json.Action === "connect");
    expect(conn.json.Actor.Attributes.engine).toBe("podman");
    await d.waitForStreams();
    await d.write(`${d.remember(T0, eventLine(1, T0))}\n`);
    const got = await r.waitFor("event", (x) => x.kind === 1);
    expect(got.json.falco).toEqual({ endpoint: d.url, engine: "podman" });
  });

  it("recovers an exec's command from the container's one new exec session; several different new ones or none: no exec context", async () => {
    const d = await suite.fake({ podman: true });
    const ring = join(suite.dir(), "ring-exec");
    collector(["--ring-path", ring, "--endpoint", d.url]);
    const r = await RingReader.open(ring);
    await d.waitForStreams();
    const execs = (n: number) => r.waitCount("exec events", (x) => x.kind === 1 && x.json.Action === "exec", n);
    // one session, then one more: each exec is its new session
    d.sessions.set(CID, [["e1", ["sh", "-c", "id"]]]);
    await d.write(`${podmanLine("exec", T0 + 1n)}\n`);
    await execs(1);
    d.sessions.set(CID, [["e1", ["sh", "-c", "id"]], ["e2", ["ls", "/"]]]);
    await d.write(`${podmanLine("exec", T0 + 2n)}\n`);
    await execs(2);
    // two new sessions that differ (started within the stream's delay): not told apart
    d.sessions.set(CID, [["e1", ["sh", "-c", "id"]], ["e2", ["ls", "/"]], ["e3", ["cat", "/etc/shadow"]], ["e4", ["true"]]]);
    await d.write(`${podmanLine("exec", T0 + 3n)}\n`);
    await execs(3);
    // two new sessions alike: whichever it is, its command is known
    d.sessions.set(CID, [["e5", ["sh"]], ["e6", ["sh"]]]);
    await d.write(`${podmanLine("exec", T0 + 4n)}\n`);
    await execs(4);
    // the session is gone already (podman exec removes it when it ends): nothing new
    d.sessions.set(CID, []);
    await d.write(`${podmanLine("exec", T0 + 5n)}\n`);
    const all = await execs(5);
    expect(all.map((x) => x.json.falco?.exec?.cmdline ?? null)).toEqual(["sh -c id", "ls /", null, "sh", null]);
    expect(all[0]!.json.falco).toEqual({ endpoint: d.url, engine: "podman", exec: { tty: true, user: "nobody", privileged: true, healthcheck: false, cmdline: "sh -c id" } });
    expect(all[2]!.json.falco).toEqual({ endpoint: d.url, engine: "podman" });
    expect(r.get("inspectFailures")).toBe(0n);
  });

  it("reconnects on a stream whose timeNano goes backwards: the event written after the disconnect but stamped before the newest seen arrives, nothing twice", async () => {
    const d = await suite.fake({ podman: true });
    const ring = join(suite.dir(), "ring-reconnect");
    collector(["--ring-path", ring, "--endpoint", d.url, "--reconnect-max-ms", "200"]);
    const r = await RingReader.open(ring);
    await d.waitForStreams();
    // written in this order, stamped out of order (Podman: an image event stamped before the container event written before it)
    const a = d.remember(T0 + 10n * S, eventLine(1, T0 + 10n * S, "create"));
    const b = d.remember(T0 + 9n * S + S / 2n, eventLine(2, T0 + 9n * S + S / 2n, "pull"));
    await d.write(`${a}\n${b}\n`);
    await r.waitCount("a and b", (x) => x.kind === 1, 2);
    d.closeStreams();
    // while it is away: one stamped before the newest it saw (a), one after
    const c = d.remember(T0 + 9n * S + (S * 8n) / 10n, eventLine(3, T0 + 9n * S + (S * 8n) / 10n, "tag"));
    const e = d.remember(T0 + 11n * S, eventLine(4, T0 + 11n * S, "start"));
    await r.waitFor("reconnect", (x) => x.kind === 2 && x.json.Action === "reconnect");
    await r.waitCount("all four", (x) => x.kind === 1, 4);
    await new Promise((res) => setTimeout(res, 300));
    r.poll();
    expect(r.docker().map((x) => withoutFalco(x.text))).toEqual([a, b, c, e]);
    // it asked from 2 s before the newest timeNano seen
    expect(d.requests.filter((q) => q.includes("/events")).at(-1)).toContain(`since=${(T0 + 8n * S) / S}.000000000`);
  });

  it("after a SIGKILL, holds the replay until the ring's last event comes by: nothing twice, the event stamped earlier but written later kept", async () => {
    const d = await suite.fake({ podman: true });
    const ring = join(suite.dir(), "ring-kill");
    const args = ["--ring-path", ring, "--endpoint", d.url, "--reconnect-max-ms", "200"];
    const first = collector(args);
    const r = await RingReader.open(ring);
    await d.waitForStreams();
    const a = d.remember(T0 + 10n * S, eventLine(1, T0 + 10n * S, "create"));
    const b = d.remember(T0 + 9n * S + (S * 9n) / 10n, eventLine(2, T0 + 9n * S + (S * 9n) / 10n, "pull")); // the ring's last, stamped before a
    await d.write(`${a}\n${b}\n`);
    await r.waitCount("a and b", (x) => x.kind === 1, 2);
    await until("b is the resume point", () => r.mem.resumePoint(d.url)?.ts === T0 + 9n * S + (S * 9n) / 10n);
    await first.kill9();
    await until("the stream closed", () => d.streams.size === 0);
    // while no collector runs: one stamped between b and a, one after
    const c = d.remember(T0 + 9n * S + (S * 95n) / 100n, eventLine(3, T0 + 9n * S + (S * 95n) / 100n, "tag"));
    const e = d.remember(T0 + 12n * S, eventLine(4, T0 + 12n * S, "start"));
    const second = collector(args);
    await r.waitCount("c and e", (x) => x.kind === 1, 4);
    await new Promise((res) => setTimeout(res, 1500));
    r.poll();
    expect(r.docker().map((x) => withoutFalco(x.text))).toEqual([a, b, c, e]);
    expect(second.log()).not.toContain("delivering");
  });
});
