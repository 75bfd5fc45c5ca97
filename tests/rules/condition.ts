// A small evaluator for the part of Falco's condition language the docker rules use:
// and / or / not, parentheses, macros, lists, the operators = != in intersects exists
// startswith endswith contains glob regex (a whole-value match, as Falco's RE2 FullMatch), and fields
// with a [key] argument. It lets the tests run
// every rule of rules/docker_rules.yaml on recorded events through the real extractor.
// It is deliberately strict: anything it does not understand is an error, not a non-match.

export type Value = string | bigint | boolean;
/** Values of a field on one event; [] = no value. */
export type FieldReader = (field: string, arg: string | null) => Value[];

export interface FieldRef { field: string; arg: string | null }

type Node =
  | { k: "and" | "or"; a: Node; b: Node }
  | { k: "not"; a: Node }
  | { k: "cmp"; ref: FieldRef; op: string; values: string[] };

const UNARY = new Set(["exists"]);
const LIST_OPS = new Set(["in", "intersects", "pmatch"]);
const BIN_OPS = new Set(["=", "==", "!=", "<", "<=", ">", ">=", "startswith", "endswith", "contains", "icontains", "glob", "regex"]);

function tokenize(src: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === "(" || c === ")" || c === ",") { out.push(c); i++; continue; }
    if (c === '"' || c === "'") {
      let j = i + 1; let s = "";
      while (j < src.length && src[j] !== c) { if (src[j] === "\\") j++; s += src[j]; j++; }
      if (j >= src.length) throw new Error(`unterminated string in: ${src}`);
      out.push(`"${s}`); i = j + 1; continue;
    }
    const m = /^(==|!=|<=|>=|=|<|>)/.exec(src.slice(i));
    if (m) { out.push(m[1]!); i += m[1]!.length; continue; }
    let j = i;
    while (j < src.length && !/[\s(),=!<>]/.test(src[j]!)) {
      if (src[j] === "[") { while (j < src.length && src[j] !== "]") j++; }
      j++;
    }
    out.push(src.slice(i, j)); i = j;
  }
  return out;
}

export interface RuleSet {
  lists: Map<string, string[]>;
  macros: Map<string, string>;
}

function parseFieldRef(tok: string): FieldRef {
  const m = /^([a-zA-Z][a-zA-Z0-9_]*(?:\.[a-zA-Z][a-zA-Z0-9_-]*)+)(?:\[(.*)\])?$/.exec(tok);
  if (!m) throw new Error(`not a field: ${tok}`);
  return { field: m[1]!, arg: m[2] ?? null };
}

export function parseCondition(src: string, rs: RuleSet, depth = 0): Node {
  if (depth > 20) throw new Error("macro recursion");
  const t = tokenize(src);
  let p = 0;
  const peek = (): string | undefined => t[p];
  const next = (): string => { const v = t[p++]; if (v === undefined) throw new Error(`unexpected end of: ${src}`); return v; };

  const values = (): string[] => {
    if (next() !== "(") throw new Error(`expected ( in: ${src}`);
    const vals: string[] = [];
    while (peek() !== ")") {
      const v = next();
      if (v === ",") continue;
      if (v.startsWith('"')) vals.push(v.slice(1));
      else if (rs.lists.has(v)) vals.push(...rs.lists.get(v)!);
      else vals.push(v);
    }
    next();
    return vals;
  };

  const primary = (): Node => {
    const tok = next();
    if (tok === "not") return { k: "not", a: primary() };
    if (tok === "(") { const n = orExpr(); if (next() !== ")") throw new Error(`expected ) in: ${src}`); return n; }
    if (rs.macros.has(tok)) return parseCondition(rs.macros.get(tok)!, rs, depth + 1);
    const ref = parseFieldRef(tok);
    const op = next();
    if (UNARY.has(op)) return { k: "cmp", ref, op, values: [] };
    if (LIST_OPS.has(op)) return { k: "cmp", ref, op, values: values() };
    if (BIN_OPS.has(op)) { const v = next(); return { k: "cmp", ref, op, values: [v.startsWith('"') ? v.slice(1) : v] }; }
    throw new Error(`unknown operator ${op} in: ${src}`);
  };
  const andExpr = (): Node => { let n = primary(); while (peek() === "and") { p++; n = { k: "and", a: n, b: primary() }; } return n; };
  const orExpr = (): Node => { let n = andExpr(); while (peek() === "or") { p++; n = { k: "or", a: n, b: andExpr() }; } return n; };
  const n = orExpr();
  if (p !== t.length) throw new Error(`trailing tokens in: ${src}`);
  return n;
}

/** Every field (with its argument) a condition reads, macros expanded. */
export function fieldsOf(n: Node, out: FieldRef[] = []): FieldRef[] {
  if (n.k === "cmp") out.push(n.ref);
  else if (n.k === "not") fieldsOf(n.a, out);
  else { fieldsOf(n.a, out); fieldsOf(n.b, out); }
  return out;
}

/** Fields referenced as %field or %field[arg] in an output string. */
export function outputFields(output: string): FieldRef[] {
  return [...output.matchAll(/%([a-zA-Z][a-zA-Z0-9_.]*(?:\[[^\]]*\])?)/g)].map((m) => parseFieldRef(m[1]!));
}

function str(v: Value): string { return typeof v === "boolean" ? String(v) : v.toString(); }

function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp("^" + pattern.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$");
  return re.test(s);
}

export function evaluate(n: Node, read: FieldReader): boolean {
  switch (n.k) {
    case "and": return evaluate(n.a, read) && evaluate(n.b, read);
    case "or": return evaluate(n.a, read) || evaluate(n.b, read);
    case "not": return !evaluate(n.a, read);
    case "cmp": {
      const vals = read(n.ref.field, n.ref.arg).map(str);
      if (n.op === "exists") return vals.length > 0;
      if (vals.length === 0) return false;
      const set = new Set(n.values);
      switch (n.op) {
        case "in": return vals.every((v) => set.has(v));
        case "intersects": return vals.some((v) => set.has(v));
        case "pmatch": return vals.some((v) => n.values.some((pfx) => v === pfx || v.startsWith(pfx.endsWith("/") ? pfx : pfx + "/")));
        case "=": case "==": return vals.length === 1 && vals[0] === n.values[0];
        case "!=": return vals.length === 1 && vals[0] !== n.values[0];
        case "startswith": return vals.some((v) => v.startsWith(n.values[0]!));
        case "endswith": return vals.some((v) => v.endsWith(n.values[0]!));
        case "contains": return vals.some((v) => v.includes(n.values[0]!));
        case "icontains": return vals.some((v) => v.toLowerCase().includes(n.values[0]!.toLowerCase()));
        case "glob": return vals.some((v) => globMatch(n.values[0]!, v));
        case "regex": { const re = new RegExp(`^(?:${n.values[0]!})$`, "s"); return vals.some((v) => re.test(v)); }
        default: {
          const a = BigInt(vals[0]!); const b = BigInt(n.values[0]!);
          if (n.op === "<") return a < b;
          if (n.op === "<=") return a <= b;
          if (n.op === ">") return a > b;
          return a >= b;
        }
      }
    }
  }
}
