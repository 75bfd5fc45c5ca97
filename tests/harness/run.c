/* `dkr-harness run`: the lead's entry point (see /work/helpers/harness-run.md). Loads the
 * .so like Falco, opens it and prints one JSON line per event with the extracted fields.
 * --reopen-ms N does what Falco does on a hot reload (SIGHUP, a rules edit) every N ms: it
 * stops in the middle of a batch, leaving the event just taken and the rest of the batch
 * unprocessed, closes the source, destroys the state, then inits and opens again.
 * --event-delay-us N makes it a slow consumer (the collector's records wait in the ring). */
#include "fieldinfo.h"
#include "harness.h"
#include "run.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { (void)sig; g_stop = 1; }

static const char *sev_name(ss_plugin_log_severity s)
{
	static const char *n[] = {"?", "fatal", "critical", "error", "warning", "notice", "info",
	                          "debug", "trace"};
	return s >= 1 && s <= 8 ? n[s] : "?";
}

static void run_log(ss_plugin_owner_t *o, const char *component, const char *msg,
                    ss_plugin_log_severity sev)
{
	(void)o;
	if (sev <= SS_PLUGIN_LOG_SEV_INFO || getenv("DKR_HARNESS_DEBUG"))
		fprintf(stderr, "[%s] %s: %s\n", sev_name(sev), component ? component : "docker", msg);
}

static void usage(void)
{
	fprintf(stderr, "usage: dkr-harness run --lib PATH [--config JSON] [--open PARAMS] "
	                "[--max-events N] [--timeout-ms N] [--fields all|f1,f2,...] "
	                "[--reopen-ms N] [--event-delay-us N]\n");
}

