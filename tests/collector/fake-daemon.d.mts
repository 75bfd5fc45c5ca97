import type { ServerResponse } from "node:http";
export declare function eventLine(i: number, ts: bigint, action?: string): string;
export declare function parseSince(s: string | null): bigint | null;
export declare class FakeDaemon {
  constructor(socketPath: string, opts?: { apiVersion?: string; minApi?: string; inspect?: "ok" | "404" | "hang" | "slow"; inspectDelayMs?: number; healthTest?: string[] | null; containerInspect?: "ok" | "404"; execArgv?: string[]; podman?: boolean; sliceBytes?: number; startTs?: bigint; tls?: { key: Buffer; cert: Buffer; ca?: Buffer } });
  port: number;
  readonly socketPath: string;
  readonly url: string;
  inspect: "ok" | "404" | "hang" | "slow";
  inspectDelayMs: number;
  /** Config.Healthcheck.Test of container inspect answers (null: no healthcheck); ProcessConfig entrypoint + arguments of exec answers. */
  healthTest: string[] | null;
  containerInspect: "ok" | "404";
  execArgv: string[];
  /** Podman's version answer (component "Podman Engine"). */
  podman: boolean;
  /** Exec sessions per container id: [exec id, argv] (container inspects list them as ExecIDs). */
  sessions: Map<string, Array<[string, string[]]>>;
  /** Records a line with timeNano ts for `since` replays, in any order. */
  remember(ts: bigint, line: string): string;
  /** Inspect requests received and not yet answered or abandoned by the client; the most seen at once; how many. */
  inspectsInFlight: number;
  maxInspectsInFlight: number;
  inspectRequests: number;
  sliceBytes: number;
  streams: Set<ServerResponse>;
  /** The last 256 events [timeNano, line] in publication order, as `since` replays them (dockerd's buffer). */
  history: Array<[bigint, string]>;
  /** /events requests whose `until` was in the past (answered from the buffer, then ended). */
  untilRequests: string[];
  requests: string[];
  seq: number;
  nextTs: bigint;
  start(): Promise<void>;
  waitForStreams(n?: number): Promise<void>;
  next(action?: string): string;
  write(text: string): Promise<void>;
  emit(n: number, action?: string): Promise<void>;
  prepare(n: number, action?: string): Buffer[];
  emitPrepared(blocks: Buffer[]): Promise<void>;
  closeStreams(): void;
  stop(): Promise<void>;
}
