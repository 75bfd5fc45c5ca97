// Reference extractor in plain JavaScript, written from the specification (assembly/ABI.md
// "Parsing rules" and the field descriptions), independently of the AssemblyScript code.
// It leans on JSON.parse for what well-formed JSON is and what a string decodes to, and on
// BigInt for exact numbers; it only walks the (already validated) text to keep every
// member of an object in order, duplicates included, and number tokens as raw text.

export const ERR = { SYNTAX: -1, NOT_OBJECT: -2, TOO_LARGE: -3, UTF8: -4, TYPE: -5 } as const;

const MAX_EVENT = 4 << 20;
const MAX_STRING = 64 << 10;
const MAX_DEPTH = 64;
const MAX_ATTRS = 1024;
const MAX_LIST = 1024;

type Node =
  | { k: "obj"; members: Array<[string, Node, boolean]> }      // key, value, key over MAX_STRING
  | { k: "arr"; items: Node[] }
  | { k: "str"; v: string; big: boolean }                      // big: over MAX_STRING encoded bytes
  | { k: "num"; raw: string }
  | { k: "bool"; v: boolean }
  | { k: "null" };

const utf8 = new TextEncoder();
/** A string as it comes out of UTF-8 (lone surrogates become U+FFFD), as the module sees keys. */
export const norm = (v: string): string => new TextDecoder().decode(utf8.encode(v));

/** Tree of a text JSON.parse accepted; marks strings over MAX_STRING encoded bytes. */
class Walker {
  i = 0;
  big = false;                                                 // the last str() was over MAX_STRING
  constructor(private readonly t: string) {}
  ws(): void {
    while (this.i < this.t.length && " \t\n\r".includes(this.t[this.i] as string)) this.i++;
  }
  str(): string {
    const m = /"(?:[^"\\]|\\.)*"/y;
    m.lastIndex = this.i;
    const r = m.exec(this.t);
    if (!r) throw new Error("walker: string");
    this.i = m.lastIndex;
    this.big = utf8.encode(r[0]).length - 2 > MAX_STRING;
    return JSON.parse(r[0]) as string;
  }
  value(): Node {
    this.ws();
    const c = this.t[this.i];
    if (c === "{") {
      this.i++;
      const members: Array<[string, Node, boolean]> = [];
      this.ws();
      if (this.t[this.i] === "}") { this.i++; return { k: "obj", members }; }
      for (;;) {
        this.ws();
        const key = this.str();
        const keyBig = this.big;
        this.ws();
        this.i++; // ':'
        members.push([key, this.value(), keyBig]);
        this.ws();
        if (this.t[this.i++] === "}") return { k: "obj", members };
      }
    }
    if (c === "[") {
      this.i++;
      const items: Node[] = [];
      this.ws();
      if (this.t[this.i] === "]") { this.i++; return { k: "arr", items }; }
      for (;;) {
        items.push(this.value());
        this.ws();
        if (this.t[this.i++] === "]") return { k: "arr", items };
      }
    }
    if (c === '"') { const v = this.str(); return { k: "str", v, big: this.big }; }
    if (this.t.startsWith("true", this.i)) { this.i += 4; return { k: "bool", v: true }; }
    if (this.t.startsWith("false", this.i)) { this.i += 5; return { k: "bool", v: false }; }
    if (this.t.startsWith("null", this.i)) { this.i += 4; return { k: "null" }; }
    const m = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.t);
    if (!r) throw new Error("walker: number");
    this.i = m.lastIndex;
    return { k: "num", raw: r[0] };
  }
}

/** Deepest nesting of a valid JSON text (top-level container = 1), without recursion. */
function maxDepth(t: string): number {
  let d = 0, max = 0, inStr = false;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (inStr) {
      if (c === "\\") i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === "{" || c === "[") { d++; if (d > max) max = d; }
    else if (c === "}" || c === "]") d--;
  }
  return max;
}

