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
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_SOCKET "unix:///var/run/docker.sock"
#define BATCH_BUF_MIN (4u << 20)

struct ss_instance_t {
	ss_plugin_t *s;
	dkr_ring ring;
	dkr_collector col;
	int wake_fd;                /* eventfd the collector writes to when it publishes to a waiting us */
	int replay;
	char *state_path;           /* live sources with collector.stateDir: the resume file */
	uint64_t state_key;
	int eof;
	int failed;
	uint8_t *buf;               /* batch events, writable, owned */
	size_t buf_cap;
	ss_plugin_event **ptrs;     /* batch array */
	uint32_t *kinds;            /* ring record kind of each batch event */
	uint32_t max_events;
	uint32_t last_n;            /* events of the last batch returned (0 once Falco asks again) */
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
		if (path[0] != '/') {
			snprintf(err, errlen, "%s '%s': a file endpoint needs an absolute path: "
			         "file:///path/events.jsonl", origin, ep);
			return -1;
		}
		/* The type first: opening a FIFO (or a device) to look at it could block forever. */
		struct stat st;
		if (stat(path, &st) != 0) {
			snprintf(err, errlen, "%s '%s': cannot read the recording %s: %s", origin, ep, path,
			         strerror(errno));
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s '%s': %s is not a regular file (a recording is a JSONL "
			         "file written by the collector's --record)", origin, ep, path);
			return -1;
		}
		int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			snprintf(err, errlen, "%s '%s': cannot read the recording %s: %s", origin, ep, path,
			         strerror(errno));
			return -1;
		}
		close(fd);
		*is_file = 1;
		return 0;
	}
	snprintf(err, errlen,
	         "%s '%s': unknown endpoint; use unix:///path/docker.sock, tcp://host:port, "
	         "file:///path/events.jsonl (several separated by commas), or nothing for the local "
	         "daemon", origin, ep);
	return -1;
}

/* 1 when two checked endpoints name the same daemon or recording: the same string (the
 * scheme and a tcp host compared without case), or unix sockets / files that are the same
 * inode (a symlink, "//" or "/./" in the path). Different routes to one daemon (a tcp port
 * and its unix socket) cannot be told apart here. */
