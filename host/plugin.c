#define _GNU_SOURCE
#include "plugin.h"

#include "engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *plugin_get_required_api_version(void)
{
	/* 3.11.0: the lowest API with every symbol we export (get_metrics: 3.6) and the
	 * value_offsets member of ss_plugin_field_extract_input we write (3.11). Loads in
	 * Falco 0.41 and later (framework 3.11.x/3.12.x). */
	return DKR_REQUIRED_API_VERSION;
}

const char *plugin_get_version(void)
{
	return DKR_PLUGIN_VERSION;
}

const char *plugin_get_name(void)
{
	return DKR_PLUGIN_NAME;
}

const char *plugin_get_description(void)
{
	return "Docker Events: streams the events of one or more Docker daemons (or a recording) "
	       "as the `docker` event source, with fields extracted by a WebAssembly module";
}

const char *plugin_get_contact(void)
{
	return "https://github.com/falcosecurity/plugins";
}

const char *plugin_get_init_schema(ss_plugin_schema_type *schema_type)
{
	*schema_type = SS_PLUGIN_SCHEMA_JSON;
	return dkr_config_schema();
}

const char *dkr_set_error(ss_plugin_t *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->lasterr, sizeof(s->lasterr), fmt, ap);
	va_end(ap);
	return s->lasterr;
}

const char *plugin_get_last_error(ss_plugin_t *s)
{
	return s != NULL ? s->lasterr : "no plugin state";
}

/* Field ids Falco uses come from the default module's table (plugin_get_fields). A module
 * named in init_config may order or type its fields differently: map by name and type. */
static int build_id_map(ss_plugin_t *s, char *err, size_t errlen)
{
	char ferr[256];
	const char *falco_json = dkr_default_fields(ferr, sizeof(ferr));
	dkr_field_table falco = {0};
	if (falco_json == NULL || dkr_field_table_parse(falco_json, &falco, ferr, sizeof(ferr))) {
		/* No default table (Falco could not have loaded us): ids are the module's own. */
		s->id_map_len = s->table.n;
		s->id_map = malloc(s->id_map_len * sizeof(int32_t));
		if (s->id_map == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (size_t i = 0; i < s->id_map_len; i++)
			s->id_map[i] = (int32_t)i;
		return 0;
	}
	s->id_map_len = falco.n;
	s->id_map = malloc(falco.n * sizeof(int32_t));
	if (s->id_map == NULL) {
		dkr_field_table_free(&falco);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t missing = 0;
	for (size_t i = 0; i < falco.n; i++) {
		s->id_map[i] = -1;
		for (size_t k = 0; k < s->table.n; k++) {
			if (strcmp(falco.f[i].name, s->table.f[k].name) == 0 &&
			    falco.f[i].type == s->table.f[k].type &&
			    falco.f[i].is_list == s->table.f[k].is_list) {
				s->id_map[i] = (int32_t)k;
				break;
			}
		}
		missing += s->id_map[i] < 0;
	}
	if (missing > 0)
		dkr_log_msg(&s->log, SS_PLUGIN_LOG_SEV_WARNING,
		            "extractor %s lacks %zu of the %zu fields Falco loaded (or has them with "
		            "another type); those fields have no value", s->module_path, missing,
		            falco.n);
	dkr_field_table_free(&falco);
	return 0;
}

ss_plugin_t *plugin_init(const ss_plugin_init_input *in, ss_plugin_rc *rc)
{
	*rc = SS_PLUGIN_FAILURE;
	ss_plugin_t *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	dkr_metrics_init(&s->metrics);
	if (in != NULL) {
		s->log.owner = in->owner;
		s->log.fn = in->log_fn;
	}
	char err[768] = "";
	if (dkr_config_parse(in ? in->config : NULL, &s->cfg, err, sizeof(err)) != 0) {
		dkr_set_error(s, "%s", err);
		return s;
	}
	s->libdir = dkr_libdir(err, sizeof(err));
	if (s->libdir == NULL) {
		dkr_set_error(s, "%s", err);
		return s;
	}
	s->engine = dkr_engine_get(err, sizeof(err));
	if (s->engine == NULL) {
		dkr_set_error(s, "%s", err);
		return s;
	}
	char *path = s->cfg.extractor_module ? strdup(s->cfg.extractor_module)
	                                     : dkr_default_module_path(err, sizeof(err));
	if (path == NULL) {
		dkr_set_error(s, "%s", err[0] ? err : "out of memory");
		return s;
	}
	int ok = dkr_module_load(s->engine, path, &s->log, &s->module, &s->module_path, err,
	                         sizeof(err)) == 0;
	free(path);
	if (!ok) {
		dkr_set_error(s, "%s", err);
		return s;
	}
	dkr_guest_limits limits = {
		.max_memory_bytes = (uint64_t)s->cfg.max_memory_mib << 20,
		.timeout_ms = s->cfg.call_timeout_ms,
	};
	if (dkr_guest_new(s->engine, s->module, &limits, &s->guest, err, sizeof(err)) != 0) {
		dkr_set_error(s, "extractor %s: %s", s->module_path, err);
		return s;
	}
	size_t len;
	if (dkr_field_table_parse(dkr_guest_fields_json(s->guest, &len), &s->table, err,
	                          sizeof(err)) != 0 ||
	    build_id_map(s, err, sizeof(err)) != 0) {
		dkr_set_error(s, "extractor %s: %s", s->module_path, err);
		return s;
	}
	s->ask.batch = calloc(1, sizeof(dkr_requests));
	s->ask.asked = calloc(1, sizeof(dkr_requests));
	s->ask.no_batch = calloc(s->table.n ? s->table.n : 1, 1);
	if (s->ask.batch == NULL || s->ask.asked == NULL || s->ask.no_batch == NULL) {
		dkr_set_error(s, "out of memory");
		return s;
	}
	memset(s->ask.batch->hash, -1, sizeof(s->ask.batch->hash));
	memset(s->ask.asked->hash, -1, sizeof(s->ask.asked->hash));
	dkr_log_msg(&s->log, SS_PLUGIN_LOG_SEV_DEBUG, "extractor %s loaded (%zu fields)",
	            s->module_path, s->table.n);
	*rc = SS_PLUGIN_SUCCESS;
	return s;
}

void plugin_destroy(ss_plugin_t *s)
{
	if (s == NULL)
		return;
	dkr_guest_delete(s->guest);
	if (s->module != NULL)
		wasmtime_module_delete(s->module);
	free(s->module_path);
	dkr_field_table_free(&s->table);
	free(s->id_map);
	dkr_arena_free(&s->arena);
	free(s->ask.batch);
	free(s->ask.asked);
	free(s->ask.no_batch);
	free(s->text);
	free(s->open_params);
	free(s->libdir);
	dkr_config_free(&s->cfg);
	dkr_metrics_fini(&s->metrics);
	free(s);
}