/** A string over MAX_STRING encoded bytes: present, but it has no value (v: its decoded text). */
export class Big {
  constructor(readonly v: string) {}
}
type Str = string | Big;

/** Decoded, type-checked event: only what the fields read. */
export interface RefEvent {
  Type?: Str; Action?: Str; scope?: Str; status?: Str; id?: Str; from?: Str;
  time?: string; timeNano?: string;                 // number tokens, raw
  HealthStatus?: Str;                               // Podman's health_status events
  actorId?: Str;
  attrs: Map<string, Str | null>;                   // null: present with a null value
  falco: {
    endpoint?: Str; engine?: Str;
    privileged?: boolean; readonlyRootfs?: boolean; user?: Str; networkMode?: Str; pidMode?: Str;
    ipcMode?: Str; imageId?: Str; capAdd: Str[];
    mounts: Array<{ type?: Str; source?: Str; destination?: Str; mode?: Str; rw?: boolean }>;
    tty?: boolean; execUser?: Str; execPrivileged?: boolean; healthcheck?: boolean; execCmdline?: Str;
    truncated?: boolean; truncatedBytes?: string;       // falco.truncated present, its "bytes" token
  };
}

type Kind = "str" | "num" | "bool";

class Checker {
  type = false;
  scalar(n: Node, want: Kind): Str | boolean | undefined {
    if (n.k === "null") return undefined;
    if (n.k !== want) { this.type = true; return undefined; }
    if (n.k === "str") return n.big ? new Big(n.v) : n.v;
    if (n.k === "num") return n.raw;
    if (n.k === "bool") return n.v;
    return undefined;
  }
  obj(n: Node): Array<[string, Node, boolean]> | undefined {
    if (n.k === "null") return undefined;
    if (n.k !== "obj") { this.type = true; return undefined; }
    return n.members;
  }
  arr(n: Node): Node[] | undefined {
    if (n.k === "null") return undefined;
    if (n.k !== "arr") { this.type = true; return undefined; }
    return n.items;
  }
}

/**
 * The collector's entry (ABI.md "The collector's entry", dkr_scan's summary): whether the bytes
 * are a JSON object in UTF-8 (at any depth and size), and its record time: the last top-level
 * timeNano that is not null decides (a number: floor of it; anything else: no time), else the
 * last top-level time (a number: floor of it x 10^9). undefined: no time (the line is not published).
 */
export function refRecordTime(bytes: Uint8Array): bigint | undefined {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!/^[ \t\n\r]*\{/.test(text)) return undefined;
  const root = new Walker(text).value();
  if (root.k !== "obj") return undefined;
  let tn: Node | undefined;
  let t: Node | undefined;
  for (const [key, val] of root.members) {
    if (key === "timeNano") tn = val.k === "null" ? undefined : val;
    else if (key === "time") t = val.k === "null" ? undefined : val;
  }
  if (tn !== undefined) return tn.k === "num" ? numberTimes(tn.raw, 0) : undefined;
  return t?.k === "num" ? numberTimes(t.raw, 9) : undefined;
}