static int same_endpoint(const char *a, const char *b)
{
	if (strcasecmp(a, b) == 0 && strncmp(a, "tcp://", 6) == 0)
		return 1;
	if (strcmp(a, b) == 0)
		return 1;
	if (strncmp(a, b, 7) != 0 || strncmp(a, "tcp://", 6) == 0)
		return 0; /* different schemes, or tcp strings that differ */
	struct stat sa, sb;
	return stat(a + 7, &sa) == 0 && stat(b + 7, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
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
	int all_files = 1, any_file = 0;
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
		any_file |= is_file;
		if (any_file && !all_files) {
			snprintf(err, errlen, "open params '%s': file:// recordings cannot be mixed with live "
			         "daemons (replay recordings and watch daemons in separate runs)", params);
			goto fail;
		}
		for (size_t k = 0; k < out->n; k++) {
			if (same_endpoint(out->v[k], t)) {
				snprintf(err, errlen, "open params '%s': '%s' and '%s' are the same %s; each "
				         "event would be delivered twice (list every daemon or recording once)",
				         params, out->v[k], t, is_file ? "recording" : "daemon");
				goto fail;
			}
		}
		out->v[out->n] = strdup(t);
		if (out->v[out->n] == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		out->n++;
		tok = comma ? comma + 1 : tok + strlen(tok);
	}
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

/* Why `path` cannot be used as a regular file with `mode` access (R_OK, X_OK), or NULL.
 * stat first: a directory passes access(X_OK), and a FIFO must never be opened here. */
static const char *not_usable_file(const char *path, int mode, struct stat *st)
{
	if (stat(path, st) != 0)
		return strerror(errno);
	if (!S_ISREG(st->st_mode))
		return "not a regular file";
	if (access(path, mode) != 0)
		return strerror(errno);
	return NULL;
}

/* The collector's program: by default the single executable docker-collector next to
 * libdocker.so (it needs no Node.js); with collector.node set, that Node running the plain
 * bundle docker-collector.js (or collector.path). Sets *script (NULL for the executable). */
static char *collector_program(ss_plugin_t *s, char **script, char *err, size_t errlen)
{
	const dkr_config *c = &s->cfg;
	struct stat st;
	const char *why;
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
		if ((why = not_usable_file(*script, R_OK, &st)) != NULL) {
			snprintf(err, errlen, "collector script %s: %s (build it with `npm run "
			         "build:collector`, or set init_config collector.path)", *script, why);
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
	if ((why = not_usable_file(exe, X_OK, &st)) != NULL) {
		snprintf(err, errlen, "cannot start the collector: %s: %s (it ships next to "
		         "libdocker.so; build it with `npm run build`, or set init_config "
		         "collector.path, or collector.node to run docker-collector.js with Node.js)",
		         exe, why);
		free(exe);
		return NULL;
	}
	return exe;
}

static char **collector_argv(ss_plugin_t *s, const dkr_endpoints *eps, int wake, char *err,
                             size_t errlen)
{
	const dkr_config *c = &s->cfg;
	char *script = NULL;
	char *prog = collector_program(s, &script, err, errlen);
	if (prog == NULL)
		return NULL;
	const char *tls[3][2] = {{"--tls-ca", c->tls_ca}, {"--tls-cert", c->tls_cert},
	                         {"--tls-key", c->tls_key}};
	static const char *const tls_key[3] = {"tls.ca", "tls.cert", "tls.key"};
	for (int i = 0; i < 3; i++) {
		if (tls[i][1] == NULL)
			continue;
		/* stat, not open: a FIFO here must fail open, not block it. */
		struct stat st;
		const char *why = not_usable_file(tls[i][1], R_OK, &st);
		if (why != NULL) {
			snprintf(err, errlen, "init_config %s: cannot read %s: %s%s", tls_key[i], tls[i][1],
			         why, strcmp(why, "not a regular file") == 0 ? " (a PEM file is expected)" : "");
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
	          argv_push(&argv, &n, "--ring-fd") || argv_push(&argv, &n, "3") ||
	          (wake && (argv_push(&argv, &n, "--wake-fd") || argv_push(&argv, &n, "4")));
	for (size_t i = 0; !bad && i < eps->n; i++)
		bad = argv_push(&argv, &n, "--endpoint") || argv_push(&argv, &n, "%s", eps->v[i]);
	/* An idle collector writes its heartbeat every quarter of the hang timeout (at most 2.5 s):
	 * four chances before it is taken for hung, and few wakeups when nothing happens. */
	uint32_t hb_ms = c->hang_timeout_ms / 4;
	hb_ms = hb_ms < 100 ? 100 : hb_ms > 2500 ? 2500 : hb_ms;
	bad = bad || argv_push(&argv, &n, "--heartbeat-ms") || argv_push(&argv, &n, "%u", hb_ms);
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
	if (h->wake_fd >= 0)
		close(h->wake_fd);
	free(h->state_path);
	free(h->buf);
	free(h->ptrs);
	free(h->kinds);
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
	dkr_resume_state rs;
	int have_rs = 0;
	h->s = s;
	h->ring.fd = -1;
	h->col.err_fd = -1;
	/* Without an eventfd next_batch polls the ring (slower to see events, busier when idle). */
	h->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (h->wake_fd < 0)
		dkr_log_msg(&s->log, SS_PLUGIN_LOG_SEV_WARNING,
		            "no eventfd (%s): next_batch polls the ring", strerror(errno));
	h->replay = eps.replay;
	h->max_events = s->cfg.batch_max_events;
	uint64_t cap = (uint64_t)s->cfg.ring_capacity_mib << 20;
	/* A live source resumes where the last close of the same endpoints left off (Falco
	 * closes and reopens sources on every hot reload): what was saved undelivered comes first,
	 * in a ring large enough for it. */
	if (!h->replay && s->cfg.state_dir != NULL) {
		if (dkr_resume_path(s->cfg.state_dir, (const char *const *)eps.v, eps.n,
		                    &h->state_path, &h->state_key) != 0) {
			snprintf(err, sizeof(err), "out of memory");
			goto fail;
		}
		have_rs = dkr_resume_read(h->state_path, h->state_key, &rs, &s->log);
		if (have_rs && dkr_resume_capacity(&rs, cap) > cap) {
			dkr_log_msg(&s->log, SS_PLUGIN_LOG_SEV_INFO, "ring of %llu MiB instead of %llu "
			            "(ring.capacityMiB) to hold the %llu undelivered event(s) saved",
			            (unsigned long long)(dkr_resume_capacity(&rs, cap) >> 20),
			            (unsigned long long)(cap >> 20), (unsigned long long)rs.count);
			cap = dkr_resume_capacity(&rs, cap);
		}
	}
	size_t bufmin = (size_t)dkr_ring_max_payload(cap) + DKR_PLUGIN_EVENT_PAYLOAD_OFFSET + 8;
	h->buf_cap = bufmin > BATCH_BUF_MIN ? bufmin : BATCH_BUF_MIN;
	h->buf = malloc(h->buf_cap);
	h->ptrs = malloc(h->max_events * sizeof(ss_plugin_event *));
	h->kinds = malloc(h->max_events * sizeof(uint32_t));
	if (h->buf == NULL || h->ptrs == NULL || h->kinds == NULL) {
		snprintf(err, sizeof(err), "out of memory (batch buffers)");
		goto fail;
	}
	if (dkr_ring_create(&h->ring, cap, err, sizeof(err)) != 0)
		goto fail;
	if (have_rs) {
		dkr_resume_apply(&rs, &h->ring, &s->log, h->state_path);
		dkr_resume_state_free(&rs);
		have_rs = 0;
	}
	char **argv = collector_argv(s, &eps, h->wake_fd >= 0, err, sizeof(err));
	dkr_endpoints_free(&eps);
	dkr_collector_opts co = {
		.ring_fd = h->ring.fd,
		.wake_fd = h->wake_fd,
		.backoff_max_ms = s->cfg.restart_max_ms,
		.heartbeat = (const uint64_t *)(h->ring.base + DKR_RH_HEARTBEAT_NS),
		.finished = (const uint64_t *)(h->ring.base + DKR_RH_FINISHED),
		.hang_timeout_ms = s->cfg.hang_timeout_ms,
		.replay = h->replay,
	};
	if (argv == NULL || dkr_collector_start(&h->col, argv, &co, &s->log, err, sizeof(err)) != 0)
		goto fail;
	for (int i = 0; i < DKR_M_COUNT; i++)
		h->base[i] = atomic_load_explicit(&s->metrics.v[i], memory_order_relaxed);
	*rc = SS_PLUGIN_SUCCESS;
	return h;
fail:
	if (have_rs)
		dkr_resume_state_free(&rs);
	dkr_endpoints_free(&eps);
	instance_free(h);
	dkr_set_error(s, "open: %s", err);
	return NULL;
}

/* How many events of the last batch Falco looked at: up to the last one it extracted from
 * (or printed). Falco takes events from a batch in order and asks for the next batch only
 * when it has processed them all; on a restart it drops what it has not processed. */
static uint32_t delivered_of_last_batch(const ss_plugin_t *s, const ss_instance_t *h)
{
	if (s->seen_evt == NULL)
		return 0;
	for (uint32_t i = h->last_n; i-- > 0;)
		if (h->ptrs[i] == s->seen_evt)
			return i + 1;
	for (uint32_t i = h->last_n; i-- > 0;) /* a copy of one of ours */
		if (h->ptrs[i]->ts == s->seen_ts && h->ptrs[i]->len == s->seen_len)
			return i + 1;
	return 0;
}

void plugin_close(ss_plugin_t *s, ss_instance_t *h)
{
	if (h == NULL)
		return;
	/* Stop the producer first so the resume points saved are its last ones. */
	dkr_collector_stop(&h->col);
	if (h->state_path != NULL && s != NULL) {
		/* The undelivered rest of the last batch, then the ring's unread records. */
		uint32_t done = delivered_of_last_batch(s, h);
		size_t np = h->last_n - done;
		dkr_resume_record *pending = np ? calloc(np, sizeof(*pending)) : NULL;
		if (np > 0 && pending == NULL) {
			dkr_log_msg(&s->log, SS_PLUGIN_LOG_SEV_WARNING, "out of memory: %zu undelivered "
			            "event(s) of the last batch are not saved", np);
			np = 0;
		}
		for (size_t i = 0; i < np; i++) {
			const ss_plugin_event *e = h->ptrs[done + i];
			uint32_t len;
			memcpy(&len, (const uint8_t *)e + 30, 4);
			pending[i] = (dkr_resume_record){.kind = h->kinds[done + i], .ts = e->ts,
			                                 .payload = (const uint8_t *)e +
			                                            DKR_PLUGIN_EVENT_PAYLOAD_OFFSET,
			                                 .len = len};
		}
		dkr_resume_save(h->state_path, h->state_key, &h->ring, pending, np, &s->log);
		free(pending);
	}
	if (s != NULL)
		s->seen_evt = NULL;
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
	dkr_metric_set(m, DKR_M_TRUNCATED,
	               h->base[DKR_M_TRUNCATED] + dkr_ring_load(r, DKR_RH_EVENTS_TRUNCATED));
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
		h->kinds[count] = rec.kind;
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
	/* Falco asks again: it has processed every event of the last batch. */
	h->last_n = 0;
	s->seen_evt = NULL;
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
			h->last_n = (uint32_t)n;
			update_ring_metrics(h);
			return SS_PLUGIN_SUCCESS;
		}
		if (h->col.status == DKR_COLLECTOR_FATAL) {
			h->failed = 1;
			update_ring_metrics(h);
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
		uint64_t left_ms = (deadline - now + 999999) / 1000000;
		if (h->wake_fd >= 0) {
			/* Sleep until the collector publishes (contracts/ring.md "Waking the consumer"),
			 * says something on stderr or exits, or the wait (batch.waitMs) is over. */
			if (dkr_ring_wait_begin(&h->ring)) {
				dkr_ring_wait_end(&h->ring); /* published meanwhile */
				continue;
			}
			struct pollfd p[2] = {{.fd = h->wake_fd, .events = POLLIN},
			                      {.fd = h->col.err_fd, .events = POLLIN}};
			poll(p, h->col.err_fd >= 0 ? 2 : 1, left_ms > INT32_MAX ? INT32_MAX : (int)left_ms);
			dkr_ring_wait_end(&h->ring);
			if (p[0].revents & POLLIN) {
				uint64_t v;
				if (read(h->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
					dkr_log_msg(&s->log, SS_PLUGIN_LOG_SEV_DEBUG, "eventfd: %s", strerror(errno));
			}
			continue;
		}
		/* No eventfd: back off 1, 2, 4, 8 ms (the collector's stderr wakes us early). */
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
	dkr_seen(s, evt);
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
	                                     "desc", "a daemon over TCP (TLS from init_config tls); "
	                                     "several daemons separated by commas, each listed once",
	                                     "separator", ","));
	json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "value",
	                                     "file:///path/to/events.jsonl", "desc",
	                                     "replay a recording to its end (collector --record); "
	                                     "recordings are not mixed with live daemons",
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
