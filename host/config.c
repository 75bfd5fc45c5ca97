#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char k_schema[] =
"{\"$schema\":\"http://json-schema.org/draft-07/schema#\","
"\"title\":\"docker plugin init_config\",\"type\":[\"object\",\"null\"],\"additionalProperties\":false,"
"\"properties\":{"
 "\"extractor\":{\"type\":[\"object\",\"null\"],\"additionalProperties\":false,"
  "\"description\":\"The WebAssembly field extractor.\",\"properties\":{"
  "\"module\":{\"type\":\"string\",\"default\":\"\",\"title\":\"Extractor module\","
   "\"description\":\"Path of the extractor module (.wasm, or .cwasm precompiled by dkr-precompile). "
   "Empty: docker_extractor.cwasm/.wasm next to libdocker.so. A .cwasm is used only if its SHA-256 matches "
   "the .cwasm.sha256 dkr-precompile wrote beside it (otherwise the .wasm is compiled, with a warning). "
   "Fields are matched by name with the table Falco loaded from the default module.\"},"
  "\"maxMemoryMiB\":{\"type\":\"integer\",\"minimum\":4,\"maximum\":4096,\"default\":64,"
   "\"description\":\"Linear memory cap of the extractor instance; hitting it costs only the field being extracted.\"},"
  "\"callTimeoutMs\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":60000,\"default\":100,"
   "\"description\":\"Deadline of one call into the extractor; a call that runs longer traps and yields no value.\"}}},"
 "\"collector\":{\"type\":[\"object\",\"null\"],\"additionalProperties\":false,"
  "\"description\":\"The collector child process that streams Docker events into the ring.\",\"properties\":{"
  "\"node\":{\"type\":\"string\",\"default\":\"\",\"description\":\"Empty: run the collector executable (docker-collector, Node.js built in; nothing else needed on the host). Set: this Node.js (>= 20; a path or a name looked up on PATH) runs the plain bundle docker-collector.js instead.\"},"
  "\"path\":{\"type\":\"string\",\"default\":\"\",\"description\":\"The collector: the executable (empty: docker-collector next to libdocker.so), or with collector.node set the script (empty: docker-collector.js next to libdocker.so).\"},"
  "\"enrich\":{\"type\":\"boolean\",\"default\":true,\"description\":\"Inspect containers and execs to add the falco enrichment key.\"},"
  "\"queueMax\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100000000,\"default\":100000,\"description\":\"Events the collector buffers while the ring is full before dropping (counted).\"},"
  "\"inspectTimeoutMs\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":60000,\"default\":250,\"description\":\"Bound of one enrichment inspect.\"},"
  "\"reconnectMaxMs\":{\"type\":\"integer\",\"minimum\":10,\"maximum\":600000,\"default\":5000,\"description\":\"Ceiling of the collector's reconnect backoff to a daemon (the first 60 s of an outage are retried every 250 ms at most: a restarted daemon keeps only its last 256 events).\"},"
  "\"restartMaxMs\":{\"type\":\"integer\",\"minimum\":10,\"maximum\":600000,\"default\":10000,\"description\":\"Ceiling of the plugin's backoff when restarting a crashed collector.\"},"
  "\"hangTimeoutMs\":{\"type\":\"integer\",\"minimum\":1000,\"maximum\":3600000,\"default\":10000,\"description\":\"A running collector whose ring heartbeat (written every quarter of this timeout when idle, at most every 2.5 s, and every 500 ms while events flow) has not changed for this long, or that wrote none this long after it was started, is hung: it is killed (SIGKILL) and restarted like a crashed one. Also the bound of open's start handshake: open waits for the collector's first heartbeat and fails with the collector's own message if it exits or stays silent first.\"},"
  "\"stateDir\":{\"type\":\"string\",\"pattern\":\"^(/.*)?$\",\"default\":\"/var/run/falco-docker-plugin\",\"description\":\"Directory where closing a live source saves where each daemon's stream stopped and the events published but not yet delivered to Falco (resume-<hash of the daemon endpoints>.bin, mode 0600, directory 0700 created if missing); the next open of the same endpoints delivers those first and resumes each daemon after its point, so a Falco hot reload or restart loses and repeats nothing (after an unclean exit events may repeat, never go missing, within the daemon's 256-event replay). Empty: no resume across close/open. I/O errors and damaged files only log a warning.\"}}},"
 "\"tls\":{\"type\":[\"object\",\"null\"],\"additionalProperties\":false,"
  "\"description\":\"TLS for tcp:// endpoints; used when ca, cert or key is set (otherwise DOCKER_TLS_VERIFY/DOCKER_CERT_PATH decide).\",\"properties\":{"
  "\"ca\":{\"type\":\"string\",\"default\":\"\",\"description\":\"CA certificate (PEM) file. Each TLS file must be a regular file (checked at open); the collector refuses one that is not PEM, or a key that is not the certificate's, at its start (open fails).\"},"
  "\"cert\":{\"type\":\"string\",\"default\":\"\",\"description\":\"Client certificate (PEM) file.\"},"
  "\"key\":{\"type\":\"string\",\"default\":\"\",\"description\":\"Client key (PEM, without a passphrase) file.\"},"
  "\"verify\":{\"type\":\"boolean\",\"default\":true,\"description\":\"Verify the daemon's certificate.\"}}},"
 "\"ring\":{\"type\":[\"object\",\"null\"],\"additionalProperties\":false,"
  "\"description\":\"Shared-memory ring between the collector and the plugin.\",\"properties\":{"
  "\"capacityMiB\":{\"type\":\"integer\",\"enum\":[1,2,4,8,16,32,64,128,256,512,1024],\"default\":8,"
   "\"description\":\"Ring data size in MiB (a power of two). One event may use up to a quarter of it (at most 16 MiB).\"}}},"
 "\"batch\":{\"type\":[\"object\",\"null\"],\"additionalProperties\":false,"
  "\"description\":\"How next_batch hands events to Falco.\",\"properties\":{"
  "\"maxEvents\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":65536,\"default\":1024,\"description\":\"Most events per batch.\"},"
  "\"waitMs\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000,\"default\":100,"
   "\"description\":\"How long next_batch waits for an event before returning a timeout to Falco. An event wakes it at once (the collector signals it), so a longer wait only makes an idle Falco wake less often.\"}}}"
