/* The extractor module in wasmtime (guest ABI: assembly/ABI.md): loading a module (.cwasm
 * when it matches the engine, else .wasm compiled), one store + instance per plugin state,
 * the guest calls under a memory limit and an epoch deadline, re-creation after a trap. */
#ifndef DKR_GUEST_H
#define DKR_GUEST_H

#include <stddef.h>
#include <stdint.h>
#include <wasmtime.h>

#include "log.h"

#define DKR_GUEST_ABI_VERSION 2
/* The request and answer tables of dkr_parse_extract (ABI.md). */
#define DKR_GUEST_MAX_REQUESTS 32u
#define DKR_GUEST_REQUEST_ARGS (16u << 10)
#define DKR_GUEST_REQUEST_BYTES (DKR_GUEST_MAX_REQUESTS * 12u + DKR_GUEST_REQUEST_ARGS)

/* Guest error codes (ABI.md). */
enum {
	DKR_ERR_SYNTAX = -1,
	DKR_ERR_NOT_OBJECT = -2,
	DKR_ERR_TOO_LARGE = -3,
	DKR_ERR_UTF8 = -4,
	DKR_ERR_TYPE = -5,
	DKR_ERR_NO_EVENT = -10,
	DKR_ERR_FIELD = -11,
	DKR_ERR_ARG = -12,
	DKR_ERR_NO_ROOM = -13,
};

typedef struct dkr_guest_limits {
	uint64_t max_memory_bytes; /* store limiter: linear memory growth cap */
	uint32_t timeout_ms;       /* epoch deadline of one guest call */
} dkr_guest_limits;

typedef struct dkr_guest dkr_guest;

/* The first member of a dkr_guest: its linear memory, for dkr_guest_span. */
typedef struct dkr_guest_view {
	uint8_t *mem;    /* base: fixed for the instance's life (engine.c: memory may not move) */
	size_t mem_size; /* size when last looked at; it never shrinks */
} dkr_guest_view;

/* Loads a module from `path` (.cwasm or .wasm). For a .wasm, a sibling .cwasm at least as
 * new is tried first; when it does not fit this engine/CPU the .wasm is compiled and the
 * log says why. `*loaded` receives the path of the file actually used (malloc'd). */
int dkr_module_load(wasm_engine_t *engine, const char *path, const dkr_log *log,
                    wasmtime_module_t **out, char **loaded, char *err, size_t errlen);

/* Instantiates `module` (not taken: cloned) in a new store, checks dkr_abi_version,
 * caches the exports, the result pointer and the field table. */
int dkr_guest_new(wasm_engine_t *engine, const wasmtime_module_t *module,
                  const dkr_guest_limits *limits, dkr_guest **out, char *err, size_t errlen);
void dkr_guest_delete(dkr_guest *g);

/* 0 after a trap until dkr_guest_recreate succeeds. */
int dkr_guest_usable(const dkr_guest *g);
int dkr_guest_recreate(dkr_guest *g, char *err, size_t errlen);
/* The text of the last trap. */
const char *dkr_guest_last_trap(const dkr_guest *g);

/* The field table bytes exported by the module (valid for the guest's life). */
const char *dkr_guest_fields_json(const dkr_guest *g, size_t *len);

/* Guest calls. Each returns 0 with the guest's result in *ret / *rc, or -1 on a trap (the
 * guest is then unusable).
 * dkr_guest_parse_extract: parses the payload and answers the first `count` requests the
 * caller wrote to the request table (dkr_guest_requests); *rc is the parse's (DKR_ERR_* when
 * the module refuses the payload). The answers (dkr_guest_answer) stay until the next parse.
 * dkr_guest_extract: one field of the parsed event (arg_len -1: no argument). */
int dkr_guest_parse_extract(dkr_guest *g, const void *payload, uint32_t len, uint32_t count,
                            int32_t *rc);
int dkr_guest_extract(dkr_guest *g, uint32_t field_id, const char *arg, int32_t arg_len,
                      int32_t *ret);

/* The request table and its argument area in guest memory (DKR_GUEST_REQUEST_BYTES: ABI.md
 * dkr_requests). It belongs to one instance: *generation changes when the guest is
 * re-created (the new table is empty). */
uint8_t *dkr_guest_requests(dkr_guest *g, uint64_t *generation);
/* Answer i of the last dkr_guest_parse_extract: n (< 0: an error, DKR_ERR_NO_ROOM: not
 * answered) and the guest offset of its values (check it with dkr_guest_span). */
void dkr_guest_answer(const dkr_guest *g, uint32_t i, int32_t *n, uint32_t *values);


/* The `len` bytes at guest offset `off`, or NULL when they are not all inside the guest's
 * memory (the guest is untrusted: every pointer it returns goes through here). Valid until
 * the guest is re-created; the contents until the next guest call. */
const uint8_t *dkr_guest_span_grown(dkr_guest *g, uint64_t off, uint64_t len);
static inline const uint8_t *dkr_guest_span(dkr_guest *g, uint64_t off, uint64_t len)
{
	const dkr_guest_view *v = (const dkr_guest_view *)g;
	return off + len <= v->mem_size ? v->mem + off : dkr_guest_span_grown(g, off, len);
}
/* The result area of dkr_extract (ABI.md), fixed for the instance's life. */
uint32_t dkr_guest_result_ptr(const dkr_guest *g);

#endif
