// file:// replay: recordings are read one after the other, as one stream of lines, and every
// line is published in order. Replay never drops: it waits for room in the ring. Progress goes
// to source_read/source_total (source_read = bytes up to the last published line, so a restarted
// collector continues right there), and finished = 1 once the last record is published.
import * as fs from "node:fs";
import type { Endpoint } from "./endpoint";
import { EventParser } from "./event";
import { log } from "./log";
import type { Pipeline, Sink } from "./queue";
import { KIND_COLLECTOR, KIND_DOCKER } from "./ring";

type FileEndpoint = Extract<Endpoint, { kind: "file" }>;

export interface ReplayOptions {
  files: FileEndpoint[];
  pipeline: Pipeline;
  sink: Sink;
  /** Resume from the sink's source_read when it describes these same recordings. */
  resume: boolean;
  isStopped: () => boolean;
}

/** Resolves when every line is published (true) or the collector is stopping (false). */
export async function replay(o: ReplayOptions): Promise<boolean> {
  const sizes = o.files.map((f) => fs.statSync(f.file).size);
  const total = sizes.reduce((a, b) => a + b, 0);
  let startAt = 0;
  if (o.resume && o.sink.get("sourceTotal") === BigInt(total) && o.sink.get("sourceRead") > 0n) {
    if (o.sink.get("finished") === 1n) {
      log("info", "replay: the ring already holds the whole recording (finished)");
      return true;
    }
    startAt = Number(o.sink.get("sourceRead"));
    log("info", `replay: resuming at byte ${startAt} of ${total}`);
  } else {
    o.sink.set("finished", 0);
    o.sink.set("sourceRead", 0);
    o.sink.set("sourceTotal", total);
  }
  let base = 0;
  let published = 0;
  const parser = new EventParser();
  o.pipeline.onProgress = (end) => o.sink.set("sourceRead", end);
  for (let i = 0; i < o.files.length; i++) {
    const f = o.files[i] as FileEndpoint;
    const size = sizes[i] as number;
    if (base + size <= startAt) {
      base += size;
      continue;
    }
    const from = Math.max(0, startAt - base);
    const stream = fs.createReadStream(f.file, { start: from, highWaterMark: 1 << 20 });
    let offset = base + from; // absolute offset of the first byte of `partial`
    let partial: Buffer[] = [];
    let partialLen = 0;
    const onLine = (line: Buffer, end: number): void => {
      const ev = parser.parse(line);
      if (ev === null) {
        if (line.toString("utf8").trim() !== "") {
          o.sink.add("parseErrors", 1);
          log("warn", `replay ${f.file}: skipping a line that is not a Docker event (byte ${end - line.length - 1})`);
        }
        return;
      }
      // The line stays a view of the read chunk (no copy, no Slot when the ring has room).
      published++;
      o.pipeline.offerUnbounded(ev.type === "collector" ? KIND_COLLECTOR : KIND_DOCKER, ev.ts, ev.bytes, end);
    };
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (o.isStopped()) {
        stream.destroy();
        return false;
      }
      let pos = 0;
      for (;;) {
        const nl = chunk.indexOf(10, pos);
        if (nl < 0) break;
        let line = chunk.subarray(pos, nl);
        if (partialLen > 0) {
          partial.push(line);
          line = Buffer.concat(partial);
          partial = [];
          partialLen = 0;
        }
        const end = offset + line.length + 1;
        onLine(line, end);
        offset = end;
        pos = nl + 1;
      }
      if (pos < chunk.length) {
        partial.push(chunk.subarray(pos));
        partialLen += chunk.length - pos;
      }
      o.pipeline.drain();
      if (!o.pipeline.hasRoom()) await o.pipeline.waitRoom();
    }
    if (partialLen > 0) {
      const line = Buffer.concat(partial);
      onLine(line, offset + line.length);
      o.pipeline.drain();
    }
    base += size;
  }
  while (o.pipeline.depth > 0) {
    if (o.isStopped()) return false;
    await o.pipeline.flush(1000);
  }
  o.sink.set("sourceRead", total);
  o.sink.set("finished", 1);
  log("info", `replay finished: ${published} events from ${o.files.length} recording(s)`);
  return true;
}
