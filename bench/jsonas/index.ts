// Benchmark-only extractor variant (not part of the plugin): the same five fields as the
// scanner benchmark row "copy + parse + 5 fields", but the event is decoded with json-as
// into @json classes. The host hands the module UTF-8 bytes and json-as 1.6.0 parses only
// a (UTF-16) string, so every parse pays String.UTF8.decode first, as a json-as extractor
// would. Results go to a result area laid out like dkr_result's (strings as UTF-8 +
// NUL with {ptr,len}, u64 times), so the work per field matches the real module's.
// Built by bench/jsonas.mjs with npx asc (runtime incremental and stub) into build/bench/.

import { JSON } from "json-as";
import "../../assembly/abort";

@json
class Actor {
  @optional ID: string = "";
  @optional Attributes: Map<string, string> = new Map<string, string>();
}

@json
class Event {
  @optional Type: string = "";
  @optional Action: string = "";
  @optional Actor: Actor = new Actor();
  @optional scope: string = "";
  @optional time: i64 = 0;
  @optional timeNano: i64 = 0;
}

const MAX_VALUES: i32 = 4;
const resultArea: usize = memory.data(MAX_VALUES * 8, 16);
let inBuf: usize = 0;
let inCap: i32 = 0;
let outBuf: usize = 0;
let outCap: i32 = 0;
let ev: Event = new Event();

export function jb_input(len: i32): usize {
  if (len > inCap) {
    if (inBuf != 0) { heap.free(inBuf); heap.free(outBuf); }
    let cap = 64 << 10;
    while (cap < len) cap <<= 1;
    inBuf = heap.alloc(<usize>cap);
    outCap = cap * 3 + 64;                      // UTF-16 -> UTF-8 is at most 3 bytes a unit
    outBuf = heap.alloc(<usize>outCap);
    inCap = cap;
  }
  return inBuf;
}

/** Decodes and parses the len bytes at the input buffer into a new Event. */
export function jb_parse(len: i32): i32 {
  const text = String.UTF8.decodeUnsafe(inBuf, <usize>len, false);
  ev = JSON.parse<Event>(text);
  return 0;
}

/** Same, but json-as deserializes into the previous Event (its `out` reuse). */
export function jb_parse_reuse(len: i32): i32 {
  const text = String.UTF8.decodeUnsafe(inBuf, <usize>len, false);
  ev = JSON.parse<Event>(text, ev);
  return 0;
}

/** UTF-8 decode alone (what any string-based parser pays first); the string is dropped. */
export function jb_decode(len: i32): i32 {
  const text = String.UTF8.decodeUnsafe(inBuf, <usize>len, false);
  return text.length > 0 ? 0 : 1;
}

let outPos: usize = 0;

function pushString(s: string): i32 {
  const d = outPos;
  const n = String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, d, true);
  outPos = d + n;
  store<u32>(resultArea, <u32>d);
  store<u32>(resultArea, <u32>(n - 1), 4);
  return 1;
}

/** 0 docker.type, 1 docker.action, 2 docker.actor.id, 3 docker.attributes.name, 4 docker.time. */
export function jb_extract(id: i32): i32 {
  outPos = outBuf;
  const e = ev;
  switch (id) {
    case 0: return pushString(e.Type);
    case 1: return pushString(e.Action);
    case 2: return pushString(e.Actor.ID);
    case 3: {
      const a = e.Actor.Attributes;
      return a.has("name") ? pushString(a.get("name")) : 0;
    }
    case 4: {
      const t: i64 = e.timeNano != 0 ? e.timeNano : e.time * 1000000000;
      store<u64>(resultArea, <u64>t);
      return 1;
    }
    default: return -11;
  }
}

export function jb_result(): usize {
  return resultArea;
}
