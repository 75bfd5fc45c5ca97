// The command line contract (contracts/collector-cli.md): exit codes, the error line, SIGTERM,
// parent death, --ring-fd with an inherited memory file, tcp:// with TLS.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { FakeDaemon } from "./fake-daemon.mjs";
import { Collector, MAIN, ROOT, RingReader, ensureBuilt, privateDir, until } from "./helpers";
import { HEADER_SIZE, RingMemory } from "../../collector/src/ring";
import mmap from "@riaskov/mmap-io";

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ensureBuilt();
  ({ dir, cleanup } = privateDir("cli"));
});
afterAll(() => cleanup());

const DEMO = resolve(ROOT, "tests/collector/fixtures/small.jsonl");

async function config(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const c = new Collector(args, { env });
  expect(await c.exited, c.log()).toBe(2);
  const last = c.stderr.at(-1) ?? "";
  expect(last.startsWith("error ")).toBe(true);
  return last;
}

describe("exit code 2 with an error line for permanent misconfiguration", () => {
  it("no output", async () => expect(await config(["--endpoint", "unix:///x.sock"])).toMatch(/--ring-fd, --ring-path, --record/));
  it("unknown argument", async () => expect(await config(["--ring-path", join(dir, "r0"), "--frobnicate"])).toMatch(/--frobnicate/));
  it("bad number", async () => expect(await config(["--ring-path", join(dir, "r1"), "--queue-max", "lots"])).toMatch(/--queue-max/));
  it("unknown scheme", async () => expect(await config(["--ring-path", join(dir, "r2"), "--endpoint", "http://x"])).toMatch(/unknown scheme/));
  it("unreadable recording", async () =>
    expect(await config(["--ring-path", join(dir, "r3"), "--endpoint", "file:///nonexistent/rec.jsonl"])).toMatch(/\/nonexistent\/rec\.jsonl/));
  it("unreadable TLS file", async () =>
    expect(await config(["--ring-path", join(dir, "r4"), "--endpoint", "tcp://127.0.0.1:2376", "--tls-ca", "/nonexistent/ca.pem"])).toMatch(/\/nonexistent\/ca\.pem/));
  it("TLS files that are not PEM, or a FIFO (read at start, never blocking on it)", async () => {
    const bad = join(dir, "garbage.pem");
    writeFileSync(bad, "-----BEGIN GARBAGE-----\nnot pem\n");
    const tcp = ["--endpoint", "tcp://127.0.0.1:2376"];
    expect(await config(["--ring-path", join(dir, "r4a"), ...tcp, "--tls-ca", bad])).toMatch(/--tls-ca .*garbage\.pem: no PEM certificate/);
    expect(await config(["--ring-path", join(dir, "r4b"), ...tcp, "--tls-cert", bad, "--tls-key", bad])).toMatch(/--tls-key .*garbage\.pem: not a PEM private key/);
    const fifo = join(dir, "ca.fifo");
    execFileSync("mkfifo", [fifo]);
    expect(await config(["--ring-path", join(dir, "r4c"), ...tcp, "--tls-ca", fifo])).toMatch(/ca\.fifo: not a regular file/);
  });
  it("unreadable DOCKER_CERT_PATH files", async () => {
    const certs = join(dir, "certs-partial");
    mkdirSync(certs, { recursive: true });
    writeFileSync(join(certs, "cert.pem"), "x");
    expect(await config(["--ring-path", join(dir, "r5"), "--endpoint", "tcp://127.0.0.1:2376"], { DOCKER_CERT_PATH: certs, DOCKER_TLS_VERIFY: "1" })).toMatch(/key/);
  });
  it("recordings mixed with daemons", async () =>
    expect(await config(["--ring-path", join(dir, "r6"), "--endpoint", `file://${DEMO}`, "--endpoint", "unix:///x.sock"])).toMatch(/mixed/));
  it("capacity not a power of two", async () => expect(await config(["--ring-path", join(dir, "r7"), "--capacity", "100000", "--endpoint", `file://${DEMO}`])).toMatch(/power of two/));
  it("ring file in a directory others can enter", async () => expect(await config(["--ring-path", "/tmp/dkrc-not-private-ring", "--endpoint", `file://${DEMO}`])).toMatch(/private/));
  it("--ring-fd that is not open", async () => expect(await config(["--ring-fd", "9", "--endpoint", `file://${DEMO}`])).toMatch(/--ring-fd 9/));
  it("a corrupt ring file", async () => {
    const p = join(dir, "corrupt-ring");
    writeFileSync(p, Buffer.alloc(HEADER_SIZE + 65536, 7), { mode: 0o600 });
    expect(await config(["--ring-path", p, "--endpoint", `file://${DEMO}`])).toMatch(/corrupt ring/);
  });
});