int dkr_run_main(int argc, char **argv)
{
	const char *lib = NULL, *config = "", *params = "", *fields_arg = "all";
	uint64_t max_events = UINT64_MAX, timeout_ms = 0, reopen_ms = 0, delay_us = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL) {
			usage();
			return 2;
		}
		if (!strcmp(a, "--lib")) lib = v;
		else if (!strcmp(a, "--config")) config = v;
		else if (!strcmp(a, "--open")) params = v;
		else if (!strcmp(a, "--max-events")) max_events = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--timeout-ms")) timeout_ms = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--fields")) fields_arg = v;
		else if (!strcmp(a, "--reopen-ms")) reopen_ms = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--event-delay-us")) delay_us = strtoull(v, NULL, 10);
		else { usage(); return 2; }
		i++;
	}
	if (lib == NULL) {
		usage();
		return 2;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	char err[1024];
	dkr_api api;
	if (dkr_api_load(&api, lib, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	hfields table;
	if (api.get_fields == NULL || hfields_parse(api.get_fields(), &table) != 0) {
		fprintf(stderr, "get_fields did not return a JSON array\n");
		dkr_api_unload(&api);
		return 1;
	}
	/* Field selection: ids into the table. */
	uint32_t *sel = calloc(table.n ? table.n : 1, sizeof(uint32_t));
	size_t nsel = 0;
	if (!strcmp(fields_arg, "all")) {
		for (size_t i = 0; i < table.n; i++)
			if (!table.f[i].arg_required)
				sel[nsel++] = (uint32_t)i;
	} else {
		char *copy = strdup(fields_arg), *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			int id = hfields_find(&table, t);
			if (id < 0) {
				fprintf(stderr, "unknown field %s\n", t);
				free(copy);
				free(sel);
				hfields_free(&table);
				dkr_api_unload(&api);
				return 2;
			}
			if (nsel < table.n)
				sel[nsel++] = (uint32_t)id;
		}
		free(copy);
	}
	int rc_exit = 0;
	ss_plugin_rc rc;
	ss_plugin_t *s = dkr_api_init(&api, config, (ss_plugin_owner_t *)&api, run_log, &rc);
	if (rc != SS_PLUGIN_SUCCESS) {
		fprintf(stderr, "init failed: %s\n", s ? api.get_last_error(s) : "(no state)");
		rc_exit = 1;
		goto out_destroy;
	}
	ss_instance_t *h = api.open(s, params, &rc);
	if (rc != SS_PLUGIN_SUCCESS || h == NULL) {
		fprintf(stderr, "open failed: %s\n", api.get_last_error(s));
		rc_exit = 1;
		goto out_destroy;
	}
	double deadline = timeout_ms ? dkr_mono_s() + (double)timeout_ms / 1000.0 : 0;
	double next_reopen = reopen_ms ? dkr_mono_s() + (double)reopen_ms / 1000.0 : 0;
	uint64_t evtnum = 0, reopens = 0;
	size_t linecap = 1 << 20;
	char *line = malloc(linecap), *val = malloc(1 << 20);
	while (!g_stop && evtnum < max_events && (deadline == 0 || dkr_mono_s() < deadline)) {
		uint32_t n = 0;
		ss_plugin_event **evts = NULL;
		rc = api.next_batch(s, h, &n, &evts);
		int reopen = 0;
		for (uint32_t i = 0; i < n && evtnum < max_events; i++) {
			/* Falco checks its restart flag after taking an event, before processing it. */
			if (next_reopen != 0 && dkr_mono_s() >= next_reopen) {
				reopen = 1;
				break;
			}
			if (delay_us)
				usleep((useconds_t)delay_us);
			ss_plugin_event_input ei = {.evt = evts[i], .evtnum = ++evtnum, .evtsrc = "docker"};
			int l = snprintf(line, linecap, "{\"evtnum\":%" PRIu64 ",\"ts\":%" PRIu64
			                 ",\"source\":\"docker\",\"fields\":{", evtnum, evts[i]->ts);
			int first = 1;
			for (size_t k = 0; k < nsel; k++) {
				const hfield *f = &table.f[sel[k]];
				int nv = hfield_extract_json(&api, s, &ei, f, sel[k], NULL, val, 1 << 20);
				if (nv < 0) {
					fprintf(stderr, "ABI violation: %s\n", val);
					rc_exit = 1;
					continue;
				}
				if (nv == 0)
					continue;
				size_t need = (size_t)l + strlen(f->name) + strlen(val) + 16;
				if (need >= linecap) {
					linecap = need * 2;
					line = realloc(line, linecap);
				}
				l += snprintf(line + l, linecap - (size_t)l, "%s\"%s\":%s", first ? "" : ",",
				              f->name, val);
				first = 0;
			}
			printf("%s}}\n", line);
		}
		fflush(stdout);
		if (!reopen && next_reopen != 0 && dkr_mono_s() >= next_reopen && rc != SS_PLUGIN_EOF)
			reopen = 1;
		if (reopen) {
			/* A hot reload: close, destroy, init, open; the same config and params. */
			api.close(s, h);
			h = NULL;
			api.destroy(s);
			reopens++;
			fprintf(stderr, "[reopen] %" PRIu64 "\n", reopens);
			s = dkr_api_init(&api, config, (ss_plugin_owner_t *)&api, run_log, &rc);
			if (rc != SS_PLUGIN_SUCCESS) {
				fprintf(stderr, "init failed after a reopen: %s\n",
				        s ? api.get_last_error(s) : "(no state)");
				rc_exit = 1;
				break;
			}
			h = api.open(s, params, &rc);
			if (rc != SS_PLUGIN_SUCCESS || h == NULL) {
				fprintf(stderr, "open failed after a reopen: %s\n", api.get_last_error(s));
				rc_exit = 1;
				break;
			}
			next_reopen = dkr_mono_s() + (double)reopen_ms / 1000.0;
			continue;
		}
		if (rc == SS_PLUGIN_EOF)
			break;
		if (rc != SS_PLUGIN_SUCCESS && rc != SS_PLUGIN_TIMEOUT) {
			fprintf(stderr, "next_batch failed: %s\n", api.get_last_error(s));
			rc_exit = 1;
			break;
		}
	}
	free(line);
	free(val);
	if (s != NULL && api.get_metrics != NULL) {
		/* The plugin's metrics as Falco would report them, one line for the tests. */
		uint32_t nm = 0;
		ss_plugin_metric *m = api.get_metrics(s, &nm);
		fprintf(stderr, "[metrics]");
		for (uint32_t k = 0; m != NULL && k < nm; k++)
			fprintf(stderr, " %s=%" PRIu64, m[k].name, m[k].value.u64);
		fprintf(stderr, "\n");
	}
	if (h != NULL)
		api.close(s, h);
out_destroy:
	if (s != NULL)
		api.destroy(s);
	free(sel);
	hfields_free(&table);
	dkr_api_unload(&api);
	return rc_exit;
}
