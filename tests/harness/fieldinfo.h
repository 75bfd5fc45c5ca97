/* The get_fields table as the harness sees it (parsed with jansson). */
#ifndef DKR_FIELDINFO_H
#define DKR_FIELDINFO_H

#include <stddef.h>
#include <stdint.h>

#include "harness.h"

typedef struct hfield {
	char *name;
	uint32_t type;
	int is_list, arg_required, arg_index, arg_key;
} hfield;

typedef struct hfields {
	hfield *f;
	size_t n;
} hfields;

int hfields_parse(const char *json, hfields *out);
void hfields_free(hfields *t);
int hfields_find(const hfields *t, const char *name);

/* Extracts one field (res_len pre-filled with garbage) and appends its value(s) as JSON to
 * out (cap bytes). Returns the number of values, -1 on an ABI violation (message in out). */
int hfield_extract_json(const dkr_api *api, ss_plugin_t *s, const ss_plugin_event_input *ei,
                        const hfield *f, uint32_t id, const char *arg, char *out, size_t cap);

/* Formats the values extract_fields left in *ef (rc its return) as hfield_extract_json does. */
int hfield_format_json(const hfield *f, const ss_plugin_extract_field *ef, ss_plugin_rc rc,
                       char *out, size_t cap);

#endif
