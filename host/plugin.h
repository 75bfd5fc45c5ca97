/* The plugin state (ss_plugin_t): everything one Falco inspector's plugin owns. Nothing
 * here is shared between states. */
#ifndef DKR_PLUGIN_H
#define DKR_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <wasmtime.h>

#include "config.h"
#include "fields.h"
#include "guest.h"
#include "log.h"
#include "metrics.h"
#include "plugin_api.h"

#define DKR_PLUGIN_ID 5u
#define DKR_PLUGIN_NAME "docker"
#define DKR_PLUGIN_SOURCE "docker"
/* The plugin's version is package.json's "version", passed in by CMake. */
#ifndef DKR_PLUGIN_VERSION
#error "DKR_PLUGIN_VERSION must be defined by the build (CMakeLists.txt reads it from package.json)"
#endif
#define DKR_REQUIRED_API_VERSION "3.11.0"

/* Per-call result storage of extract_fields (valid until the next call). */
typedef struct dkr_slot {
	uint32_t type;   /* DKR_FTYPE_* of the values, 0 = none */
	size_t start;    /* first index in strs/u64s/u32s */
	size_t n;
} dkr_slot;

/* String values are not copied out of guest memory when the guest is not called again before
 * extract_fields returns (ABI.md: they stay valid, NUL-terminated, until the next call into
 * the module); before any further guest call they are copied into `chars`. So strs[0..pending)
 * live in chars at soff[k], strs[pending..strs_len) in guest memory with soff[k] = length. */
typedef struct dkr_arena {
	const char **strs;            size_t strs_len, strs_cap;
	size_t *soff;                 size_t soff_cap;
	size_t pending;
	char *chars;                  size_t chars_len, chars_cap;
	uint64_t *u64s;               size_t u64s_len, u64s_cap;
	uint32_t *u32s;               size_t u32s_len, u32s_cap;
	dkr_slot *slots;              size_t slots_cap;
	uint32_t *zero_offsets;       size_t zero_offsets_cap;     /* value_offsets {0,0} */
} dkr_arena;

/* Field requests (module field index and argument), as the module's request table holds them
 * (ABI.md dkr_requests): arguments at arg_off in `args`. */
typedef struct dkr_request {
	uint32_t mid;
	int32_t arg_len; /* -1: no argument */
	uint32_t arg_off;
} dkr_request;

#define DKR_ASK_SEQ 128  /* requests of one event remembered in order */
#define DKR_ASK_HASH 64  /* find a request by field: open addressing from mid % 64 */

typedef struct dkr_requests {
	dkr_request r[DKR_GUEST_MAX_REQUESTS];   /* each request once */
	uint32_t n;
	uint32_t args_len;
	char args[DKR_GUEST_REQUEST_ARGS];
	uint8_t seq[DKR_ASK_SEQ];                 /* the requests in the order asked (indexes in r) */
	uint32_t seq_n;
	int8_t hash[DKR_ASK_HASH];                /* index in r, -1 = empty */
} dkr_requests;

/* The fields asked of the module in advance (extract.c). */
typedef struct dkr_ask {
	dkr_requests *batch;     /* owned: asked with each parse (what Falco asked last event) */
	dkr_requests *asked;     /* owned: what Falco asks on this event, once it left batch order */
	uint32_t pos;            /* requests of this event that followed batch->seq */
	int deviated;            /* this event left batch order: `asked` records it */
	uint32_t answered;       /* answers of the last parse (0 after a trap) */
	uint64_t table_gen;      /* the guest generation whose request table holds `batch` */
	uint64_t evtnum;         /* the event `pos` and `asked` are about */
	const ss_plugin_event *evt;
	int off;                 /* a batch trapped: one field per parse */
	uint8_t *no_batch;       /* owned, per module field: its extraction trapped */
} dkr_ask;

struct ss_plugin_t {
	dkr_log log;
	dkr_config cfg;
	char *libdir;

	wasm_engine_t *engine;         /* process-wide, not owned */
	wasmtime_module_t *module;     /* owned */
	char *module_path;             /* the file actually loaded */
	dkr_guest *guest;              /* owned */
	dkr_field_table table;         /* the module's fields */
	int32_t *id_map;               /* Falco field id -> module field index, -1 = none */
	size_t id_map_len;

	/* parse cache: the event last given to dkr_parse */
	int parsed;
	uint64_t parsed_evtnum;
	const ss_plugin_event *parsed_evt;
	uint64_t parsed_ts;
	uint32_t parsed_len;
	int32_t parsed_rc;

	/* The last event Falco looked at (extract_fields, event_to_string) since the last
	 * next_batch: what of the last batch was delivered, if Falco closes the source before its
	 * next call (it drops the rest of a batch on a restart). The pointer is only compared,
	 * never followed: ts and len identify an event Falco may have copied. */
	const ss_plugin_event *seen_evt;
	uint64_t seen_ts;
	uint32_t seen_len;

	dkr_ask ask;
	dkr_arena arena;
	struct { const char *str; uint64_t u64; uint32_t u32; } one; /* a single value handed out */
	char *text;                    /* event_to_string buffer */
	char *open_params;             /* list_open_params answer */
	size_t text_cap;

	dkr_metrics metrics;
	char lasterr[DKR_PLUGIN_MAX_ERRLEN];
};

/* Sets the state's last error (printf-style) and returns it. */
const char *dkr_set_error(ss_plugin_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void dkr_arena_free(dkr_arena *a);

/* Notes that Falco looked at `evt` (see seen_evt). */
static inline void dkr_seen(ss_plugin_t *s, const ss_plugin_event *evt)
{
	if (evt != s->seen_evt) {
		s->seen_evt = evt;
		s->seen_ts = evt->ts;
		s->seen_len = evt->len;
	}
}

#endif
