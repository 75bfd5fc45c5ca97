// The parsed-event model: where the values the fields need sit in the payload.
//
// A "slot" (12 bytes) describes one JSON value: u32 ptr, i32 len, i32 tag. For strings,
// ptr/len are the encoded bytes between the quotes (tag STR when they hold no escape, so
// they are the value itself; STRESC when they must be decoded). For numbers, the token
// text. A key that is absent, or whose value is null, has tag ABSENT. A string over
// MAX_STRING encoded bytes has tag BIG (ptr/len still locate it): it is present but has no
// value ("degrade, don't fail": the rest of the event is extracted). A known scalar key whose
// value is an object or an array has tag WRONG (a type error: only the collector's entry reads
// the slots of an event that failed, for its time). Duplicate keys: the last one wins, as in
// JSON.parse.

import { MAX_ATTRS, MAX_LIST } from "./limits";

export const ABSENT: i32 = 0;
export const STR: i32 = 1;
export const STRESC: i32 = 2;
export const NUM: i32 = 3;
export const TRUE: i32 = 4;
export const FALSE: i32 = 5;
export const BIG: i32 = 6;
export const WRONG: i32 = 7;

export const SLOT: i32 = 12;

// Top-level and nested scalar slots.
export const S_TYPE: i32 = 0;
export const S_ACTION: i32 = 1;
export const S_SCOPE: i32 = 2;
export const S_STATUS: i32 = 3;
export const S_ID: i32 = 4;
export const S_FROM: i32 = 5;
export const S_TIME: i32 = 6;
export const S_TIMENANO: i32 = 7;
export const S_ACTOR_ID: i32 = 8;
export const S_ENDPOINT: i32 = 9;          // falco.endpoint
export const S_C_PRIVILEGED: i32 = 10;     // falco.container.*
export const S_C_READONLY: i32 = 11;
export const S_C_USER: i32 = 12;
export const S_C_NETMODE: i32 = 13;
export const S_C_PIDMODE: i32 = 14;
export const S_C_IPCMODE: i32 = 15;
export const S_C_IMAGEID: i32 = 16;
export const S_E_TTY: i32 = 17;            // falco.exec.*
export const S_E_USER: i32 = 18;
export const S_E_PRIVILEGED: i32 = 19;
export const S_E_HEALTHCHECK: i32 = 20;
export const S_E_CMDLINE: i32 = 21;        // falco.exec.cmdline (Podman's exec events)
export const S_ENGINE: i32 = 22;           // falco.engine
export const S_HEALTHSTATUS: i32 = 23;     // top-level HealthStatus (Podman's health_status events)
export const NSLOTS: i32 = 24;

// NSLOTS * SLOT = 288 bytes, a multiple of 16 so that clearAllSlots clears it in 16-byte
// stores (a slot added past these must grow SLOTS_BYTES and clearAllSlots below).
const SLOTS_BYTES: i32 = 288;
assert(NSLOTS * SLOT <= SLOTS_BYTES, "slot area size");
export const slots: usize = memory.data(SLOTS_BYTES, 16);

// Attributes: entries of { u32 keyPtr, u32 keyLen, slot value } (keys already decoded); only
// the first MAX_ATTRS members are kept. A member whose key or value is over MAX_STRING has a
// BIG value slot.
export const ATTR: i32 = 8 + SLOT;
export const attrs: usize = memory.data(MAX_ATTRS * ATTR, 8);
export let attrCount: i32 = 0;

// falco.container.capAdd: string slots.
export const caps: usize = memory.data(MAX_LIST * SLOT, 8);
export let capCount: i32 = 0;

// falco.container.mounts: per mount 5 slots (type, source, destination, mode, rw).
export const M_TYPE: i32 = 0;
export const M_SOURCE: i32 = 1;
export const M_DESTINATION: i32 = 2;
export const M_MODE: i32 = 3;
export const M_RW: i32 = 4;
export const MOUNT: i32 = 5 * SLOT;
export const mounts: usize = memory.data(MAX_LIST * MOUNT, 8);
export let mountCount: i32 = 0;

// Event type, classified once per parse (from the decoded Type).
export const T_NONE: i32 = 0;       // Type absent
export const T_OTHER: i32 = 1;
export const T_CONTAINER: i32 = 2;
export const T_IMAGE: i32 = 3;
export const T_NETWORK: i32 = 4;
export const T_VOLUME: i32 = 5;
export const T_COLLECTOR: i32 = 6;
export let typeKind: i32 = T_NONE;

// Action split at its first ": " (exec_start: <cmd>, health_status: <status>), computed on
// the decoded Action. nameLen = -1 when Action is absent; suffixPtr = 0 when no ": ".
export let actionPtr: usize = 0;
export let actionLen: i32 = -1;
export let actionNameLen: i32 = -1;
export let actionSuffixPtr: usize = 0;
export let actionSuffixLen: i32 = 0;
/** The Action is over MAX_STRING: only docker.action.name (if within the limit) has a value. */
export let actionBig: bool = false;

