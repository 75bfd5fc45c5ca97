// The collector: Docker events (live daemons or recordings) into the shared-memory ring that
// the plugin host consumes (contracts/collector-cli.md, contracts/ring.md).
import { checkBuffers } from "./memory"; // first: before the rest of the collector allocates anything
import { writeSync } from "node:fs";
import { type Config, parseArgs } from "./args";
import { nowNs } from "./clock";
import { LiveSource } from "./docker";
import { ConfigError, type Endpoint, defaultEndpoint, parseEndpoint } from "./endpoint";
import { Enricher } from "./enrich";
import { ExtractorError, lineScanner } from "./extractor";
import { exitAfterFlush, log } from "./log";
import { Pipeline, type Sink } from "./queue";
import { RecordSink } from "./record";
import { replay } from "./replay";
import { RingError, type RingMemory, RingProducer, type ResumePoint, openRingFd, openRingPath } from "./ring";
import { scheduleTrim } from "./trim";

const EXIT_CONFIG = 2;
/**
 * The collector's one periodic timer (heartbeat, parent check, buffer guard) runs every BUSY_TICK_MS
 * while events flow, and every --heartbeat-ms (the plugin passes a quarter of its hang timeout)
 * once a tick found none published: an idle collector wakes as seldom as the hang detection allows.
 */
const BUSY_TICK_MS = 500;

interface Output {
  sink: Sink;
  ring: RingProducer | null;
  record: RecordSink | null;
}

/** Writes the u64 1 to the wake fd (an eventfd adds it; a pipe gets 8 bytes); errors are ignored (a full pipe still wakes its reader). */
function wakeWriter(fd: number): () => void {
  const one = Buffer.alloc(8);
  one.writeBigUInt64LE(1n);
  return () => {
    try {
      writeSync(fd, one);
    } catch {
      /* EAGAIN (a full pipe: the consumer has a wake-up pending anyway) or a closed fd */
    }
  };
}

function openOutput(c: Config): Output {
  if (c.record !== null) {
    const record = new RecordSink(c.record);
    return { sink: record, ring: null, record };
  }
  const mem: RingMemory = c.ringFd !== null ? openRingFd(c.ringFd) : openRingPath(c.ringPath as string, c.capacity);
  const ring = new RingProducer(mem, c.wakeFd !== null ? wakeWriter(c.wakeFd) : null);
  return { sink: ring, ring, record: null };
}

