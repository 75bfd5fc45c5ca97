#define _GNU_SOURCE
#include "fields.h"

#include "engine.h"
#include "guest.h"
#include "plugin_api.h"

#include <dlfcn.h>
#include <jansson.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	uint32_t code;
} k_types[] = {
	{"string", DKR_FTYPE_STRING}, {"uint64", DKR_FTYPE_UINT64},
	{"reltime", DKR_FTYPE_RELTIME}, {"abstime", DKR_FTYPE_ABSTIME},
	{"bool", DKR_FTYPE_BOOL},     {"ipaddr", DKR_FTYPE_IPADDR},
	{"ipnet", DKR_FTYPE_IPNET},
};

void dkr_field_table_free(dkr_field_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->f[i].name);
	free(t->f);
	t->f = NULL;
	t->n = 0;
}

int dkr_field_table_parse(const char *json, dkr_field_table *t, char *err, size_t errlen)
{
	t->f = NULL;
	t->n = 0;
	json_error_t jerr;
	json_t *root = json_loads(json, 0, &jerr);
	if (root == NULL || !json_is_array(root) || json_array_size(root) == 0) {
		snprintf(err, errlen, "the extractor's field table is not a non-empty JSON array%s%s",
		         root == NULL ? ": " : "", root == NULL ? jerr.text : "");
		json_decref(root);
		return -1;
	}
	size_t n = json_array_size(root);
	t->f = calloc(n, sizeof(*t->f));
	if (t->f == NULL) {
		json_decref(root);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(root, i);
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *type = json_string_value(json_object_get(e, "type"));
		const char *desc = json_string_value(json_object_get(e, "desc"));
		json_t *list = json_object_get(e, "isList");
		if (!json_is_object(e) || name == NULL || *name == '\0' || strchr(name, '.') == NULL ||
		    type == NULL || desc == NULL || *desc == '\0' || (list && !json_is_boolean(list))) {
			snprintf(err, errlen,
			         "the extractor's field table entry %zu is invalid (needs name with a dot, "
			         "type, desc)", i);
			goto fail;
		}
		uint32_t code = 0;
		for (size_t k = 0; k < sizeof(k_types) / sizeof(k_types[0]); k++)
			if (strcmp(k_types[k].name, type) == 0)
				code = k_types[k].code;
		if (code == 0) {
			snprintf(err, errlen, "the extractor's field %s has unknown type '%s'", name, type);
			goto fail;
		}
		t->f[i].name = strdup(name);
		if (t->f[i].name == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		t->f[i].type = code;
		t->f[i].is_list = json_is_true(list);
		t->n = i + 1;
	}
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	dkr_field_table_free(t);
	return -1;
}

char *dkr_libdir(char *err, size_t errlen)
{
	Dl_info info;
	if (dladdr((void *)&dkr_libdir, &info) == 0 || info.dli_fname == NULL) {
		snprintf(err, errlen, "cannot find the directory of libdocker.so (dladdr failed)");
		return NULL;
	}
	char *copy = strdup(info.dli_fname);
	if (copy == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	char *dir = strdup(dirname(copy));
	free(copy);
	if (dir == NULL)
		snprintf(err, errlen, "out of memory");
	return dir;
}

char *dkr_default_module_path(char *err, size_t errlen)
{
	char *dir = dkr_libdir(err, errlen);
	if (dir == NULL)
		return NULL;
	char *path = NULL;
	if (asprintf(&path, "%s/docker_extractor.wasm", dir) < 0) {
		path = NULL;
		snprintf(err, errlen, "out of memory");
	}
	free(dir);
	return path;
}

/* Process-wide, written once under pthread_once. */
static struct {
	pthread_once_t once;
	char *json;
	char error[512];
} g_fields = {.once = PTHREAD_ONCE_INIT};

static void default_fields_load(void)
{
	char err[512] = "";
	wasm_engine_t *engine = dkr_engine_get(err, sizeof(err));
	char *path = engine ? dkr_default_module_path(err, sizeof(err)) : NULL;
	wasmtime_module_t *module = NULL;
	char *loaded = NULL;
	dkr_guest *g = NULL;
	dkr_guest_limits limits = {.max_memory_bytes = 256u << 20, .timeout_ms = 5000};
	dkr_field_table table;
	if (path != NULL &&
	    dkr_module_load(engine, path, NULL, &module, &loaded, err, sizeof(err)) == 0 &&
	    dkr_guest_new(engine, module, &limits, &g, err, sizeof(err)) == 0) {
		size_t len;
		const char *json = dkr_guest_fields_json(g, &len);
		if (dkr_field_table_parse(json, &table, err, sizeof(err)) == 0) {
			dkr_field_table_free(&table);
			g_fields.json = strdup(json);
		}
	}
	if (g_fields.json == NULL) {
		snprintf(g_fields.error, sizeof(g_fields.error), "%s", err[0] ? err : "out of memory");
		fprintf(stderr, "docker plugin: cannot provide the field table: %s\n", g_fields.error);
	}
	dkr_guest_delete(g);
	if (module != NULL)
		wasmtime_module_delete(module);
	free(loaded);
	free(path);
}

const char *dkr_default_fields(char *err, size_t errlen)
{
	pthread_once(&g_fields.once, default_fields_load);
	if (g_fields.json == NULL && err != NULL)
		snprintf(err, errlen, "%s", g_fields.error);
	return g_fields.json;
}

__attribute__((destructor)) static void fields_unload(void)
{
	free(g_fields.json);
	g_fields.json = NULL;
}

const char *plugin_get_fields(void)
{
	return dkr_default_fields(NULL, 0);
}

const char *plugin_get_extract_event_sources(void)
{
	return "[\"docker\"]";
}
