// The oversize-label scenario of issue 9 on a real daemon: a container whose 22 labels of
// 100,000 bytes each make every one of its events ~2.2 MB (over the default ring's 2 MiB
// records), with the Docker socket and the host's / bind-mounted, SYS_ADMIN added and the host's
// PID namespace; started, exec'd into and removed. Privileged containers cannot be started on
// this machine, so a second one, privileged with the same labels, is only created and removed.
// Each container lives PAUSE_MS before it is removed: the collector inspects a container when it
// reads its create/start event (for events of megabytes, up to a few hundred ms later on a loaded
// machine); a container already removed then has no security context (README "Limitations").
// Shared by the end-to-end test (tests/e2e/oversize.test.ts) and the real Falco one.
import { request } from "node:http";
import Docker from "dockerode";

export const LABELS = 22;
export const LABEL_BYTES = 100_000;
export const EXEC = ["sh", "-c", "cat /host/etc/shadow; id"];
export const PAUSE_MS = 1500;

export interface OversizeRun {
  /** The started container (socket and / mounted, SYS_ADMIN, pid host). */
  id: string;
  /** The privileged container, created and removed only. */
  privId: string;
  name: string;
  /** Its labels (each 100,000 bytes). */
  labels: Record<string, string>;
}

function dockerFor(host: string): Docker {
  if (!host.startsWith("unix://")) throw new Error(`oversize scenario: a unix:// daemon is needed, not ${host}`);
  return new Docker({ socketPath: host.slice("unix://".length) });
}

export function oversizeLabels(tag: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (let i = 0; i < LABELS; i++) labels[`com.example.big${i}`] = `${tag}${i}:`.padEnd(LABEL_BYTES, "x");
  return labels;
}

/**
 * POST /containers/create with the body as given (dockerode's create puts the options in the
 * query string too: 2.2 MB of labels is then a 431 from the daemon).
 */
function create(socketPath: string, name: string, body: unknown): Promise<string> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path: `/containers/create?name=${encodeURIComponent(name)}`, method: "POST", headers: { "Content-Type": "application/json", "Content-Length": data.length } },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => (res.statusCode === 201 ? resolve((JSON.parse(text) as { Id: string }).Id) : reject(new Error(`create ${name}: ${res.statusCode} ${text}`))));
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

/** Runs the scenario on `host` (unix://); resolves once both containers are removed. */
export async function runOversize(host: string, tag: string): Promise<OversizeRun> {
  const d = dockerFor(host);
  const labels = oversizeLabels(tag);
  const name = `oversize-${tag}`;
  const socket = host.slice("unix://".length);
  const c = d.getContainer(await create(socket, name, {
    Image: "dkr-busybox",
    Cmd: ["sleep", "300"],
    Labels: labels,
    HostConfig: { Binds: ["/var/run/docker.sock:/var/run/docker.sock", "/:/host"], CapAdd: ["SYS_ADMIN"], PidMode: "host" },
  }));
  await c.start();
  const exec = await c.exec({ Cmd: EXEC, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((res) => {
    stream.on("end", () => res());
    stream.on("close", () => res());
    stream.resume();
  });
  for (let i = 0; i < 100; i++) {
    const s = await exec.inspect();
    // the exec inspect of the collector may come after this one: keep the exec around a moment
    if (!s.Running) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, PAUSE_MS));
  await c.remove({ force: true });
  const p = d.getContainer(await create(socket, `${name}-priv`, { Image: "dkr-busybox", Cmd: ["true"], Labels: labels, HostConfig: { Privileged: true } }));
  await new Promise((r) => setTimeout(r, PAUSE_MS));
  await p.remove({ force: true });
  return { id: c.id, privId: p.id, name, labels };
}
