/* `dkr-harness info --lib PATH [--config JSON]`: what `falco --plugin-info` shows, as one JSON
 * object on stdout: identity, versions, capabilities, the init_config schema, the fields and
 * (after init, as Falco does) the open-parameter suggestions. The README's configuration table
 * is generated from it (scripts/readme-fields.mjs). */
#include "harness.h"
#include "run.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *parsed_or_string(const char *s)
{
	if (s == NULL)
		return json_null();
	json_t *j = json_loads(s, JSON_DECODE_ANY, NULL);
	return j != NULL ? j : json_string(s);
}

int dkr_info_main(int argc, char **argv)
{
	const char *lib = NULL, *config = "";
	for (int i = 0; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--lib") == 0)
			lib = argv[i + 1];
		else if (strcmp(argv[i], "--config") == 0)
			config = argv[i + 1];
		else {
			fprintf(stderr, "info: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	if (lib == NULL) {
		fprintf(stderr, "usage: dkr-harness info --lib PATH [--config JSON]\n");
		return 2;
	}
	dkr_api api;
	char err[1024];
	if (dkr_api_load(&api, lib, err, sizeof err) != 0) {
		fprintf(stderr, "info: %s\n", err);
		return 1;
	}
	ss_plugin_schema_type st = SS_PLUGIN_SCHEMA_NONE;
	const char *schema = api.get_init_schema ? api.get_init_schema(&st) : NULL;
	json_t *out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:o,s:o,s:o}",
		"name", api.get_name(), "version", api.get_version(),
		"requiredApiVersion", api.get_required_api_version(),
		"description", api.get_description(), "contact", api.get_contact(),
		"id", (json_int_t)api.get_id(), "source", api.get_event_source(),
		"schema", st == SS_PLUGIN_SCHEMA_JSON ? parsed_or_string(schema) : json_null(),
		"fields", parsed_or_string(api.get_fields()),
		"extractEventSources", parsed_or_string(api.get_extract_event_sources ? api.get_extract_event_sources() : NULL));
	int status = 0;
	ss_plugin_rc rc;
	ss_plugin_t *s = dkr_api_init(&api, config, NULL, NULL, &rc);
	if (rc == SS_PLUGIN_SUCCESS && s != NULL) {
		ss_plugin_rc orc = SS_PLUGIN_FAILURE;
		const char *op = api.list_open_params ? api.list_open_params(s, &orc) : NULL;
		json_object_set_new(out, "openParams", orc == SS_PLUGIN_SUCCESS ? parsed_or_string(op) : json_null());
	} else {
		fprintf(stderr, "info: init failed: %s\n", s ? api.get_last_error(s) : "(no state)");
		status = 1;
	}
	if (s != NULL)
		api.destroy(s);
	char *text = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text != NULL) {
		puts(text);
		free(text);
	}
	json_decref(out);
	dkr_api_unload(&api);
	return status;
}