describe("process lifecycle", () => {
  it("creates the ring file 0600 in a 0700 directory", async () => {
    const sub = join(dir, "made-here", "ring");
    const c = new Collector(["--ring-path", sub, "--endpoint", `file://${DEMO}`]);
    expect(await c.exited).toBe(0);
    const st = (p: string) => Number(execFileSync("stat", ["-c", "%a", p], { encoding: "utf8" }).trim());
    expect(st(sub)).toBe(600);
    expect(st(join(dir, "made-here"))).toBe(700);
  });

  it("stops cleanly with exit 0 on SIGTERM", async () => {
    const ring = join(dir, "term-ring");
    const c = new Collector(["--ring-path", ring, "--endpoint", "unix:///nonexistent/docker.sock"]);
    const r = await RingReader.open(ring);
    await r.waitFor("disconnect", (x) => x.kind === 2 && x.json.Action === "disconnect");
    expect(await c.stop()).toBe(0);
    expect(c.log()).toMatch(/info stopping: SIGTERM/);
  });

  it("exits when its parent dies", async () => {
    const ring = join(dir, "orphan-ring");
    const sh = spawn("bash", ["-c", `"${process.execPath}" "${MAIN}" --ring-path "${ring}" --endpoint unix:///nonexistent/docker.sock 2>/dev/null & echo $!; wait`], { stdio: ["ignore", "pipe", "ignore"] });
    const pid = await new Promise<number>((res) => sh.stdout.once("data", (d: Buffer) => res(Number(d.toString().trim()))));
    await RingReader.open(ring);
    const alive = () => existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
    expect(alive()).toBe(true);
    sh.kill("SIGKILL");
    await until("orphaned collector to exit", () => !alive(), 15_000, 100);
  });

  it("exits when its stderr pipe breaks (the plugin's process gone), instead of logging the failure forever", async () => {
    const ring = join(dir, "epipe-ring");
    // a daemon that is never there: it says so once on stderr, then waits
    const child = spawn(process.execPath, [MAIN, "--ring-path", ring, "--endpoint", "unix:///nonexistent/docker.sock", "--reconnect-max-ms", "50"], { stdio: ["ignore", "ignore", "pipe"] });
    const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
    await new Promise<void>((res) => child.stderr!.once("data", () => res()));
    child.stderr!.destroy(); // the read end closed: its next line is EPIPE
    child.kill("SIGTERM"); // it says "stopping" on the way out
    const code = await Promise.race([exited, new Promise<"running">((res) => setTimeout(() => res("running"), 15_000))]);
    if (code === "running") child.kill("SIGKILL");
    expect(code).toBe(1);
  });

  it("maps an inherited memory file with --ring-fd 3 (host-initialized or all zero)", async () => {
    for (const hostInit of [true, false]) {
      const p = join(dir, `fd-ring-${hostInit}`);
      const fd = openSync(p, "w+", 0o600);
      ftruncateSync(fd, HEADER_SIZE + 65536);
      if (hostInit) {
        const m = new RingMemory(mmap.map(HEADER_SIZE + 65536, 3, mmap.MAP_SHARED, fd, 0));
        m.initialize();
      }
      const c = new Collector(["--ring-fd", "3", "--endpoint", `file://${DEMO}`], { stdio3: fd });
      closeSync(fd);
      expect(await c.exited, c.log()).toBe(0);
      const r = new RingReader(p);
      r.poll();
      const lines = readFileSync(DEMO, "utf8").split("\n").filter((l) => l.trim() !== "");
      expect(r.records.map((x) => x.text)).toEqual(lines);
      expect(r.get("finished")).toBe(1n);
    }
  });
});

