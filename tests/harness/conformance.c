/* `dkr-harness conformance`: every rule of the Falco plugin ABI reference that a plugin can
 * break, checked through the real libdocker.so loaded as Falco loads it, plus the plugin's
 * own guarantees (replay, ring consumer vectors, swap, isolation, supervision, states). */
#define _GNU_SOURCE
#include "fieldinfo.h"
#include "harness.h"
#include "ring.h"
#include "run.h"
#include "sha256.h"

#include <elf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wasmtime.h>

static int g_fail, g_pass;
static const char *g_section = "";
static struct {
	const char *lib, *root, *fake;
	char collector_cfg[PATH_MAX + 1024]; /* JSON fragment "collector":{...} */
	char fixture[1024];
	int valgrind;
} g;

#define CHECK(cond, ...) check_((cond) ? 1 : 0, __LINE__, __VA_ARGS__)
static int check_(int ok, int line, const char *fmt, ...)
{
	if (ok) {
		g_pass++;
		return 1;
	}
	g_fail++;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "FAIL [%s] line %d: ", g_section, line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 0;
}

/* ------------------------------------------------------------------ logging capture */

typedef struct logcap {
	pthread_mutex_t mu;
	char text[1 << 16];
	size_t len;
} logcap;

static void cap_log(ss_plugin_owner_t *o, const char *component, const char *msg,
                    ss_plugin_log_severity sev)
{
	logcap *c = (logcap *)o;
	if (getenv("DKR_HARNESS_DEBUG"))
		fprintf(stderr, "  log[%d] %s: %s\n", (int)sev, component ? component : "", msg);
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	int n = snprintf(c->text + c->len, sizeof(c->text) - c->len, "%d %s\n", (int)sev, msg);
	if (n > 0 && c->len + (size_t)n < sizeof(c->text))
		c->len += (size_t)n;
	pthread_mutex_unlock(&c->mu);
}

static void cap_init(logcap *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->mu, NULL);
}

/* ------------------------------------------------------------------ helpers */

static char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return NULL;
	}
	long n = (long)st.st_size;
	char *b = malloc((size_t)n + 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	if (b) {
		b[n] = '\0';
		if (len)
			*len = (size_t)n;
	}
	return b;
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	int ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static char *cfg(const char *extra)
{
	char *s = NULL;
	if (asprintf(&s, "{%s%s%s}", g.collector_cfg, extra && *extra ? "," : "", extra ? extra : "") < 0)
		abort();
	return s;
}

/* Non-empty lines of a JSONL file. */
typedef struct lines {
	char **v;
	size_t n;
} lines;

static void lines_read(const char *path, lines *out)
{
	memset(out, 0, sizeof(*out));
	char *text = read_text(path, NULL);
	if (text == NULL)
		return;
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		size_t k = strlen(l);
		while (k && l[k - 1] == '\r')
			l[--k] = '\0';
		if (k == 0)
			continue;
		json_t *obj = json_loads(l, 0, NULL);
		int is_obj = json_is_object(obj);
		json_decref(obj);
		if (!is_obj)
			continue; /* the collector skips lines that are not events */
		out->v = realloc(out->v, (out->n + 1) * sizeof(char *));
		out->v[out->n++] = strdup(l);
	}
	free(text);
}

static void lines_free(lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* ------------------------------------------------------------------ 1. exported symbols */

static void t_symbols(void)
{
	g_section = "symbols";
	size_t len;
	char *img = read_text(g.lib, &len);
	if (!CHECK(img != NULL, "cannot read %s", g.lib))
		return;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	int count = 0, bad = 0;
	static const char *const expected[] = {
		"plugin_get_required_api_version", "plugin_get_version", "plugin_get_name",
		"plugin_get_description", "plugin_get_contact", "plugin_get_init_schema",
		"plugin_init", "plugin_destroy", "plugin_get_last_error", "plugin_get_metrics",
		"plugin_get_id", "plugin_get_event_source", "plugin_open", "plugin_close",
		"plugin_next_batch", "plugin_list_open_params", "plugin_get_progress",
		"plugin_event_to_string", "plugin_get_fields", "plugin_extract_fields",
		"plugin_get_extract_event_sources", NULL};
	if (CHECK(len > sizeof(*eh) && memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0, "not ELF")) {
		const Elf64_Shdr *sh = (const Elf64_Shdr *)(img + eh->e_shoff);
		for (int i = 0; i < eh->e_shnum; i++) {
			if (sh[i].sh_type != SHT_DYNSYM)
				continue;
			const Elf64_Sym *sym = (const Elf64_Sym *)(img + sh[i].sh_offset);
			const char *str = img + sh[sh[i].sh_link].sh_offset;
			size_t n = sh[i].sh_size / sizeof(Elf64_Sym);
			for (size_t k = 0; k < n; k++) {
				if (sym[k].st_shndx == SHN_UNDEF || ELF64_ST_BIND(sym[k].st_info) == STB_LOCAL ||
				    sym[k].st_name == 0)
					continue;
				const char *name = str + sym[k].st_name;
				int known = 0;
				for (const char *const *e = expected; *e; e++)
					known |= strcmp(*e, name) == 0;
				if (!known) {
					bad++;
					fprintf(stderr, "  unexpected exported symbol: %s\n", name);
				}
				count++;
			}
		}
	}
	free(img);
	CHECK(bad == 0, "the library exports symbols other than the plugin API");
	int want = 0;
	for (const char *const *e = expected; *e; e++)
		want++;
	CHECK(count == want, "exported %d symbols, expected exactly %d", count, want);
}

/* ------------------------------------------------------------------ 2. info + capabilities */

static int parse_ver(const char *s, unsigned v[3])
{
	char extra;
	return s != NULL && sscanf(s, "%u.%u.%u%c", &v[0], &v[1], &v[2], &extra) == 3;
}

static void t_info(const dkr_api *a)
{
	g_section = "info";
	const char *req[] = {"get_required_api_version", "get_version", "get_name",
	                     "get_description", "get_contact", "init", "destroy", "get_last_error"};
	void *reqp[] = {(void *)a->get_required_api_version, (void *)a->get_version,
	                (void *)a->get_name, (void *)a->get_description, (void *)a->get_contact,
	                (void *)a->init, (void *)a->destroy, (void *)a->get_last_error};
	for (int i = 0; i < 8; i++)
		CHECK(reqp[i] != NULL, "required symbol plugin_%s missing", req[i]);
	unsigned v[3];
	const char *rv = a->get_required_api_version();
	if (CHECK(parse_ver(rv, v), "required API version '%s' is not M.m.p", rv)) {
		/* Framework 3.12.0 (Falco 0.42 .. 0.44): major equal, minor <=, patch rule. */
		CHECK(v[0] == 3, "major %u != 3", v[0]);
		CHECK(v[1] <= 12 && (v[1] < 12 || v[2] == 0), "'%s' not compatible with 3.12.0", rv);
		/* get_metrics needs 3.6, value_offsets 3.11. */
		CHECK(v[1] >= 11, "'%s' is lower than what the exported symbols/struct members need", rv);
	}
	CHECK(parse_ver(a->get_version(), v), "version '%s' is not M.m.p", a->get_version());
	CHECK(strcmp(a->get_name(), "docker") == 0, "name '%s'", a->get_name());
	CHECK(*a->get_description() && *a->get_contact(), "empty description or contact");
	/* Sourcing: all three, id+source both, not syscall. */
	CHECK(a->open && a->close && a->next_batch, "sourcing symbols incomplete");
	CHECK(a->get_id && a->get_id() == 5, "plugin id %u", a->get_id ? a->get_id() : 0);
	CHECK(a->get_event_source && strcmp(a->get_event_source(), "docker") == 0, "event source");
	CHECK(a->get_id() == a->get_id() && a->get_event_source() != NULL, "id/source not stable");
	/* Extraction. */
	CHECK(a->get_fields && a->extract_fields, "extraction symbols incomplete");
	/* Capabilities we must not half-implement. */
	CHECK(!a->parse_event && !a->get_async_events && !a->set_async_event_handler &&
	          !a->capture_open && !a->capture_close && !a->set_config,
	      "an unexpected optional capability symbol is exported");
	const char *src = a->get_extract_event_sources();
	json_t *j = json_loads(src, 0, NULL);
	CHECK(json_is_array(j) && json_array_size(j) == 1 &&
	          strcmp(json_string_value(json_array_get(j, 0)) ?: "", "docker") == 0,
	      "extract event sources '%s'", src);
	json_decref(j);
}

/* ------------------------------------------------------------------ 3. get_fields */

static const char *const k_evt_fields[] = {
	"evt.num", "evt.time", "evt.time.s", "evt.time.iso8601", "evt.datetime", "evt.datetime.s",
	"evt.rawtime", "evt.rawtime.s", "evt.rawtime.ns", "evt.reltime", "evt.reltime.s",
	"evt.reltime.ns", "evt.pluginname", "evt.plugininfo", "evt.source", "evt.is_async",
	"evt.asynctype", "evt.hostname", NULL};

static void check_field_table(const char *json, const char *what)
{
	json_t *root = json ? json_loads(json, 0, NULL) : NULL;
	if (!CHECK(json_is_array(root) && json_array_size(root) > 0,
	           "%s: get_fields is not a non-empty JSON array", what)) {
		json_decref(root);
		return;
	}
	regex_t re;
	regcomp(&re, "^[a-zA-Z]+[a-zA-Z0-9_]*(\\.[a-zA-Z]+[a-zA-Z0-9_]*)+$", REG_EXTENDED | REG_NOSUB);
	static const char *const types[] = {"string", "uint64", "reltime", "abstime", "bool",
	                                    "ipaddr", "ipnet", NULL};
	size_t n = json_array_size(root);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(root, i);
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *type = json_string_value(json_object_get(e, "type"));
		const char *desc = json_string_value(json_object_get(e, "desc"));
		if (!CHECK(json_is_object(e) && name && *name, "%s: entry %zu has no name", what, i))
			continue;
		CHECK(regexec(&re, name, 0, NULL, 0) == 0, "%s: name '%s' breaks the grammar", what, name);
		int tok = 0;
		for (const char *const *t = types; type && *t; t++)
			tok |= strcmp(*t, type) == 0;
		CHECK(tok, "%s: %s has invalid type '%s'", what, name, type ? type : "(none)");
		CHECK(desc && *desc, "%s: %s has no desc", what, name);
		for (const char *const *ev = k_evt_fields; *ev; ev++)
			CHECK(strcmp(*ev, name) != 0, "%s: %s overlaps a generic evt.* field", what, name);
		CHECK(strncmp(name, "evt.", 4) != 0, "%s: %s uses the evt. class", what, name);
		const char *bools[] = {"isList", "addOutput"};
		for (int b = 0; b < 2; b++) {
			json_t *v = json_object_get(e, bools[b]);
			CHECK(v == NULL || json_is_boolean(v), "%s: %s.%s is not a bool", what, name, bools[b]);
		}
		json_t *arg = json_object_get(e, "arg");
		if (arg != NULL) {
			const char *ab[] = {"isRequired", "isIndex", "isKey"};
			for (int b = 0; b < 3; b++) {
				json_t *v = json_object_get(arg, ab[b]);
				CHECK(v == NULL || json_is_boolean(v), "%s: %s.arg.%s not bool", what, name, ab[b]);
			}
			CHECK(!json_is_true(json_object_get(arg, "isRequired")) ||
			          json_is_true(json_object_get(arg, "isIndex")) ||
			          json_is_true(json_object_get(arg, "isKey")),
			      "%s: %s requires an argument that is neither index nor key", what, name);
		}
		json_t *props = json_object_get(e, "properties");
		if (props != NULL) {
			size_t k;
			json_t *p;
			CHECK(json_is_array(props), "%s: %s.properties not an array", what, name);
			json_array_foreach(props, k, p)
				CHECK(json_is_string(p), "%s: %s.properties has a non-string", what, name);
		}
		for (size_t k = 0; k < i; k++)
			CHECK(strcmp(json_string_value(json_object_get(json_array_get(root, k), "name")) ?: "",
			             name) != 0, "%s: duplicate field %s", what, name);
	}
	regfree(&re);
	json_decref(root);
}

static void t_fields(const dkr_api *a)
{
	g_section = "get_fields";
	const char *f1 = a->get_fields();
	const char *f2 = a->get_fields();
	check_field_table(f1, "default module");
	CHECK(f1 && f2 && strcmp(f1, f2) == 0, "get_fields is not stable across calls");
	/* Exactly the module's table: compare with dkr_fields_* of build/docker_extractor.wasm is
	 * done in t_swap (a module whose table we wrote). */
}

/* ------------------------------------------------------------------ 4. init schema + configs */

/* A validator for the JSON-schema subset the plugin's schema uses. 1 = valid. */
static int type_is(const char *type, json_t *v)
{
	return (!strcmp(type, "object") && json_is_object(v)) || (!strcmp(type, "string") && json_is_string(v)) ||
	       (!strcmp(type, "boolean") && json_is_boolean(v)) || (!strcmp(type, "integer") && json_is_integer(v)) ||
	       (!strcmp(type, "null") && json_is_null(v));
}

static int schema_valid(json_t *schema, json_t *v)
{
	json_t *type = json_object_get(schema, "type");
	if (json_is_string(type) && !type_is(json_string_value(type), v))
		return 0;
	if (json_is_array(type)) { /* one of the types */
		size_t i;
		json_t *t;
		int hit = 0;
		json_array_foreach(type, i, t) hit |= json_is_string(t) && type_is(json_string_value(t), v);
		if (!hit) return 0;
	}
	json_t *en = json_object_get(schema, "enum");
	if (en) {
		size_t i;
		json_t *x;
		int hit = 0;
		json_array_foreach(en, i, x) hit |= json_equal(x, v);
		if (!hit) return 0;
	}
	if (json_is_integer(v)) {
		json_t *mn = json_object_get(schema, "minimum"), *mx = json_object_get(schema, "maximum");
		if (mn && json_integer_value(v) < json_integer_value(mn)) return 0;
		if (mx && json_integer_value(v) > json_integer_value(mx)) return 0;
	}
	if (json_is_object(v)) {
		json_t *props = json_object_get(schema, "properties");
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x) {
			json_t *ps = json_object_get(props, k);
			if (ps == NULL) {
				if (json_is_false(json_object_get(schema, "additionalProperties")))
					return 0;
			} else if (!schema_valid(ps, x)) {
				return 0;
			}
		}
	}
	return 1;
}

static void check_schema_annotations(json_t *schema, const char *path)
{
	json_t *props = json_object_get(schema, "properties");
	const char *k;
	json_t *p;
	json_object_foreach(props, k, p) {
		char sub[256];
		snprintf(sub, sizeof(sub), "%s.%s", path, k);
		CHECK(json_string_value(json_object_get(p, "description")) != NULL,
		      "schema %s has no description", sub);
		if (json_object_get(p, "properties"))
			check_schema_annotations(p, sub);
		else
			CHECK(json_object_get(p, "default") != NULL, "schema %s has no default", sub);
	}
}