"}}";

const char *dkr_config_schema(void)
{
	return k_schema;
}

/* Each reader leaves the default when the key is absent; null is refused as the schema does,
 * except for a section: Falco turns an empty YAML map (`collector: {}`) into null. */
static int get_obj(json_t *root, const char *key, json_t **out, char *err, size_t n)
{
	json_t *v = json_object_get(root, key);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_object(v)) {
		snprintf(err, n, "init_config: '%s' must be an object", key);
		return -1;
	}
	*out = v;
	return 0;
}

static int check_keys(json_t *obj, const char *where, const char *const *allowed, char *err,
                      size_t n)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		int ok = 0;
		for (const char *const *a = allowed; *a != NULL; a++)
			ok |= strcmp(*a, key) == 0;
		if (!ok) {
			char list[256] = "";
			for (const char *const *a = allowed; *a != NULL; a++) {
				strncat(list, *a, sizeof(list) - strlen(list) - 3);
				if (a[1] != NULL)
					strncat(list, ", ", sizeof(list) - strlen(list) - 1);
			}
			snprintf(err, n, "init_config: unknown key '%s%s%s' (known keys: %s)", where,
			         *where ? "." : "", key, list);
			return -1;
		}
	}
	return 0;
}

static int get_uint(json_t *obj, const char *sect, const char *key, uint32_t min, uint32_t max,
                    uint32_t *out, char *err, size_t n)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;
	if (v == NULL)
		return 0;
	double d;
	if (json_is_integer(v))
		d = (double)json_integer_value(v);
	else if (json_is_real(v))
		d = json_real_value(v);
	else
		d = -1.0e300;
	if (d != d || d < min || d > max || d != (double)(long long)d) {
		snprintf(err, n, "init_config: '%s.%s' must be an integer from %u to %u", sect, key,
		         min, max);
		return -1;
	}
	*out = (uint32_t)d;
	return 0;
}

static int get_bool(json_t *obj, const char *sect, const char *key, int *out, char *err,
                    size_t n)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v)) {
		snprintf(err, n, "init_config: '%s.%s' must be true or false", sect, key);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

/* Empty string leaves the default (NULL). */
static int get_str(json_t *obj, const char *sect, const char *key, char **out, char *err,
                   size_t n)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;
	if (v == NULL)
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, n, "init_config: '%s.%s' must be a string", sect, key);
		return -1;
	}
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v)) {
		snprintf(err, n, "init_config: '%s.%s' contains a NUL character", sect, key);
		return -1;
	}
	if (*s == '\0')
		return 0;
	free(*out);
	*out = strdup(s);
	if (*out == NULL) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	return 0;
}

/* Like get_str, but "" means "none" (NULL) rather than the default; relative paths are
 * refused (Falco's working directory is not a place to keep state). */
static int get_dir(json_t *obj, const char *sect, const char *key, char **out, char *err,
                   size_t n)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;
	if (v == NULL)
		return 0;
	if (json_is_string(v) && json_string_length(v) == 0) {
		free(*out);
		*out = NULL;
		return 0;
	}
	if (get_str(obj, sect, key, out, err, n) != 0)
		return -1;
	if ((*out)[0] != '/') {
		snprintf(err, n, "init_config: '%s.%s' must be an absolute directory path or \"\" "
		         "(got '%s')", sect, key, *out);
		return -1;
	}
	return 0;
}

void dkr_config_free(dkr_config *c)
{
	free(c->extractor_module);
	free(c->collector_node);
	free(c->collector_path);
	free(c->tls_ca);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->state_dir);
	memset(c, 0, sizeof(*c));
}