/** Parses like dkr_parse: the event, or a negative error code. */
export function refParse(bytes: Uint8Array): RefEvent | number {
  if (bytes.length > MAX_EVENT) return ERR.TOO_LARGE;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return ERR.UTF8;
  }
  try {
    JSON.parse(text);
  } catch {
    return ERR.SYNTAX;
  }
  if (text.trimStart()[0] !== "{" || !/^[ \t\n\r]*\{/.test(text)) return ERR.NOT_OBJECT;
  // The only structural limits; sizes and counts of user content degrade per value below.
  if (maxDepth(text) > MAX_DEPTH) return ERR.TOO_LARGE;
  const w = new Walker(text);
  const root = w.value();
  if (root.k !== "obj") return ERR.NOT_OBJECT;
  const ck = new Checker();
  const ev: RefEvent = { attrs: new Map(), falco: { capAdd: [], mounts: [] } };
  const S = (n: Node): Str | undefined => ck.scalar(n, "str") as Str | undefined;
  const B = (n: Node): boolean | undefined => ck.scalar(n, "bool") as boolean | undefined;
  for (const [key, val] of root.members) {
    switch (key) {
      case "Type": ev.Type = S(val); break;
      case "Action": ev.Action = S(val); break;
      case "scope": ev.scope = S(val); break;
      case "status": ev.status = S(val); break;
      case "id": ev.id = S(val); break;
      case "from": ev.from = S(val); break;
      case "time": ev.time = ck.scalar(val, "num") as string | undefined; break;
      case "timeNano": ev.timeNano = ck.scalar(val, "num") as string | undefined; break;
      case "HealthStatus": ev.HealthStatus = S(val); break;
      case "Actor": {
        ev.actorId = undefined;
        ev.attrs = new Map();
        for (const [ak, av] of ck.obj(val) ?? []) {
          if (ak === "ID") ev.actorId = S(av);
          else if (ak === "Attributes") {
            ev.attrs = new Map();
            const members = ck.obj(av) ?? [];
            // Every member is type-checked; only the first MAX_ATTRS are kept.
            members.forEach(([k, v, keyBig], i) => {
              if (v.k !== "str" && v.k !== "null") { ck.type = true; return; }
              if (i >= MAX_ATTRS) return;
              if (keyBig) ev.attrs.set(norm(k), new Big(""));
              else if (v.k === "str") ev.attrs.set(norm(k), v.big ? new Big(v.v) : v.v);
              else ev.attrs.set(norm(k), null);
            });
          }
        }
        break;
      }
      case "falco": {
        const f: RefEvent["falco"] = { capAdd: [], mounts: [] };
        for (const [fk, fv] of ck.obj(val) ?? []) {
          if (fk === "endpoint") f.endpoint = S(fv);
          else if (fk === "engine") f.engine = S(fv);
          else if (fk === "container") {
            f.privileged = f.readonlyRootfs = f.user = f.networkMode = f.pidMode = f.ipcMode = f.imageId = undefined;
            f.capAdd = [];
            f.mounts = [];
            for (const [ck2, cv] of ck.obj(fv) ?? []) {
              switch (ck2) {
                case "privileged": f.privileged = B(cv); break;
                case "readonlyRootfs": f.readonlyRootfs = B(cv); break;
                case "user": f.user = S(cv); break;
                case "networkMode": f.networkMode = S(cv); break;
                case "pidMode": f.pidMode = S(cv); break;
                case "ipcMode": f.ipcMode = S(cv); break;
                case "imageId": f.imageId = S(cv); break;
                case "capAdd": {
                  const items = ck.arr(cv) ?? [];
                  f.capAdd = [];
                  items.forEach((it, i) => {
                    if (it.k !== "str") { ck.type = true; return; }
                    if (i < MAX_LIST) f.capAdd.push(it.big ? new Big(it.v) : it.v);
                  });
                  break;
                }
                case "mounts": {
                  const items = ck.arr(cv) ?? [];
                  f.mounts = [];
                  for (const [i, it] of items.entries()) {
                    if (it.k !== "obj") { ck.type = true; continue; }
                    const m: RefEvent["falco"]["mounts"][number] = {};
                    for (const [mk, mv] of it.members) {
                      if (mk === "type") m.type = S(mv);
                      else if (mk === "source") m.source = S(mv);
                      else if (mk === "destination") m.destination = S(mv);
                      else if (mk === "mode") m.mode = S(mv);
                      else if (mk === "rw") m.rw = B(mv);
                    }
                    if (i < MAX_LIST) f.mounts.push(m);
                  }
                  break;
                }
              }
            }
          } else if (fk === "truncated") {
            f.truncated = f.truncatedBytes = undefined;
            const members = ck.obj(fv);
            if (members !== undefined) {
              f.truncated = true;
              for (const [tk, tv] of members) if (tk === "bytes") f.truncatedBytes = ck.scalar(tv, "num") as string | undefined;
            }
          } else if (fk === "exec") {
            f.tty = f.execUser = f.execPrivileged = f.healthcheck = f.execCmdline = undefined;
            for (const [ek, evv] of ck.obj(fv) ?? []) {
              if (ek === "tty") f.tty = B(evv);
              else if (ek === "user") f.execUser = S(evv);
              else if (ek === "privileged") f.execPrivileged = B(evv);
              else if (ek === "healthcheck") f.healthcheck = B(evv);
              else if (ek === "cmdline") f.execCmdline = S(evv);
            }
          }
        }
        ev.falco = f;
        break;
      }
    }
  }
  if (ck.type) return ERR.TYPE;
  return ev;
}