static void t_schema(const dkr_api *a)
{
	g_section = "init_schema";
	ss_plugin_schema_type t = SS_PLUGIN_SCHEMA_NONE;
	const char *s = a->get_init_schema(&t);
	CHECK(t == SS_PLUGIN_SCHEMA_JSON, "schema type %d", (int)t);
	json_t *schema = json_loads(s, 0, NULL);
	if (!CHECK(json_is_object(schema), "get_init_schema is not a JSON object"))
		return;
	check_schema_annotations(schema, "init_config");
	static const char *const configs[] = {
		"{}",
		"{\"extractor\":{\"maxMemoryMiB\":32,\"callTimeoutMs\":200}}",
		"{\"collector\":{\"node\":\"node\",\"enrich\":false,\"queueMax\":10,\"inspectTimeoutMs\":100,"
		"\"reconnectMaxMs\":1000,\"restartMaxMs\":500}}",
		"{\"tls\":{\"ca\":\"\",\"cert\":\"\",\"key\":\"\",\"verify\":false}}",
		"{\"ring\":{\"capacityMiB\":1},\"batch\":{\"maxEvents\":1,\"waitMs\":5}}",
		"{\"ring\":null}",
		/* Falco passes an empty YAML map (`init_config: {}`, `collector: {}`) as null */
		"null",
		"{\"collector\":null,\"tls\":null,\"extractor\":null,\"batch\":null}",
		"{\"collector\":{\"stateDir\":\"\"}}",
		"{\"collector\":{\"stateDir\":\"/tmp/dkr-state\"}}",
		/* invalid */
		"{\"collector\":{\"stateDir\":7}}",
		"{\"bogus\":1}",
		"{\"extractor\":{\"maxMemoryMiB\":\"64\"}}",
		"{\"extractor\":{\"maxMemoryMiB\":1}}",
		"{\"ring\":{\"capacityMiB\":3}}",
		"{\"batch\":{\"waitMs\":0}}",
		"{\"collector\":{\"enrich\":\"yes\"}}",
		"{\"collector\":{\"nodes\":\"node\"}}",
		"{\"extractor\":5}",
		"[1,2]",
		"5",
		"\"x\"",
		"{\"ring\":{\"capacityMiB\":null}}",
		NULL};
	for (const char *const *c = configs; *c; c++) {
		json_t *v = json_loads(*c, JSON_DECODE_ANY, NULL);
		int valid = v && schema_valid(schema, v);
		json_decref(v);
		logcap lc;
		cap_init(&lc);
		ss_plugin_rc rc;
		ss_plugin_t *st = dkr_api_init(a, *c, (ss_plugin_owner_t *)&lc, cap_log, &rc);
		CHECK(rc == SS_PLUGIN_SUCCESS || rc == SS_PLUGIN_FAILURE, "init rc %d not written", (int)rc);
		CHECK((rc == SS_PLUGIN_SUCCESS) == valid,
		      "config %s: schema says %s but init %s (%s)", *c, valid ? "valid" : "invalid",
		      rc == SS_PLUGIN_SUCCESS ? "succeeded" : "failed",
		      st ? a->get_last_error(st) : "no state");
		if (rc != SS_PLUGIN_SUCCESS)
			CHECK(st != NULL && *a->get_last_error(st) != '\0', "init failed without a message");
		if (st)
			a->destroy(st);
		pthread_mutex_destroy(&lc.mu);
	}
	/* Empty config arrives as "{}" through dkr_api_init; the plugin also accepts "" itself. */
	ss_plugin_init_input in = {.config = "", .owner = NULL, .log_fn = NULL};
	ss_plugin_rc rc = (ss_plugin_rc)77;
	ss_plugin_t *st = a->init(&in, &rc);
	CHECK(rc == SS_PLUGIN_SUCCESS, "init(\"\") failed: %s", st ? a->get_last_error(st) : "");
	if (st)
		a->destroy(st);
	/* A missing module fails init with a message that says what to do. */
	st = dkr_api_init(a, "{\"extractor\":{\"module\":\"/nonexistent/x.wasm\"}}", NULL, NULL, &rc);
	CHECK(rc == SS_PLUGIN_FAILURE && st && strstr(a->get_last_error(st), "/nonexistent/x"),
	      "init with a missing module: %s", st ? a->get_last_error(st) : "");
	if (st)
		a->destroy(st);
	json_decref(schema);
}

/* ------------------------------------------------------------------ 5. open params */

static void t_open_params(const dkr_api *a)
{
	g_section = "open_params";
	ss_plugin_rc rc;
	char *c = cfg(NULL);
	ss_plugin_t *s = dkr_api_init(a, c, NULL, NULL, &rc);
	free(c);
	if (!CHECK(rc == SS_PLUGIN_SUCCESS, "init: %s", s ? a->get_last_error(s) : ""))
		goto out;
	rc = (ss_plugin_rc)99;
	const char *lop = a->list_open_params(s, &rc);
	CHECK(rc == SS_PLUGIN_SUCCESS, "list_open_params rc %d", (int)rc);
	json_t *j = json_loads(lop, 0, NULL);
	CHECK(json_is_array(j) && json_array_size(j) > 0, "list_open_params not an array: %s", lop);
	size_t i;
	json_t *e;
	json_array_foreach(j, i, e) {
		const char *v = json_string_value(json_object_get(e, "value"));
		CHECK(v && *v, "open param suggestion %zu has no value", i);
	}
	json_decref(j);
	static const char *const bad[] = {"bogus://x", "file:///nonexistent/events.jsonl",
	                                  "file://relative.jsonl", "tcp://nohost", "unix://relative",
	                                  "unix:///var/run/docker.sock,,tcp://a:1", "http://x:80",
	                                  "file:///", NULL};
	for (const char *const *b = bad; *b; b++) {
		rc = SS_PLUGIN_FAILURE; /* the framework pre-sets FAILURE */
		ss_instance_t *h = a->open(s, *b, &rc);
		CHECK(rc == SS_PLUGIN_FAILURE && h == NULL, "open(%s) did not fail", *b);
		const char *msg = a->get_last_error(s);
		CHECK(msg && strlen(msg) > 10, "open(%s) failed without a message", *b);
		if (h)
			a->close(s, h);
	}
	/* A recording that is a FIFO fails at once (nothing opens it: that would block until a
	 * writer came); mixing recordings with daemons, or naming one endpoint twice (the same
	 * string or the same file), fails open before anything is spawned. */
	char dir[] = "/tmp/dkr-harness-params-XXXXXX";
	if (CHECK(mkdtemp(dir) != NULL, "mkdtemp")) {
		char fifo[64], link[64], p2[3 * PATH_MAX];
		snprintf(fifo, sizeof(fifo), "%s/events.fifo", dir);
		snprintf(link, sizeof(link), "%s/link.jsonl", dir);
		CHECK(mkfifo(fifo, 0600) == 0 && symlink(g.fixture, link) == 0, "mkfifo/symlink");
		struct {
			char params[3 * PATH_MAX];
			const char *want;
		} cases[5];
		snprintf(cases[0].params, sizeof(cases[0].params), "file://%s", fifo);
		cases[0].want = "not a regular file";
		snprintf(cases[1].params, sizeof(cases[1].params), "file://%s,unix:///var/run/docker.sock",
		         g.fixture);
		cases[1].want = "cannot be mixed";
		snprintf(cases[2].params, sizeof(cases[2].params), "unix:///var/run/docker.sock,file://%s",
		         g.fixture);
		cases[2].want = "cannot be mixed";
		snprintf(cases[3].params, sizeof(cases[3].params), "file://%s, file://%s", g.fixture, link);
		cases[3].want = "the same recording";
		snprintf(cases[4].params, sizeof(cases[4].params),
		         "tcp://Docker.example:2376,unix:///x.sock,tcp://docker.example:2376");
		cases[4].want = "the same daemon";
		for (size_t k = 0; k < 5; k++) {
			double t0 = dkr_mono_s();
			rc = SS_PLUGIN_FAILURE;
			ss_instance_t *hh = a->open(s, cases[k].params, &rc);
			double took = dkr_mono_s() - t0;
			CHECK(hh == NULL && strstr(a->get_last_error(s), cases[k].want) && took < 1.0,
			      "open(%s): %s after %.2f s: %s", cases[k].params, hh ? "succeeded" : "failed",
			      took, a->get_last_error(s));
			if (hh)
				a->close(s, hh);
		}
		snprintf(p2, sizeof(p2), "rm -rf '%s'", dir);
		if (system(p2) != 0)
			fprintf(stderr, "note: could not remove %s\n", dir);
	}
	/* The message names the culprit and what is accepted. */
	ss_instance_t *h = a->open(s, "bogus://x", &rc);
	CHECK(strstr(a->get_last_error(s), "bogus://x") && strstr(a->get_last_error(s), "unix://"),
	      "unhelpful message: %s", a->get_last_error(s));
	if (h)
		a->close(s, h);
	/* A collector that cannot start fails open with a message. */
	a->destroy(s);
	s = dkr_api_init(a, "{\"collector\":{\"node\":\"/nonexistent/node\"}}", NULL, NULL, &rc);
	char params[1100];
	snprintf(params, sizeof(params), "file://%s", g.fixture);
	h = a->open(s, params, &rc);
	CHECK(h == NULL && rc == SS_PLUGIN_FAILURE && strstr(a->get_last_error(s), "collector.node"),
	      "missing node: %s", a->get_last_error(s));
	if (h)
		a->close(s, h);
	a->destroy(s);
	s = dkr_api_init(a, "{\"collector\":{\"path\":\"/nonexistent/main.js\"}}", NULL, NULL, &rc);
	h = a->open(s, params, &rc);
	CHECK(h == NULL && strstr(a->get_last_error(s), "collector.path"), "missing script: %s",
	      a->get_last_error(s));
	if (h)
		a->close(s, h);
out:
	if (s)
		a->destroy(s);
	/* close accepts NULLs. */
	a->close(NULL, NULL);
}

/* ------------------------------------------------------------------ 6. replay */

typedef struct replay_result {
	size_t events;
	int eof;
	char *error;
} replay_result;

/* Checks one event byte by byte. */
static void check_event_layout(const ss_plugin_event *e, const char *want_payload)
{
	const uint8_t *b = (const uint8_t *)e;
	uint32_t l0, l1, id;
	memcpy(&l0, b + 26, 4);
	memcpy(&l1, b + 30, 4);
	memcpy(&id, b + 34, 4);
	CHECK(e->type == 322 && e->nparams == 2, "type %u nparams %u", e->type, e->nparams);
	CHECK(l0 == 4, "param 0 length %u", l0);
	CHECK(e->len == 38 + l1, "len %u != 38 + %u", e->len, l1);
	CHECK(id == 5, "plugin id %u", id);
	CHECK(e->tid == UINT64_MAX, "tid %" PRIu64, e->tid);
	if (want_payload) {
		size_t wl = strlen(want_payload);
		/* The collector may append a "falco" key before the closing brace. */
		int same = l1 == wl && memcmp(b + 38, want_payload, wl) == 0;
		int enriched = l1 > wl && wl > 0 && memcmp(b + 38, want_payload, wl - 1) == 0 &&
		               memcmp(b + 38 + wl - 1, ",\"falco\":", 9) == 0;
		CHECK(same || enriched, "payload differs from the recording: %.*s", (int)(l1 > 200 ? 200 : l1),
		      b + 38);
		const char *tn = strstr(want_payload, "\"timeNano\":");
		if (tn)
			CHECK(e->ts == strtoull(tn + 11, NULL, 10), "ts %" PRIu64 " != timeNano", e->ts);
	}
	/* Writable: the framework patches tid/ts/plugin id in place. */
	((ss_plugin_event *)e)->tid = UINT64_MAX;
	memcpy((uint8_t *)e + 34, &id, 4);
}

/* Extracts every field (without required args) from an event; checks res_len rules. */
static void extract_all(const dkr_api *a, ss_plugin_t *s, const hfields *t,
                        const ss_plugin_event_input *ei, char **out_json)
{
	char *val = malloc(1 << 20);
	size_t cap = 1 << 16, len = 0;
	char *acc = out_json ? calloc(1, cap) : NULL;
	for (size_t i = 0; i < t->n; i++) {
		if (t->f[i].arg_required)
			continue;
		int n = hfield_extract_json(a, s, ei, &t->f[i], (uint32_t)i, NULL, val, 1 << 20);
		CHECK(n >= 0, "%s", val);
		if (acc && n > 0) {
			size_t need = len + strlen(t->f[i].name) + strlen(val) + 8;
			if (need > cap) {
				cap = need * 2;
				acc = realloc(acc, cap);
			}
			len += (size_t)sprintf(acc + len, "%s=%s;", t->f[i].name, val);
		}
	}
	/* All fields in one call must give the same values as one at a time. */
	size_t nf = 0;
	ss_plugin_extract_field *fs = calloc(t->n, sizeof(*fs));
	for (size_t i = 0; i < t->n; i++) {
		if (t->f[i].arg_required)
			continue;
		memset(&fs[nf], 0x5A, sizeof(fs[nf]));
		fs[nf].field_id = (uint32_t)i;
		fs[nf].field = t->f[i].name;
		fs[nf].arg_key = NULL;
		fs[nf].arg_index = UINT64_MAX;
		fs[nf].arg_present = 0;
		fs[nf].ftype = t->f[i].type;
		fs[nf].flist = t->f[i].is_list ? 64 : 0;
		nf++;
	}
	ss_plugin_field_extract_input in;
	memset(&in, 0, sizeof(in));
	in.num_fields = (uint32_t)nf;
	in.fields = fs;
	ss_plugin_extract_value_offsets offs = {0};
	in.value_offsets = &offs;
	ss_plugin_rc mrc = a->extract_fields(s, ei, &in);
	CHECK(mrc == SS_PLUGIN_SUCCESS, "multi-field extraction failed");
	/* Every value of the call stays valid until the next call (the host copies a string out
	 * of guest memory only when another guest call follows): render them all first. */
	char **together = calloc(nf, sizeof(char *));
	int *counts = calloc(nf, sizeof(int));
	size_t total = 0;
	for (size_t k = 0; k < nf; k++) {
		counts[k] = hfield_format_json(&t->f[fs[k].field_id], &fs[k], mrc, val, 1 << 20);
		CHECK(counts[k] >= 0, "multi: %s", val);
		together[k] = strdup(val);
		if (counts[k] > 0)
			total += fs[k].res_len;
	}
	if (total > 0 && CHECK(offs.start && offs.length, "value_offsets not filled"))
		CHECK(offs.start[total - 1] == 0 && offs.length[total - 1] == 0, "offsets not {0,0}");
	for (size_t k = 0; k < nf; k++) {
		int single = hfield_extract_json(a, s, ei, &t->f[fs[k].field_id], fs[k].field_id, NULL,
		                                 val, 1 << 20);
		CHECK(single == counts[k] && !strcmp(val, together[k]),
		      "%s: %d value(s) %s alone, %d value(s) %s together", fs[k].field, single, val,
		      counts[k], together[k]);
		free(together[k]);
	}
	free(together);
	free(counts);
	free(fs);
	free(val);
	if (out_json)
		*out_json = acc;
}

