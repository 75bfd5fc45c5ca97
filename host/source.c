/* Event sourcing: open (ring + collector child), next_batch (ring -> plugin events),
 * close, open parameters, progress, event_to_string. */
#define _GNU_SOURCE
#include "source.h"

#include "collector.h"
#include "plugin.h"
#include "resume.h"
#include "ring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_SOCKET "unix:///var/run/docker.sock"
#define BATCH_BUF_MIN (4u << 20)

struct ss_instance_t {
	ss_plugin_t *s;
	dkr_ring ring;
	dkr_collector col;
	int replay;
	char *state_path;           /* live sources with collector.stateDir: the resume file */
	uint64_t state_key;
	int eof;
	int failed;
	uint8_t *buf;               /* batch events, writable, owned */
	size_t buf_cap;
	ss_plugin_event **ptrs;     /* batch array */
	uint32_t max_events;
	uint64_t base[DKR_M_COUNT]; /* state metric values at open (ring counters restart at 0) */
	char progress[32];
};

/* ---------------------------------------------------------------- open params */

void dkr_endpoints_free(dkr_endpoints *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static int check_endpoint(const char *ep, const char *origin, int *is_file, char *err,
                          size_t errlen)
{
	*is_file = 0;
	if (strncmp(ep, "unix://", 7) == 0) {
		if (ep[7] != '/') {
			snprintf(err, errlen, "%s '%s': a unix endpoint needs an absolute socket path, "
			         "e.g. unix:///var/run/docker.sock", origin, ep);
			return -1;
		}
		return 0;
	}
	if (strncmp(ep, "tcp://", 6) == 0) {
		const char *hp = ep + 6;
		const char *colon = strrchr(hp, ':');
		char *end;
		long port = colon ? strtol(colon + 1, &end, 10) : 0;
		if (colon == NULL || colon == hp || colon[1] == '\0' || *end != '\0' || port <= 0 ||
		    port > 65535) {
			snprintf(err, errlen, "%s '%s': a tcp endpoint needs host:port, e.g. "
			         "tcp://10.0.0.5:2376", origin, ep);
			return -1;
		}
		return 0;
	}
	if (strncmp(ep, "file://", 7) == 0) {
		const char *path = ep + 7;
		struct stat st;
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (path[0] != '/' || fd < 0) {
			snprintf(err, errlen, "%s '%s': cannot read the recording %s: %s (a file endpoint "
			         "needs an absolute path: file:///path/events.jsonl)", origin, ep, path,
			         path[0] != '/' ? "not an absolute path" : strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		int reg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
		close(fd);
		if (!reg) {
			snprintf(err, errlen, "%s '%s': %s is not a regular file", origin, ep, path);
			return -1;
		}
		*is_file = 1;
		return 0;
	}
	snprintf(err, errlen,
	         "%s '%s': unknown endpoint; use unix:///path/docker.sock, tcp://host:port, "
	         "file:///path/events.jsonl (several separated by commas), or nothing for the local "
	         "daemon", origin, ep);
	return -1;
}

int dkr_endpoints_parse(const char *params, dkr_endpoints *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	char *copy = strdup(params ? params : "");
	if (copy == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Trim. */
	char *p = copy + strspn(copy, " \t\r\n");
	size_t l = strlen(p);
	while (l > 0 && strchr(" \t\r\n", p[l - 1]))
		p[--l] = '\0';
	const char *origin = "open params: endpoint";
	if (*p == '\0') {
		const char *dh = getenv("DOCKER_HOST");
		free(copy);
		copy = strdup(dh && *dh ? dh : DEFAULT_SOCKET);
		if (copy == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		p = copy;
		origin = dh && *dh ? "DOCKER_HOST" : "default endpoint";
	}
	size_t count = 1;
	for (const char *q = p; *q; q++)
		count += *q == ',';
	out->v = calloc(count, sizeof(char *));
	if (out->v == NULL) {
		free(copy);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int all_files = 1;
	char *save = NULL;
	char *tok = p;
	for (size_t i = 0; i < count; i++) {
		char *comma = strchr(tok, ',');
		if (comma)
			*comma = '\0';
		char *t = tok + strspn(tok, " \t");
		size_t tl = strlen(t);
		while (tl > 0 && strchr(" \t", t[tl - 1]))
			t[--tl] = '\0';
		if (tl == 0) {
			snprintf(err, errlen, "open params '%s': empty endpoint between commas", params);
			goto fail;
		}
		int is_file;
		if (check_endpoint(t, origin, &is_file, err, errlen) != 0)
			goto fail;
		all_files &= is_file;
		out->v[out->n] = strdup(t);
		if (out->v[out->n] == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		out->n++;
		tok = comma ? comma + 1 : tok + strlen(tok);
	}
	(void)save;
	out->replay = all_files;
	free(copy);
	return 0;
fail:
	free(copy);
	dkr_endpoints_free(out);
	return -1;
}

/* ---------------------------------------------------------------- collector argv */

static int argv_push(char ***argv, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int argv_push(char ***argv, size_t *n, const char *fmt, ...)
{
	char **nv = realloc(*argv, (*n + 2) * sizeof(char *));
	if (nv == NULL)
		return -1;
	*argv = nv;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&nv[*n], fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	(*n)++;
	nv[*n] = NULL;
	return 0;
}

/* 1 if `prog` is an executable path, or a name found executable on PATH. Checked before
 * spawning so a missing Node.js is an open error, not a child that exits 127. */
static int executable(const char *prog)
{
	if (strchr(prog, '/') != NULL)
		return access(prog, X_OK) == 0;
	const char *path = getenv("PATH");
	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	char *copy = strdup(path), *save = NULL;
	int found = 0;
	for (char *dir = copy ? strtok_r(copy, ":", &save) : NULL; dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char *full = NULL;
		if (asprintf(&full, "%s/%s", *dir ? dir : ".", prog) >= 0) {
			found = access(full, X_OK) == 0;
			free(full);
		}
	}
	free(copy);
	return found;
}

/* The collector's program: by default the single executable docker-collector next to
 * libdocker.so (it needs no Node.js); with collector.node set, that Node running the plain
 * bundle docker-collector.js (or collector.path). Sets *script (NULL for the executable). */
static char *collector_program(ss_plugin_t *s, char **script, char *err, size_t errlen)
{
	const dkr_config *c = &s->cfg;
	*script = NULL;
	if (c->collector_node[0] != '\0') {
		if (!executable(c->collector_node)) {
			snprintf(err, errlen, "cannot start the collector: '%s' is not an executable%s (set "
			         "init_config collector.node to the Node.js >= 20 executable, or leave it "
			         "empty for the docker-collector executable)", c->collector_node,
			         strchr(c->collector_node, '/') ? "" : " on PATH");
			return NULL;
		}
		if (c->collector_path)
			*script = strdup(c->collector_path);
		else if (asprintf(script, "%s/docker-collector.js", s->libdir) < 0)
			*script = NULL;
		char *node = *script ? strdup(c->collector_node) : NULL;
		if (node == NULL) {
			free(*script);
			*script = NULL;
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		if (access(*script, R_OK) != 0) {
			snprintf(err, errlen, "collector script %s: %s (build it with `npm run "
			         "build:collector`, or set init_config collector.path)", *script,
			         strerror(errno));
			free(*script);
			*script = NULL;
			free(node);
			return NULL;
		}
		return node;
	}
	char *exe = NULL;
	if (c->collector_path)
		exe = strdup(c->collector_path);
	else if (asprintf(&exe, "%s/docker-collector", s->libdir) < 0)
		exe = NULL;
	if (exe == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (access(exe, X_OK) != 0) {
		snprintf(err, errlen, "cannot start the collector: %s: %s (it ships next to "
		         "libdocker.so; build it with `npm run build`, or set init_config "
		         "collector.path, or collector.node to run docker-collector.js with Node.js)",
		         exe, strerror(errno));
		free(exe);
		return NULL;
	}
	return exe;
}

static char **collector_argv(ss_plugin_t *s, const dkr_endpoints *eps, char *err, size_t errlen)
{
	const dkr_config *c = &s->cfg;
	char *script = NULL;
	char *prog = collector_program(s, &script, err, errlen);
	if (prog == NULL)
		return NULL;
	const char *tls[3][2] = {{"--tls-ca", c->tls_ca}, {"--tls-cert", c->tls_cert},
	                         {"--tls-key", c->tls_key}};
	for (int i = 0; i < 3; i++) {
		if (tls[i][1] && access(tls[i][1], R_OK) != 0) {
			snprintf(err, errlen, "init_config tls: cannot read %s: %s", tls[i][1],
			         strerror(errno));
			free(script);
			free(prog);
			return NULL;
		}
	}
	char **argv = NULL;
	size_t n = 0;
	/* The collector sets its own V8 memory settings (contracts/collector-cli.md). */
	int bad = argv_push(&argv, &n, "%s", prog) ||
	          (script != NULL && argv_push(&argv, &n, "%s", script)) ||
	          argv_push(&argv, &n, "--ring-fd") || argv_push(&argv, &n, "3");
	for (size_t i = 0; !bad && i < eps->n; i++)
		bad = argv_push(&argv, &n, "--endpoint") || argv_push(&argv, &n, "%s", eps->v[i]);
	bad = bad || argv_push(&argv, &n, "--queue-max") ||
	      argv_push(&argv, &n, "%u", c->queue_max) ||
	      argv_push(&argv, &n, "--inspect-timeout-ms") ||
	      argv_push(&argv, &n, "%u", c->inspect_timeout_ms) ||
	      argv_push(&argv, &n, "--reconnect-max-ms") ||
	      argv_push(&argv, &n, "%u", c->reconnect_max_ms);
	if (!bad && !c->enrich)
		bad = argv_push(&argv, &n, "--no-enrich");
	int any_tls = 0;
	for (int i = 0; !bad && i < 3; i++) {
		if (tls[i][1]) {
			any_tls = 1;
			bad = argv_push(&argv, &n, "%s", tls[i][0]) || argv_push(&argv, &n, "%s", tls[i][1]);
		}
	}
	if (!bad && any_tls)
		bad = argv_push(&argv, &n, c->tls_verify ? "--tls-verify" : "--no-tls-verify");
	free(script);
	free(prog);
	if (bad) {
		for (size_t i = 0; argv && i < n; i++)
			free(argv[i]);
		free(argv);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return argv;
}

/* ---------------------------------------------------------------- open / close */

static void instance_free(ss_instance_t *h)
{
	dkr_collector_stop(&h->col);
	dkr_ring_destroy(&h->ring);
	free(h->state_path);
	free(h->buf);
	free(h->ptrs);
	free(h);
}

ss_instance_t *plugin_open(ss_plugin_t *s, const char *params, ss_plugin_rc *rc)
{
	*rc = SS_PLUGIN_FAILURE;
	if (s == NULL)
		return NULL;
	if (s->guest == NULL) {
		dkr_set_error(s, "open: the plugin was not initialised (init failed)");
		return NULL;
	}
	char err[768];
	dkr_endpoints eps;
	if (dkr_endpoints_parse(params, &eps, err, sizeof(err)) != 0) {
		dkr_set_error(s, "%s", err);
		return NULL;
	}
	ss_instance_t *h = calloc(1, sizeof(*h));
	if (h == NULL) {
		dkr_endpoints_free(&eps);
		dkr_set_error(s, "out of memory");
		return NULL;
	}
	h->s = s;
	h->ring.fd = -1;
	h->col.err_fd = -1;
	h->replay = eps.replay;
	h->max_events = s->cfg.batch_max_events;
	uint64_t cap = (uint64_t)s->cfg.ring_capacity_mib << 20;
	size_t bufmin = (size_t)dkr_ring_max_payload(cap) + DKR_PLUGIN_EVENT_PAYLOAD_OFFSET + 8;
	h->buf_cap = bufmin > BATCH_BUF_MIN ? bufmin : BATCH_BUF_MIN;
	h->buf = malloc(h->buf_cap);
	h->ptrs = malloc(h->max_events * sizeof(ss_plugin_event *));
	if (h->buf == NULL || h->ptrs == NULL) {
		dkr_endpoints_free(&eps);
		instance_free(h);
		dkr_set_error(s, "out of memory (batch buffers)");
		return NULL;
	}
	if (dkr_ring_create(&h->ring, cap, err, sizeof(err)) != 0) {
		dkr_endpoints_free(&eps);
		instance_free(h);
		dkr_set_error(s, "open: %s", err);
		return NULL;
	}
	/* A live source resumes where the last close of the same endpoints left off (Falco
	 * closes and reopens sources on every hot reload). */
	if (!h->replay && s->cfg.state_dir != NULL) {
		if (dkr_resume_path(s->cfg.state_dir, (const char *const *)eps.v, eps.n,
		                    &h->state_path, &h->state_key) != 0) {
			dkr_endpoints_free(&eps);
			instance_free(h);
			dkr_set_error(s, "out of memory");
			return NULL;
		}
		dkr_resume_load(h->state_path, h->state_key, h->ring.base, &s->log);
	}
	char **argv = collector_argv(s, &eps, err, sizeof(err));
	dkr_endpoints_free(&eps);
	if (argv == NULL ||
	    dkr_collector_start(&h->col, argv, h->ring.fd, s->cfg.restart_max_ms,
	                        (const uint64_t *)(h->ring.base + DKR_RH_HEARTBEAT_NS),
	                        s->cfg.hang_timeout_ms, &s->log, err, sizeof(err)) != 0) {
		instance_free(h);
		dkr_set_error(s, "open: %s", err);
		return NULL;
	}
	for (int i = 0; i < DKR_M_COUNT; i++)
		h->base[i] = atomic_load_explicit(&s->metrics.v[i], memory_order_relaxed);
	*rc = SS_PLUGIN_SUCCESS;
	return h;
}

void plugin_close(ss_plugin_t *s, ss_instance_t *h)
{
	if (h == NULL)
		return;
	/* Stop the producer first so the resume points saved are its last ones. */
	dkr_collector_stop(&h->col);
	if (h->state_path != NULL && s != NULL)
		dkr_resume_save(h->state_path, h->state_key, h->ring.base, &s->log);
	instance_free(h);
}

/* ---------------------------------------------------------------- next_batch */

static void update_ring_metrics(ss_instance_t *h)
{
	dkr_metrics *m = &h->s->metrics;
	const dkr_ring *r = &h->ring;
	dkr_metric_set(m, DKR_M_RING_FILL, dkr_ring_used(r) * 100 / r->capacity);
	dkr_metric_set(m, DKR_M_DROPS, h->base[DKR_M_DROPS] +
	               dkr_ring_load(r, DKR_RH_EVENTS_DROPPED) +
	               dkr_ring_load(r, DKR_RH_OVERSIZE_DROPPED));
	dkr_metric_set(m, DKR_M_RECONNECTS,
	               h->base[DKR_M_RECONNECTS] + dkr_ring_load(r, DKR_RH_RECONNECTS));
	dkr_metric_set(m, DKR_M_CONNECTED, dkr_ring_load(r, DKR_RH_CONNECTED));
	dkr_metric_set(m, DKR_M_PARSE_ERRORS,
	               h->base[DKR_M_PARSE_ERRORS] + dkr_ring_load(r, DKR_RH_PARSE_ERRORS));
	dkr_metric_set(m, DKR_M_INSPECT_FAILURES,
	               h->base[DKR_M_INSPECT_FAILURES] + dkr_ring_load(r, DKR_RH_INSPECT_FAILURES));
	dkr_metric_set(m, DKR_M_COLLECTOR_RESTARTS,
	               h->base[DKR_M_COLLECTOR_RESTARTS] + h->col.restarts);
}

/* Copies up to max_events records into plugin events. Returns the count, -1 if corrupt. */
static int collect(ss_instance_t *h, char *err, size_t errlen)
{
	dkr_ring_cursor cur;
	if (dkr_ring_begin(&h->ring, &cur, err, errlen) != 0)
		return -1;
	size_t off = 0;
	uint32_t count = 0;
	uint64_t bytes = 0;
	while (count < h->max_events) {
		dkr_ring_cursor before = cur;
		dkr_record rec;
		int r = dkr_ring_next(&h->ring, &cur, &rec, err, errlen);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		size_t need = DKR_PLUGIN_EVENT_PAYLOAD_OFFSET + (size_t)rec.len;
		if (off + need > h->buf_cap) {
			if (count > 0) {
				cur = before; /* leave it for the next batch */
				break;
			}
			uint8_t *nb = realloc(h->buf, need);
			if (nb == NULL) {
				snprintf(err, errlen, "out of memory for a %u-byte event", rec.len);
				return -1;
			}
			h->buf = nb;
			h->buf_cap = need;
		}
		uint8_t *e = h->buf + off;
		ss_plugin_event hdr = {.ts = rec.ts, .tid = UINT64_MAX, .len = (uint32_t)need,
		                       .type = DKR_PPME_PLUGINEVENT_E, .nparams = 2};
		uint32_t lens[3] = {4, rec.len, DKR_PLUGIN_ID};
		memcpy(e, &hdr, sizeof(hdr));
		memcpy(e + 26, lens, 12);
		memcpy(e + DKR_PLUGIN_EVENT_PAYLOAD_OFFSET, rec.payload, rec.len);
		h->ptrs[count++] = (ss_plugin_event *)e;
		bytes += rec.len;
		off += (need + 7) & ~(size_t)7;
	}
	dkr_ring_commit(&h->ring, &cur); /* every record in the batch is copied */
	if (count > 0) {
		dkr_metric_add(&h->s->metrics, DKR_M_EVENTS, count);
		dkr_metric_add(&h->s->metrics, DKR_M_BYTES, bytes);
	}
	return (int)count;
}

ss_plugin_rc plugin_next_batch(ss_plugin_t *s, ss_instance_t *h, uint32_t *nevts,
                               ss_plugin_event ***evts)
{
	*nevts = 0;
	if (s == NULL || h == NULL)
		return SS_PLUGIN_FAILURE;
	*evts = h->ptrs;
	if (h->eof)
		return SS_PLUGIN_EOF;
	if (h->failed)
		return SS_PLUGIN_FAILURE;
	char err[512];
	uint64_t deadline = dkr_now_ns() + (uint64_t)s->cfg.batch_wait_ms * 1000000ull;
	int sleep_ms = 1;
	for (;;) {
		dkr_collector_poll(&h->col);
		int n = collect(h, err, sizeof(err));
		if (n < 0) {
			h->failed = 1;
			dkr_set_error(s, "%s; the collector wrote something this plugin cannot read "
			              "(collector and plugin from different builds?)", err);
			return SS_PLUGIN_FAILURE;
		}
		if (n > 0) {
			*nevts = (uint32_t)n;
			update_ring_metrics(h);
			return SS_PLUGIN_SUCCESS;
		}
		if (h->col.status == DKR_COLLECTOR_FATAL) {
			h->failed = 1;
			dkr_set_error(s, "collector: %s", h->col.last_error);
			return SS_PLUGIN_FAILURE;
		}
		if (h->col.status == DKR_COLLECTOR_FINISHED) {
			h->eof = 1;
			update_ring_metrics(h);
			return SS_PLUGIN_EOF;
		}
		uint64_t now = dkr_now_ns();
		if (now >= deadline) {
			update_ring_metrics(h);
			return SS_PLUGIN_TIMEOUT;
		}
		/* Wait for data: the producer cannot wake us, so back off 1, 2, 4, 8 ms (the
		 * collector's stderr wakes us early). */
		uint64_t left_ms = (deadline - now + 999999) / 1000000;
		int wait = (uint64_t)sleep_ms < left_ms ? sleep_ms : (int)left_ms;
		struct pollfd p = {.fd = h->col.err_fd, .events = POLLIN};
		poll(&p, h->col.err_fd >= 0 ? 1 : 0, wait);
		if (sleep_ms < 8)
			sleep_ms *= 2;
	}
}

/* ---------------------------------------------------------------- info */

uint32_t plugin_get_id(void)
{
	return DKR_PLUGIN_ID;
}

const char *plugin_get_event_source(void)
{
	return DKR_PLUGIN_SOURCE;
}

const char *plugin_get_progress(ss_plugin_t *s, ss_instance_t *h, uint32_t *progress_pct)
{
	(void)s;
	*progress_pct = 0;
	if (h == NULL)
		return "";
	uint64_t total = dkr_ring_load(&h->ring, DKR_RH_SOURCE_TOTAL);
	uint64_t done = dkr_ring_load(&h->ring, DKR_RH_SOURCE_READ);
	uint32_t pct = 0;
	if (h->eof)
		pct = 10000;
	else if (h->replay && total > 0)
		pct = (uint32_t)((done > total ? total : done) * 10000 / total);
	*progress_pct = pct;
	snprintf(h->progress, sizeof(h->progress), "%u.%02u%%", pct / 100, pct % 100);
	return h->progress;
}

const char *plugin_event_to_string(ss_plugin_t *s, const ss_plugin_event_input *ei)
{
	if (s == NULL || ei == NULL || ei->evt == NULL)
		return "";
	const ss_plugin_event *evt = ei->evt;
	if (evt->type != DKR_PPME_PLUGINEVENT_E || evt->nparams != 2 ||
	    evt->len < DKR_PLUGIN_EVENT_PAYLOAD_OFFSET)
		return "";
	uint32_t l0, l1;
	memcpy(&l0, (const uint8_t *)evt + 26, 4);
	memcpy(&l1, (const uint8_t *)evt + 30, 4);
	if (l0 != 4 || (uint64_t)DKR_PLUGIN_EVENT_PAYLOAD_OFFSET + l1 > evt->len)
		return "";
	if ((size_t)l1 + 1 > s->text_cap) {
		char *nt = realloc(s->text, (size_t)l1 + 1);
		if (nt == NULL)
			return "";
		s->text = nt;
		s->text_cap = (size_t)l1 + 1;
	}
	memcpy(s->text, (const uint8_t *)evt + DKR_PLUGIN_EVENT_PAYLOAD_OFFSET, l1);
	s->text[l1] = '\0';
	return s->text;
}

const char *plugin_list_open_params(ss_plugin_t *s, ss_plugin_rc *rc)
{
	*rc = SS_PLUGIN_SUCCESS;
	if (s == NULL)
		return "";
	if (s->open_params != NULL)
		return s->open_params;
	json_t *arr = json_array();
	const char *dh = getenv("DOCKER_HOST");
	if (dh && *dh && strcmp(dh, DEFAULT_SOCKET) != 0)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "value", dh, "desc",
		                                     "the daemon named by DOCKER_HOST (the default when "
		                                     "open_params is empty)", "separator", ","));
	json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "value", DEFAULT_SOCKET, "desc",
	                                     "the local daemon's unix socket (the default when "
	                                     "open_params is empty and DOCKER_HOST is unset)",
	                                     "separator", ","));
	json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "value", "tcp://127.0.0.1:2376",
	                                     "desc", "a daemon over TCP (TLS from init_config tls)",
	                                     "separator", ","));
	json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "value",
	                                     "file:///path/to/events.jsonl", "desc",
	                                     "replay a recording to its end (collector --record)",
	                                     "separator", ","));
	s->open_params = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (s->open_params == NULL) {
		*rc = SS_PLUGIN_FAILURE;
		dkr_set_error(s, "out of memory");
		return "";
	}
	return s->open_params;
}
