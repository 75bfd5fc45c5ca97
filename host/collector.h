/* The collector child (contracts/collector-cli.md): spawn with the ring as fd 3, forward
 * its stderr lines to the log, supervise (restart with backoff after a crash, or after a
 * hang: a heartbeat in the ring header that stopped changing; exit 0 = replay finished;
 * exit 2 = permanent misconfiguration), stop on close. Everything is driven from
 * next_batch (no thread). */
#ifndef DKR_COLLECTOR_H
#define DKR_COLLECTOR_H

#include <stdint.h>
#include <sys/types.h>

#include "log.h"

typedef enum dkr_collector_status {
	DKR_COLLECTOR_RUNNING = 0,
	DKR_COLLECTOR_BACKOFF,   /* crashed, restart pending */
	DKR_COLLECTOR_FINISHED,  /* exit 0 */
	DKR_COLLECTOR_FATAL,     /* exit 2, or cannot be restarted */
} dkr_collector_status;

typedef struct dkr_collector {
	char **argv;             /* owned, NULL-terminated; argv[0] = node */
	const dkr_log *log;
	int ring_fd;             /* not owned */
	pid_t pid;               /* 0 when not running */
	int err_fd;              /* read end of the child's stderr, -1 when none */
	char line[4096];
	size_t line_len;
	char last_error[512];    /* last "error ..." line */
	dkr_collector_status status;
	uint64_t restart_at_ns;
	uint32_t backoff_ms, backoff_max_ms;
	uint64_t started_ns;
	uint64_t restarts;
	/* hang detection: the ring header's heartbeat_ns, written by the collector */
	const uint64_t *heartbeat;   /* in the ring mapping; NULL = no hang detection */
	uint64_t hang_timeout_ns;
	uint64_t hb_last;            /* the value last seen */
	uint64_t hb_changed_ns;      /* when it last changed (CLOCK_MONOTONIC) */
	int hb_armed;                /* this incarnation has written a heartbeat */
	int hung;                    /* killed for hanging, not reaped yet */
} dkr_collector;

/* Takes ownership of argv. Spawns the child; -1 with a message if it cannot start.
 * `heartbeat` points at the ring header's heartbeat_ns (read atomically): once the child
 * has changed it, a value unchanged for `hang_timeout_ms` means the child hung. */
int dkr_collector_start(dkr_collector *c, char **argv, int ring_fd, uint32_t backoff_max_ms,
                        const uint64_t *heartbeat, uint32_t hang_timeout_ms,
                        const dkr_log *log, char *err, size_t errlen);
/* Forwards pending stderr lines, reaps, kills a hung child, restarts when due.
 * Non-blocking. */
void dkr_collector_poll(dkr_collector *c);
/* SIGTERM, wait up to 2 s, SIGKILL; forwards the remaining lines; frees argv. */
void dkr_collector_stop(dkr_collector *c);

uint64_t dkr_now_ns(void);      /* CLOCK_MONOTONIC */

#endif
