#include "fieldinfo.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hfields_parse(const char *json, hfields *out)
{
	memset(out, 0, sizeof(*out));
	json_t *root = json ? json_loads(json, 0, NULL) : NULL;
	if (!json_is_array(root)) {
		json_decref(root);
		return -1;
	}
	out->n = json_array_size(root);
	out->f = calloc(out->n ? out->n : 1, sizeof(hfield));
	for (size_t i = 0; i < out->n; i++) {
		json_t *e = json_array_get(root, i);
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *type = json_string_value(json_object_get(e, "type"));
		json_t *arg = json_object_get(e, "arg");
		hfield *f = &out->f[i];
		f->name = strdup(name ? name : "");
		f->type = !type ? 0 : !strcmp(type, "string") ? DKR_FTYPE_STRING
		        : !strcmp(type, "uint64") ? DKR_FTYPE_UINT64 : !strcmp(type, "reltime") ? DKR_FTYPE_RELTIME
		        : !strcmp(type, "abstime") ? DKR_FTYPE_ABSTIME : !strcmp(type, "bool") ? DKR_FTYPE_BOOL
		        : !strcmp(type, "ipaddr") ? DKR_FTYPE_IPADDR : !strcmp(type, "ipnet") ? DKR_FTYPE_IPNET : 0;
		f->is_list = json_is_true(json_object_get(e, "isList"));
		f->arg_required = json_is_true(json_object_get(arg, "isRequired"));
		f->arg_index = json_is_true(json_object_get(arg, "isIndex"));
		f->arg_key = json_is_true(json_object_get(arg, "isKey"));
	}
	json_decref(root);
	return 0;
}

void hfields_free(hfields *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->f[i].name);
	free(t->f);
	memset(t, 0, sizeof(*t));
}

int hfields_find(const hfields *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->f[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void append(char *out, size_t cap, const char *fmt, const char *s, uint64_t v)
{
	size_t l = strlen(out);
	if (l + 1 >= cap)
		return;
	if (s != NULL) {
		json_t *j = json_string(s);
		char *d = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
		snprintf(out + l, cap - l, "%s", d ? d : "\"<invalid utf-8>\"");
		free(d);
		json_decref(j);
	} else {
		snprintf(out + l, cap - l, fmt, v);
	}
}

int hfield_extract_json(const dkr_api *api, ss_plugin_t *s, const ss_plugin_event_input *ei,
                        const hfield *f, uint32_t id, const char *arg, char *out, size_t cap)
{
	ss_plugin_extract_field ef;
	memset(&ef, 0xA5, sizeof(ef)); /* garbage, as libsinsp leaves res/res_len */
	ef.field_id = id;
	ef.field = f->name;
	ef.arg_key = NULL;
	ef.arg_index = UINT64_MAX;
	ef.arg_present = 0;
	ef.ftype = f->type;
	ef.flist = f->is_list ? 64 : 0;
	if (arg != NULL) {
		ef.arg_present = 1;
		if (f->arg_index) {
			char *end;
			ef.arg_index = strtoull(arg, &end, 10);
			if (*end != '\0' || *arg == '\0')
				ef.arg_index = UINT64_MAX;
		} else {
			ef.arg_key = arg;
		}
	}
	ss_plugin_field_extract_input in;
	memset(&in, 0, sizeof(in));
	in.num_fields = 1;
	in.fields = &ef;
	ss_plugin_rc rc = api->extract_fields(s, ei, &in);
	return hfield_format_json(f, &ef, rc, out, cap);
}

int hfield_format_json(const hfield *f, const ss_plugin_extract_field *ef, ss_plugin_rc rc,
                       char *out, size_t cap)
{
	out[0] = '\0';
	if (ef->res_len == 0xA5A5A5A5A5A5A5A5ull || ef->res_len == 0x5A5A5A5A5A5A5A5Aull) {
		snprintf(out, cap, "res_len not written for %s", f->name);
		return -1;
	}
	if (rc != SS_PLUGIN_SUCCESS || ef->res_len == 0)
		return 0;
	if (!f->is_list && ef->res_len > 1) {
		snprintf(out, cap, "non-list field %s returned %" PRIu64 " values", f->name, ef->res_len);
		return -1;
	}
	if (f->is_list)
		append(out, cap, "[", NULL, 0);
	for (uint64_t i = 0; i < ef->res_len; i++) {
		if (i > 0)
			append(out, cap, ",", NULL, 0);
		switch (f->type) {
		case DKR_FTYPE_STRING:
			if (ef->res.str[i] == NULL) {
				snprintf(out, cap, "NULL string from %s", f->name);
				return -1;
			}
			append(out, cap, "", ef->res.str[i], 0);
			break;
		case DKR_FTYPE_BOOL:
			append(out, cap, ef->res.boolean[i] ? "true" : "false", NULL, 0);
			if (ef->res.boolean[i] > 1) {
				snprintf(out, cap, "bool %s is %u", f->name, ef->res.boolean[i]);
				return -1;
			}
			break;
		case DKR_FTYPE_UINT64:
		case DKR_FTYPE_RELTIME:
		case DKR_FTYPE_ABSTIME:
			append(out, cap, "%" PRIu64, NULL, ef->res.u64[i]);
			break;
		default:
			append(out, cap, "null", NULL, 0);
			break;
		}
	}
	if (f->is_list)
		append(out, cap, "]", NULL, 0);
	return (int)ef->res_len;
}
