/* The floor plugin of the benchmarks (not shipped): what Falco itself spends on the `docker`
 * source, with nothing of ours in the way. Plugin ID 5, source `docker`, the same field names
 * and types as the extractor's table, and for every field one constant value: no event is
 * ever looked at, nothing is parsed.
 *
 * - extract_fields: every requested field gets one value ("-" / 0 / false), whatever the event.
 * - next_batch (a live source, for the idle figures): waits 100 ms and returns a timeout, as
 *   Falco's own null plugin does; it never produces an event. open_params "eof" ends at once.
 * - The field table is read, on the first get_fields, from the JSON file named by the
 *   environment variable DKR_FLOOR_FIELDS (bench/falco.mjs writes it from the module's
 *   table, so the two plugins always declare the same fields).
 *
 * Built by tests/harness/CMakeLists.txt as build/libdkr-floor.so. */
#include "plugin_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FLOOR_ID 5
#define FLOOR_SOURCE "docker"

struct ss_plugin_t {
	char lasterr[256];
	const char *strs[1];
	uint64_t u64s[1];
	ss_plugin_bool bools[1];
};

struct ss_instance_t {
	int eof;
	ss_plugin_event *none[1];
};

/* Written once, by the first get_fields (Falco calls it from its main thread at load). */
static char *g_fields;

const char *plugin_get_required_api_version(void) { return "3.11.0"; }
const char *plugin_get_version(void) { return "0.0.1"; }
const char *plugin_get_name(void) { return "docker_floor"; }
const char *plugin_get_description(void)
{
	return "Benchmark floor: the docker plugin's fields with constant values, no parsing";
}
const char *plugin_get_contact(void) { return "bench/floor_plugin.c"; }
const char *plugin_get_init_schema(ss_plugin_schema_type *t)
{
	*t = SS_PLUGIN_SCHEMA_NONE;
	return "";
}
uint32_t plugin_get_id(void) { return FLOOR_ID; }
const char *plugin_get_event_source(void) { return FLOOR_SOURCE; }
const char *plugin_get_extract_event_sources(void) { return "[\"" FLOOR_SOURCE "\"]"; }

const char *plugin_get_fields(void)
{
	if (g_fields != NULL)
		return g_fields;
	const char *path = getenv("DKR_FLOOR_FIELDS");
	FILE *f = path != NULL ? fopen(path, "rb") : NULL;
	if (f != NULL) {
		size_t cap = 1 << 16, n = 0;
		char *b = malloc(cap);
		size_t r;
		while (b != NULL && (r = fread(b + n, 1, cap - n - 1, f)) > 0) {
			n += r;
			if (n + 1 == cap) {
				char *nb = realloc(b, cap * 2);
				if (nb == NULL) {
					free(b);
					b = NULL;
					break;
				}
				b = nb;
				cap *= 2;
			}
		}
		fclose(f);
		if (b != NULL) {
			b[n] = '\0';
			g_fields = b;
			return g_fields;
		}
	}
	fprintf(stderr, "docker_floor: set DKR_FLOOR_FIELDS to the extractor's field table (JSON)\n");
	g_fields = strdup("[{\"type\":\"string\",\"name\":\"docker.type\",\"desc\":\"floor\"}]");
	return g_fields;
}

ss_plugin_t *plugin_init(const ss_plugin_init_input *in, ss_plugin_rc *rc)
{
	(void)in;
	ss_plugin_t *s = calloc(1, sizeof(*s));
	*rc = s != NULL ? SS_PLUGIN_SUCCESS : SS_PLUGIN_FAILURE;
	if (s != NULL)
		s->strs[0] = "-";
	return s;
}

void plugin_destroy(ss_plugin_t *s) { free(s); }

const char *plugin_get_last_error(ss_plugin_t *s) { return s != NULL ? s->lasterr : ""; }

ss_instance_t *plugin_open(ss_plugin_t *s, const char *params, ss_plugin_rc *rc)
{
	(void)s;
	ss_instance_t *h = calloc(1, sizeof(*h));
	if (h != NULL)
		h->eof = params != NULL && strcmp(params, "eof") == 0;
	*rc = h != NULL ? SS_PLUGIN_SUCCESS : SS_PLUGIN_FAILURE;
	return h;
}

void plugin_close(ss_plugin_t *s, ss_instance_t *h)
{
	(void)s;
	free(h);
}

ss_plugin_rc plugin_next_batch(ss_plugin_t *s, ss_instance_t *h, uint32_t *nevts,
                               ss_plugin_event ***evts)
{
	(void)s;
	*nevts = 0;
	*evts = h->none;
	if (h->eof)
		return SS_PLUGIN_EOF;
	const struct timespec wait = {.tv_sec = 0, .tv_nsec = 100 * 1000000L};
	nanosleep(&wait, NULL);
	return SS_PLUGIN_TIMEOUT;
}

const char *plugin_list_open_params(ss_plugin_t *s, ss_plugin_rc *rc)
{
	(void)s;
	*rc = SS_PLUGIN_SUCCESS;
	return "[]";
}

const char *plugin_get_progress(ss_plugin_t *s, ss_instance_t *h, uint32_t *pct)
{
	(void)s;
	(void)h;
	*pct = 0;
	return "";
}

const char *plugin_event_to_string(ss_plugin_t *s, const ss_plugin_event_input *evt)
{
	(void)s;
	(void)evt;
	return "";
}

ss_plugin_metric *plugin_get_metrics(ss_plugin_t *s, uint32_t *n)
{
	(void)s;
	*n = 0;
	return NULL;
}

ss_plugin_rc plugin_extract_fields(ss_plugin_t *s, const ss_plugin_event_input *evt,
                                   const ss_plugin_field_extract_input *in)
{
	(void)evt;
	for (uint32_t i = 0; i < in->num_fields; i++) {
		ss_plugin_extract_field *f = &in->fields[i];
		switch (f->ftype) {
		case DKR_FTYPE_STRING:
			f->res.str = s->strs;
			break;
		case DKR_FTYPE_BOOL:
			f->res.boolean = s->bools;
			break;
		default: /* uint64, reltime, abstime */
			f->res.u64 = s->u64s;
			break;
		}
		f->res_len = 1;
	}
	return SS_PLUGIN_SUCCESS;
}
