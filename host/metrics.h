/* Per-state counters. Written by the event-loop thread (next_batch, extract_fields) with
 * relaxed atomics, read by plugin_get_metrics from any thread (Falco's web server). Ring
 * counters are copied here by next_batch so get_metrics never touches the ring, which
 * close may unmap concurrently.
 *
 * get_metrics returns an array the framework reads after the call returns, and two threads
 * (Falco's web server and its stats writer) may call it on the same state at once. So there
 * is no single output array: each call takes the next of DKR_METRICS_BUFFERS arrays owned by
 * the state (an atomic counter modulo the count) and fills it without a lock. An array is
 * written again only after DKR_METRICS_BUFFERS - 1 further calls on that state; the
 * framework copies the values out right after each call (sinsp's get_metrics wrapper), so
 * concurrent callers never write an array another caller is still reading. No allocation,
 * nothing to free. */
#ifndef DKR_METRICS_H
#define DKR_METRICS_H

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
	DKR_M_TRUNCATED,         /* collector: events published shrunk (over the record limit) */
	DKR_M_COUNT
};

#define DKR_METRICS_BUFFERS 16u

typedef struct dkr_metrics {
	_Atomic uint64_t v[DKR_M_COUNT];
	_Atomic uint32_t next_out;        /* get_metrics: which out[] array the next call fills */
	ss_plugin_metric out[DKR_METRICS_BUFFERS][DKR_M_COUNT];
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