// ---- values ------------------------------------------------------------------------------

/**
 * A string value as the module outputs it (ABI.md "Control characters"): C0 controls and DEL
 * escaped as \t \n \r or \xHH (lower-case hex), nothing else changed (a backslash stays).
 */
export function escapeControls(v: string): string {
  return v.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === "\t" ? "\\t" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/**
 * Round-trips through UTF-8 as the module's output does (lone surrogates become U+FFFD), controls
 * escaped; no value for a Big string.
 */
function s(v: Str | undefined | null): string[] {
  if (v === undefined || v === null || v instanceof Big) return [];
  return [escapeControls(norm(v))];
}

const U64_MAX = (1n << 64n) - 1n;

/** floor(number * 10^scale) of a JSON number token, exact; undefined if negative or over u64. */
function numberTimes(raw: string, scale: number): bigint | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(raw);
  if (!m) return undefined;
  const neg = m[1] === "-";
  const digits = (m[2] ?? "") + (m[3] ?? "");
  const expText = m[4] ?? "0";
  // Exponents this far out only decide between 0 and overflow.
  let exp = Math.abs(Number(expText)) > 1e6 ? (expText.startsWith("-") ? -1e6 : 1e6) : Number(expText);
  exp = exp + scale - (m[3]?.length ?? 0);
  const d = BigInt(digits);
  if (d === 0n) return 0n;
  let v: bigint;
  if (exp >= 0) {
    if (exp > 40) return undefined;
    v = d * 10n ** BigInt(exp);
  } else {
    if (-exp > digits.length) v = 0n;
    else v = d / 10n ** BigInt(-exp);
  }
  if (neg) return v === 0n ? (digits.replace(/^0+/, "") === "" ? 0n : undefined) : undefined;
  return v > U64_MAX ? undefined : v;
}

/** Unsigned decimal text (optionally with a fraction when allowed) times 10^scale, truncated. */
function decimalTimes(text: string | null | undefined, scale: number, fraction: boolean): bigint | undefined {
  if (text === undefined || text === null) return undefined;
  const m = (fraction ? /^(\d+)(?:\.(\d+))?$/ : /^(\d+)$/).exec(text);
  if (!m) return undefined;
  const frac = (m[2] ?? "").slice(0, scale).padEnd(scale, "0");
  const v = BigInt(m[1] as string) * 10n ** BigInt(scale) + (frac === "" ? 0n : BigInt(frac));
  // The integer part alone must fit too (the module accumulates digit by digit).
  return v > U64_MAX ? undefined : v;
}

const u = (v: bigint | undefined): string[] => (v === undefined ? [] : [v.toString()]);
const b = (v: boolean | undefined): boolean[] => (v === undefined ? [] : [v]);

export type RefValue = string | boolean;