describe("--wake-fd (contracts/ring.md \"Waking the consumer\")", () => {
  it("writes the u64 1 to the fd after publications that find the consumer waiting, and only then", async () => {
    const d = new FakeDaemon(join(dir, "wake.sock"));
    await d.start();
    const ring = join(dir, "wake-ring");
    const c = new Collector(["--ring-path", ring, "--no-enrich", "--endpoint", d.url, "--wake-fd", "3"], { stdio3: "pipe" });
    const got: Buffer[] = [];
    (c.child.stdio[3] as NodeJS.ReadableStream).on("data", (b: Buffer) => got.push(b));
    try {
      await d.waitForStreams();
      const r = await RingReader.open(ring);
      await r.waitFor("connect event", (x) => x.json.Type === "collector");
      // Not waiting: published, nobody woken.
      await d.emit(5);
      await r.waitCount("5 events", (x) => x.json.Type === "container", 5);
      await new Promise((res) => setTimeout(res, 300));
      expect(Buffer.concat(got).length).toBe(0);
      // Waiting: the next publication wakes it, with 8 bytes holding 1 each time.
      r.mem.store("consumerWaiting", 1n);
      await d.emit(1);
      await until("a wake-up", () => (Buffer.concat(got).length >= 8 ? true : undefined), 10_000);
      const all = Buffer.concat(got);
      expect(all.length % 8).toBe(0);
      for (let i = 0; i < all.length; i += 8) expect(all.readBigUInt64LE(i)).toBe(1n);
      // Woken (the consumer clears the flag): quiet again.
      r.mem.store("consumerWaiting", 0n);
      const before = Buffer.concat(got).length;
      await d.emit(3);
      await r.waitCount("9 events", (x) => x.json.Type === "container", 9);
      await new Promise((res) => setTimeout(res, 300));
      expect(Buffer.concat(got).length).toBe(before);
    } finally {
      await c.stop();
      await d.stop();
    }
  });

  it("is checked like the other numbers", async () => expect(await config(["--ring-path", join(dir, "w0"), "--wake-fd", "x"])).toMatch(/--wake-fd/));
});

describe("tcp:// with TLS", () => {
  let certs: string;
  beforeAll(() => {
    certs = join(dir, "tls");
    mkdirSync(certs, { recursive: true });
    const ossl = (...a: string[]) => execFileSync("openssl", a, { cwd: certs, stdio: "ignore" });
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test-ca");
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server-key.pem", "-out", "server.csr", "-subj", "/CN=localhost");
    writeFileSync(join(certs, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    ossl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext");
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "client.csr", "-subj", "/CN=client");
    writeFileSync(join(certs, "client.ext"), "extendedKeyUsage=clientAuth\n");
    ossl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-out", "cert.pem", "-days", "2", "-extfile", "client.ext");
  });

  async function tlsDaemon(): Promise<FakeDaemon> {
    const rd = (f: string) => readFileSync(join(certs, f));
    const d = new FakeDaemon("", { tls: { key: rd("server-key.pem"), cert: rd("server.pem"), ca: rd("ca.pem") } });
    await d.start();
    return d;
  }

  it.each([
    ["--tls-* flags", (url: string) => ["--endpoint", url, "--tls-ca", join(certs, "ca.pem"), "--tls-cert", join(certs, "cert.pem"), "--tls-key", join(certs, "key.pem"), "--tls-verify"], {}],
    ["DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH", () => [], "env"],
  ] as const)("streams over mutual TLS configured by %s", async (_label, args, how) => {
    const d = await tlsDaemon();
    const ring = join(dir, `tls-ring-${Math.random()}`);
    const env = how === "env" ? { DOCKER_HOST: d.url, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: certs } : {};
    const c = new Collector(["--ring-path", ring, ...args(d.url)], { env });
    try {
      await d.waitForStreams();
      const r = await RingReader.open(ring);
      const line = d.next("start");
      await d.write(line + "\n");
      const got = await r.waitFor("event over TLS", (x) => x.kind === 1);
      expect(got.json.falco!.endpoint).toBe(d.url);
      expect(got.json.Action).toBe("start");
    } finally {
      await c.stop();
      await d.stop();
    }
  });

  it("refuses a daemon whose certificate the CA did not sign (reported as a disconnect)", async () => {
    const d = await tlsDaemon();
    const ring = join(dir, "tls-bad-ring");
    const other = join(certs, "other-ca.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(certs, "other-key.pem"), "-out", other, "-days", "2", "-subj", "/CN=other"], { stdio: "ignore" });
    const c = new Collector(["--ring-path", ring, "--endpoint", d.url, "--tls-ca", other, "--tls-cert", join(certs, "cert.pem"), "--tls-key", join(certs, "key.pem")]);
    try {
      const r = await RingReader.open(ring);
      const disc = await r.waitFor("disconnect", (x) => x.kind === 2 && x.json.Action === "disconnect");
      expect(disc.json.Actor.Attributes.reason).toMatch(/certificate|self.signed|verify/i);
      expect(d.streams.size).toBe(0);
    } finally {
      await c.stop();
      await d.stop();
    }
  });
});
