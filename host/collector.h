/* The collector child (contracts/collector-cli.md): spawn with the ring as fd 3 (no other
 * descriptor of the host process is inherited), forward its stderr lines to the log, wait at
 * start until it has written its first heartbeat (or fail with its own message when it exits
 * first), supervise (restart with backoff after a crash, or after a hang: a heartbeat in the
 * ring header that stopped changing, or never came; exit 0 = a replay that reached its end,
 * and only that; exit 2 = permanent misconfiguration; too many exits in a row before the first
 * heartbeat = permanent too), stop on close. Everything is driven from open and next_batch (no
 * thread). */
#ifndef DKR_COLLECTOR_H
#define DKR_COLLECTOR_H

#include <stdint.h>
#include <sys/types.h>

#include "log.h"

/* Consecutive incarnations that exit (or are killed as hung) before their first heartbeat
 * after which a restarted collector is given up as permanently broken. */
#define DKR_COLLECTOR_MAX_EARLY_EXITS 5

typedef enum dkr_collector_status {
	DKR_COLLECTOR_RUNNING = 0,
	DKR_COLLECTOR_BACKOFF,   /* crashed, restart pending */
	DKR_COLLECTOR_FINISHED,  /* a replay's exit 0 after the ring's `finished` flag */
	DKR_COLLECTOR_FATAL,     /* exit 2, cannot be restarted, or never starts */
} dkr_collector_status;

typedef struct dkr_collector_opts {
	int ring_fd;                 /* not owned; becomes the child's fd 3 */
	int wake_fd;                 /* not owned, -1 = none; becomes the child's fd 4 (--wake-fd 4) */
	uint32_t backoff_max_ms;
	/* In the ring mapping, read atomically: the header's heartbeat_ns and finished. */
	const uint64_t *heartbeat;
	const uint64_t *finished;
	uint32_t hang_timeout_ms;    /* also the bound of the start handshake */
	int replay;                  /* only file:// endpoints: exit 0 can mean "finished" */
} dkr_collector_opts;

typedef struct dkr_collector {
	char **argv;             /* owned, NULL-terminated; argv[0] = node */
	const dkr_log *log;
	dkr_collector_opts o;
	pid_t pid;               /* 0 when not running */
	int err_fd;              /* read end of the child's stderr, -1 when none */
	char line[4096];
	size_t line_len;
	/* What this incarnation said on stderr, for error messages. */
	char last_error[1024];   /* last "error ..." line (the collector's own protocol) */
	char first_exc[512];     /* first unprefixed line that names an error ("SyntaxError: ...") */
	char last_line[512];     /* last non-empty line of any kind */
	dkr_collector_status status;
	uint64_t restart_at_ns;
	uint32_t backoff_ms;
	uint64_t started_ns;
	uint64_t restarts;
	uint32_t early_exits;    /* consecutive incarnations gone before their first heartbeat */
	/* hang detection: the ring header's heartbeat_ns, written by the collector */
	uint64_t hang_timeout_ns;
	uint64_t hb_last;            /* the value last seen */
	uint64_t hb_changed_ns;      /* when it last changed (CLOCK_MONOTONIC) */
	int hb_armed;                /* this incarnation has written a heartbeat */
	int hung;                    /* killed for hanging, not reaped yet */
} dkr_collector;

/* Takes ownership of argv (freed on failure too). Spawns the child and waits, at most
 * opts->hang_timeout_ms, for its first heartbeat: -1 with a message (the collector's own last
 * error line or stderr text, and how it exited) if it cannot be spawned, exits before that
 * heartbeat, or stays silent for the whole bound (then it is killed). With opts->heartbeat
 * NULL nothing is awaited and hangs are not detected. */
int dkr_collector_start(dkr_collector *c, char **argv, const dkr_collector_opts *opts,
                        const dkr_log *log, char *err, size_t errlen);
/* Forwards pending stderr lines, reaps, kills a hung child, restarts when due.
 * Non-blocking. */
void dkr_collector_poll(dkr_collector *c);
/* SIGTERM, wait up to 2 s, SIGKILL; forwards the remaining lines; frees argv. */
void dkr_collector_stop(dkr_collector *c);

uint64_t dkr_now_ns(void);      /* CLOCK_MONOTONIC */

#endif