/** Values of one field for a parsed event ([] = no value); null for an unknown field name. */
export function refExtract(ev: RefEvent, field: string, arg: string | null): RefValue[] | null {
  // An attribute over the string limit reads as absent for every field.
  const a = (k: string): string | undefined => {
    const v = ev.attrs.get(k);
    return typeof v === "string" ? v : undefined;
  };
  // An Action over the string limit keeps only its name (when that is within the limit).
  const actionBig = ev.Action instanceof Big;
  const action = ev.Action instanceof Big ? ev.Action.v : ev.Action;
  const sep = action === undefined ? -1 : action.indexOf(": ");
  let actionName = action === undefined ? undefined : sep < 0 ? action : action.slice(0, sep);
  if (actionName !== undefined && utf8.encode(actionName).length > MAX_STRING) actionName = undefined;
  const suffix = action !== undefined && sep >= 0 && !actionBig ? action.slice(sep + 2) : undefined;
  const t = ev.Type;
  const isC = t === "container";
  const f = ev.falco;
  // Podman (falco.engine "podman"): Docker's names for the same facts (README "Engines").
  const podman = f.engine === "podman";
  const PODMAN_ACTIONS: Record<string, Record<string, string>> = {
    container: { exec: "exec_start", exec_died: "exec_die", remove: "destroy" },
    network: { remove: "destroy" },
    volume: { remove: "destroy" },
    image: { remove: "delete", loadfromarchive: "load" },
  };
  const rawName = actionName;
  if (podman && typeof t === "string" && actionName !== undefined) actionName = PODMAN_ACTIONS[t]?.[actionName] ?? actionName;
  // The exec command line: the action's argument; Podman's exec carries none: the collector's.
  const execLine = rawName === "exec_create" || rawName === "exec_start" ? suffix
    : podman && isC && rawName === "exec" && !actionBig ? f.execCmdline : undefined;
  const podNetContainer = podman && t === "network" && (rawName === "connect" || rawName === "disconnect");
  switch (field) {
    case "docker.status":
      return ev.status !== undefined ? s(ev.status) : isC || t === "image" ? s(ev.Action) : [];
    case "docker.id":
      return ev.id !== undefined ? s(ev.id) : isC || t === "image" ? s(ev.actorId) : [];
    case "docker.from":
      return ev.from !== undefined ? s(ev.from) : isC ? s(a("image")) : [];
    case "docker.type": return s(t);
    case "docker.action": return s(ev.Action);
    case "docker.scope": return s(ev.scope);
    case "docker.actor.id": return s(ev.actorId);
    case "docker.stack.namespace": return s(a("com.docker.stack.namespace"));
    case "docker.node.id": return s(a("com.docker.swarm.node.id"));
    case "docker.swarm.task": return s(a("com.docker.swarm.task"));
    case "docker.swarm.taskid": return s(a("com.docker.swarm.task.id"));
    case "docker.swarm.taskname": return s(a("com.docker.swarm.task.name"));
    case "docker.swarm.servicename": return s(a("com.docker.swarm.service.name"));
    case "docker.node.statenew": return s(a("state.new"));
    case "docker.node.stateold": return s(a("state.old"));
    case "docker.attributes.container": return s(a("container"));
    case "docker.attributes.image": return s(a("image"));
    case "docker.attributes.name": return s(a("name"));
    case "docker.attributes.type": return s(a("type"));
    case "docker.attributes.exitcode": return s(a("exitCode"));
    case "docker.attributes.signal": return s(a("signal"));
    case "docker.attributes": return arg === null ? [] : s(a(norm(arg)));
    case "docker.time":
      if (ev.timeNano !== undefined) return u(numberTimes(ev.timeNano, 0));
      return ev.time !== undefined ? u(numberTimes(ev.time, 9)) : [];
    case "docker.action.name": return s(actionName);
    case "docker.exec.cmdline": return s(execLine);
    case "docker.exec.healthcheck": return b(f.healthcheck);
    case "docker.health.status":
      if (rawName !== "health_status" || actionBig) return [];
      return suffix !== undefined ? s(suffix) : podman ? s(ev.HealthStatus) : [];
    case "docker.exec.exe":
    case "docker.exec.args": {
      if (execLine === undefined || execLine instanceof Big) return [];
      // Docker writes the exec's argv joined with single spaces: program word, one space, the rest.
      const m = /^ *([^ ]+)(?: ([^]*))?$/.exec(execLine);
      if (!m) return [];
      const word = m[1] as string;
      return field === "docker.exec.exe" ? s(word.slice(word.lastIndexOf("/") + 1)) : s(m[2] ?? "");
    }
    case "docker.exitcode":
      if (ev.attrs.has("exitCode")) return u(decimalTimes(a("exitCode"), 0, false));
      return podman && isC && rawName === "exec_died" ? u(decimalTimes(a("containerExitCode"), 0, false)) : [];
    case "docker.exec.duration": return u(decimalTimes(a("execDuration"), 9, true));
    case "docker.exec.id": return s(a("execID"));
    case "docker.container.id":
      return isC || podNetContainer ? s(ev.actorId) : t === "network" || t === "volume" ? s(a("container")) : [];
    case "docker.container.name": return isC ? s(a("name")) : [];
    case "docker.container.image": return isC ? s(a("image")) : [];
    case "docker.container.oldname": {
      const o = a("oldName");
      return o === undefined ? [] : s(o.startsWith("/") ? o.slice(1) : o);
    }
    case "docker.network.id": return t === "network" && !podNetContainer ? s(ev.actorId) : [];
    case "docker.network.name": return t === "network" ? s(a(podman ? "network" : "name")) : [];
    case "docker.network.type": return t === "network" ? s(a(podman ? "driver" : "type")) : [];
    case "docker.volume.name": return t === "volume" ? (podman ? s(a("name")) : s(ev.actorId)) : [];
    case "docker.volume.driver": return t === "volume" ? s(a("driver")) : [];
    case "docker.volume.destination": return t === "volume" ? s(a("destination")) : [];
    case "docker.volume.rw": {
      const v = t === "volume" ? a("read/write") : undefined;
      return v === "true" ? [true] : v === "false" ? [false] : [];
    }
    case "docker.image.name": return t === "image" ? s(a("name")) : [];
    case "docker.endpoint":
      return f.endpoint !== undefined ? s(f.endpoint) : t === "collector" ? s(a("endpoint")) : [];
    case "docker.container.privileged": return b(f.privileged);
    case "docker.container.readonly_rootfs": return b(f.readonlyRootfs);
    case "docker.container.cap_add": return f.capAdd.flatMap((c) => s(c));
    case "docker.container.mounts":
      return f.mounts.flatMap((m) => m.source instanceof Big || m.destination instanceof Big ? [] : s(`${m.source ?? ""}:${m.destination ?? ""}:${m.rw === false ? "ro" : "rw"}`));
    case "docker.container.mount.source": return f.mounts.flatMap((m) => s(m.source));
    case "docker.container.mount.destination": return f.mounts.flatMap((m) => s(m.destination));
    case "docker.container.mount.mode": return f.mounts.flatMap((m) => s(m.mode));
    case "docker.container.mount.type": return f.mounts.flatMap((m) => s(m.type));
    case "docker.container.network_mode": return s(f.networkMode);
    case "docker.container.pid_mode": return s(f.pidMode);
    case "docker.container.ipc_mode": return s(f.ipcMode);
    case "docker.container.user": return s(f.user);
    case "docker.container.image_id": return s(f.imageId);
    case "docker.exec.tty": return b(f.tty);
    case "docker.exec.user": return s(f.execUser);
    case "docker.exec.privileged": return b(f.execPrivileged);
    case "docker.collector.gap": return t === "collector" ? u(decimalTimes(a("gapNs"), 0, false)) : [];
    case "docker.collector.dropped": return t === "collector" ? u(decimalTimes(a("dropped"), 0, false)) : [];
    case "docker.collector.dropped_at_least": return t === "collector" ? u(decimalTimes(a("droppedAtLeast"), 0, false)) : [];
    case "docker.collector.reason": return t === "collector" ? s(a("reason")) : [];
    case "docker.event.truncated": return [f.truncated === true];
    case "docker.event.original_size":
      return f.truncated === true && f.truncatedBytes !== undefined ? u(numberTimes(f.truncatedBytes, 0)) : [];
    case "docker.engine": return s(f.engine);
    default: return null;
  }
}
