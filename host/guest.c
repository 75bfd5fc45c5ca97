#define _GNU_SOURCE
#include "guest.h"

#include "engine.h"
#include "sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct dkr_guest {
	dkr_guest_view view;               /* first: guest.h reads it (memory base and size) */
	wasm_engine_t *engine;             /* process-wide, not owned */
	wasmtime_module_t *module;         /* owned clone */
	wasmtime_instance_pre_t *pre;      /* owned: linker resolved once */
	dkr_guest_limits limits;
	uint64_t deadline_ticks;
	wasmtime_store_t *store;           /* owned; NULL while unusable */
	wasmtime_context_t *ctx;
	wasmtime_memory_t memory;
	wasmtime_func_t f_input, f_parse, f_arg, f_extract, f_parse_extract;
	uint32_t result_ptr;
	uint32_t requests_ptr, answers_ptr; /* the request and answer tables (fixed) */
	uint64_t generation;               /* instances made so far: a new one has empty tables */
	uint32_t in_ptr, in_cap;           /* the input buffer (ABI.md: stable until dkr_input) */
	uint32_t arg_ptr, arg_cap;         /* the argument buffer (ABI.md: stable) */
	char *fields_json;                 /* owned copy of the module's table */
	size_t fields_len;
	int usable;
	char trap[256];
};

/* ---------------------------------------------------------------- module loading */

static int read_file(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1 << 20;
			uint8_t *nb = realloc(buf, ncap);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				snprintf(err, errlen, "out of memory reading %s", path);
				return -1;
			}
			buf = nb;
			cap = ncap;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		snprintf(err, errlen, "cannot read %s", path);
		return -1;
	}
	/* Exactly n bytes: nothing past the module for a parser to look at. */
	uint8_t *exact = n ? realloc(buf, n) : buf;
	*data = exact ? exact : buf;
	*len = n;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int compile_wasm(wasm_engine_t *engine, const char *path, wasmtime_module_t **out,
                        char *err, size_t errlen)
{
	uint8_t *bytes;
	size_t len;
	if (read_file(path, &bytes, &len, err, errlen) != 0)
		return -1;
	wasmtime_error_t *e = wasmtime_module_new(engine, bytes, len, out);
	free(bytes);
	if (e != NULL) {
		char msg[512];
		dkr_wasmtime_msg(e, NULL, msg, sizeof(msg));
		wasmtime_error_delete(e);
		snprintf(err, errlen, "cannot compile %s: %s", path, msg);
		return -1;
	}
	return 0;
}

/* The digest dkr-precompile wrote beside `cwasm` (sha256sum format: 64 hex digits first).
 * 0 with the digest, -1 with why not. */
