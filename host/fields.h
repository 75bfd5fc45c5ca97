/* The field table: parsing the module's get_fields JSON, the default module's location
 * (next to libdocker.so) and the process-wide cached table that plugin_get_fields returns. */
#ifndef DKR_FIELDS_H
#define DKR_FIELDS_H

#include <stddef.h>
#include <stdint.h>

typedef struct dkr_field {
	char *name;
	uint32_t type;      /* DKR_FTYPE_* */
	int is_list;
} dkr_field;

typedef struct dkr_field_table {
	dkr_field *f;
	size_t n;
} dkr_field_table;

/* Validates the table the way Falco does (array of objects with non-empty type in the known
 * set, a name with at least one dot, a non-empty desc) and keeps name/type/isList. */
int dkr_field_table_parse(const char *json, dkr_field_table *t, char *err, size_t errlen);
void dkr_field_table_free(dkr_field_table *t);

/* Directory holding libdocker.so (malloc'd), found with dladdr. */
char *dkr_libdir(char *err, size_t errlen);

/* <libdir>/docker_extractor.wasm (malloc'd); dkr_module_load prefers the .cwasm beside it. */
char *dkr_default_module_path(char *err, size_t errlen);

/* The field table of the default module, loaded once per process (NULL + err if it could
 * not be loaded). */
const char *dkr_default_fields(char *err, size_t errlen);

#endif