static void t_replay(const dkr_api *a)
{
	g_section = "replay";
	lines want;
	lines_read(g.fixture, &want);
	if (!CHECK(want.n > 0, "fixture %s is empty", g.fixture))
		return;
	hfields t;
	hfields_parse(a->get_fields(), &t);
	ss_plugin_rc rc;
	char *c = cfg("\"batch\":{\"maxEvents\":7,\"waitMs\":10}");
	logcap lc;
	cap_init(&lc);
	ss_plugin_t *s = dkr_api_init(a, c, (ss_plugin_owner_t *)&lc, cap_log, &rc);
	free(c);
	if (!CHECK(rc == SS_PLUGIN_SUCCESS, "init: %s", s ? a->get_last_error(s) : ""))
		goto out;
	char params[1100];
	snprintf(params, sizeof(params), "file://%s", g.fixture);
	for (int cycle = 0; cycle < 3; cycle++) {
		ss_instance_t *h = a->open(s, params, &rc);
		if (!CHECK(rc == SS_PLUGIN_SUCCESS && h, "open(%s): %s", params, a->get_last_error(s)))
			break;
		size_t got = 0, batches = 0;
		int eof = 0;
		double deadline = dkr_mono_s() + 60;
		uint64_t evtnum = 1000 * (uint64_t)cycle;
		while (!eof && dkr_mono_s() < deadline) {
			uint32_t n = 12345;
			ss_plugin_event **evts = NULL;
			rc = a->next_batch(s, h, &n, &evts);
			if (rc == SS_PLUGIN_SUCCESS)
				CHECK(n > 0 && n <= 7, "SUCCESS with %u events (maxEvents 7)", n);
			else
				CHECK(rc == SS_PLUGIN_TIMEOUT || rc == SS_PLUGIN_EOF || n == 0, "rc %d", (int)rc);
			if (rc == SS_PLUGIN_FAILURE) {
				CHECK(0, "next_batch FAILURE: %s", a->get_last_error(s));
				break;
			}
			batches += n > 0;
			for (uint32_t i = 0; i < n; i++) {
				if (got < want.n)
					check_event_layout(evts[i], want.v[got]);
				ss_plugin_event_input ei = {.evt = evts[i], .evtnum = ++evtnum, .evtsrc = "docker"};
				if (cycle == 0) {
					extract_all(a, s, &t, &ei, NULL);
					const char *txt = a->event_to_string(s, &ei);
					CHECK(txt && strlen(txt) == evts[i]->len - 38u &&
					          memcmp(txt, (const uint8_t *)evts[i] + 38, strlen(txt)) == 0,
					      "event_to_string is not the payload");
				}
				got++;
			}
			if (rc == SS_PLUGIN_EOF)
				eof = 1;
		}
		CHECK(eof, "no EOF after replaying %s (%zu events)", params, got);
		CHECK(got == want.n, "replayed %zu events, the recording has %zu", got, want.n);
		CHECK(batches >= (want.n + 6) / 7, "batches %zu", batches);
		uint32_t n = 1;
		ss_plugin_event **evts;
		CHECK(a->next_batch(s, h, &n, &evts) == SS_PLUGIN_EOF && n == 0, "EOF is not sticky");
		uint32_t pct = 0;
		const char *ps = a->get_progress(s, h, &pct);
		CHECK(pct == 10000 && ps && *ps, "progress after EOF %u (%s)", pct, ps ? ps : "");
		uint32_t nm = 0;
		ss_plugin_metric *m = a->get_metrics(s, &nm);
		int seen_events = 0;
		for (uint32_t k = 0; k < nm; k++) {
			CHECK(m[k].name && *m[k].name, "metric without a name");
			if (!strcmp(m[k].name, "events")) {
				seen_events = 1;
				CHECK(m[k].value_type == SS_PLUGIN_METRIC_VALUE_TYPE_U64 &&
				          m[k].value.u64 == want.n * (uint64_t)(cycle + 1),
				      "metric events %" PRIu64 ", want %zu", m[k].value.u64,
				      want.n * (size_t)(cycle + 1));
			}
			for (uint32_t q = 0; q < k; q++)
				CHECK(strcmp(m[q].name, m[k].name) != 0, "duplicate metric %s", m[k].name);
		}
		CHECK(seen_events && nm >= 10, "metrics: %u, events present %d", nm, seen_events);
		/* A second caller (Falco's web server and stats writer may call at once) gets its own
		 * array: the first one's values are not rewritten under it. */
		uint32_t nm2 = 0;
		ss_plugin_metric *m2 = a->get_metrics(s, &nm2);
		CHECK(m2 != m && nm2 == nm && memcmp(m2, m, nm * sizeof(*m)) == 0,
		      "get_metrics: two calls share one output array (%p, %p)", (void *)m, (void *)m2);
		a->close(s, h);
	}
out:
	if (s)
		a->destroy(s);
	pthread_mutex_destroy(&lc.mu);
	hfields_free(&t);
	lines_free(&want);
}

/* ------------------------------------------------------------------ 7. field vectors */

/* The values of one field as a JSON array; integers as decimal strings (as in fields.json). */
static json_t *extract_values(const dkr_api *a, ss_plugin_t *s, const ss_plugin_event_input *ei,
                              const hfield *f, uint32_t id, const char *arg)
{
	ss_plugin_extract_field ef;
	memset(&ef, 0x33, sizeof(ef));
	ef.field_id = id;
	ef.field = f->name;
	ef.arg_key = NULL;
	ef.arg_index = UINT64_MAX;
	ef.arg_present = arg != NULL;
	ef.ftype = f->type;
	ef.flist = f->is_list ? 64 : 0;
	if (arg && f->arg_index) {
		char *end;
		ef.arg_index = strtoull(arg, &end, 10);
		if (*end || !*arg || (arg[0] == '0' && arg[1]))
			ef.arg_index = UINT64_MAX;
	} else if (arg) {
		ef.arg_key = arg;
	}
	ss_plugin_field_extract_input in;
	memset(&in, 0, sizeof(in));
	in.num_fields = 1;
	in.fields = &ef;
	json_t *out = json_array();
	if (a->extract_fields(s, ei, &in) != SS_PLUGIN_SUCCESS || ef.res_len == 0x3333333333333333ull)
		return out;
	for (uint64_t i = 0; i < ef.res_len; i++) {
		char num[32];
		switch (f->type) {
		case DKR_FTYPE_STRING:
			json_array_append_new(out, json_string(ef.res.str[i]));
			break;
		case DKR_FTYPE_BOOL:
			json_array_append_new(out, json_boolean(ef.res.boolean[i]));
			break;
		default:
			snprintf(num, sizeof(num), "%" PRIu64, ef.res.u64[i]);
			json_array_append_new(out, json_string(num));
			break;
		}
	}
	return out;
}

static void t_field_vectors(const dkr_api *a)
{
	g_section = "fields.json";
	char path[1200];
	snprintf(path, sizeof(path), "%s/tests/vectors/fields.json", g.root);
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "note: %s not present, field vectors not checked\n", path);
		return;
	}
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	if (!CHECK(json_is_array(root), "%s: %s", path, je.text))
		return;
	hfields t;
	hfields_parse(a->get_fields(), &t);
	ss_plugin_rc rc;
	ss_plugin_t *s = dkr_api_init(a, "", NULL, NULL, &rc);
	char *val = malloc(1 << 20);
	size_t i, checked = 0;
	json_t *v;
	uint64_t evtnum = 1;
	json_array_foreach(root, i, v) {
		json_t *evj = json_object_get(v, "event");
		const char *field = json_string_value(json_object_get(v, "field"));
		json_t *arg = json_object_get(v, "arg");
		json_t *values = json_object_get(v, "values");
		char *payload = NULL;
		if (json_is_string(evj)) {
			payload = strdup(json_string_value(evj)); /* inline, byte for byte */
		} else if (json_is_object(evj)) {
			const char *file = json_string_value(json_object_get(evj, "file"));
			json_int_t k = json_integer_value(json_object_get(evj, "line"));
			char fpath[1400];
			snprintf(fpath, sizeof(fpath), "%s/%s", g.root, file ? file : "(none)");
			/* Physical line k (1-based) of the fixture. */
			char *text = file ? read_text(fpath, NULL) : NULL;
			char *line = text;
			for (json_int_t q = 1; line && q < k; q++) {
				line = strchr(line, '\n');
				line = line ? line + 1 : NULL;
			}
			if (line && k >= 1) {
				size_t ll = strcspn(line, "\n");
				payload = strndup(line, ll);
			}
			free(text);
			const char *hex = json_string_value(json_object_get(evj, "hex"));
			if (hex != NULL) {
				size_t hl = strlen(hex) / 2;
				payload = calloc(1, hl + 1);
				for (size_t q = 0; q < hl; q++) {
					unsigned byte;
					sscanf(hex + 2 * q, "%2x", &byte);
					payload[q] = (char)byte;
				}
			}
		}
		int id = field ? hfields_find(&t, field) : -1;
		if (!CHECK(payload && id >= 0 && json_is_array(values),
		           "vector %zu unusable (event/field/values): field %s", i, field ? field : "?"))
			goto next;
		char argbuf[64];
		const char *as = NULL;
		if (json_is_string(arg))
			as = json_string_value(arg);
		else if (json_is_integer(arg)) {
			snprintf(argbuf, sizeof(argbuf), "%" JSON_INTEGER_FORMAT, json_integer_value(arg));
			as = argbuf;
		}
		ss_plugin_event *e = dkr_make_event(payload, (uint32_t)strlen(payload), 1);
		ss_plugin_event_input ei = {.evt = e, .evtnum = evtnum++, .evtsrc = "docker"};
		int n = hfield_extract_json(a, s, &ei, &t.f[id], (uint32_t)id, as, val, 1 << 20);
		json_t *got = extract_values(a, s, &ei, &t.f[id], (uint32_t)id, as);
		char *gs = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
		char *ws = json_dumps(values, JSON_COMPACT | JSON_ENCODE_ANY);
		CHECK(n >= 0 && json_equal(got, values), "vector %zu %s%s%s%s: got %s want %s", i, field,
		      as ? "[" : "", as ? as : "", as ? "]" : "", gs, ws);
		free(gs);
		free(ws);
		json_decref(got);
		free(e);
		checked++;
	next:
		free(payload);
	}
	fprintf(stderr, "note: %zu field vectors checked\n", checked);
	free(val);
	if (s)
		a->destroy(s);
	hfields_free(&t);
	json_decref(root);
}

/* ------------------------------------------------------------------ 8. ring vectors */

/* The consumer's constants (host/ring.h) are the numbers of contracts/ring.json, the machine
 * form of ring.md; the collector's test checks its own against the same file. */
static void t_ring_contract(void)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/contracts/ring.json", g.root);
	json_error_t je;
	json_t *c = json_load_file(path, 0, &je);
	if (!CHECK(c != NULL, "cannot read %s: %s", path, je.text))
		return;
	const char *magic = json_string_value(json_object_get(c, "magic"));
	CHECK(magic != NULL && strtoull(magic, NULL, 16) == DKR_RING_MAGIC, "magic differs from ring.json");
	struct { const char *a, *b; uint64_t want; } k[] = {
		{"version", NULL, DKR_RING_VERSION}, {"headerSize", NULL, DKR_RING_HEADER_SIZE},
		{"minCapacity", NULL, DKR_RING_MIN_CAPACITY}, {"maxCapacity", NULL, DKR_RING_MAX_CAPACITY},
		{"wrapMarker", NULL, DKR_RING_WRAP}, {"recordHeaderSize", NULL, DKR_RING_RECORD_HEADER},
		{"header", "magic", DKR_RH_MAGIC}, {"header", "version", DKR_RH_VERSION},
		{"header", "headerSize", DKR_RH_HEADER_SIZE}, {"header", "capacity", DKR_RH_CAPACITY},
		{"header", "flags", DKR_RH_FLAGS}, {"header", "writePos", DKR_RH_WRITE_POS},
		{"header", "eventsWritten", DKR_RH_EVENTS_WRITTEN}, {"header", "eventsDropped", DKR_RH_EVENTS_DROPPED},
		{"header", "oversizeDropped", DKR_RH_OVERSIZE_DROPPED}, {"header", "reconnects", DKR_RH_RECONNECTS},
		{"header", "queueDepth", DKR_RH_QUEUE_DEPTH}, {"header", "lastTs", DKR_RH_LAST_TS},
		{"header", "lastHash", DKR_RH_LAST_HASH}, {"header", "readPos", DKR_RH_READ_POS},
		{"header", "eventsRead", DKR_RH_EVENTS_READ}, {"header", "consumerWaiting", DKR_RH_CONSUMER_WAITING},
		{"header", "eventsTruncated", DKR_RH_EVENTS_TRUNCATED},
		{"header", "connected", DKR_RH_CONNECTED},
		{"header", "inspectFailures", DKR_RH_INSPECT_FAILURES}, {"header", "parseErrors", DKR_RH_PARSE_ERRORS},
		{"header", "heartbeatNs", DKR_RH_HEARTBEAT_NS}, {"header", "sourceRead", DKR_RH_SOURCE_READ},
		{"header", "sourceTotal", DKR_RH_SOURCE_TOTAL}, {"header", "finished", DKR_RH_FINISHED},
		{"resume", "offset", DKR_RING_RESUME_AT}, {"resume", "entries", DKR_RING_RESUME_ENTRIES},
		{"resume", "entrySize", DKR_RING_RESUME_ENTRY_SIZE},
	};
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		json_t *v = k[i].b ? json_object_get(json_object_get(c, k[i].a), k[i].b) : json_object_get(c, k[i].a);
		CHECK(json_is_integer(v) && (uint64_t)json_integer_value(v) == k[i].want,
		      "ring.json %s%s%s differs from host/ring.h (%llu)", k[i].a, k[i].b ? "." : "",
		      k[i].b ? k[i].b : "", (unsigned long long)k[i].want);
	}
	json_decref(c);
}

