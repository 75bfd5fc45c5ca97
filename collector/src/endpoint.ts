// Endpoint strings (contracts/collector-cli.md) and the dockerode connection options for them:
// unix sockets, tcp with TLS from --tls-* or DOCKER_TLS_VERIFY/DOCKER_CERT_PATH, file:// replays.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import type { DockerOptions } from "dockerode";

export class ConfigError extends Error {}

export interface TlsFlags {
  ca: string | null;
  cert: string | null;
  key: string | null;
  /** true/false from --tls-verify/--no-tls-verify, null when not given. */
  verify: boolean | null;
}

export type Endpoint =
  | { kind: "unix"; url: string; socketPath: string }
  | { kind: "tcp"; url: string; host: string; port: number; tls: TlsMaterial | null }
  | { kind: "file"; url: string; file: string };

export interface TlsMaterial {
  ca: Buffer | null;
  cert: Buffer | null;
  key: Buffer | null;
  verify: boolean;
}

function readTlsFile(flag: string, file: string): Buffer {
  try {
    // The type first: reading a FIFO (or a device) would block the start for good.
    if (!fs.statSync(file).isFile()) throw new Error("not a regular file (a PEM file is expected)");
    return fs.readFileSync(file);
  } catch (e) {
    throw new ConfigError(`${flag} ${file}: ${(e as Error).message}`);
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Checks the TLS material now, so that a file that is not what it should be is a
 * misconfiguration at start (exit 2) rather than a failure of every connection attempt, retried
 * forever. `where` names each file for the message.
 */
function checkTls(m: TlsMaterial, where: { ca: string; cert: string; key: string }): void {
  const bad = (w: string, what: string, e?: unknown): never => {
    throw new ConfigError(`${w}: ${what}${e instanceof Error ? ` (${e.message})` : ""}`);
  };
  if (m.ca !== null) {
    const blocks = m.ca.toString("latin1").match(PEM_CERT) ?? [];
    if (blocks.length === 0) bad(where.ca, "no PEM certificate in it");
    for (const b of blocks) {
      try {
        new crypto.X509Certificate(b);
      } catch (e) {
        bad(where.ca, "not a valid PEM certificate", e);
      }
    }
  }
  let key: crypto.KeyObject | null = null;
  if (m.key !== null) {
    try {
      key = crypto.createPrivateKey(m.key);
    } catch (e) {
      bad(where.key, "not a PEM private key (without a passphrase)", e);
    }
  }
  if (m.cert !== null) {
    let cert: crypto.X509Certificate | null = null;
    try {
      cert = new crypto.X509Certificate(m.cert);
    } catch (e) {
      bad(where.cert, "not a valid PEM certificate", e);
    }
    if (cert !== null && key !== null && !cert.checkPrivateKey(key)) bad(where.key, `not the private key of the certificate ${where.cert}`);
  }
}

/** TLS for a tcp:// endpoint, or null for plain HTTP. Docker CLI conventions. */
function tlsFor(flags: TlsFlags, env: NodeJS.ProcessEnv): TlsMaterial | null {
  const envVerify = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== "" && env.DOCKER_TLS_VERIFY !== "0";
  const certPath = env.DOCKER_CERT_PATH !== undefined && env.DOCKER_CERT_PATH !== "" ? env.DOCKER_CERT_PATH : null;
  const anyFlag = flags.ca !== null || flags.cert !== null || flags.key !== null || flags.verify !== null;
  if (!anyFlag && !envVerify && certPath === null) return null;
  const where = { ca: "", cert: "", key: "" };
  const pick = (flag: string, given: string | null, name: "ca" | "cert" | "key"): Buffer | null => {
    if (given !== null) {
      where[name] = `${flag} ${given}`;
      return readTlsFile(flag, given);
    }
    if (certPath !== null) {
      const f = path.join(certPath, `${name}.pem`);
      where[name] = `DOCKER_CERT_PATH ${f}`;
      if (fs.existsSync(f)) return readTlsFile("DOCKER_CERT_PATH", f);
    }
    return null;
  };
  const ca = pick("--tls-ca", flags.ca, "ca");
  const cert = pick("--tls-cert", flags.cert, "cert");
  const key = pick("--tls-key", flags.key, "key");
  if ((cert === null) !== (key === null)) throw new ConfigError("TLS needs both a client certificate and its key (--tls-cert and --tls-key)");
  const verify = flags.verify ?? (envVerify || flags.ca !== null || certPath !== null);
  const material = { ca, cert, key, verify };
  checkTls(material, where);
  return material;
}

export function parseEndpoint(raw: string, flags: TlsFlags, env: NodeJS.ProcessEnv = process.env): Endpoint {
  if (raw.startsWith("unix://")) {
    const socketPath = raw.slice("unix://".length);
    if (!socketPath.startsWith("/")) throw new ConfigError(`endpoint ${raw}: a unix socket needs an absolute path (unix:///path/docker.sock)`);
    return { kind: "unix", url: raw, socketPath };
  }
  if (raw.startsWith("tcp://")) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new ConfigError(`endpoint ${raw}: not a tcp://host:port address`);
    }
    if (u.hostname === "") throw new ConfigError(`endpoint ${raw}: missing host`);
    const tls = tlsFor(flags, env);
    const port = u.port !== "" ? Number(u.port) : tls !== null ? 2376 : 2375;
    return { kind: "tcp", url: raw, host: u.hostname.replace(/^\[|\]$/g, ""), port, tls };
  }
  if (raw.startsWith("file://")) {
    let file: string;
    try {
      file = decodeURIComponent(new URL(raw).pathname);
    } catch {
      throw new ConfigError(`endpoint ${raw}: not a file:///path URL`);
    }
    try {
      fs.accessSync(file, fs.constants.R_OK);
      if (!fs.statSync(file).isFile()) throw new Error("not a regular file");
    } catch (e) {
      throw new ConfigError(`recording ${file} is unreadable: ${(e as Error).message}`);
    }
    return { kind: "file", url: raw, file };
  }
  throw new ConfigError(`endpoint ${raw}: unknown scheme (expected unix://, tcp:// or file://)`);
}

