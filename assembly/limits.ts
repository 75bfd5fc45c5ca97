// Interface constants of the guest ABI (assembly/ABI.md) and the module's parse limits.

export const ABI_VERSION: i32 = 2;

// Error codes (ABI.md "Error codes").
export const ERR_SYNTAX: i32 = -1;
export const ERR_NOT_OBJECT: i32 = -2;
export const ERR_TOO_LARGE: i32 = -3;
export const ERR_UTF8: i32 = -4;
export const ERR_TYPE: i32 = -5;
export const ERR_NO_EVENT: i32 = -10;
export const ERR_FIELD: i32 = -11;
export const ERR_ARG: i32 = -12;
export const ERR_NO_ROOM: i32 = -13;

/** Largest payload accepted by dkr_input / dkr_parse (4 MiB). */
export const MAX_EVENT: i32 = 4 << 20;
/** Largest line accepted by dkr_line / dkr_scan, the collector's entry (16 MiB: the collector's longest line, collector/src/lines.ts). */
export const MAX_LINE: i32 = 16 << 20;
/** Most requests of one dkr_parse_extract (the request and answer tables). */
export const MAX_REQUESTS: i32 = 32;
/** Bytes of the argument area after the request table. */
export const REQUEST_ARGS: i32 = 16 << 10;
/** Largest field argument accepted by dkr_arg (64 KiB). */
export const MAX_ARG: i32 = 64 << 10;
/** Largest JSON string (key or value, encoded bytes between the quotes) that has a value; a longer one is present without value (ABI.md). */
export const MAX_STRING: i32 = 64 << 10;
/** Deepest nesting of objects/arrays; the top-level object is depth 1. */
export const MAX_DEPTH: i32 = 64;
/** Most members of Actor.Attributes kept; later ones are validated and skipped. */
export const MAX_ATTRS: i32 = 1024;
/** Most elements of falco.container.capAdd and of falco.container.mounts kept (extras skipped); also the result area size. */
export const MAX_LIST: i32 = 1024;