static void t_ring_vectors(void)
{
	g_section = "ring vectors";
	t_ring_contract();
	char pat[1200];
	snprintf(pat, sizeof(pat), "%s/tests/vectors/ring/*.json", g.root);
	glob_t gl;
	if (glob(pat, 0, NULL, &gl) != 0) {
		CHECK(0, "no ring vectors under %s", pat);
		return;
	}
	size_t valid = 0, corrupt = 0;
	for (size_t i = 0; i < gl.gl_pathc; i++) {
		const char *jp = gl.gl_pathv[i];
		char bp[1300];
		snprintf(bp, sizeof(bp), "%.*s.bin", (int)(strlen(jp) - 5), jp);
		json_t *vj = json_load_file(jp, 0, NULL);
		size_t blen;
		char *bin = read_text(bp, &blen);
		if (!CHECK(vj && bin, "cannot read %s / %s", jp, bp)) {
			json_decref(vj);
			free(bin);
			continue;
		}
		/* Map the image with a guard page after it: any read past the end faults. */
		size_t pg = (size_t)sysconf(_SC_PAGESIZE);
		size_t mapped = (blen + pg - 1) / pg * pg;
		uint8_t *m = mmap(NULL, mapped + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		mprotect(m + mapped, pg, PROT_NONE);
		uint8_t *img = m + mapped - ((blen + 7) & ~(size_t)7);
		memcpy(img, bin, blen);
		uint64_t cap = (uint64_t)json_integer_value(json_object_get(vj, "capacity"));
		int is_corrupt = strstr(jp, ".corrupt-") != NULL;
		json_t *records = json_object_get(vj, "records");
		size_t valid_before = (size_t)json_integer_value(json_object_get(vj, "valid_before"));
		dkr_ring r;
		char err[512] = "";
		size_t got = 0;
		int rc = dkr_ring_attach(&r, img, blen, cap, err, sizeof(err));
		int failed = rc != 0;
		json_t *wakes = json_object_get(vj, "wakes");
		if (!failed && wakes != NULL) {
			/* Waking the consumer: a consumer about to sleep sets consumer_waiting and is told
			 * when records are there already; its flag is where the image has it. */
			uint64_t flag;
			memcpy(&flag, img + DKR_RH_CONSUMER_WAITING, 8);
			const char *want = json_string_value(json_object_get(json_object_get(vj, "final"),
			                                                     "consumer_waiting"));
			CHECK(want && flag == strtoull(want, NULL, 10), "%s: consumer_waiting %" PRIu64, jp, flag);
			dkr_ring_wait_end(&r);
			memcpy(&flag, img + DKR_RH_CONSUMER_WAITING, 8);
			CHECK(flag == 0, "%s: consumer_waiting not cleared", jp);
			CHECK(dkr_ring_wait_begin(&r) == (json_array_size(records) > 0),
			      "%s: wait_begin does not see the unread records", jp);
			memcpy(&flag, img + DKR_RH_CONSUMER_WAITING, 8);
			CHECK(flag == 1, "%s: consumer_waiting not set", jp);
			dkr_ring_wait_end(&r);
		}
		if (!failed) {
			dkr_ring_cursor c;
			for (int round = 0; round < 4 && !failed; round++) {
				if (dkr_ring_begin(&r, &c, err, sizeof(err)) != 0) {
					failed = 1;
					break;
				}
				dkr_record rec;
				int k;
				while ((k = dkr_ring_next(&r, &c, &rec, err, sizeof(err))) == 1) {
					json_t *w = json_array_get(records, got);
					if (!is_corrupt && CHECK(w != NULL, "%s: more records than expected", jp)) {
						const char *wp = json_string_value(json_object_get(w, "payload"));
						const char *wts = json_string_value(json_object_get(w, "ts"));
						CHECK(rec.kind == (uint32_t)json_integer_value(json_object_get(w, "kind")) &&
						          wts && rec.ts == strtoull(wts, NULL, 10) && wp &&
						          rec.len == strlen(wp) && memcmp(rec.payload, wp, rec.len) == 0,
						      "%s: record %zu differs", jp, got);
					}
					got++;
				}
				if (k < 0)
					failed = 1;
				dkr_ring_commit(&r, &c);
			}
		}
		if (is_corrupt) {
			corrupt++;
			CHECK(failed && strstr(err, "corrupt ring"), "%s: not rejected as corrupt (%s)", jp, err);
			CHECK(got == valid_before, "%s: %zu records before the defect, want %zu", jp, got,
			      valid_before);
		} else {
			valid++;
			CHECK(!failed, "%s: %s", jp, err);
			CHECK(got == json_array_size(records), "%s: %zu records, want %zu", jp, got,
			      json_array_size(records));
			uint64_t w, rp;
			memcpy(&w, img + DKR_RH_WRITE_POS, 8);
			memcpy(&rp, img + DKR_RH_READ_POS, 8);
			CHECK(w == rp, "%s: read_pos %" PRIu64 " != write_pos %" PRIu64, jp, rp, w);
			if (wakes != NULL)
				CHECK(dkr_ring_wait_begin(&r) == 0, "%s: wait_begin with nothing to read", jp);
		}
		munmap(m, mapped + pg);
		free(bin);
		json_decref(vj);
	}
	globfree(&gl);
	CHECK(valid >= 3 && corrupt >= 5, "only %zu valid / %zu corrupt vectors", valid, corrupt);
	fprintf(stderr, "note: %zu valid and %zu corrupt ring vectors checked\n", valid, corrupt);
}

/* ------------------------------------------------------------------ 9. two states */

typedef struct worker {
	const dkr_api *a;
	ss_plugin_t *s;
	char *digest;
	size_t events;
	int ok;
} worker;

static void *worker_main(void *arg)
{
	worker *w = arg;
	char params[1100];
	snprintf(params, sizeof(params), "file://%s", g.fixture);
	ss_plugin_rc rc;
	ss_instance_t *h = w->a->open(w->s, params, &rc);
	if (h == NULL)
		return NULL;
	hfields t;
	hfields_parse(w->a->get_fields(), &t);
	size_t cap = 1 << 16, len = 0;
	w->digest = calloc(1, cap);
	char *val = malloc(1 << 20);
	double deadline = dkr_mono_s() + 60;
	uint64_t evtnum = 0;
	w->ok = 1;
	while (dkr_mono_s() < deadline) {
		uint32_t n;
		ss_plugin_event **evts;
		rc = w->a->next_batch(w->s, h, &n, &evts);
		for (uint32_t i = 0; i < n; i++) {
			ss_plugin_event_input ei = {.evt = evts[i], .evtnum = ++evtnum, .evtsrc = "docker"};
			for (size_t k = 0; k < t.n; k++) {
				if (t.f[k].arg_required)
					continue;
				int nv = hfield_extract_json(w->a, w->s, &ei, &t.f[k], (uint32_t)k, NULL, val, 1 << 20);
				if (nv < 0)
					w->ok = 0;
				if (nv > 0) {
					size_t need = len + strlen(val) + strlen(t.f[k].name) + 4;
					if (need > cap) {
						cap = need * 2;
						w->digest = realloc(w->digest, cap);
					}
					len += (size_t)sprintf(w->digest + len, "%s=%s\n", t.f[k].name, val);
				}
			}
			w->events++;
		}
		if (rc == SS_PLUGIN_EOF || rc == SS_PLUGIN_FAILURE)
			break;
	}
	if (rc != SS_PLUGIN_EOF)
		w->ok = 0;
	free(val);
	hfields_free(&t);
	w->a->close(w->s, h);
	return NULL;
}

static void t_two_states(const dkr_api *a)
{
	g_section = "two states";
	worker w[2];
	memset(w, 0, sizeof(w));
	ss_plugin_rc rc;
	char *c = cfg(NULL);
	for (int i = 0; i < 2; i++) {
		w[i].a = a;
		w[i].s = dkr_api_init(a, c, NULL, NULL, &rc);
		CHECK(rc == SS_PLUGIN_SUCCESS, "init %d", i);
	}
	free(c);
	CHECK(w[0].s != w[1].s, "the same state twice");
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, worker_main, &w[i]);
	/* get_metrics from a third thread while both run (Falco's web server does this). */
	for (int k = 0; k < 50; k++) {
		uint32_t nm;
		for (int i = 0; i < 2; i++)
			a->get_metrics(w[i].s, &nm);
		usleep(2000);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK(w[0].ok && w[1].ok, "a worker failed (ABI violation or no EOF)");
	CHECK(w[0].events > 0 && w[0].events == w[1].events, "events %zu vs %zu", w[0].events,
	      w[1].events);
	CHECK(w[0].digest && w[1].digest && strcmp(w[0].digest, w[1].digest) == 0,
	      "the two states extracted different values");
	CHECK(w[0].digest && strlen(w[0].digest) > 0, "no field had a value");
	for (int i = 0; i < 2; i++) {
		free(w[i].digest);
		if (w[i].s)
			a->destroy(w[i].s);
	}
}

/* ------------------------------------------------------------------ 10. swap + isolation */

static int wat_to_file(const char *wat_path, const char *out, char *err, size_t errlen)
{
	size_t len;
	char *wat = read_text(wat_path, &len);
	if (wat == NULL) {
		snprintf(err, errlen, "cannot read %s", wat_path);
		return -1;
	}
	wasm_byte_vec_t wasm;
	wasmtime_error_t *e = wasmtime_wat2wasm(wat, len, &wasm);
	free(wat);
	if (e != NULL) {
		wasm_name_t msg;
		wasmtime_error_message(e, &msg);
		snprintf(err, errlen, "%s: %.*s", wat_path, (int)msg.size, msg.data);
		wasm_byte_vec_delete(&msg);
		wasmtime_error_delete(e);
		return -1;
	}
	int rc = write_file(out, wasm.data, wasm.size);
	wasm_byte_vec_delete(&wasm);
	return rc;
}

static int copy_file(const char *from, const char *to)
{
	size_t len;
	char *d = read_text(from, &len);
	if (d == NULL)
		return -1;
	int rc = write_file(to, d, len);
	free(d);
	return rc;
}

/* The module's own table, read straight from its data segment (the JSON between the first
 * `(data (i32.const 1024) "` and `")` in the WAT, unescaped). */
static char *wat_table(const char *wat_path)
{
	char *wat = read_text(wat_path, NULL);
	char *p = wat ? strstr(wat, "(data (i32.const 1024) \"") : NULL;
	if (p == NULL) {
		free(wat);
		return NULL;
	}
	p += strlen("(data (i32.const 1024) \"");
	char *out = malloc(strlen(p) + 1), *o = out;
	while (*p && *p != '"') {
		if (*p == '\\') {
			unsigned v;
			sscanf(p + 1, "%2x", &v);
			*o++ = (char)v;
			p += 3;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	free(wat);
	return out;
}

static uint64_t metric(const dkr_api *a, ss_plugin_t *s, const char *name)
{
	uint32_t n;
	ss_plugin_metric *m = a->get_metrics(s, &n);
	for (uint32_t i = 0; i < n; i++)
		if (!strcmp(m[i].name, name))
			return m[i].value.u64;
	return UINT64_MAX;
}

static int extract1(const dkr_api *a, ss_plugin_t *s, const hfields *t, const char *field,
                    const char *arg, const ss_plugin_event_input *ei, char *val)
{
	int id = hfields_find(t, field);
	if (id < 0) {
		strcpy(val, "(no such field)");
		return -2;
	}
	return hfield_extract_json(a, s, ei, &t->f[id], (uint32_t)id, arg, val, 1 << 16);
}

/* Context switches (voluntary + not) of the calling thread. */
static uint64_t self_switches(void)
{
	FILE *f = fopen("/proc/thread-self/status", "r");
	char buf[256];
	uint64_t sum = 0;
	while (f != NULL && fgets(buf, sizeof(buf), f) != NULL) {
		unsigned long long v;
		if (sscanf(buf, "voluntary_ctxt_switches: %llu", &v) == 1 ||
		    sscanf(buf, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
			sum += v;
	}
	if (f)
		fclose(f);
	return sum;
}

/* Context switches (voluntary + not) of this process's "dkr-epoch" thread, UINT64_MAX if none. */
static uint64_t ticker_switches(void)
{
	DIR *d = opendir("/proc/self/task");
	if (d == NULL)
		return UINT64_MAX;
	uint64_t total = UINT64_MAX;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[300], buf[4096];
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		int ours = fgets(buf, sizeof(buf), f) != NULL && strncmp(buf, "dkr-epoch", 9) == 0;
		fclose(f);
		if (!ours)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		uint64_t sum = 0;
		while (fgets(buf, sizeof(buf), f) != NULL) {
			unsigned long long v;
			if (sscanf(buf, "voluntary_ctxt_switches: %llu", &v) == 1 ||
			    sscanf(buf, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
				sum += v;
		}
		fclose(f);
		total = sum;
	}
	closedir(d);
	return total;
}

static void t_swap(const dkr_api *main_api)
{
	g_section = "swap";
	(void)main_api;
	char dir[] = "/tmp/dkr-harness-swap-XXXXXX";
	if (!CHECK(mkdtemp(dir) != NULL, "mkdtemp"))
		return;
	char p[4][1400], src[1400], err[512];
	char libdir[1200];
	snprintf(libdir, sizeof(libdir), "%s", g.lib);
	*strrchr(libdir, '/') = '\0';
	/* A copy of the library (unchanged bytes) with the swap module dropped in place. */
	snprintf(p[0], sizeof(p[0]), "%s/libdocker.so", dir);
	CHECK(copy_file(g.lib, p[0]) == 0, "copy lib");
	const char *deps[] = {"libwasmtime.so", "libjansson.so.4"};
	for (int i = 0; i < 2; i++) {
		snprintf(src, sizeof(src), "%s/%s", libdir, deps[i]);
		snprintf(p[1], sizeof(p[1]), "%s/%s", dir, deps[i]);
		CHECK(symlink(src, p[1]) == 0, "symlink %s", deps[i]);
	}
	char swap_wat[1300], faulty_wat[1300];
	snprintf(swap_wat, sizeof(swap_wat), "%s/tests/harness/swap/swap.wat", g.root);
	snprintf(faulty_wat, sizeof(faulty_wat), "%s/tests/harness/swap/faulty.wat", g.root);
	snprintf(p[2], sizeof(p[2]), "%s/docker_extractor.wasm", dir);
	snprintf(p[3], sizeof(p[3]), "%s/faulty.wasm", dir);
	if (!CHECK(wat_to_file(swap_wat, p[2], err, sizeof(err)) == 0, "%s", err) ||
	    !CHECK(wat_to_file(faulty_wat, p[3], err, sizeof(err)) == 0, "%s", err))
		return;

	dkr_api a;
	if (!CHECK(dkr_api_load(&a, p[0], err, sizeof(err)) == 0, "%s", err))
		return;
	/* get_fields is exactly the dropped-in module's table. */
	char *want = wat_table(swap_wat);
	const char *got = a.get_fields();
	CHECK(want && got && strcmp(want, got) == 0, "get_fields is not the swap module's table: %s",
	      got ? got : "(null)");
	check_field_table(got, "swap module");
	free(want);
	hfields t;
	hfields_parse(got, &t);
	ss_plugin_rc rc;
	logcap lc;
	cap_init(&lc);
	ss_plugin_t *s = dkr_api_init(&a, "", (ss_plugin_owner_t *)&lc, cap_log, &rc);
	CHECK(rc == SS_PLUGIN_SUCCESS, "init with the swap module: %s", s ? a.get_last_error(s) : "");
	CHECK(strstr(lc.text, "no precompiled"), "log does not say the .wasm was compiled: %s", lc.text);
	const char *payload = "{\"Type\":\"container\",\"Action\":\"start\"}";
	ss_plugin_event *e = dkr_make_event(payload, (uint32_t)strlen(payload), 7);
	ss_plugin_event_input ei = {.evt = e, .evtnum = 1, .evtsrc = "docker"};
	char val[1 << 16];
	char num[32];
	snprintf(num, sizeof(num), "%zu", strlen(payload));
	CHECK(extract1(&a, s, &t, "swap.size", NULL, &ei, val) == 1 && !strcmp(val, num),
	      "swap.size = %s", val);
	CHECK(extract1(&a, s, &t, "swap.head", NULL, &ei, val) == 1 && !strcmp(val, "\"{\\\"Type\\\":\""),
	      "swap.head = %s", val);
	CHECK(extract1(&a, s, &t, "swap.head", "3", &ei, val) == 1 && !strcmp(val, "\"{\\\"T\""),
	      "swap.head[3] = %s", val);
	CHECK(extract1(&a, s, &t, "swap.head", "x", &ei, val) == 0, "swap.head[x] = %s", val);
	CHECK(metric(&a, s, "extraction_errors") >= 1, "bad arg not counted");
	/* A payload the module rejects: no value, counted, never fatal. */
	ss_plugin_event *bad = dkr_make_event("nope", 4, 8);
	ss_plugin_event_input bi = {.evt = bad, .evtnum = 2, .evtsrc = "docker"};
	CHECK(extract1(&a, s, &t, "swap.size", NULL, &bi, val) == 0, "rejected payload has a value");
	CHECK(metric(&a, s, "payload_errors") == 1, "payload error not counted");
	a.destroy(s);

	/* A stale/foreign .cwasm (with a digest that matches it) is refused and the .wasm
	 * compiled; the log says why. */
	snprintf(src, sizeof(src), "%s/docker_extractor.cwasm", dir);
	write_file(src, "not a cwasm", 11);
	{
		uint8_t d[DKR_SHA256_LEN];
		char hex[2 * DKR_SHA256_LEN + 1], line[128], dpath[1500];
		dkr_sha256("not a cwasm", 11, d);
		dkr_sha256_hex(d, hex);
		snprintf(line, sizeof(line), "%s  docker_extractor.cwasm\n", hex);
		snprintf(dpath, sizeof(dpath), "%s.sha256", src);
		write_file(dpath, line, strlen(line));
	}
	lc.len = 0;
	lc.text[0] = '\0';
	s = dkr_api_init(&a, "", (ss_plugin_owner_t *)&lc, cap_log, &rc);
	CHECK(rc == SS_PLUGIN_SUCCESS, "init with a bad .cwasm: %s", s ? a.get_last_error(s) : "");
	CHECK(strstr(lc.text, "does not fit") && strstr(lc.text, "compiling"),
	      "log does not say why the .cwasm was not used: %s", lc.text);
	if (s)
		a.destroy(s);
	unlink(src);

	/* init_config names another module: fields are matched by name (swap.size -> 42). */
	char *c = NULL;
	if (asprintf(&c, "{\"extractor\":{\"module\":\"%s\",\"callTimeoutMs\":50,\"maxMemoryMiB\":16}}", p[3]) < 0)
		abort();
	lc.len = 0;
	lc.text[0] = '\0';
	s = dkr_api_init(&a, c, (ss_plugin_owner_t *)&lc, cap_log, &rc);
	free(c);
	if (CHECK(rc == SS_PLUGIN_SUCCESS, "init with faulty.wasm: %s", s ? a.get_last_error(s) : "")) {
		CHECK(extract1(&a, s, &t, "swap.size", NULL, &ei, val) == 1 && !strcmp(val, "42"),
		      "swap.size via init_config module = %s", val);
		CHECK(extract1(&a, s, &t, "swap.head", NULL, &ei, val) == 0,
		      "a field the module lacks has a value");
		CHECK(strstr(lc.text, "lacks 1 of the 2 fields"), "no warning about missing fields: %s",
		      lc.text);
	}
	if (s)
		a.destroy(s);

	/* Isolation: the faulty module dropped in place (its own table), traps cost one field. */
	dkr_api_unload(&a);
	hfields_free(&t);
	CHECK(rename(p[3], p[2]) == 0, "rename");
	/* A new path so the loader maps a fresh copy with its own field cache. */
	snprintf(src, sizeof(src), "%s/libdocker2.so", dir);
	rename(p[0], src);
	if (!CHECK(dkr_api_load(&a, src, err, sizeof(err)) == 0, "%s", err))
		return;
	hfields_parse(a.get_fields(), &t);
	CHECK(t.n == 11, "faulty table has %zu fields", t.n);
	s = dkr_api_init(&a, "{\"extractor\":{\"callTimeoutMs\":50,\"maxMemoryMiB\":16}}",
	                 (ss_plugin_owner_t *)&lc, cap_log, &rc);
	if (CHECK(rc == SS_PLUGIN_SUCCESS, "init faulty: %s", s ? a.get_last_error(s) : "")) {
		ei.evtnum = 10;
		CHECK(extract1(&a, s, &t, "faulty.parses", NULL, &ei, val) == 1 && !strcmp(val, "1"),
		      "parses %s", val);
		CHECK(extract1(&a, s, &t, "faulty.parses", NULL, &ei, val) == 1 && !strcmp(val, "1"),
		      "second field of the same event parsed again (%s)", val);
		CHECK(extract1(&a, s, &t, "faulty.ok", NULL, &ei, val) == 1 && !strcmp(val, "\"ok\""),
		      "ok = %s", val);
		CHECK(extract1(&a, s, &t, "faulty.list", NULL, &ei, val) == 3 &&
		          !strcmp(val, "[\"a\",\"bb\",\"ccc\"]"), "list = %s", val);
		CHECK(extract1(&a, s, &t, "faulty.flag", NULL, &ei, val) == 1 && !strcmp(val, "true"),
		      "flag = %s", val);
		const char *traps[] = {"faulty.trap", "faulty.spin", "faulty.oom", "faulty.abort"};
		for (int k = 0; k < 4; k++) {
			uint64_t before = metric(&a, s, "guest_traps");
			CHECK(extract1(&a, s, &t, traps[k], NULL, &ei, val) == 0, "%s has a value", traps[k]);
			CHECK(metric(&a, s, "guest_traps") == before + 1, "%s: trap not counted", traps[k]);
			/* The instance was re-created and the event re-parsed: other fields still work. */
			CHECK(extract1(&a, s, &t, "faulty.ok", NULL, &ei, val) == 1, "%s: guest not recovered",
			      traps[k]);
			CHECK(extract1(&a, s, &t, "faulty.parses", NULL, &ei, val) == 1 && !strcmp(val, "1"),
			      "%s: parses after re-creation %s", traps[k], val);
		}
		CHECK(strstr(lc.text, "exceeded 50 ms"), "deadline trap not explained: %s", lc.text);
		/* The epoch ticker sleeps when no guest call happens (engine.c): about no wakeups in
		 * a second of idleness; and a call made then still meets its deadline (the call
		 * wakes the ticker: without that it would run until the ticker's 1 s nap ends). */
		usleep(300 * 1000);
		uint64_t sw0 = ticker_switches();
		usleep(1000 * 1000);
		uint64_t sw1 = ticker_switches();
		CHECK(sw0 != UINT64_MAX && sw1 - sw0 <= 3,
		      "the epoch ticker woke %" PRIu64 " times in an idle second", sw1 - sw0);
		uint64_t spins = metric(&a, s, "guest_traps");
		double t0 = dkr_mono_s();
		CHECK(extract1(&a, s, &t, "faulty.spin", NULL, &ei, val) == 0, "spin has a value");
		double took = dkr_mono_s() - t0;
		CHECK(metric(&a, s, "guest_traps") == spins + 1, "spin after idleness not trapped");
		/* Under valgrind every thread runs under one lock and the spinning guest starves the
		 * ticker's 1 ms ticks of turns: the bound holds only in the plain and ASan runs. */
		CHECK(g.valgrind || took < 0.8, "a 50 ms call after idleness trapped after %.0f ms",
		      took * 1000);
		uint64_t before = metric(&a, s, "extraction_errors");
		CHECK(extract1(&a, s, &t, "faulty.badptr", NULL, &ei, val) == 0, "bad pointer has a value");
		CHECK(metric(&a, s, "extraction_errors") == before + 1, "bad pointer not counted");
		ei.evtnum = 11;
		CHECK(extract1(&a, s, &t, "faulty.parses", NULL, &ei, val) == 1 && !strcmp(val, "2"),
		      "new event not parsed (%s)", val);
		/* Unknown field id: no value, never a crash. */
		ss_plugin_extract_field ef;
		memset(&ef, 0xEE, sizeof(ef));
		ef.field_id = 9999;
		ef.field = "nope.nope";
		ef.arg_key = NULL;
		ef.arg_present = 0;
		ef.arg_index = UINT64_MAX;
		ss_plugin_field_extract_input in;
		memset(&in, 0, sizeof(in));
		in.num_fields = 1;
		in.fields = &ef;
		a.extract_fields(s, &ei, &in);
		CHECK(ef.res_len == 0, "unknown field id gave %" PRIu64 " values", ef.res_len);
		/* One call, several fields, a trap in the middle: the values taken before the trap
		 * (strings with and without the NUL the ABI promises) outlive the re-created guest. */
		const char *names[] = {"faulty.ok", "faulty.list", "faulty.trap", "faulty.flag",
		                       "faulty.ok"};
		const char *wants[] = {"\"ok\"", "[\"a\",\"bb\",\"ccc\"]", "", "true", "\"ok\""};
		ss_plugin_extract_field mf[5];
		for (int k = 0; k < 5; k++) {
			memset(&mf[k], 0x5A, sizeof(mf[k]));
			int id = hfields_find(&t, names[k]);
			mf[k].field_id = (uint32_t)(id < 0 ? 0 : id);
			mf[k].field = names[k];
			mf[k].arg_key = NULL;
			mf[k].arg_present = 0;
			mf[k].arg_index = UINT64_MAX;
			mf[k].ftype = t.f[mf[k].field_id].type;
			mf[k].flist = t.f[mf[k].field_id].is_list ? 64 : 0;
		}
		in.num_fields = 5;
		in.fields = mf;
		uint64_t traps0 = metric(&a, s, "guest_traps");
		ss_plugin_rc mrc = a.extract_fields(s, &ei, &in);
		CHECK(mrc == SS_PLUGIN_SUCCESS, "multi-field call with a trap failed");
		CHECK(metric(&a, s, "guest_traps") == traps0 + 1, "trap in a multi-field call not counted");
		for (int k = 0; k < 5; k++) {
			int n = hfield_format_json(&t.f[mf[k].field_id], &mf[k], mrc, val, sizeof(val));
			CHECK(n >= 0 && !strcmp(val, wants[k]), "multi %d %s = %s (want %s)", k, names[k],
			      val, wants[k]);
		}
		a.destroy(s);
	}
	/* Fields asked in advance (ABI.md dkr_parse_extract): from the second event on, the fields
	 * Falco asked for on the event before are answered with the parse, without a dkr_extract
	 * call (faulty.extracts counts those calls); the answers outlive a dkr_extract call; a field
	 * the module declines (faulty.list) is extracted alone. */
	s = dkr_api_init(&a, "{\"extractor\":{\"callTimeoutMs\":50,\"maxMemoryMiB\":16}}", NULL,
	                 NULL, &rc);
	if (CHECK(rc == SS_PLUGIN_SUCCESS, "init faulty: %s", s ? a.get_last_error(s) : "")) {
		struct { const char *field; const char *want; } ev[][5] = {
			/* 1st event: one parse with faulty.ok, then two dkr_extract calls */
			{{"faulty.ok", "\"ok\""}, {"faulty.flag", "true"}, {"faulty.extracts", "2"}},
			/* the same fields: answered with the parse */
			{{"faulty.ok", "\"ok\""}, {"faulty.flag", "true"}, {"faulty.extracts", "2"}},
			{{"faulty.ok", "\"ok\""}, {"faulty.flag", "true"}, {"faulty.extracts", "2"}},
			/* another order: still answered */
			{{"faulty.flag", "true"}, {"faulty.extracts", "2"}, {"faulty.ok", "\"ok\""}},
			/* a field not asked in advance, then an answer taken after its dkr_extract call */
			{{"faulty.flag", "true"}, {"faulty.extracts", "2"}, {"faulty.list", "[\"a\",\"bb\",\"ccc\"]"},
			 {"faulty.ok", "\"ok\""}},
			/* faulty.list asked in advance is declined (ERR_NO_ROOM): extracted alone */
			{{"faulty.flag", "true"}, {"faulty.extracts", "3"}, {"faulty.list", "[\"a\",\"bb\",\"ccc\"]"},
			 {"faulty.ok", "\"ok\""}},
			{{"faulty.flag", "true"}, {"faulty.extracts", "4"}, {"faulty.parses", "7"}},
		};
		for (size_t k = 0; k < sizeof(ev) / sizeof(ev[0]); k++) {
			ei.evtnum = 100 + k;
			for (int f = 0; f < 5 && ev[k][f].field != NULL; f++) {
				int r = extract1(&a, s, &t, ev[k][f].field, NULL, &ei, val);
				CHECK(r >= 1 && !strcmp(val, ev[k][f].want), "event %zu %s = %s (want %s)", k,
				      ev[k][f].field, val, ev[k][f].want);
			}
		}
		a.destroy(s);
	}
	/* A module of guest ABI version 1 (no dkr_parse_extract) is refused at init with a message
	 * that names the versions, not the missing export. */
	{
		size_t wl;
		char *wat = read_text(swap_wat, &wl);
		char *ver = wat ? strstr(wat, "(func (export \"dkr_abi_version\") (result i32) (i32.const 2))") : NULL;
		char *pe = wat ? strstr(wat, "  (func (export \"dkr_parse_extract\")") : NULL;
		if (CHECK(ver != NULL && pe != NULL, "swap.wat: version or dkr_parse_extract not found")) {
			ver[strlen("(func (export \"dkr_abi_version\") (result i32) (i32.const ")] = '1';
			strcpy(pe, ")\n");
			char v1wat[1400], v1[1400];
			snprintf(v1wat, sizeof(v1wat), "%s/v1.wat", dir);
			snprintf(v1, sizeof(v1), "%s/v1.wasm", dir);
			write_file(v1wat, wat, strlen(wat));
			if (CHECK(wat_to_file(v1wat, v1, err, sizeof(err)) == 0, "%s", err)) {
				if (asprintf(&c, "{\"extractor\":{\"module\":\"%s\"}}", v1) < 0)
					abort();
				s = dkr_api_init(&a, c, NULL, NULL, &rc);
				free(c);
				CHECK(rc != SS_PLUGIN_SUCCESS, "a version 1 module was accepted");
				const char *why = s ? a.get_last_error(s) : "";
				CHECK(strstr(why, "guest ABI version 1") && strstr(why, "needs 2"),
				      "refusal does not name the versions: %s", why);
				if (s)
					a.destroy(s);
			}
		}
		free(wat);
	}
	hfields_free(&t);
	free(e);
	free(bad);
	dkr_api_unload(&a);
	pthread_mutex_destroy(&lc.mu);
	char cmd[1300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "note: could not remove %s\n", dir);
}

/* ------------------------------------------------------------------ 11. supervision */

static void t_supervision(const dkr_api *a)
{
	g_section = "supervision";
	if (g.fake == NULL || access(g.fake, X_OK) != 0) {
		CHECK(0, "fake collector %s not executable", g.fake ? g.fake : "(none)");
		return;
	}
	lines want;
	lines_read(g.fixture, &want);
	char marker[] = "/tmp/dkr-harness-crash-XXXXXX";
	int mfd = mkstemp(marker);
	close(mfd);
	unlink(marker);
	char mode[128];
	snprintf(mode, sizeof(mode), "crash-once:%s", marker);
	setenv("DKR_FAKE_MODE", mode, 1);
	char *c = NULL;
	if (asprintf(&c, "{\"collector\":{\"node\":\"%s\",\"path\":\"%s\",\"restartMaxMs\":200}}",
	             g.fake, g.fixture) < 0)
		abort();
	ss_plugin_rc rc;
	logcap lc;
	cap_init(&lc);
	ss_plugin_t *s = dkr_api_init(a, c, (ss_plugin_owner_t *)&lc, cap_log, &rc);
	char params[1100];
	snprintf(params, sizeof(params), "file://%s", g.fixture);
	ss_instance_t *h = a->open(s, params, &rc);
	size_t got = 0;
	int eof = 0;
	if (CHECK(h != NULL, "open: %s", a->get_last_error(s))) {
		double deadline = dkr_mono_s() + 30;
		while (!eof && dkr_mono_s() < deadline) {
			uint32_t n;
			ss_plugin_event **evts;
			rc = a->next_batch(s, h, &n, &evts);
			for (uint32_t i = 0; i < n; i++, got++)
				if (got < want.n)
					check_event_layout(evts[i], want.v[got]);
			CHECK(rc != SS_PLUGIN_FAILURE, "FAILURE after a collector crash: %s", a->get_last_error(s));
			if (rc == SS_PLUGIN_FAILURE)
				break;
			eof = rc == SS_PLUGIN_EOF;
		}
		CHECK(eof && got == want.n, "after a crash: eof %d, %zu of %zu events", eof, got, want.n);
		CHECK(metric(a, s, "collector_restarts") == 1, "collector_restarts %" PRIu64,
		      metric(a, s, "collector_restarts"));
		CHECK(strstr(lc.text, "crashing on purpose") && strstr(lc.text, "restarting"),
		      "crash not logged: %s", lc.text);
		a->close(s, h);
	}
	unlink(marker);
	/* next_batch sleeps while nothing happens and wakes when the collector publishes
	 * (contracts/ring.md "Waking the consumer"): with batch.waitMs 1000, an event published
	 * 300 ms into a call is returned by that call, and the calling thread woke only a few
	 * times meanwhile (polling the ring every 1-8 ms, it woke 40 times). */
	{
		setenv("DKR_FAKE_MODE", "later:300", 1);
		char *wc = NULL;
		if (asprintf(&wc, "{\"collector\":{\"node\":\"%s\",\"path\":\"%s\"},"
		             "\"batch\":{\"waitMs\":1000}}", g.fake, g.fixture) < 0)
			abort();
		ss_plugin_t *ws = dkr_api_init(a, wc, NULL, NULL, &rc);
		free(wc);
		ss_instance_t *wh = ws ? a->open(ws, params, &rc) : NULL;
		if (CHECK(wh != NULL, "open (later:300): %s", ws ? a->get_last_error(ws) : "")) {
			uint32_t n = 0;
			ss_plugin_event **evts;
			uint64_t sw0 = self_switches();
			double t0 = dkr_mono_s();
			rc = a->next_batch(ws, wh, &n, &evts);
			double took = dkr_mono_s() - t0;
			uint64_t sw1 = self_switches();
			CHECK(rc == SS_PLUGIN_SUCCESS && n == 1, "the event published 300 ms in: rc %d, %u "
			      "events after %.0f ms", (int)rc, n, took * 1000);
			CHECK(took < 0.9, "next_batch returned the event after %.0f ms", took * 1000);
			CHECK(sw1 - sw0 <= 12, "next_batch woke %" PRIu64 " times waiting 300 ms",
			      sw1 - sw0);
			t0 = dkr_mono_s();
			rc = a->next_batch(ws, wh, &n, &evts);
			took = dkr_mono_s() - t0;
			uint64_t sw2 = self_switches();
			CHECK(rc == SS_PLUGIN_TIMEOUT && n == 0 && took > 0.9,
			      "nothing more: rc %d, %u events after %.0f ms", (int)rc, n, took * 1000);
			CHECK(sw2 - sw1 <= 12, "next_batch woke %" PRIu64 " times in an idle second",
			      sw2 - sw1);
			a->close(ws, wh);
		}
		if (ws)
			a->destroy(ws);
	}
	/* A hung collector (alive, ignores SIGTERM, heartbeat stopped after 3 events): killed
	 * after collector.hangTimeoutMs, restarted, resumes; counted as a restart. */
	snprintf(mode, sizeof(mode), "hang-once:%s", marker);
	setenv("DKR_FAKE_MODE", mode, 1);
	char *hc = NULL;
	if (asprintf(&hc, "{\"collector\":{\"node\":\"%s\",\"path\":\"%s\",\"restartMaxMs\":200,"
	             "\"hangTimeoutMs\":1000}}", g.fake, g.fixture) < 0)
		abort();
	lc.len = 0;
	lc.text[0] = '\0';
	ss_plugin_t *hs = dkr_api_init(a, hc, (ss_plugin_owner_t *)&lc, cap_log, &rc);
	free(hc);
	h = hs ? a->open(hs, params, &rc) : NULL;
	got = 0;
	eof = 0;
	if (CHECK(h != NULL, "open (hang): %s", hs ? a->get_last_error(hs) : "init failed")) {
		double t0 = dkr_mono_s(), deadline = t0 + 30, first_gap = 0, last = t0;
		while (!eof && dkr_mono_s() < deadline) {
			uint32_t n;
			ss_plugin_event **evts;
			rc = a->next_batch(hs, h, &n, &evts);
			if (n > 0) {
				double now = dkr_mono_s();
				if (got == 3)
					first_gap = now - last; /* the hang: timeout + restart */
				last = now;
			}
			for (uint32_t i = 0; i < n; i++, got++)
				if (got < want.n)
					check_event_layout(evts[i], want.v[got]);
			CHECK(rc != SS_PLUGIN_FAILURE, "FAILURE after a collector hang: %s",
			      a->get_last_error(hs));
			if (rc == SS_PLUGIN_FAILURE)
				break;
			eof = rc == SS_PLUGIN_EOF;
		}
		CHECK(eof && got == want.n, "after a hang: eof %d, %zu of %zu events", eof, got, want.n);
		CHECK(metric(a, hs, "collector_restarts") == 1, "collector_restarts after a hang %" PRIu64,
		      metric(a, hs, "collector_restarts"));
		CHECK(strstr(lc.text, "hanging on purpose") && strstr(lc.text, "hung") &&
		          strstr(lc.text, "killed after it hung") && strstr(lc.text, "restarting"),
		      "hang not logged: %s", lc.text);
		/* Not before the bound: the stalled heartbeat is tolerated for hangTimeoutMs. */
		CHECK(first_gap >= 1.0, "hung collector replaced after %.3f s (hangTimeoutMs 1000)",
		      first_gap);
		a->close(hs, h);
	}
	if (hs)
		a->destroy(hs);
	unlink(marker);
	/* Exit 2 before the first heartbeat: open fails with the collector's last error line. */
	setenv("DKR_FAKE_MODE", "exit2", 1);
	h = a->open(s, params, &rc);
	CHECK(h == NULL && rc == SS_PLUGIN_FAILURE &&
	          strstr(a->get_last_error(s), "fake misconfiguration: cannot use endpoint") &&
	          strstr(a->get_last_error(s), "exited with code 2 before it started"),
	      "exit 2 at start: open %s, %s", h ? "succeeded" : "failed", a->get_last_error(s));
	if (h)
		a->close(s, h);
	/* Exit 2 later: next_batch FAILURE with the collector's last error line. */
	setenv("DKR_FAKE_MODE", "exit2-later", 1);
	h = a->open(s, params, &rc);
	if (CHECK(h != NULL, "open: %s", a->get_last_error(s))) {
		double deadline = dkr_mono_s() + 10;
		do {
			uint32_t n;
			ss_plugin_event **evts;
			rc = a->next_batch(s, h, &n, &evts);
		} while (rc == SS_PLUGIN_TIMEOUT && dkr_mono_s() < deadline);
		CHECK(rc == SS_PLUGIN_FAILURE && strstr(a->get_last_error(s), "found later"),
		      "exit 2: rc %d, %s", (int)rc, a->get_last_error(s));
		a->close(s, h);
	}
	/* A stalled collector: TIMEOUT, and close stops it (SIGTERM). */
	setenv("DKR_FAKE_MODE", "stall", 1);
	h = a->open(s, params, &rc);
	if (CHECK(h != NULL, "open: %s", a->get_last_error(s))) {
		uint32_t n;
		ss_plugin_event **evts;
		CHECK(a->next_batch(s, h, &n, &evts) == SS_PLUGIN_TIMEOUT && n == 0, "stall: no TIMEOUT");
		a->close(s, h);
	}
	unsetenv("DKR_FAKE_MODE");
	free(c);
	if (s)
		a->destroy(s);
	pthread_mutex_destroy(&lc.mu);
	lines_free(&want);
}

/* ------------------------------------------------------------------ 10b. precompiled module integrity */

/* SHA-256 against the FIPS 180-4 / NIST examples, in one piece and fed in odd pieces. */
static void t_sha256(void)
{
	g_section = "sha256";
	static const struct {
		const char *msg, *hex;
	} v[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
		{"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
		 "lmnopqrsmnopqrstnopqrstu",
		 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
	};
	char hex[2 * DKR_SHA256_LEN + 1];
	uint8_t d[DKR_SHA256_LEN];
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		dkr_sha256(v[i].msg, strlen(v[i].msg), d);
		dkr_sha256_hex(d, hex);
		CHECK(strcmp(hex, v[i].hex) == 0, "sha256(\"%s\") = %s", v[i].msg, hex);
		for (size_t step = 1; step <= 65; step += 7) {
			dkr_sha256_ctx c;
			dkr_sha256_init(&c);
			size_t len = strlen(v[i].msg);
			for (size_t o = 0; o < len; o += step)
				dkr_sha256_update(&c, v[i].msg + o, len - o < step ? len - o : step);
			dkr_sha256_final(&c, d);
			dkr_sha256_hex(d, hex);
			CHECK(strcmp(hex, v[i].hex) == 0, "sha256 in pieces of %zu: %s", step, hex);
		}
	}
	/* One million 'a', in pieces of 1000. */
	char block[1000];
	memset(block, 'a', sizeof(block));
	dkr_sha256_ctx c;
	dkr_sha256_init(&c);
	for (int i = 0; i < 1000; i++)
		dkr_sha256_update(&c, block, sizeof(block));
	dkr_sha256_final(&c, d);
	dkr_sha256_hex(d, hex);
	CHECK(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0,
	      "sha256(a x 1e6) = %s", hex);
}

/* A precompiled module damaged inside (its header intact) must never be deserialized: the
 * plugin warns, compiles the .wasm instead and extracts as before; without a .wasm, init fails
 * with a message. Before the digest, each of these crashed the process (SIGSEGV). */
static void t_cwasm(const dkr_api *main_api)
{
	g_section = "cwasm";
	(void)main_api;
	char dir[] = "/tmp/dkr-harness-cwasm-XXXXXX";
	if (!CHECK(mkdtemp(dir) != NULL, "mkdtemp"))
		return;
	char libdir[PATH_MAX], src[PATH_MAX + 64], dst[PATH_MAX + 128], err[512];
	snprintf(libdir, sizeof(libdir), "%s", g.lib);
	*strrchr(libdir, '/') = '\0';
	static const char *const files[] = {"libdocker.so", "libwasmtime.so", "libjansson.so.4",
	                                    "docker_extractor.wasm", "docker_extractor.cwasm",
	                                    "docker_extractor.cwasm.sha256"};
	for (size_t i = 0; i < 6; i++) {
		snprintf(src, sizeof(src), "%s/%s", libdir, files[i]);
		snprintf(dst, sizeof(dst), "%s/%s", dir, files[i]);
		CHECK(copy_file(src, dst) == 0, "copy %s", src);
	}
	char lib[PATH_MAX + 64], cw[PATH_MAX + 64], wasm[PATH_MAX + 64];
	snprintf(lib, sizeof(lib), "%s/libdocker.so", dir);
	snprintf(cw, sizeof(cw), "%s/docker_extractor.cwasm", dir);
	snprintf(wasm, sizeof(wasm), "%s/docker_extractor.wasm", dir);
	size_t clen = 0;
	uint8_t *good = (uint8_t *)read_text(cw, &clen);
	dkr_api a;
	if (!CHECK(good && clen > 4096, "no .cwasm in %s", libdir) ||
	    !CHECK(dkr_api_load(&a, lib, err, sizeof(err)) == 0, "%s", err)) {
		free(good);
		return;
	}
	/* The .cwasm must be newer than the .wasm or it is not even considered. */
	struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
	clock_gettime(CLOCK_REALTIME, &ts[1]);
	ts[1].tv_sec -= 100;
	utimensat(AT_FDCWD, wasm, ts, 0);
	hfields t;
	hfields_parse(a.get_fields(), &t);
	const char *payload = "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"abc\"},"
	                      "\"time\":1700000000,\"timeNano\":1700000000000000001}";
	ss_plugin_event *e = dkr_make_event(payload, (uint32_t)strlen(payload), 7);
	ss_plugin_event_input ei = {.evt = e, .evtnum = 1, .evtsrc = "docker"};
	char val[1 << 16];
	logcap lc;
	cap_init(&lc);
	ss_plugin_rc rc;
	/* Intact: loaded without a warning (valgrind's CPU lacks features the .cwasm was compiled
	 * for: there it passes the digest and is refused by wasmtime, never crashing). */
	ss_plugin_t *s = dkr_api_init(&a, "", (ss_plugin_owner_t *)&lc, cap_log, &rc);
	CHECK(rc == SS_PLUGIN_SUCCESS &&
	          (g.valgrind ? strstr(lc.text, "is damaged") == NULL
	                      : strstr(lc.text, "compiling") == NULL && strstr(lc.text, ".cwasm loaded")),
	      "intact .cwasm not loaded: %s", lc.text);
	if (s)
		a.destroy(s);
	/* Damaged at several places past the header; named by default, or by its .wasm. */
	const size_t at[] = {64, clen / 10, clen / 3, clen / 2, (clen * 2) / 3, clen - 64};
	for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		uint8_t *bad = malloc(clen);
		memcpy(bad, good, clen);
		for (size_t j = 0; j < 16 && at[k] + j < clen; j++)
			bad[at[k] + j] ^= 0xA5;
		write_file(cw, bad, clen);
		free(bad);
		for (int named = 0; named < 2; named++) {
			char c[PATH_MAX + 128] = "";
			if (named)
				snprintf(c, sizeof(c), "{\"extractor\":{\"module\":\"%s\"}}", wasm);
			lc.len = 0;
			lc.text[0] = '\0';
			s = dkr_api_init(&a, c, (ss_plugin_owner_t *)&lc, cap_log, &rc);
			CHECK(rc == SS_PLUGIN_SUCCESS, "init with a .cwasm damaged at %zu: %s", at[k],
			      s ? a.get_last_error(s) : "");
			CHECK(strstr(lc.text, "is damaged") && strstr(lc.text, "compiling"),
			      "damage at %zu not logged: %s", at[k], lc.text);
			CHECK(s && extract1(&a, s, &t, "docker.action", NULL, &ei, val) == 1 &&
			          !strcmp(val, "\"start\""),
			      "docker.action after the fallback = %s", val);
			if (s)
				a.destroy(s);
		}
	}
	/* No digest file: not trusted either. */
	write_file(cw, good, clen);
	snprintf(dst, sizeof(dst), "%s.sha256", cw);
	unlink(dst);
	lc.len = 0;
	lc.text[0] = '\0';
	s = dkr_api_init(&a, "", (ss_plugin_owner_t *)&lc, cap_log, &rc);
	CHECK(rc == SS_PLUGIN_SUCCESS && strstr(lc.text, "no usable digest") &&
	          strstr(lc.text, "compiling"), "missing digest: %s", lc.text);
	if (s)
		a.destroy(s);
	/* Damaged and no .wasm to fall back on: init fails, with a message, no crash. */
	good[clen / 2] ^= 0xFF;
	write_file(cw, good, clen);
	good[clen / 2] ^= 0xFF;
	snprintf(src, sizeof(src), "%s/%s", libdir, "docker_extractor.cwasm.sha256");
	copy_file(src, dst);
	unlink(wasm);
	char c[PATH_MAX + 128];
	snprintf(c, sizeof(c), "{\"extractor\":{\"module\":\"%s\"}}", cw);
	s = dkr_api_init(&a, c, (ss_plugin_owner_t *)&lc, cap_log, &rc);
	CHECK(rc != SS_PLUGIN_SUCCESS && s && strstr(a.get_last_error(s), "is damaged") &&
	          strstr(a.get_last_error(s), "no "),
	      "damaged .cwasm alone: rc %d, %s", (int)rc, s ? a.get_last_error(s) : "");
	if (s)
		a.destroy(s);
	free(good);
	free(e);
	hfields_free(&t);
	dkr_api_unload(&a);
	pthread_mutex_destroy(&lc.mu);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "note: could not remove %s\n", dir);
}

/* ------------------------------------------------------------------ 11b. collector start */

/* Pids of this process's live children. */
static size_t child_pids(pid_t *out, size_t max)
{
	size_t n = 0;
	glob_t gl;
	if (glob("/proc/[0-9]*/stat", 0, NULL, &gl) != 0)
		return 0;
	for (size_t i = 0; i < gl.gl_pathc && n < max; i++) {
		char t[1024] = ""; /* /proc files have no size: read, not read_text */
		FILE *f = fopen(gl.gl_pathv[i], "r");
		size_t l = f ? fread(t, 1, sizeof(t) - 1, f) : 0;
		if (f)
			fclose(f);
		t[l] = '\0';
		char *rp = strrchr(t, ')');
		char state;
		int ppid;
		if (rp && sscanf(rp + 2, "%c %d", &state, &ppid) == 2 && ppid == (int)getpid() &&
		    state != 'Z')
			out[n++] = (pid_t)atoi(gl.gl_pathv[i] + 6);
	}
	globfree(&gl);
	return n;
}

/* Opens with config `c` (a JSON object) and `params`; returns the handle, NULL with the
 * error in `err` when open fails; `ms` gets how long open took. */
static ss_instance_t *open_with(const dkr_api *a, const char *c, const char *params,
                                ss_plugin_t **sp, logcap *lc, char *err, size_t errlen,
                                double *ms)
{
	ss_plugin_rc rc;
	err[0] = '\0';
	*sp = dkr_api_init(a, c, (ss_plugin_owner_t *)lc, cap_log, &rc);
	if (rc != SS_PLUGIN_SUCCESS) {
		snprintf(err, errlen, "init: %s", *sp ? a->get_last_error(*sp) : "");
		return NULL;
	}
	double t0 = dkr_mono_s();
	ss_instance_t *h = a->open(*sp, params, &rc);
	*ms = (dkr_mono_s() - t0) * 1000;
	if (h == NULL || rc != SS_PLUGIN_SUCCESS)
		snprintf(err, errlen, "%s", a->get_last_error(*sp));
	return h;
}

/* Polls next_batch until `rc` differs from TIMEOUT and no event came (or `secs` pass);
 * counts the events seen. */
static ss_plugin_rc drive(const dkr_api *a, ss_plugin_t *s, ss_instance_t *h, double secs,
                          size_t *events)
{
	double deadline = dkr_mono_s() + secs;
	ss_plugin_rc rc;
	do {
		uint32_t n = 0;
		ss_plugin_event **evts;
		rc = a->next_batch(s, h, &n, &evts);
		if (events)
			*events += n;
	} while ((rc == SS_PLUGIN_TIMEOUT || rc == SS_PLUGIN_SUCCESS) && dkr_mono_s() < deadline);
	return rc;
}

static void t_start(const dkr_api *a)
{
	g_section = "start";
	if (g.fake == NULL || access(g.fake, X_OK) != 0) {
		CHECK(0, "fake collector %s not executable", g.fake ? g.fake : "(none)");
		return;
	}
	char dir[] = "/tmp/dkr-harness-start-XXXXXX";
	if (!CHECK(mkdtemp(dir) != NULL, "mkdtemp"))
		return;
	const char *live = "unix:///nonexistent/dkr-harness.sock";
	char c[3 * PATH_MAX], err[2048], path[PATH_MAX], params[1100];
	snprintf(params, sizeof(params), "file://%s", g.fixture);
	logcap lc;
	cap_init(&lc);
	ss_plugin_t *s;
	ss_instance_t *h;
	double ms;
	/* A collector that exits before its first heartbeat fails open with how it ended and
	 * what it said (here: nothing, and exit 1 / exit 0). */
	static const struct {
		const char *node, *want;
	} quick[] = {{"/bin/false", "exited with code 1 before it started, without a message"},
	             {"/bin/true", "exited with code 0 before it started, without a message"}};
	for (size_t i = 0; i < 2; i++) {
		snprintf(c, sizeof(c), "{\"collector\":{\"node\":\"%s\",\"path\":\"%s\",\"stateDir\":\"\"}}",
		         quick[i].node, g.fixture);
		h = open_with(a, c, live, &s, &lc, err, sizeof(err), &ms);
		CHECK(h == NULL && strstr(err, quick[i].want) && strstr(err, quick[i].node) &&
		          strncmp(err, "open: the collector '", 21) == 0,
		      "collector.node %s: open %s: %s", quick[i].node, h ? "succeeded" : "failed", err);
		if (h)
			a->close(s, h);
		if (s)
			a->destroy(s);
	}
	/* collector.path a directory: refused before anything is spawned. */
	snprintf(c, sizeof(c), "{\"collector\":{\"path\":\"%s\",\"stateDir\":\"\"}}", dir);
	h = open_with(a, c, live, &s, &lc, err, sizeof(err), &ms);
	CHECK(h == NULL && strstr(err, "not a regular file") && strstr(err, dir),
	      "collector.path a directory: %s", err);
	if (h)
		a->close(s, h);
	if (s)
		a->destroy(s);
	/* collector.path garbage, run by the real Node.js: its SyntaxError is the message. */
	snprintf(path, sizeof(path), "%s/garbage.js", dir);
	write_file(path, "this is ((( not JavaScript\n", 27);
	if (access("/usr/bin/node", X_OK) == 0 || system("command -v node >/dev/null 2>&1") == 0) {
		snprintf(c, sizeof(c), "{\"collector\":{\"node\":\"node\",\"path\":\"%s\","
		         "\"stateDir\":\"\"}}", path);
		h = open_with(a, c, live, &s, &lc, err, sizeof(err), &ms);
		CHECK(h == NULL && strncmp(err, "open: SyntaxError", 17) == 0 &&
		          strstr(err, "before it started"),
		      "collector.path garbage: open %s: %s", h ? "succeeded" : "failed", err);
		if (h)
			a->close(s, h);
		if (s)
			a->destroy(s);
	}
	/* A collector that never writes a heartbeat: killed, open fails at the bound. */
	setenv("DKR_FAKE_MODE", "silent", 1);
	snprintf(c, sizeof(c), "{\"collector\":{\"node\":\"%s\",\"path\":\"%s\",\"stateDir\":\"\","
	         "\"hangTimeoutMs\":1000}}", g.fake, g.fixture);
	h = open_with(a, c, live, &s, &lc, err, sizeof(err), &ms);
	CHECK(h == NULL && strstr(err, "did not start within 1000 ms") && ms >= 900 && ms < 5000,
	      "silent collector: open %s after %.0f ms: %s", h ? "succeeded" : "failed", ms, err);
	pid_t kids[16];
	CHECK(child_pids(kids, 16) == 0, "the silent collector was left running");
	if (h)
		a->close(s, h);
	if (s)
		a->destroy(s);
	/* TLS files: a FIFO fails open at once (never opened: that would block), as does a
	 * directory; garbage is the collector's to refuse (exit 2 at its start, below). */
	snprintf(path, sizeof(path), "%s/ca.fifo", dir);
	CHECK(mkfifo(path, 0600) == 0, "mkfifo %s", path);
	snprintf(c, sizeof(c), "{\"collector\":{\"node\":\"%s\",\"path\":\"%s\",\"stateDir\":\"\"},"
	         "\"tls\":{\"ca\":\"%s\"}}", g.fake, g.fixture, path);
	setenv("DKR_FAKE_MODE", "stall", 1);
	h = open_with(a, c, "tcp://127.0.0.1:1", &s, &lc, err, sizeof(err), &ms);
	CHECK(h == NULL && strstr(err, "tls.ca") && strstr(err, "not a regular file") && ms < 1000,
	      "tls.ca a FIFO: open %s after %.0f ms: %s", h ? "succeeded" : "failed", ms, err);
	if (h)
		a->close(s, h);
	if (s)
		a->destroy(s);
	/* Garbage TLS material with the real collector: its exit 2 message fails open. */
	char script[PATH_MAX + 32];
	snprintf(script, sizeof(script), "%s/build/collector/main.js", g.root);
	if (access(script, R_OK) == 0) {
		/* tls.ca alone; tls.cert + tls.key with the key not PEM (the cert is garbage too: the
		 * key is checked first). */
		static const char *const which[2][2] = {{"ca", NULL}, {"key", "cert"}};
		for (size_t i = 0; i < 2; i++) {
			char extra[PATH_MAX + 32] = "";
			snprintf(path, sizeof(path), "%s/garbage-%s.pem", dir, which[i][0]);
			write_file(path, "-----BEGIN GARBAGE-----\nnot pem\n", 32);
			if (which[i][1] != NULL)
				snprintf(extra, sizeof(extra), ",\"%s\":\"%s\"", which[i][1], path);
			snprintf(c, sizeof(c), "{\"collector\":{\"node\":\"node\",\"path\":\"%s\","
			         "\"stateDir\":\"\"},\"tls\":{\"%s\":\"%s\"%s}}", script, which[i][0], path,
			         extra);
			h = open_with(a, c, "tcp://127.0.0.1:1", &s, &lc, err, sizeof(err), &ms);
			CHECK(h == NULL && strncmp(err, "open: --tls-", 12) == 0 && strstr(err, path) &&
			          strstr(err, "exited with code 2") && strstr(err, which[i][0]),
			      "tls.%s garbage: open %s: %s", which[i][0], h ? "succeeded" : "failed", err);
			if (h)
				a->close(s, h);
			if (s)
				a->destroy(s);
		}
	}
	/* Restarts that keep dying before their heartbeat: next_batch fails with what the last one
	 * said, after DKR_COLLECTOR_MAX_EARLY_EXITS (5) attempts, instead of restarting forever. */
	char marker[PATH_MAX], mode[PATH_MAX + 32];
	snprintf(marker, sizeof(marker), "%s/died", dir);
	snprintf(mode, sizeof(mode), "die-after-start:%s", marker);
	setenv("DKR_FAKE_MODE", mode, 1);
	snprintf(c, sizeof(c), "{\"collector\":{\"node\":\"%s\",\"path\":\"%s\",\"stateDir\":\"\","
	         "\"restartMaxMs\":100}}", g.fake, g.fixture);
	h = open_with(a, c, live, &s, &lc, err, sizeof(err), &ms);
	if (CHECK(h != NULL, "open (die-after-start): %s", err)) {
		ss_plugin_rc rc = drive(a, s, h, 20, NULL);
		CHECK(rc == SS_PLUGIN_FAILURE && strstr(a->get_last_error(s), "5 restarts in a row") &&
		          strstr(a->get_last_error(s), "Error: fake collector cannot start any more"),
		      "restarts dying early: rc %d, %s", (int)rc, a->get_last_error(s));
		CHECK(metric(a, s, "collector_restarts") == 5, "collector_restarts %" PRIu64,
		      metric(a, s, "collector_restarts"));
		a->close(s, h);
	}
	if (s)
		a->destroy(s);
	/* A live collector that exits 0 (SIGTERM from someone else) is a crash: restarted,
	 * counted, the source goes on. */
	char dump[PATH_MAX];
	snprintf(dump, sizeof(dump), "%s/dump.bin", dir);
	snprintf(mode, sizeof(mode), "live:%s", dump);
	setenv("DKR_FAKE_MODE", mode, 1);
	snprintf(c, sizeof(c), "{\"collector\":{\"node\":\"%s\",\"path\":\"%s\",\"stateDir\":\"\","
	         "\"restartMaxMs\":100}}", g.fake, g.fixture);
	lc.len = 0;
	lc.text[0] = '\0';
	h = open_with(a, c, live, &s, &lc, err, sizeof(err), &ms);
	if (CHECK(h != NULL, "open (live): %s", err)) {
		size_t got = 0;
		ss_plugin_rc rc = SS_PLUGIN_TIMEOUT;
		double deadline = dkr_mono_s() + 20;
		while (got == 0 && dkr_mono_s() < deadline && rc != SS_PLUGIN_FAILURE)
			rc = drive(a, s, h, 0.05, &got);
		size_t nk = child_pids(kids, 16);
		if (CHECK(got == 1 && nk == 1, "live fake: %zu events, %zu children", got, nk))
			kill(kids[0], SIGTERM);
		deadline = dkr_mono_s() + 20;
		while (got < 2 && dkr_mono_s() < deadline && rc != SS_PLUGIN_FAILURE &&
		       rc != SS_PLUGIN_EOF)
			rc = drive(a, s, h, 0.05, &got);
		CHECK(got == 2 && rc != SS_PLUGIN_EOF && rc != SS_PLUGIN_FAILURE,
		      "live collector exit 0: rc %d, %zu events: %s", (int)rc, got, a->get_last_error(s));
		CHECK(metric(a, s, "collector_restarts") == 1, "collector_restarts %" PRIu64,
		      metric(a, s, "collector_restarts"));
		CHECK(strstr(lc.text, "exited with code 0 (a live source never finishes)"),
		      "live exit 0 not logged: %s", lc.text);
		a->close(s, h);
	}
	if (s)
		a->destroy(s);
	/* A replay collector that exits 0 before the end of its recordings (the ring's `finished`
	 * is not set) is restarted and the replay completes: nothing silently cut short. */
	snprintf(marker, sizeof(marker), "%s/quit", dir);
	snprintf(mode, sizeof(mode), "quit-once:%s", marker);
	setenv("DKR_FAKE_MODE", mode, 1);
	h = open_with(a, c, params, &s, &lc, err, sizeof(err), &ms);
	if (CHECK(h != NULL, "open (quit-once): %s", err)) {
		lines want;
		lines_read(g.fixture, &want);
		size_t got = 0;
		ss_plugin_rc rc = drive(a, s, h, 30, &got);
		CHECK(rc == SS_PLUGIN_EOF && got == want.n && metric(a, s, "collector_restarts") == 1,
		      "replay exit 0 early: rc %d, %zu of %zu events, %" PRIu64 " restarts", (int)rc, got,
		      want.n, metric(a, s, "collector_restarts"));
		lines_free(&want);
		a->close(s, h);
	}
	if (s)
		a->destroy(s);
	/* Descriptors of the host process reach the collector only as its stdio, the ring (fd 3)
	 * and the wake-up eventfd (fd 4): an fd opened without O_CLOEXEC (as Falco or a library
	 * may) is not inherited. */
	snprintf(path, sizeof(path), "%s/leak", dir);
	int leak = open(path, O_CREAT | O_RDWR, 0600); /* no O_CLOEXEC on purpose */
	CHECK(leak >= 0, "open %s", path);
	setenv("DKR_FAKE_MODE", "stall", 1);
	h = open_with(a, c, live, &s, &lc, err, sizeof(err), &ms);
	if (CHECK(h != NULL, "open (stall): %s", err)) {
		size_t nk = child_pids(kids, 16);
		if (CHECK(nk == 1, "%zu children", nk)) {
			char fdp[64];
			snprintf(fdp, sizeof(fdp), "/proc/%d/fd/*", (int)kids[0]);
			glob_t gl;
			int found_leak = 0;
			size_t nfd = 0;
			if (glob(fdp, 0, NULL, &gl) == 0) {
				nfd = gl.gl_pathc;
				for (size_t i = 0; i < gl.gl_pathc; i++) {
					char target[PATH_MAX];
					ssize_t l = readlink(gl.gl_pathv[i], target, sizeof(target) - 1);
					if (l > 0) {
						target[l] = '\0';
						found_leak |= strcmp(target, path) == 0;
					}
				}
				globfree(&gl);
			}
			CHECK(!found_leak && nfd == 5, "the collector holds %zu descriptors%s (want 0-4)",
			      nfd, found_leak ? ", the host's non-CLOEXEC file among them" : "");
			char fd4[64], t4[PATH_MAX];
			snprintf(fd4, sizeof(fd4), "/proc/%d/fd/4", (int)kids[0]);
			ssize_t l4 = readlink(fd4, t4, sizeof(t4) - 1);
			if (l4 > 0)
				t4[l4] = '\0';
			CHECK(l4 > 0 && strstr(t4, "eventfd") != NULL, "the collector's fd 4 is %s, not the "
			      "wake-up eventfd", l4 > 0 ? t4 : "closed");
		}
		a->close(s, h);
	}
	if (s)
		a->destroy(s);
	if (leak >= 0)
		close(leak);
	unsetenv("DKR_FAKE_MODE");
	pthread_mutex_destroy(&lc.mu);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "note: could not remove %s\n", dir);
}

/* ------------------------------------------------------------------ 12. resume across reopen */

static uint64_t at64(const uint8_t *p, size_t off)
{
	uint64_t v;
	memcpy(&v, p + off, 8);
	return v;
}

/* Opens `params` with the fake collector in live mode (it dumps the ring header + resume
 * area it was handed to `dump`, then publishes `publish` events and creates <dump>.done),
 * waits until they are published, then takes batches until `want` events came, "processing"
 * (event_to_string, as Falco's outputs do) only the first `process` of them, and closes right
 * after the batch that completed `want`, without asking for another: like Falco on a reload.
 * Stores the events' ts in ts[] (up to `want`); returns how many came. */
static size_t live_run(const dkr_api *a, ss_plugin_t *s, const char *params, const char *dump,
                       int publish, size_t want, size_t process, uint64_t *ts)
{
	char mode[1200], done[1200], count[16];
	snprintf(mode, sizeof(mode), "live:%s", dump);
	snprintf(done, sizeof(done), "%s.done", dump);
	snprintf(count, sizeof(count), "%d", publish);
	setenv("DKR_FAKE_MODE", mode, 1);
	setenv("DKR_FAKE_EVENTS", count, 1);
	unlink(dump);
	unlink(done);
	ss_plugin_rc rc;
	ss_instance_t *h = a->open(s, params, &rc);
	unsetenv("DKR_FAKE_EVENTS");
	if (!CHECK(h != NULL, "open %s: %s", params, a->get_last_error(s)))
		return 0;
	double deadline = dkr_mono_s() + 20;
	while (access(done, F_OK) != 0 && dkr_mono_s() < deadline)
		usleep(5000);
	size_t got = 0;
	while (got < want && dkr_mono_s() < deadline) {
		uint32_t n = 0;
		ss_plugin_event **evts;
		rc = a->next_batch(s, h, &n, &evts);
		if (!CHECK(rc != SS_PLUGIN_FAILURE, "next_batch: %s", a->get_last_error(s)))
			break;
		for (uint32_t i = 0; i < n; i++, got++) {
			if (got < want)
				ts[got] = evts[i]->ts;
			if (got < process) {
				ss_plugin_event_input ei = {.evt = evts[i], .evtnum = got + 1, .evtsrc = "docker"};
				a->event_to_string(s, &ei);
			}
		}
	}
	a->close(s, h);
	return got;
}

/* One event, processed: its ts. */
static uint64_t live_once(const dkr_api *a, ss_plugin_t *s, const char *params, const char *dump)
{
	uint64_t ts = 0;
	CHECK(live_run(a, s, params, dump, 1, 1, 1, &ts) == 1, "the fake live collector published "
	      "nothing");
	return ts;
}

static void t_resume(const dkr_api *a)
{
	g_section = "resume";
	if (g.fake == NULL || access(g.fake, X_OK) != 0) {
		CHECK(0, "fake collector %s not executable", g.fake ? g.fake : "(none)");
		return;
	}
	char dir[] = "/tmp/dkr-harness-resume-XXXXXX";
	if (!CHECK(mkdtemp(dir) != NULL, "mkdtemp"))
		return;
	char state[256], dump[256], file[300], c[2048];
	snprintf(state, sizeof(state), "%s/state/sub", dir); /* created on the first close */
	snprintf(dump, sizeof(dump), "%s/dump.bin", dir);
	const char *ep = "unix:///nonexistent/dkr-harness.sock";
	snprintf(file, sizeof(file), "%s/resume-%016llx.bin", state,
	         (unsigned long long)dkr_fnv1a64(ep, strlen(ep)));
	snprintf(c, sizeof(c), "{\"collector\":{\"node\":\"%s\",\"path\":\"%s\",\"stateDir\":\"%s\"}}",
	         g.fake, g.fixture, state);
	ss_plugin_rc rc;
	logcap lc;
	cap_init(&lc);
	ss_plugin_t *s = dkr_api_init(a, c, (ss_plugin_owner_t *)&lc, cap_log, &rc);
	if (!CHECK(rc == SS_PLUGIN_SUCCESS, "init: %s", s ? a->get_last_error(s) : "")) {
		if (s)
			a->destroy(s);
		return;
	}
	size_t len = 0;
	/* First open: no state yet, the collector gets a zero resume area. Close saves it. */
	uint64_t ts1 = live_once(a, s, ep, dump);
	uint8_t *d = (uint8_t *)read_text(dump, &len);
	CHECK(d && len == DKR_RING_HEADER_SIZE && at64(d, DKR_RH_LAST_TS) == 0 &&
	          at64(d, DKR_RING_RESUME_AT) == 0, "first open: the ring already has a resume point");
	free(d);
	struct stat st;
	CHECK(stat(state, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
	      "state dir %s not created 0700 (mode %o)", state, (unsigned)st.st_mode & 0777);
	CHECK(stat(file, &st) == 0 && (st.st_mode & 0777) == 0600, "close did not save %s 0600",
	      file);
	/* Second open (a hot reload): the collector starts with the first run's resume points. */
	uint64_t ts2 = live_once(a, s, ep, dump);
	d = (uint8_t *)read_text(dump, &len);
	uint64_t key = dkr_fnv1a64(ep, strlen(ep));
	if (CHECK(d && len == DKR_RING_HEADER_SIZE, "no dump from the second open")) {
		CHECK(at64(d, DKR_RH_LAST_TS) == ts1 && at64(d, DKR_RH_LAST_HASH) != 0,
		      "reopened ring's last_ts %" PRIu64 ", want %" PRIu64, at64(d, DKR_RH_LAST_TS), ts1);
		CHECK(at64(d, DKR_RING_RESUME_AT) == key && at64(d, DKR_RING_RESUME_AT + 8) == ts1 &&
		          at64(d, DKR_RING_RESUME_AT + 24) == 2,
		      "reopened ring's resume entry: key %" PRIx64 " ts %" PRIu64 " seq %" PRIu64,
		      at64(d, DKR_RING_RESUME_AT), at64(d, DKR_RING_RESUME_AT + 8),
		      at64(d, DKR_RING_RESUME_AT + 24));
		CHECK(at64(d, DKR_RH_WRITE_POS) == 0 && at64(d, DKR_RH_EVENTS_WRITTEN) == 0,
		      "reopened ring carries positions/counters over");
	}
	free(d);
	CHECK(ts1 != 0 && ts2 == ts1 + 1, "second run resumed at %" PRIu64 ", want %" PRIu64, ts2,
	      ts1 + 1);
	CHECK(strstr(lc.text, "resuming from"), "resume not logged: %s", lc.text);
	/* Published but never taken by next_batch (Falco closed first): saved, and delivered first
	 * after the reopen, once; the collector resumes after them. */
	uint64_t t[8] = {0};
	CHECK(live_run(a, s, ep, dump, 3, 0, 0, t) == 0, "events taken");
	lc.len = 0;
	lc.text[0] = '\0';
	size_t got = live_run(a, s, ep, dump, 1, 4, 4, t);
	CHECK(got == 4 && t[0] == ts2 + 1 && t[1] == ts2 + 2 && t[2] == ts2 + 3 && t[3] == ts2 + 4,
	      "after a close with 3 events in the ring: %zu events, ts - ts2 = %lld %lld %lld %lld",
	      got, (long long)(t[0] - ts2), (long long)(t[1] - ts2), (long long)(t[2] - ts2),
	      (long long)(t[3] - ts2));
	CHECK(strstr(lc.text, ": 3 undelivered event(s) first"),
	      "restored records not logged: %s", lc.text);
	d = (uint8_t *)read_text(dump, &len);
	CHECK(d && len == DKR_RING_HEADER_SIZE && at64(d, DKR_RH_EVENTS_WRITTEN) == 3 &&
	          at64(d, DKR_RH_WRITE_POS) > 0 && at64(d, DKR_RH_LAST_TS) == ts2 + 3,
	      "the reopened ring does not start with the 3 saved records");
	free(d);
	/* A batch Falco took but processed only in part (it drops the rest when it restarts): the
	 * events it never looked at are saved; those it did are not delivered again. */
	uint64_t base = t[3];
	CHECK(live_run(a, s, ep, dump, 5, 5, 2, t) == 5 && t[0] == base + 1 && t[4] == base + 5,
	      "one batch of 5 expected");
	got = live_run(a, s, ep, dump, 1, 4, 4, t);
	CHECK(got == 4 && t[0] == base + 3 && t[1] == base + 4 && t[2] == base + 5 &&
	          t[3] == base + 6,
	      "after a close with 3 of 5 batch events unprocessed: %zu events, ts - base = %lld %lld "
	      "%lld %lld", got, (long long)(t[0] - base), (long long)(t[1] - base),
	      (long long)(t[2] - base), (long long)(t[3] - base));
	/* Saved from a larger ring than the next open is configured for: the new ring is as large
	 * as the saved one, so every saved record fits. */
	{
		char c2[2048];
		snprintf(c2, sizeof(c2), "{\"collector\":{\"node\":\"%s\",\"path\":\"%s\",\"stateDir\":"
		         "\"%s\"},\"ring\":{\"capacityMiB\":%d}}", g.fake, g.fixture, state, 2);
		ss_plugin_t *s2 = dkr_api_init(a, c2, (ss_plugin_owner_t *)&lc, cap_log, &rc);
		if (s2) {
			CHECK(live_run(a, s2, ep, dump, 2, 0, 0, t) == 0, "events taken");
			a->destroy(s2);
		}
		snprintf(c2, sizeof(c2), "{\"collector\":{\"node\":\"%s\",\"path\":\"%s\",\"stateDir\":"
		         "\"%s\"},\"ring\":{\"capacityMiB\":%d}}", g.fake, g.fixture, state, 1);
		lc.len = 0;
		lc.text[0] = '\0';
		s2 = dkr_api_init(a, c2, (ss_plugin_owner_t *)&lc, cap_log, &rc);
		if (s2) {
			base = t[0];
			CHECK(live_run(a, s2, ep, dump, 1, 3, 3, t) == 3, "3 events after the reopen");
			d = (uint8_t *)read_text(dump, &len);
			CHECK(d && len == DKR_RING_HEADER_SIZE && at64(d, DKR_RH_CAPACITY) == (2u << 20) &&
			          strstr(lc.text, "ring of 2 MiB instead of 1"),
			      "the ring was not enlarged for the saved records: %s", lc.text);
			free(d);
			a->destroy(s2);
		}
	}
	/* A version 1 file (points only, FNV-1a checksum; written by earlier releases) is used. */
	{
		uint8_t v1[32 + 16 + DKR_RING_RESUME_ENTRIES * DKR_RING_RESUME_ENTRY_SIZE + 8];
		memset(v1, 0, sizeof(v1));
		uint64_t magic = 0x314D555352524B44ull, last = 1800000000000000000ull;
		uint32_t one = 1, rv = DKR_RING_VERSION;
		memcpy(v1, &magic, 8);
		memcpy(v1 + 8, &one, 4);
		memcpy(v1 + 12, &rv, 4);
		memcpy(v1 + 16, &key, 8);
		memcpy(v1 + 32, &last, 8);
		uint64_t fnv = dkr_fnv1a64(v1, sizeof(v1) - 8);
		memcpy(v1 + sizeof(v1) - 8, &fnv, 8);
		write_file(file, v1, sizeof(v1));
		CHECK(live_once(a, s, ep, dump) == last + 1, "a version 1 state file was not used");
	}
	/* Other endpoints: another file, nothing resumed. */
	char ep2[] = "unix:///nonexistent/other.sock";
	live_once(a, s, ep2, dump);
	d = (uint8_t *)read_text(dump, &len);
	CHECK(d && len == DKR_RING_HEADER_SIZE && at64(d, DKR_RH_LAST_TS) == 0,
	      "another endpoint got this endpoint's resume point");
	free(d);
	/* A damaged file is ignored with a warning; open still succeeds. */
	uint8_t *f = (uint8_t *)read_text(file, &len);
	if (CHECK(f && len > 200, "state file unreadable")) {
		f[100] ^= 0xFF;
		write_file(file, f, len);
		lc.len = 0;
		lc.text[0] = '\0';
		live_once(a, s, ep, dump);
		d = (uint8_t *)read_text(dump, &len);
		CHECK(d && len == DKR_RING_HEADER_SIZE && at64(d, DKR_RH_LAST_TS) == 0 &&
		          at64(d, DKR_RING_RESUME_AT) == 0, "a damaged state file was used");
		free(d);
		CHECK(strstr(lc.text, "ignored (checksum mismatch)"), "damage not logged: %s", lc.text);
	}
	free(f);
	/* Replays never save state. */
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -f '%s'/resume-*", state);
	if (system(cmd) != 0)
		fprintf(stderr, "note: %s failed\n", cmd);
	setenv("DKR_FAKE_MODE", "ok", 1);
	char params[1100];
	snprintf(params, sizeof(params), "file://%s", g.fixture);
	ss_instance_t *h = a->open(s, params, &rc);
	if (CHECK(h != NULL, "open replay: %s", a->get_last_error(s))) {
		double deadline = dkr_mono_s() + 20;
		uint32_t n;
		ss_plugin_event **evts;
		while (a->next_batch(s, h, &n, &evts) != SS_PLUGIN_EOF && dkr_mono_s() < deadline)
			;
		a->close(s, h);
	}
	glob_t gl;
	CHECK(glob(state, 0, NULL, &gl) == 0 && gl.gl_pathc == 1, "state dir gone");
	globfree(&gl);
	char pat[300];
	snprintf(pat, sizeof(pat), "%s/*", state);
	CHECK(glob(pat, 0, NULL, &gl) == GLOB_NOMATCH, "a replay wrote resume state");
	globfree(&gl);
	a->destroy(s);
	/* An unusable stateDir only costs a warning: open and close succeed. */
	snprintf(c, sizeof(c), "{\"collector\":{\"node\":\"%s\",\"path\":\"%s\",\"stateDir\":"
	         "\"/proc/dkr-no-such-dir\"}}", g.fake, g.fixture);
	lc.len = 0;
	lc.text[0] = '\0';
	s = dkr_api_init(a, c, (ss_plugin_owner_t *)&lc, cap_log, &rc);
	if (CHECK(rc == SS_PLUGIN_SUCCESS, "init: %s", s ? a->get_last_error(s) : "")) {
		CHECK(live_once(a, s, ep, dump) != 0, "open with an unusable stateDir");
		CHECK(strstr(lc.text, "resume state /proc/dkr-no-such-dir") && strstr(lc.text, "cannot"),
		      "save failure not logged: %s", lc.text);
	}
	if (s)
		a->destroy(s);
	/* stateDir "": nothing is saved (the default directory is not touched either). */
	snprintf(c, sizeof(c), "{\"collector\":{\"node\":\"%s\",\"path\":\"%s\",\"stateDir\":\"\"}}",
	         g.fake, g.fixture);
	s = dkr_api_init(a, c, (ss_plugin_owner_t *)&lc, cap_log, &rc);
	if (CHECK(rc == SS_PLUGIN_SUCCESS, "init: %s", s ? a->get_last_error(s) : "")) {
		lc.len = 0;
		lc.text[0] = '\0';
		live_once(a, s, ep, dump);
		live_once(a, s, ep, dump);
		d = (uint8_t *)read_text(dump, &len);
		CHECK(d && len == DKR_RING_HEADER_SIZE && at64(d, DKR_RH_LAST_TS) == 0,
		      "stateDir \"\" still resumed");
		free(d);
		CHECK(strstr(lc.text, "resume state") == NULL, "stateDir \"\" logged: %s", lc.text);
	}
	if (s)
		a->destroy(s);
	unsetenv("DKR_FAKE_MODE");
	pthread_mutex_destroy(&lc.mu);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "note: could not remove %s\n", dir);
}

/* ------------------------------------------------------------------ main */

int dkr_conformance_main(int argc, char **argv)
{
	const char *only = NULL;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--lib") && i + 1 < argc) g.lib = argv[++i];
		else if (!strcmp(argv[i], "--root") && i + 1 < argc) g.root = argv[++i];
		else if (!strcmp(argv[i], "--fake-collector") && i + 1 < argc) g.fake = argv[++i];
		else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
		else if (!strcmp(argv[i], "--valgrind")) g.valgrind = 1;
		else {
			fprintf(stderr, "usage: dkr-harness conformance --lib PATH --root DIR "
			                "--fake-collector PATH [--only SECTION] [--valgrind]\n");
			return 2;
		}
	}
	if (g.lib == NULL || g.root == NULL) {
		fprintf(stderr, "conformance: --lib and --root are required\n");
		return 2;
	}
	static char root_abs[PATH_MAX], lib_abs[PATH_MAX];
	if (realpath(g.root, root_abs) == NULL || realpath(g.lib, lib_abs) == NULL) {
		fprintf(stderr, "conformance: %s or %s: %s\n", g.root, g.lib, strerror(errno));
		return 2;
	}
	g.root = root_abs;
	g.lib = lib_abs;
	char script[PATH_MAX + 32];
	snprintf(script, sizeof(script), "%s/build/collector/main.js", g.root);
	if (access(script, R_OK) == 0) {
		snprintf(g.collector_cfg, sizeof(g.collector_cfg),
		         "\"collector\":{\"node\":\"node\",\"path\":\"%s\"}", script);
	} else {
		/* No collector build: the fake stands in for replay (it ignores its script arg). */
		fprintf(stderr, "note: %s missing, using the fake collector\n", script);
		snprintf(g.collector_cfg, sizeof(g.collector_cfg),
		         "\"collector\":{\"node\":\"%s\",\"path\":\"%s/tests/harness/harness.c\"}",
		         g.fake ? g.fake : "/nonexistent", g.root);
	}
	snprintf(g.fixture, sizeof(g.fixture), "%s/tests/fixtures/demo.jsonl", g.root);
	if (access(g.fixture, R_OK) != 0)
		snprintf(g.fixture, sizeof(g.fixture), "%s/tests/harness/mini.jsonl", g.root);

	char err[1024];
	dkr_api api;
	if (dkr_api_load(&api, g.lib, err, sizeof(err)) != 0) {
		fprintf(stderr, "FAIL: %s\n", err);
		return 1;
	}
	struct {
		const char *name;
		void (*fn)(const dkr_api *);
	} tests[] = {
		{"info", t_info}, {"fields", t_fields}, {"schema", t_schema},
		{"open_params", t_open_params}, {"replay", t_replay}, {"field_vectors", t_field_vectors},
		{"two_states", t_two_states}, {"swap", t_swap}, {"cwasm", t_cwasm}, {"supervision", t_supervision},
		{"start", t_start}, {"resume", t_resume},
	};
	if (only == NULL || !strcmp(only, "symbols"))
		t_symbols();
	if (only == NULL || !strcmp(only, "ring"))
		t_ring_vectors();
	if (only == NULL || !strcmp(only, "sha256"))
		t_sha256();
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (only && strcmp(only, tests[i].name))
			continue;
		int before = g_fail;
		double t0 = dkr_mono_s();
		tests[i].fn(&api);
		fprintf(stderr, "%s %s (%.2f s)\n", g_fail == before ? "ok  " : "FAIL", tests[i].name,
		        dkr_mono_s() - t0);
	}
	dkr_api_unload(&api);
	fprintf(stderr, "%d checks passed, %d failed\n", g_pass, g_fail);
	return g_fail ? 1 : 0;
}