async function main(): Promise<void> {
  let config: Config;
  let out: Output;
  let endpoints: Endpoint[];
  try {
    config = parseArgs(process.argv.slice(2));
    const raw = config.endpoints.length > 0 ? config.endpoints : [defaultEndpoint()];
    endpoints = raw.map((e) => parseEndpoint(e, config.tls));
    const files = endpoints.filter((e) => e.kind === "file").length;
    if (files > 0 && files < endpoints.length) throw new ConfigError("file:// recordings cannot be mixed with live daemons");
    lineScanner().load(); // the extractor module: what an event is (extractor.ts)
    out = openOutput(config);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof RingError || e instanceof ExtractorError || (e as NodeJS.ErrnoException).code !== undefined) {
      log("error", (e as Error).message);
      await exitAfterFlush(EXIT_CONFIG);
    }
    throw e;
  }

  const { sink } = out;
  // Gauges left by a previous collector on the same ring describe nothing now.
  sink.set("connected", 0);
  sink.set("queueDepth", 0);
  const pipeline = new Pipeline(sink, config.queueMax);
  // When a predecessor on this ring was last alive (a restart's blind gap, docker.ts).
  const previousHeartbeatNs = sink.get("heartbeatNs");
  const heartbeat = (): void => sink.set("heartbeatNs", nowNs());
  heartbeat();
  // One timer for everything periodic (an idle collector wakes only for it): the heartbeat,
  // the parent check (set below) and the buffer guard.
  let checkParent = (): void => undefined;
  const idleTickMs = config.heartbeatMs;
  let written = sink.get("eventsWritten");
  let ticking = true;
  let timer: NodeJS.Timeout | null = null;
  const tick = (): void => {
    heartbeat();
    checkParent();
    if (checkBuffers !== null) checkBuffers();
    const now = sink.get("eventsWritten");
    const busy = now !== written;
    written = now;
    if (ticking) timer = setTimeout(tick, busy ? Math.min(BUSY_TICK_MS, idleTickMs) : idleTickMs);
  };
  timer = setTimeout(tick, Math.min(BUSY_TICK_MS, idleTickMs));
  scheduleTrim();

  let stopping = false;
  const sources: LiveSource[] = [];
  const shutdown = async (code: number, why: string): Promise<never> => {
    if (!stopping) {
      stopping = true;
      log("info", `stopping: ${why}`);
      const hard = setTimeout(() => void exitAfterFlush(code, 200), 1500);
      await Promise.all(sources.map((s) => s.stop()));
      await pipeline.flush(1000); // publish what fits within a second
      pipeline.close();
      ticking = false;
      if (timer !== null) clearTimeout(timer);
      heartbeat();
      if (out.record !== null) {
        await out.record.close();
        log("info", `recorded: ${out.record.summary()}`);
      }
      const m = process.memoryUsage();
      log("debug", `memory: rss ${(m.rss / 1048576).toFixed(1)} MiB, heap ${(m.heapUsed / 1048576).toFixed(1)}/${(m.heapTotal / 1048576).toFixed(1)} MiB, external ${(m.external / 1048576).toFixed(1)} MiB, buffers ${(m.arrayBuffers / 1048576).toFixed(1)} MiB`);
      clearTimeout(hard);
      await exitAfterFlush(code, 300); // the host reads stderr until we exit (it waits 2 s after SIGTERM)
    }
    return new Promise<never>(() => undefined);
  };
  process.on("SIGTERM", () => void shutdown(0, "SIGTERM"));
  process.on("SIGINT", () => void shutdown(0, "SIGINT"));
  const parent = process.ppid;
  checkParent = () => {
    if (process.ppid !== parent) void shutdown(0, `parent process ${parent} is gone`);
  };

  const isFile = (e: Endpoint): e is Extract<Endpoint, { kind: "file" }> => e.kind === "file";
  const files = endpoints.filter(isFile);
  if (files.length > 0) {
    const done = await replay({ files, pipeline, sink, resume: out.ring !== null, isStopped: () => stopping });
    if (done) await shutdown(0, "every recording was replayed to its end");
    return;
  }

  const enricher = config.enrich ? new Enricher(config.inspectTimeoutMs, sink) : null;
  for (const endpoint of endpoints) {
    // Each daemon resumes from its own entry of the resume area (contracts/ring.md "Resume points").
    const resume: ResumePoint | null = out.ring !== null ? out.ring.mem.resumePoint(endpoint.url) : null;
    if (resume !== null && out.ring !== null) {
      const how = resume.from === "entry" ? "its resume entry" : resume.from === "torn" ? "its resume entry (interrupted update: nothing skipped)" : "the ring's global last_ts (no entry of its own)";
      log("info", `${endpoint.url}: resuming after event ${resume.ts} from ${how} (ring already holds ${out.ring.get("eventsWritten")} events)`);
    }
    const s = new LiveSource({ endpoint, pipeline, sink, enricher, reconnectMaxMs: config.reconnectMaxMs, resume, previousHeartbeatNs });
    sources.push(s);
    s.start();
  }
}

// stderr is the pipe to the plugin: when it breaks (EPIPE: the plugin's process is gone, killed
// before it could stop us), there is nobody to publish to or to tell. Exit at once: logging the
// error would fail again (an orphan once spun at full CPU on "crash: write EPIPE", its memory
// growing by the failed lines).
process.stderr.on("error", () => process.exit(1));

let crashing = false;
process.on("uncaughtException", (e) => {
  if (crashing) process.exit(1); // a crash while reporting one: stop
  crashing = true;
  log("error", `crash: ${e.stack ?? e.message}`);
  void exitAfterFlush(1, 500);
});

void main();