static int read_digest(const char *cwasm, uint8_t d[DKR_SHA256_LEN], char *err, size_t errlen)
{
	char *path = NULL;
	if (asprintf(&path, "%s%s", cwasm, DKR_DIGEST_SUFFIX) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char text[128] = "";
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	if (f)
		fclose(f);
	text[n] = '\0';
	int ok = f != NULL && n >= 2 * DKR_SHA256_LEN &&
	         (n == 2 * DKR_SHA256_LEN || text[2 * DKR_SHA256_LEN] == ' ' ||
	          text[2 * DKR_SHA256_LEN] == '\t' || text[2 * DKR_SHA256_LEN] == '\n');
	for (int i = 0; ok && i < 2 * DKR_SHA256_LEN; i++) {
		char ch = text[i];
		int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
		        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
		ok = v >= 0;
		if (!ok)
			break;
		if (i % 2 == 0)
			d[i / 2] = (uint8_t)(v << 4);
		else
			d[i / 2] |= (uint8_t)v;
	}
	if (!ok)
		snprintf(err, errlen, "%s has no usable digest file %s (%s; dkr-precompile writes it)",
		         cwasm, path, f == NULL ? strerror(errno) : "not 64 hex digits");
	free(path);
	return ok ? 0 : -1;
}

/* A precompiled module is native code that wasmtime maps without checking it: a damaged one
 * crashes the process. So it is read once, its SHA-256 compared with the digest written at
 * precompile time, and exactly the bytes checked are deserialized. */
static int deserialize_cwasm(wasm_engine_t *engine, const char *path, wasmtime_module_t **out,
                             char *err, size_t errlen)
{
	uint8_t want[DKR_SHA256_LEN], got[DKR_SHA256_LEN];
	if (read_digest(path, want, err, errlen) != 0)
		return -1;
	uint8_t *bytes;
	size_t len;
	if (read_file(path, &bytes, &len, err, errlen) != 0)
		return -1;
	dkr_sha256(bytes, len, got);
	if (memcmp(want, got, sizeof(got)) != 0) {
		char hw[2 * DKR_SHA256_LEN + 1], hg[2 * DKR_SHA256_LEN + 1];
		dkr_sha256_hex(want, hw);
		dkr_sha256_hex(got, hg);
		free(bytes);
		snprintf(err, errlen, "%s is damaged: its SHA-256 is %s, dkr-precompile wrote %s",
		         path, hg, hw);
		return -1;
	}
	wasmtime_error_t *e = wasmtime_module_deserialize(engine, bytes, len, out);
	free(bytes);
	if (e != NULL) {
		char msg[512];
		dkr_wasmtime_msg(e, NULL, msg, sizeof(msg));
		wasmtime_error_delete(e);
		snprintf(err, errlen, "%s does not fit this engine/CPU: %s", path, msg);
		return -1;
	}
	return 0;
}

int dkr_module_load(wasm_engine_t *engine, const char *path, const dkr_log *log,
                    wasmtime_module_t **out, char **loaded, char *err, size_t errlen)
{
	size_t plen = strlen(path);
	char *wasm = NULL, *cwasm = NULL;
	if (ends_with(path, ".cwasm")) {
		cwasm = strdup(path);
		wasm = malloc(plen);
		if (wasm != NULL) {
			memcpy(wasm, path, plen - 6);
			strcpy(wasm + plen - 6, ".wasm");
		}
	} else if (ends_with(path, ".wasm")) {
		wasm = strdup(path);
		cwasm = malloc(plen + 2);
		if (cwasm != NULL) {
			memcpy(cwasm, path, plen - 5);
			strcpy(cwasm + plen - 5, ".cwasm");
		}
	} else {
		snprintf(err, errlen,
		         "extractor module %s: the name must end in .wasm (WebAssembly) or .cwasm "
		         "(precompiled by dkr-precompile)", path);
		return -1;
	}
	if (wasm == NULL || cwasm == NULL) {
		free(wasm);
		free(cwasm);
		snprintf(err, errlen, "out of memory");
		return -1;
	}

	struct stat sw, sc;
	int have_wasm = stat(wasm, &sw) == 0;
	int have_cwasm = stat(cwasm, &sc) == 0;
	if ((have_wasm && !S_ISREG(sw.st_mode)) || (have_cwasm && !S_ISREG(sc.st_mode))) {
		snprintf(err, errlen, "extractor module %s is not a regular file",
		         have_wasm && !S_ISREG(sw.st_mode) ? wasm : cwasm);
		free(wasm);
		free(cwasm);
		return -1;
	}
	int rc = -1;
	char why[768] = "";
	if (!have_wasm && !have_cwasm) {
		snprintf(err, errlen,
		         "extractor module not found: neither %s nor %s exists (build it with "
		         "`npm run build:wasm && npm run build:host`, or set init_config "
		         "extractor.module)", wasm, cwasm);
		goto done;
	}
	if (have_cwasm) {
		int stale = have_wasm && (sc.st_mtim.tv_sec < sw.st_mtim.tv_sec ||
		                          (sc.st_mtim.tv_sec == sw.st_mtim.tv_sec &&
		                           sc.st_mtim.tv_nsec < sw.st_mtim.tv_nsec));
		if (stale) {
			snprintf(why, sizeof(why), "%s is older than %s", cwasm, wasm);
		} else if (deserialize_cwasm(engine, cwasm, out, why, sizeof(why)) == 0) {
			*loaded = cwasm;
			cwasm = NULL;
			rc = 0;
			goto done;
		}
		if (!have_wasm) {
			snprintf(err, errlen, "%s; no %s to compile instead", why, wasm);
			goto done;
		}
		dkr_log_msg(log, SS_PLUGIN_LOG_SEV_WARNING,
		            "compiling %s instead of loading the precompiled module (%s); "
		            "run dkr-precompile to make startup fast again", wasm, why);
	} else {
		dkr_log_msg(log, SS_PLUGIN_LOG_SEV_INFO,
		            "no precompiled %s, compiling %s", cwasm, wasm);
	}
	if (compile_wasm(engine, wasm, out, err, errlen) == 0) {
		*loaded = wasm;
		wasm = NULL;
		rc = 0;
	}
done:
	free(wasm);
	free(cwasm);
	return rc;
}

/* ---------------------------------------------------------------- instance */

static wasm_trap_t *guest_abort(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                                size_t nargs, wasmtime_val_t *results, size_t nresults)
{
	(void)env;
	(void)caller;
	(void)results;
	(void)nresults;
	char msg[96];
	if (nargs >= 4)
		snprintf(msg, sizeof(msg), "extractor aborted (env.abort at line %d column %d)",
		         args[2].of.i32, args[3].of.i32);
	else
		snprintf(msg, sizeof(msg), "extractor aborted (env.abort)");
	return wasmtime_trap_new(msg, strlen(msg));
}

static int make_pre(dkr_guest *g, char *err, size_t errlen)
{
	wasmtime_linker_t *linker = wasmtime_linker_new(g->engine);
	if (linker == NULL) {
		snprintf(err, errlen, "out of memory (linker)");
		return -1;
	}
	wasm_valtype_vec_t params, results;
	wasm_valtype_t *ps[4] = {wasm_valtype_new_i32(), wasm_valtype_new_i32(),
	                         wasm_valtype_new_i32(), wasm_valtype_new_i32()};
	wasm_valtype_vec_new(&params, 4, ps);
	wasm_valtype_vec_new_empty(&results);
	wasm_functype_t *ty = wasm_functype_new(&params, &results);
	wasmtime_error_t *e = wasmtime_linker_define_func(linker, "env", 3, "abort", 5, ty,
	                                                  guest_abort, NULL, NULL);
	wasm_functype_delete(ty);
	if (e == NULL)
		e = wasmtime_linker_instantiate_pre(linker, g->module, &g->pre);
	wasmtime_linker_delete(linker);
	if (e != NULL) {
		char msg[512];
		dkr_wasmtime_msg(e, NULL, msg, sizeof(msg));
		wasmtime_error_delete(e);
		snprintf(err, errlen,
		         "the extractor module cannot be linked (it may import only env.abort): %s", msg);
		return -1;
	}
	return 0;
}

static int get_func(dkr_guest *g, wasmtime_instance_t *inst, const char *name,
                    wasmtime_func_t *out, char *err, size_t errlen)
{
	wasmtime_extern_t item;
	if (!wasmtime_instance_export_get(g->ctx, inst, name, strlen(name), &item) ||
	    item.kind != WASMTIME_EXTERN_FUNC) {
		snprintf(err, errlen,
		         "the extractor module does not export function %s (see assembly/ABI.md)", name);
		return -1;
	}
	*out = item.of.func;
	return 0;
}

/* After a failed call: keeps the message, marks the guest unusable. */
static __attribute__((noinline, cold)) int call_failed(dkr_guest *g, wasmtime_error_t *e,
                                                       wasm_trap_t *trap)
{
	dkr_wasmtime_msg(e, trap, g->trap, sizeof(g->trap));
	if (trap != NULL) {
		wasmtime_trap_code_t code;
		if (wasmtime_trap_code(trap, &code) && code == WASMTIME_TRAP_CODE_INTERRUPT) {
			size_t l = strlen(g->trap);
			snprintf(g->trap + l, sizeof(g->trap) - l, " (call exceeded %u ms)",
			         g->limits.timeout_ms);
		}
		wasm_trap_delete(trap);
	}
	if (e != NULL)
		wasmtime_error_delete(e);
	g->usable = 0;
	return -1;
}

/* One call under its own epoch deadline: args in raw[0..], results overwrite raw[0]. */
static inline int call(dkr_guest *g, const wasmtime_func_t *f, wasmtime_val_raw_t *raw, size_t n)
{
	wasm_trap_t *trap = NULL;
	dkr_engine_active();
	wasmtime_context_set_epoch_deadline(g->ctx, g->deadline_ticks);
	wasmtime_error_t *e = wasmtime_func_call_unchecked(g->ctx, f, raw, n, &trap);
	if (__builtin_expect(e == NULL && trap == NULL, 1))
		return 0;
	return call_failed(g, e, trap);
}

struct sigspec {
	wasmtime_func_t *f;
	size_t np, nr; /* numbers of i32 parameters and results */
	const char *name;
};

/* Every export listed takes and returns only i32, in the numbers given. */
static int check_sigs(dkr_guest *g, const struct sigspec *specs, size_t n, char *err, size_t errlen)
{
	const struct sigspec *sig = specs;
	for (size_t i = 0; i < n; i++) {
		wasm_functype_t *ft = wasmtime_func_type(g->ctx, sig[i].f);
		const wasm_valtype_vec_t *p = wasm_functype_params(ft);
		const wasm_valtype_vec_t *r = wasm_functype_results(ft);
		int ok = p->size == sig[i].np && r->size == sig[i].nr;
		for (size_t k = 0; ok && k < p->size; k++)
			ok = wasm_valtype_kind(p->data[k]) == WASM_I32;
		for (size_t k = 0; ok && k < r->size; k++)
			ok = wasm_valtype_kind(r->data[k]) == WASM_I32;
		wasm_functype_delete(ft);
		if (!ok) {
			snprintf(err, errlen,
			         "the extractor export %s has the wrong signature (see assembly/ABI.md)",
			         sig[i].name);
			return -1;
		}
	}
	return 0;
}

static void drop_store(dkr_guest *g)
{
	if (g->store != NULL)
		wasmtime_store_delete(g->store);
	g->store = NULL;
	g->ctx = NULL;
	g->view.mem = NULL;
	g->view.mem_size = 0;
	g->usable = 0;
	g->in_ptr = g->in_cap = g->arg_ptr = g->arg_cap = 0;
}

/* A fresh store + instance; on the first creation also copies the field table. */
static int instantiate(dkr_guest *g, char *err, size_t errlen)
{
	drop_store(g);
	g->store = wasmtime_store_new(g->engine, NULL, NULL);
	if (g->store == NULL) {
		snprintf(err, errlen, "out of memory (store)");
		return -1;
	}
	g->ctx = wasmtime_store_context(g->store);
	wasmtime_store_limiter(g->store, (int64_t)g->limits.max_memory_bytes, 100000, 1, 1, 1);

	wasmtime_instance_t inst;
	wasm_trap_t *trap = NULL;
	dkr_engine_active();
	wasmtime_context_set_epoch_deadline(g->ctx, g->deadline_ticks);
	wasmtime_error_t *e = wasmtime_instance_pre_instantiate(g->pre, g->ctx, &inst, &trap);
	if (e != NULL || trap != NULL) {
		char msg[512];
		dkr_wasmtime_msg(e, trap, msg, sizeof(msg));
		if (e)
			wasmtime_error_delete(e);
		if (trap)
			wasm_trap_delete(trap);
		snprintf(err, errlen, "cannot instantiate the extractor module: %s", msg);
		drop_store(g);
		return -1;
	}
	wasmtime_extern_t item;
	if (!wasmtime_instance_export_get(g->ctx, &inst, "memory", 6, &item) ||
	    item.kind != WASMTIME_EXTERN_MEMORY) {
		snprintf(err, errlen, "the extractor module does not export its memory as `memory`");
		drop_store(g);
		return -1;
	}
	g->memory = item.of.memory;
	g->view.mem = wasmtime_memory_data(g->ctx, &g->memory);
	g->view.mem_size = wasmtime_memory_data_size(g->ctx, &g->memory);

	/* The version first: a module of another version gets that message, not a missing export. */
	wasmtime_func_t f_ver, f_fptr, f_flen, f_res, f_req, f_ans;
	struct sigspec ver[] = {{&f_ver, 0, 1, "dkr_abi_version"}};
	if (get_func(g, &inst, "dkr_abi_version", &f_ver, err, errlen) ||
	    check_sigs(g, ver, 1, err, errlen)) {
		drop_store(g);
		return -1;
	}
	g->usable = 1;
	wasmtime_val_raw_t raw[3];
	if (call(g, &f_ver, raw, 1) != 0) {
		snprintf(err, errlen, "dkr_abi_version trapped: %s", g->trap);
		drop_store(g);
		return -1;
	}
	if (raw[0].i32 != DKR_GUEST_ABI_VERSION) {
		snprintf(err, errlen,
		         "the extractor module speaks guest ABI version %d, this plugin needs %d: "
		         "use the docker_extractor module built with this plugin version",
		         raw[0].i32, DKR_GUEST_ABI_VERSION);
		drop_store(g);
		return -1;
	}
	if (get_func(g, &inst, "dkr_fields_ptr", &f_fptr, err, errlen) ||
	    get_func(g, &inst, "dkr_fields_len", &f_flen, err, errlen) ||
	    get_func(g, &inst, "dkr_result", &f_res, err, errlen) ||
	    get_func(g, &inst, "dkr_input", &g->f_input, err, errlen) ||
	    get_func(g, &inst, "dkr_parse", &g->f_parse, err, errlen) ||
	    get_func(g, &inst, "dkr_arg", &g->f_arg, err, errlen) ||
	    get_func(g, &inst, "dkr_extract", &g->f_extract, err, errlen) ||
	    get_func(g, &inst, "dkr_parse_extract", &g->f_parse_extract, err, errlen) ||
	    get_func(g, &inst, "dkr_requests", &f_req, err, errlen) ||
	    get_func(g, &inst, "dkr_answers", &f_ans, err, errlen)) {
		drop_store(g);
		return -1;
	}
	/* Check the signatures once so that the unchecked calls are sound. */
	struct sigspec sig[] = {
		{&f_fptr, 0, 1, "dkr_fields_ptr"}, {&f_flen, 0, 1, "dkr_fields_len"},
		{&f_res, 0, 1, "dkr_result"},      {&g->f_input, 1, 1, "dkr_input"},
		{&g->f_parse, 1, 1, "dkr_parse"},  {&g->f_arg, 1, 1, "dkr_arg"},
		{&g->f_extract, 2, 1, "dkr_extract"}, {&g->f_parse_extract, 2, 1, "dkr_parse_extract"},
		{&f_req, 0, 1, "dkr_requests"},    {&f_ans, 0, 1, "dkr_answers"},
	};
	if (check_sigs(g, sig, sizeof(sig) / sizeof(sig[0]), err, errlen)) {
		drop_store(g);
		return -1;
	}
	if (call(g, &f_res, raw, 1) != 0) {
		snprintf(err, errlen, "dkr_result trapped: %s", g->trap);
		drop_store(g);
		return -1;
	}
	g->result_ptr = (uint32_t)raw[0].i32;
	if (call(g, &f_req, raw, 1) != 0) {
		snprintf(err, errlen, "dkr_requests trapped: %s", g->trap);
		drop_store(g);
		return -1;
	}
	g->requests_ptr = (uint32_t)raw[0].i32;
	if (call(g, &f_ans, raw, 1) != 0) {
		snprintf(err, errlen, "dkr_answers trapped: %s", g->trap);
		drop_store(g);
		return -1;
	}
	g->answers_ptr = (uint32_t)raw[0].i32;
	if (dkr_guest_span(g, g->requests_ptr, DKR_GUEST_REQUEST_BYTES) == NULL ||
	    dkr_guest_span(g, g->answers_ptr, DKR_GUEST_MAX_REQUESTS * 8) == NULL) {
		snprintf(err, errlen, "the extractor's request or answer table is outside its memory");
		drop_store(g);
		return -1;
	}
	g->generation++;

	if (g->fields_json == NULL) {
		if (call(g, &f_fptr, raw, 1) != 0) {
			snprintf(err, errlen, "dkr_fields_ptr trapped: %s", g->trap);
			drop_store(g);
			return -1;
		}
		uint32_t fptr = (uint32_t)raw[0].i32;
		if (call(g, &f_flen, raw, 1) != 0) {
			snprintf(err, errlen, "dkr_fields_len trapped: %s", g->trap);
			drop_store(g);
			return -1;
		}
		uint32_t flen = (uint32_t)raw[0].i32;
		const uint8_t *table = dkr_guest_span(g, fptr, flen);
		if (table == NULL || flen == 0) {
			snprintf(err, errlen, "the extractor's field table (%u bytes at %u) is outside "
			         "its memory", flen, fptr);
			drop_store(g);
			return -1;
		}
		g->fields_json = malloc((size_t)flen + 1);
		if (g->fields_json == NULL) {
			snprintf(err, errlen, "out of memory");
			drop_store(g);
			return -1;
		}
		memcpy(g->fields_json, table, flen);
		g->fields_json[flen] = '\0';
		g->fields_len = flen;
	}
	return 0;
}

int dkr_guest_new(wasm_engine_t *engine, const wasmtime_module_t *module,
                  const dkr_guest_limits *limits, dkr_guest **out, char *err, size_t errlen)
{
	dkr_guest *g = calloc(1, sizeof(*g));
	if (g == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	g->engine = engine;
	g->module = wasmtime_module_clone(module);
	g->limits = *limits;
	g->deadline_ticks = (limits->timeout_ms + DKR_EPOCH_TICK_MS - 1) / DKR_EPOCH_TICK_MS + 1;
	if (make_pre(g, err, errlen) != 0 || instantiate(g, err, errlen) != 0) {
		dkr_guest_delete(g);
		return -1;
	}
	*out = g;
	return 0;
}

void dkr_guest_delete(dkr_guest *g)
{
	if (g == NULL)
		return;
	drop_store(g);
	if (g->pre != NULL)
		wasmtime_instance_pre_delete(g->pre);
	if (g->module != NULL)
		wasmtime_module_delete(g->module);
	free(g->fields_json);
	free(g);
}

int dkr_guest_usable(const dkr_guest *g)
{
	return g->usable;
}

int dkr_guest_recreate(dkr_guest *g, char *err, size_t errlen)
{
	return instantiate(g, err, errlen);
}

const char *dkr_guest_last_trap(const dkr_guest *g)
{
	return g->trap;
}

const char *dkr_guest_fields_json(const dkr_guest *g, size_t *len)
{
	*len = g->fields_len;
	return g->fields_json;
}

const uint8_t *dkr_guest_span_grown(dkr_guest *g, uint64_t off, uint64_t len)
{
	/* Maybe the memory grew since we last looked (it never shrinks, never moves). */
	if (g->ctx == NULL)
		return NULL;
	g->view.mem_size = wasmtime_memory_data_size(g->ctx, &g->memory);
	return off + len <= g->view.mem_size ? g->view.mem + off : NULL;
}

uint32_t dkr_guest_result_ptr(const dkr_guest *g)
{
	return g->result_ptr;
}

/* The guest buffer for `len` bytes from `alloc` (dkr_input or dkr_arg), cached in *ptr and *cap:
 * the module keeps it for every later request of at most the size it was asked for (ABI.md),
 * so it is asked again only for a larger one (at least `want` bytes when it accepts that
 * many). NULL with *why = -2 when the guest refuses the size or returns a range outside its
 * memory, -1 when it traps. */
static uint8_t *buffer(dkr_guest *g, const wasmtime_func_t *alloc, uint32_t *ptr, uint32_t *cap,
                       uint32_t len, uint32_t want, int *why)
{
	if (len <= *cap)
		return g->view.mem + *ptr;
	uint32_t ask[2] = {len > want ? len : want, len};
	for (int k = 0; k < 2; k++) {
		if (k == 1 && ask[1] == ask[0])
			break;
		wasmtime_val_raw_t raw[1];
		raw[0].i32 = (int32_t)ask[k];
		if (call(g, alloc, raw, 1) != 0) {
			*why = -1;
			return NULL;
		}
		uint32_t p = (uint32_t)raw[0].i32;
		if (p != 0 && dkr_guest_span(g, p, ask[k]) != NULL) {
			*ptr = p;
			*cap = ask[k];
			return g->view.mem + p;
		}
	}
	*cap = 0; /* an input buffer asked for is no longer the old one */
	*why = -2;
	return NULL;
}

#define DKR_GUEST_INPUT_MIN (64u << 10)
#define DKR_GUEST_ARG_MIN 256u

uint8_t *dkr_guest_requests(dkr_guest *g, uint64_t *generation)
{
	*generation = g->generation;
	return g->view.mem + g->requests_ptr;
}

int dkr_guest_parse_extract(dkr_guest *g, const void *payload, uint32_t len, uint32_t count,
                            int32_t *rc)
{
	int why = 0;
	uint8_t *in = buffer(g, &g->f_input, &g->in_ptr, &g->in_cap, len, DKR_GUEST_INPUT_MIN, &why);
	if (in == NULL) {
		if (why == -1)
			return -1;
		*rc = DKR_ERR_TOO_LARGE;
		return 0;
	}
	memcpy(in, payload, len);
	wasmtime_val_raw_t raw[2];
	raw[0].i32 = (int32_t)len;
	raw[1].i32 = (int32_t)count;
	if (call(g, &g->f_parse_extract, raw, 2) != 0)
		return -1;
	*rc = raw[0].i32;
	return 0;
}

void dkr_guest_answer(const dkr_guest *g, uint32_t i, int32_t *n, uint32_t *values)
{
	const uint8_t *a = g->view.mem + g->answers_ptr + 8 * i;
	memcpy(n, a, 4);
	memcpy(values, a + 4, 4);
}

int dkr_guest_extract(dkr_guest *g, uint32_t field_id, const char *arg, int32_t arg_len,
                      int32_t *ret)
{
	if (arg_len >= 0) {
		int why = 0;
		uint8_t *a = buffer(g, &g->f_arg, &g->arg_ptr, &g->arg_cap, (uint32_t)arg_len,
		                    DKR_GUEST_ARG_MIN, &why);
		if (a == NULL) {
			if (why == -1)
				return -1;
			*ret = DKR_ERR_ARG;
			return 0;
		}
		if (arg_len > 0)
			memcpy(a, arg, (size_t)arg_len);
	}
	wasmtime_val_raw_t raw[2];
	raw[0].i32 = (int32_t)field_id;
	raw[1].i32 = arg_len;
	if (call(g, &g->f_extract, raw, 2) != 0)
		return -1;
	*ret = raw[0].i32;
	return 0;
}
