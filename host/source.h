/* Open parameters: parsing and checking before the collector is spawned. */
#ifndef DKR_SOURCE_H
#define DKR_SOURCE_H

#include <stddef.h>

typedef struct dkr_endpoints {
	char **v;       /* owned strings */
	size_t n;
	int replay;     /* every endpoint is file:// */
} dkr_endpoints;

/* Parses `params` (comma-separated endpoints; empty = DOCKER_HOST or the default socket).
 * Fails with a message that says what is accepted. */
int dkr_endpoints_parse(const char *params, dkr_endpoints *out, char *err, size_t errlen);
void dkr_endpoints_free(dkr_endpoints *e);

#endif
