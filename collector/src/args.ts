// Command line (contracts/collector-cli.md). Every mistake is a ConfigError: exit code 2.
import { ConfigError, type TlsFlags } from "./endpoint";

export interface Config {
  ringFd: number | null;
  ringPath: string | null;
  record: string | null;
  endpoints: string[];
  capacity: number;
  queueMax: number;
  inspectTimeoutMs: number;
  enrich: boolean;
  tls: TlsFlags;
  reconnectMaxMs: number;
  /** An inherited fd (eventfd or pipe) to write to when a publication finds the consumer waiting (ring.md "Waking the consumer"). */
  wakeFd: number | null;
  /** The longest interval between heartbeats while no event flows (contracts/collector-cli.md). */
  heartbeatMs: number;
}

export const USAGE =
  "usage: main.js (--ring-fd N | --ring-path P | --record FILE) [--endpoint E]... [--capacity BYTES] [--queue-max N] " +
  "[--inspect-timeout-ms N] [--no-enrich] [--tls-ca F --tls-cert F --tls-key F] [--tls-verify | --no-tls-verify] [--reconnect-max-ms N] [--wake-fd N] [--heartbeat-ms N]";

const WITH_VALUE = new Set([
  "--ring-fd", "--ring-path", "--record", "--endpoint", "--capacity", "--queue-max", "--inspect-timeout-ms",
  "--tls-ca", "--tls-cert", "--tls-key", "--reconnect-max-ms", "--wake-fd", "--heartbeat-ms",
]);
const FLAGS = new Set(["--no-enrich", "--tls-verify", "--no-tls-verify"]);

function int(flag: string, v: string, min: number, max: number): number {
  if (!/^\d+$/.test(v)) throw new ConfigError(`${flag} ${v}: expected a whole number`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ConfigError(`${flag} ${v}: out of range ${min}..${max}`);
  return n;
}

export function parseArgs(argv: string[]): Config {
  const c: Config = {
    ringFd: null,
    ringPath: null,
    record: null,
    endpoints: [],
    capacity: 8 * 1024 * 1024,
    queueMax: 100_000,
    inspectTimeoutMs: 250,
    enrich: true,
    tls: { ca: null, cert: null, key: null, verify: null },
    reconnectMaxMs: 5000,
    wakeFd: null,
    heartbeatMs: 500,
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i] as string;
    let value: string | undefined;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (FLAGS.has(arg)) {
      if (value !== undefined) throw new ConfigError(`${arg} takes no value`);
      if (arg === "--no-enrich") c.enrich = false;
      else c.tls.verify = arg === "--tls-verify";
      continue;
    }
    if (!WITH_VALUE.has(arg)) throw new ConfigError(`unknown argument ${arg}; ${USAGE}`);
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new ConfigError(`${arg} needs a value`);
    }
    switch (arg) {
      case "--ring-fd": c.ringFd = int(arg, value, 0, 1 << 20); break;
      case "--ring-path": c.ringPath = value; break;
      case "--record": c.record = value; break;
      case "--endpoint": c.endpoints.push(value); break;
      case "--capacity": c.capacity = int(arg, value, 1, 2 ** 40); break;
      case "--queue-max": c.queueMax = int(arg, value, 1, 100_000_000); break;
      case "--inspect-timeout-ms": c.inspectTimeoutMs = int(arg, value, 1, 600_000); break;
      case "--tls-ca": c.tls.ca = value; break;
      case "--tls-cert": c.tls.cert = value; break;
      case "--tls-key": c.tls.key = value; break;
      case "--reconnect-max-ms": c.reconnectMaxMs = int(arg, value, 1, 3_600_000); break;
      case "--wake-fd": c.wakeFd = int(arg, value, 0, 1 << 20); break;
      case "--heartbeat-ms": c.heartbeatMs = int(arg, value, 100, 60_000); break;
    }
  }
  const outputs = [c.ringFd !== null, c.ringPath !== null, c.record !== null].filter(Boolean).length;
  if (outputs !== 1) throw new ConfigError(`exactly one of --ring-fd, --ring-path, --record is required; ${USAGE}`);
  return c;
}
