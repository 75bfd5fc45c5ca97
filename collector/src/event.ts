// One Docker event line: what it is (an event or not), its record time, type and action, read
// by the extractor module itself (extractor.ts; assembly/ABI.md "The collector's entry"), so one
// definition of an event serves the collector and Falco's fields; the `falco` key appended at
// the end without touching the daemon's bytes.
import { DOCKER, PODMAN } from "./engine";
import { actionNeedsInspect } from "./enrich";
import { TypeClass, lineScanner } from "./extractor";

/** The fields of a Docker event object the collector reads (JSON.parse of a line that needs enrichment). */
export interface DockerEventFields {
  Type?: unknown;
  Action?: unknown;
  Actor?: { ID?: unknown; Attributes?: Record<string, unknown> };
  id?: unknown;
  time?: unknown;
  timeNano?: unknown;
  falco?: unknown;
}

export type EventType = "container" | "collector" | "other";

export interface ParsedEvent {
  /** The line without its newline and surrounding whitespace: the daemon's bytes. */
  bytes: Buffer;
  /** The record time: what the extractor gives docker.time (contracts/ring.md, record `ts`). */
  ts: bigint;
  /** docker.type, as far as the collector cares ("other" too when the extractor refuses the event). */
  type: EventType;
  /** docker.action (decoded) when type is "container", else null. */
  action: string | null;
  /** docker.actor.id and docker.exec.id, read only for the container events the enrichment looks at (destroy, create, start, exec_*). */
  actorId: string | null;
  execId: string | null;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Trims whitespace (and a CR) around one NDJSON line. */
export function trimLine(line: Buffer): Buffer {
  let s = 0;
  let e = line.length;
  while (s < e && isWs(line[s] as number)) s++;
  while (e > s && isWs(line[e - 1] as number)) e--;
  return s === 0 && e === line.length ? line : line.subarray(s, e);
}

/**
 * Parses Docker event lines. Returns null when a line is not an event: not a JSON object in
 * valid UTF-8, or without a record time (assembly/ABI.md "The collector's entry"). An object the
 * extractor refuses (a known key of the wrong type, nesting deeper than 64) is an event of type
 * "other": it is published, and in Falco the rule Docker Event Not Parsed reports it.
 */
/** The container actions whose ids (Actor.ID, execID) the parse reads: those any engine's enrichment needs (Docker: destroy, Podman: remove, exec). */
export function readsIds(action: string): boolean {
  return action === "destroy" || action === "remove" || actionNeedsInspect(action, DOCKER) || actionNeedsInspect(action, PODMAN);
}

export class EventParser {
  private readonly scanner = lineScanner();

  parse(line: Buffer): ParsedEvent | null {
    const bytes = trimLine(line);
    const sc = this.scanner;
    const ts = sc.scan(bytes);
    if (ts === null) return null;
    const cls = sc.typeClass();
    let type: EventType = "other";
    let action: string | null = null;
    let actorId: string | null = null;
    let execId: string | null = null;
    if (cls === TypeClass.CONTAINER) {
      type = "container";
      action = sc.action();
      if (action !== null && readsIds(action)) {
        actorId = sc.actorId();
        if (action.startsWith("exec_")) execId = sc.execId();
      }
    } else if (cls === TypeClass.COLLECTOR) {
      type = "collector";
    }
    return { bytes, ts, type, action, actorId, execId };
  }
}

/** What the enrichment needs of an event (Type, Action, Actor.ID, Actor.Attributes.execID), as read by parse. */
export function eventFields(ev: ParsedEvent): DockerEventFields {
  const f: DockerEventFields = { Type: ev.type, Action: ev.action ?? undefined };
  if (ev.actorId !== null || ev.execId !== null) {
    f.Actor = {};
    if (ev.actorId !== null) f.Actor.ID = ev.actorId;
    if (ev.execId !== null) f.Actor.Attributes = { execID: ev.execId };
  }
  return f;
}

const shared = new EventParser();

/** EventParser.parse with a module-wide parser (synchronous, so never reentered). */
export function parseEvent(line: Buffer): ParsedEvent | null {
  return shared.parse(line);
}

/** True when the trimmed object `bytes` has no key (`{}` or `{ }`). */
function emptyObject(bytes: Buffer): boolean {
  let k = bytes.length - 2;
  while (k >= 0 && isWs(bytes[k] as number)) k--;
  return k >= 0 && bytes[k] === 0x7b;
}

/**
 * What replaces the final `}` of the daemon's bytes to add the falco key: `,"falco":<json>}`.
 * The payload is then body[0, length - 1) + tail: the daemon's bytes are never copied or changed.
 */
export function falcoTail(body: Buffer, falcoJson: string, cached: Buffer | null = null): Buffer {
  if (emptyObject(body)) return Buffer.from(`"falco":${falcoJson}}`, "utf8");
  return cached ?? Buffer.from(`,"falco":${falcoJson}}`, "utf8");
}

/** The daemon's bytes with `,"falco":<json>` inserted before the final `}` (one buffer). */
export function appendFalco(bytes: Buffer, falcoJson: string): Buffer {
  return Buffer.concat([bytes.subarray(0, bytes.length - 1), falcoTail(bytes, falcoJson)]);
}
