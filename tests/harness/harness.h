/* Shared pieces of the conformance harness and the host benchmark: loading libdocker.so
 * exactly as Falco does (dlopen RTLD_LOCAL|RTLD_NOW, plugin_* by dlsym), events, logging. */
#ifndef DKR_HARNESS_H
#define DKR_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "plugin_api.h"

typedef struct dkr_api {
	void *handle;
	const char *(*get_required_api_version)(void);
	const char *(*get_version)(void);
	const char *(*get_name)(void);
	const char *(*get_description)(void);
	const char *(*get_contact)(void);
	const char *(*get_init_schema)(ss_plugin_schema_type *);
	ss_plugin_t *(*init)(const ss_plugin_init_input *, ss_plugin_rc *);
	void (*destroy)(ss_plugin_t *);
	const char *(*get_last_error)(ss_plugin_t *);
	ss_plugin_metric *(*get_metrics)(ss_plugin_t *, uint32_t *);
	uint32_t (*get_id)(void);
	const char *(*get_event_source)(void);
	ss_instance_t *(*open)(ss_plugin_t *, const char *, ss_plugin_rc *);
	void (*close)(ss_plugin_t *, ss_instance_t *);
	ss_plugin_rc (*next_batch)(ss_plugin_t *, ss_instance_t *, uint32_t *, ss_plugin_event ***);
	const char *(*list_open_params)(ss_plugin_t *, ss_plugin_rc *);
	const char *(*get_progress)(ss_plugin_t *, ss_instance_t *, uint32_t *);
	const char *(*event_to_string)(ss_plugin_t *, const ss_plugin_event_input *);
	const char *(*get_fields)(void);
	ss_plugin_rc (*extract_fields)(ss_plugin_t *, const ss_plugin_event_input *,
	                               const ss_plugin_field_extract_input *);
	const char *(*get_extract_event_sources)(void);
	/* must stay NULL for this plugin */
	void *parse_event, *get_async_events, *set_async_event_handler, *capture_open,
		*capture_close, *set_config, *get_extract_event_types;
} dkr_api;

/* dlopen + dlsym; 0 or -1 with the dlerror text in err. */
int dkr_api_load(dkr_api *api, const char *path, char *err, size_t errlen);
void dkr_api_unload(dkr_api *api);

/* Falco-style init: config "" becomes "{}" when the plugin has a JSON schema. */
ss_plugin_t *dkr_api_init(const dkr_api *api, const char *config, ss_plugin_owner_t *owner,
                          ss_plugin_log_fn_t log_fn, ss_plugin_rc *rc);

/* Builds a docker plugin event (malloc'd) around a payload. */
ss_plugin_event *dkr_make_event(const void *payload, uint32_t len, uint64_t ts);

double dkr_mono_s(void);

#endif
