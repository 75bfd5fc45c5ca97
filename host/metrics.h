/* Per-state counters. Written by the event-loop thread (next_batch, extract_fields) with
 * relaxed atomics, read by plugin_get_metrics from any thread (Falco's web server). Ring
 * counters are copied here by next_batch so get_metrics never touches the ring, which
 * close may unmap concurrently. */
#ifndef DKR_METRICS_H
#define DKR_METRICS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "plugin_api.h"

enum {
	DKR_M_EVENTS,            /* events handed to Falco */
	DKR_M_BYTES,             /* payload bytes handed to Falco */
	DKR_M_RING_FILL,         /* gauge: % of the ring in use at the last next_batch */
	DKR_M_DROPS,             /* collector: events_dropped + oversize_dropped */
	DKR_M_RECONNECTS,        /* collector: daemon streams re-established */
	DKR_M_CONNECTED,         /* gauge: daemon streams connected */
	DKR_M_EXTRACTION_ERRORS, /* dkr_extract returned an error (no value) */
	DKR_M_PAYLOAD_ERRORS,    /* dkr_parse rejected an event payload */
	DKR_M_GUEST_TRAPS,       /* guest calls that trapped (deadline, memory cap, abort) */
	DKR_M_PARSE_ERRORS,      /* collector: stream lines that were not JSON objects */
	DKR_M_INSPECT_FAILURES,  /* collector: enrichment inspects failed/timed out */
	DKR_M_COLLECTOR_RESTARTS,/* collector child restarted after a crash */
	DKR_M_COUNT
};

typedef struct dkr_metrics {
	_Atomic uint64_t v[DKR_M_COUNT];
	pthread_mutex_t out_mu;           /* get_metrics may run on two threads at once */
	ss_plugin_metric out[DKR_M_COUNT];
} dkr_metrics;

void dkr_metrics_init(dkr_metrics *m);
void dkr_metrics_fini(dkr_metrics *m);

static inline void dkr_metric_add(dkr_metrics *m, int id, uint64_t n)
{
	atomic_fetch_add_explicit(&m->v[id], n, memory_order_relaxed);
}

static inline void dkr_metric_set(dkr_metrics *m, int id, uint64_t v)
{
	atomic_store_explicit(&m->v[id], v, memory_order_relaxed);
}

#endif