/** The default endpoint: DOCKER_HOST if set, else the local socket. */
export function defaultEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const h = env.DOCKER_HOST;
  if (h !== undefined && h !== "") return h.includes("://") ? h : `tcp://${h}`;
  return "unix:///var/run/docker.sock";
}

/**
 * dockerode options for a live endpoint. Every field is explicit so that nothing comes from
 * dockerode's own reading of the environment, and `timeout` is 0: the events request must never
 * be cut for being idle.
 */
export type ModemOptions = DockerOptions & { agent?: https.Agent };

export function dockerOptions(ep: Endpoint, version: string | undefined): ModemOptions {
  const base: ModemOptions = { timeout: 0, version, host: undefined, port: undefined, socketPath: undefined };
  if (ep.kind === "unix") return { ...base, socketPath: ep.socketPath, protocol: "http" };
  if (ep.kind === "tcp") {
    if (ep.tls === null) return { ...base, host: ep.host, port: ep.port, protocol: "http" };
    const t = ep.tls;
    const agent = new https.Agent({
      keepAlive: false,
      rejectUnauthorized: t.verify,
      ...(t.ca !== null ? { ca: t.ca } : {}),
      ...(t.cert !== null ? { cert: t.cert } : {}),
      ...(t.key !== null ? { key: t.key } : {}),
    });
    return {
      ...base,
      host: ep.host,
      port: ep.port,
      protocol: "https",
      ...(t.ca !== null ? { ca: t.ca } : {}),
      ...(t.cert !== null ? { cert: t.cert } : {}),
      ...(t.key !== null ? { key: t.key } : {}),
      agent,
    };
  }
  throw new Error(`no Docker connection for ${ep.url}`);
}