// falco.truncated (the collector shrank an oversize event, contracts/ring.md "Oversize events"):
// kept apart from the slots above. TRUNC_PRESENT's tag is TRUE when the object is present;
// TRUNC_BYTES holds its "bytes" number token.
export const truncSlots: usize = memory.data(2 * SLOT, 8);
export const TRUNC_PRESENT: usize = truncSlots;
export const TRUNC_BYTES: usize = truncSlots + <usize>SLOT;
/** Clears the two slots' tags (a slot is read only after its tag; no memory.fill: a call out of the module in wasmtime). */
@inline export function clearTruncated(): void {
  store<i32>(TRUNC_PRESENT, ABSENT, 8);
  store<i32>(TRUNC_BYTES, ABSENT, 8);
}

/** The decoded Type or Action holds a C0 control or DEL: fields read from them are escaped (ABI.md). */
export let parseControl: bool = false;
export function setParseControl(v: bool): void { parseControl = v; }

/**
 * falco.engine is "podman" (decoded): the event came from Podman's Docker-compatible API, whose
 * facts some fields read elsewhere (extract.ts). Set by the parse, once per event.
 */
export let enginePodman: bool = false;
export function setEnginePodman(v: bool): void { enginePodman = v; }

/** True after a successful dkr_parse, false after an error or a new dkr_input. */
export let parsed: bool = false;

export function setParsed(v: bool): void { parsed = v; }
export function setAttrCount(n: i32): void { attrCount = n; }
export function setCapCount(n: i32): void { capCount = n; }
export function setMountCount(n: i32): void { mountCount = n; }
export function setTypeKind(k: i32): void { typeKind = k; }
export function setAction(p: usize, len: i32, nameLen: i32, sufPtr: usize, sufLen: i32, big: bool): void {
  actionBig = big;
  actionPtr = p; actionLen = len; actionNameLen = nameLen; actionSuffixPtr = sufPtr; actionSuffixLen = sufLen;
}

@inline export function slotAt(i: i32): usize { return slots + <usize>(i * SLOT); }
@inline export function slotPtr(s: usize): usize { return <usize>load<u32>(s); }
@inline export function slotLen(s: usize): i32 { return load<i32>(s, 4); }
@inline export function slotTag(s: usize): i32 { return load<i32>(s, 8); }
@inline export function setSlot(s: usize, p: usize, len: i32, tag: i32): void {
  store<u32>(s, <u32>p);
  store<i32>(s, len, 4);
  store<i32>(s, tag, 8);
}

/** Clears the slots in [from, to) (their tags: a slot is read only after its tag). */
@inline export function clearSlots(from: i32, to: i32): void {
  for (let i = from; i < to; i++) store<i32>(slots + <usize>(i * SLOT), ABSENT, 8);
}

/** Clears every slot (no memory.fill: it is a call out of the module in wasmtime). */
export function clearAllSlots(): void {
  const z = i8x16.splat(0);
  v128.store(slots, z, 0); v128.store(slots, z, 16); v128.store(slots, z, 32); v128.store(slots, z, 48);
  v128.store(slots, z, 64); v128.store(slots, z, 80); v128.store(slots, z, 96); v128.store(slots, z, 112);
  v128.store(slots, z, 128); v128.store(slots, z, 144); v128.store(slots, z, 160); v128.store(slots, z, 176);
  v128.store(slots, z, 192); v128.store(slots, z, 208); v128.store(slots, z, 224); v128.store(slots, z, 240);
  v128.store(slots, z, 256); v128.store(slots, z, 272);
}

/**
 * True if the n bytes at a and at b are equal, compared 8 at a time: both are followed by at
 * least 8 readable bytes (keys in the payload or the arena, arguments in their buffers).
 */
@inline function bytesEqual(a: usize, b: usize, n: i32): bool {
  const end = <usize>n;
  if (end < 8) return ((load<u64>(a) ^ load<u64>(b)) & ((<u64>1 << (<u64>end << 3)) - 1)) == 0;
  return bytesEqualLong(a, b, end);   // keys of 8 bytes or more (a loop: an epoch check a turn under wasmtime)
}
function bytesEqualLong(a: usize, b: usize, end: usize): bool {
  let i: usize = 0;
  for (; i + 8 <= end; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
  if (i == end) return true;
  const m: u64 = (<u64>1 << (<u64>(end - i) << 3)) - 1;
  return ((load<u64>(a + i) ^ load<u64>(b + i)) & m) == 0;
}

/** The value slot of the last attribute whose decoded key equals the len bytes at k, or 0. */
export function findAttr(k: usize, len: i32): usize {
  // From the last, two entries a loop turn (each turn is an epoch check under wasmtime).
  let i = attrCount - 1;
  for (; i >= 1; i -= 2) {
    const e = attrs + <usize>(i * ATTR);
    if (load<i32>(e, 4) == len && bytesEqual(<usize>load<u32>(e), k, len)) return e + 8;
    const f = e - <usize>ATTR;
    if (load<i32>(f, 4) == len && bytesEqual(<usize>load<u32>(f), k, len)) return f + 8;
  }
  if (i == 0 && load<i32>(attrs, 4) == len && bytesEqual(<usize>load<u32>(attrs), k, len)) return attrs + 8;
  return 0;
}
