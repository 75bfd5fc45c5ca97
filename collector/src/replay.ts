// file:// replay: recordings are read one after the other, as one stream of lines, and every
// line is published in order. Replay never drops: it waits for room in the ring. Progress goes
// to source_read/source_total (source_read = bytes up to the last published line, so a restarted
// collector continues right there), and finished = 1 once the last record is published.
import * as fs from "node:fs";
import type { Endpoint } from "./endpoint";
import { EventParser } from "./event";
import { LineSplitter, MAX_LINE_BYTES } from "./lines";
import { log } from "./log";
import type { Pipeline, Sink } from "./queue";
import { type Cut, shiftCut } from "./shrink";
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
    let chunkAt = base + from; // absolute offset of the current chunk's first byte
    const onLine = (line: Buffer, end: number, cut: Cut | null): void => {
      const ev = parser.parse(line);
      if (ev === null) {
        if (line.toString("utf8").trim() !== "") {
          o.sink.add("parseErrors", 1);
          o.pipeline.lost(f.url, "not a Docker event (not a JSON object with a valid time)");
          log("warn", `replay ${f.file}: skipping a line that is not a Docker event (byte ${end - line.length - 1})`, `replay ${f.file}: skipping`);
        }
        return;
      }
      // The line stays a view of the read chunk (no copy, no Slot when the ring has room).
      published++;
      o.pipeline.offerUnbounded(ev.type === "collector" ? KIND_COLLECTOR : KIND_DOCKER, ev.ts, ev.bytes, end, f.url, cut === null ? null : shiftCut(cut, ev.bytes.byteOffset - line.byteOffset));
    };
    const lines = new LineSplitter({
      line: (line, nl, cut) => onLine(line, chunkAt + nl + 1, cut),
      overlong: () => {
        o.sink.add("oversizeDropped", 1);
        o.pipeline.lost(f.url, `a line over ${MAX_LINE_BYTES} bytes even with its strings cut`);
      },
    });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (o.isStopped()) {
        stream.destroy();
        return false;
      }
      lines.push(chunk);
      chunkAt += chunk.length;
      o.pipeline.drain();
      if (!o.pipeline.hasRoom()) await o.pipeline.waitRoom();
    }
    const last = lines.end();
    if (last !== null) {
      onLine(last.line, chunkAt, last.cut);
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