int dkr_config_parse(const char *json, dkr_config *c, char *err, size_t n)
{
	memset(c, 0, sizeof(*c));
	c->max_memory_mib = 64;
	c->call_timeout_ms = 100;
	c->enrich = 1;
	c->queue_max = 100000;
	c->inspect_timeout_ms = 250;
	c->reconnect_max_ms = 5000;
	c->restart_max_ms = 10000;
	c->hang_timeout_ms = 10000;
	c->tls_verify = 1;
	c->ring_capacity_mib = 8;
	c->batch_max_events = 1024;
	c->batch_wait_ms = 100;
	c->collector_node = strdup("");
	c->state_dir = strdup("/var/run/falco-docker-plugin");
	if (c->collector_node == NULL || c->state_dir == NULL) {
		dkr_config_free(c);
		snprintf(err, n, "out of memory");
		return -1;
	}
	if (json == NULL || json[strspn(json, " \t\r\n")] == '\0')
		return 0;

	json_error_t jerr;
	json_t *root = json_loads(json, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (root == NULL) {
		snprintf(err, n, "init_config is not valid JSON (line %d column %d: %s)", jerr.line,
		         jerr.column, jerr.text);
		dkr_config_free(c);
		return -1;
	}
	int rc = -1;
	json_t *ex, *co, *tl, *ri, *ba;
	static const char *const top[] = {"extractor", "collector", "tls", "ring", "batch", NULL};
	static const char *const k_ex[] = {"module", "maxMemoryMiB", "callTimeoutMs", NULL};
	static const char *const k_co[] = {"node", "path", "enrich", "queueMax", "inspectTimeoutMs",
	                                   "reconnectMaxMs", "restartMaxMs", "hangTimeoutMs",
	                                   "stateDir", NULL};
	static const char *const k_tl[] = {"ca", "cert", "key", "verify", NULL};
	static const char *const k_ri[] = {"capacityMiB", NULL};
	static const char *const k_ba[] = {"maxEvents", "waitMs", NULL};
	if (json_is_null(root)) { /* Falco passes `init_config: {}` (an empty YAML map) as null */
		rc = 0;
		goto out;
	}
	if (!json_is_object(root)) {
		snprintf(err, n, "init_config must be a JSON object (see the schema printed by "
		                 "falco --plugin-info docker)");
		goto out;
	}
	if (check_keys(root, "", top, err, n) || get_obj(root, "extractor", &ex, err, n) ||
	    get_obj(root, "collector", &co, err, n) || get_obj(root, "tls", &tl, err, n) ||
	    get_obj(root, "ring", &ri, err, n) || get_obj(root, "batch", &ba, err, n))
		goto out;
	if ((ex && check_keys(ex, "extractor", k_ex, err, n)) ||
	    (co && check_keys(co, "collector", k_co, err, n)) ||
	    (tl && check_keys(tl, "tls", k_tl, err, n)) ||
	    (ri && check_keys(ri, "ring", k_ri, err, n)) ||
	    (ba && check_keys(ba, "batch", k_ba, err, n)))
		goto out;
	if (get_str(ex, "extractor", "module", &c->extractor_module, err, n) ||
	    get_uint(ex, "extractor", "maxMemoryMiB", 4, 4096, &c->max_memory_mib, err, n) ||
	    get_uint(ex, "extractor", "callTimeoutMs", 1, 60000, &c->call_timeout_ms, err, n) ||
	    get_str(co, "collector", "node", &c->collector_node, err, n) ||
	    get_str(co, "collector", "path", &c->collector_path, err, n) ||
	    get_bool(co, "collector", "enrich", &c->enrich, err, n) ||
	    get_uint(co, "collector", "queueMax", 1, 100000000, &c->queue_max, err, n) ||
	    get_uint(co, "collector", "inspectTimeoutMs", 1, 60000, &c->inspect_timeout_ms, err, n) ||
	    get_uint(co, "collector", "reconnectMaxMs", 10, 600000, &c->reconnect_max_ms, err, n) ||
	    get_uint(co, "collector", "restartMaxMs", 10, 600000, &c->restart_max_ms, err, n) ||
	    get_uint(co, "collector", "hangTimeoutMs", 1000, 3600000, &c->hang_timeout_ms, err, n) ||
	    get_dir(co, "collector", "stateDir", &c->state_dir, err, n) ||
	    get_str(tl, "tls", "ca", &c->tls_ca, err, n) ||
	    get_str(tl, "tls", "cert", &c->tls_cert, err, n) ||
	    get_str(tl, "tls", "key", &c->tls_key, err, n) ||
	    get_bool(tl, "tls", "verify", &c->tls_verify, err, n) ||
	    get_uint(ri, "ring", "capacityMiB", 1, 1024, &c->ring_capacity_mib, err, n) ||
	    get_uint(ba, "batch", "maxEvents", 1, 65536, &c->batch_max_events, err, n) ||
	    get_uint(ba, "batch", "waitMs", 1, 1000, &c->batch_wait_ms, err, n))
		goto out;
	if ((c->ring_capacity_mib & (c->ring_capacity_mib - 1)) != 0) {
		snprintf(err, n, "init_config: 'ring.capacityMiB' must be a power of two (1, 2, 4, "
		                 "... 1024), got %u", c->ring_capacity_mib);
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	if (rc != 0)
		dkr_config_free(c);
	return rc;
}
