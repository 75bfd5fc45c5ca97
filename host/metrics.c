#include "metrics.h"

#include "plugin.h"

#include <string.h>

static const struct {
	const char *name;
	ss_plugin_metric_type type;
} k_metrics[DKR_M_COUNT] = {
	[DKR_M_EVENTS] = {"events", SS_PLUGIN_METRIC_TYPE_MONOTONIC},
	[DKR_M_BYTES] = {"bytes", SS_PLUGIN_METRIC_TYPE_MONOTONIC},
	[DKR_M_RING_FILL] = {"ring_fill_pct", SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC},
	[DKR_M_DROPS] = {"drops", SS_PLUGIN_METRIC_TYPE_MONOTONIC},
	[DKR_M_RECONNECTS] = {"reconnects", SS_PLUGIN_METRIC_TYPE_MONOTONIC},
	[DKR_M_CONNECTED] = {"connected_endpoints", SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC},
	[DKR_M_EXTRACTION_ERRORS] = {"extraction_errors", SS_PLUGIN_METRIC_TYPE_MONOTONIC},
	[DKR_M_PAYLOAD_ERRORS] = {"payload_errors", SS_PLUGIN_METRIC_TYPE_MONOTONIC},
	[DKR_M_GUEST_TRAPS] = {"guest_traps", SS_PLUGIN_METRIC_TYPE_MONOTONIC},
	[DKR_M_PARSE_ERRORS] = {"collector_parse_errors", SS_PLUGIN_METRIC_TYPE_MONOTONIC},
	[DKR_M_INSPECT_FAILURES] = {"inspect_failures", SS_PLUGIN_METRIC_TYPE_MONOTONIC},
	[DKR_M_COLLECTOR_RESTARTS] = {"collector_restarts", SS_PLUGIN_METRIC_TYPE_MONOTONIC},
	[DKR_M_TRUNCATED] = {"truncated", SS_PLUGIN_METRIC_TYPE_MONOTONIC},
};

void dkr_metrics_init(dkr_metrics *m)
{
	for (int i = 0; i < DKR_M_COUNT; i++)
		atomic_init(&m->v[i], 0);
	atomic_init(&m->next_out, 0);
	memset(m->out, 0, sizeof(m->out));
}

void dkr_metrics_fini(dkr_metrics *m)
{
	(void)m;
}

ss_plugin_metric *plugin_get_metrics(ss_plugin_t *s, uint32_t *num_metrics)
{
	if (s == NULL) {
		*num_metrics = 0;
		return NULL;
	}
	dkr_metrics *m = &s->metrics;
	/* This call's own array (see metrics.h): concurrent callers get different ones. */
	uint32_t k = atomic_fetch_add_explicit(&m->next_out, 1, memory_order_relaxed) %
	             DKR_METRICS_BUFFERS;
	ss_plugin_metric *out = m->out[k];
	for (int i = 0; i < DKR_M_COUNT; i++) {
		out[i].name = k_metrics[i].name;
		out[i].type = k_metrics[i].type;
		out[i].value_type = SS_PLUGIN_METRIC_VALUE_TYPE_U64;
		out[i].value.u64 = atomic_load_explicit(&m->v[i], memory_order_relaxed);
	}
	*num_metrics = DKR_M_COUNT;
	return out;
}
