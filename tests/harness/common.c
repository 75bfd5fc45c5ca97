#define _GNU_SOURCE
#include "harness.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int dkr_api_load(dkr_api *api, const char *path, char *err, size_t errlen)
{
	memset(api, 0, sizeof(*api));
	api->handle = dlopen(path, RTLD_LOCAL | RTLD_NOW);
	if (api->handle == NULL) {
		snprintf(err, errlen, "dlopen %s: %s", path, dlerror());
		return -1;
	}
#define SYM(field, name) *(void **)&api->field = dlsym(api->handle, name)
	SYM(get_required_api_version, "plugin_get_required_api_version");
	SYM(get_version, "plugin_get_version");
	SYM(get_name, "plugin_get_name");
	SYM(get_description, "plugin_get_description");
	SYM(get_contact, "plugin_get_contact");
	SYM(get_init_schema, "plugin_get_init_schema");
	SYM(init, "plugin_init");
	SYM(destroy, "plugin_destroy");
	SYM(get_last_error, "plugin_get_last_error");
	SYM(get_metrics, "plugin_get_metrics");
	SYM(get_id, "plugin_get_id");
	SYM(get_event_source, "plugin_get_event_source");
	SYM(open, "plugin_open");
	SYM(close, "plugin_close");
	SYM(next_batch, "plugin_next_batch");
	SYM(list_open_params, "plugin_list_open_params");
	SYM(get_progress, "plugin_get_progress");
	SYM(event_to_string, "plugin_event_to_string");
	SYM(get_fields, "plugin_get_fields");
	SYM(extract_fields, "plugin_extract_fields");
	SYM(get_extract_event_sources, "plugin_get_extract_event_sources");
	SYM(parse_event, "plugin_parse_event");
	SYM(get_async_events, "plugin_get_async_events");
	SYM(set_async_event_handler, "plugin_set_async_event_handler");
	SYM(capture_open, "plugin_capture_open");
	SYM(capture_close, "plugin_capture_close");
	SYM(set_config, "plugin_set_config");
	SYM(get_extract_event_types, "plugin_get_extract_event_types");
#undef SYM
	return 0;
}

void dkr_api_unload(dkr_api *api)
{
	if (api->handle != NULL)
		dlclose(api->handle);
	memset(api, 0, sizeof(*api));
}

ss_plugin_t *dkr_api_init(const dkr_api *api, const char *config, ss_plugin_owner_t *owner,
                          ss_plugin_log_fn_t log_fn, ss_plugin_rc *rc)
{
	const char *cfg = config ? config : "";
	if (api->get_init_schema != NULL) {
		ss_plugin_schema_type t = SS_PLUGIN_SCHEMA_NONE;
		const char *schema = api->get_init_schema(&t);
		if (t == SS_PLUGIN_SCHEMA_JSON && schema != NULL && *schema != '\0' && *cfg == '\0')
			cfg = "{}";
	}
	ss_plugin_init_input in = {.config = cfg, .owner = owner, .log_fn = log_fn};
	*rc = (ss_plugin_rc)12345; /* not pre-initialised by the framework */
	return api->init(&in, rc);
}

ss_plugin_event *dkr_make_event(const void *payload, uint32_t len, uint64_t ts)
{
	uint8_t *e = malloc(DKR_PLUGIN_EVENT_PAYLOAD_OFFSET + (size_t)len);
	if (e == NULL)
		return NULL;
	ss_plugin_event h = {.ts = ts, .tid = UINT64_MAX, .len = DKR_PLUGIN_EVENT_PAYLOAD_OFFSET + len,
	                     .type = DKR_PPME_PLUGINEVENT_E, .nparams = 2};
	uint32_t p[3] = {4, len, 5};
	memcpy(e, &h, sizeof(h));
	memcpy(e + 26, p, 12);
	memcpy(e + DKR_PLUGIN_EVENT_PAYLOAD_OFFSET, payload, len);
	return (ss_plugin_event *)e;
}

double dkr_mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
