#define _GNU_SOURCE
#include "collector.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

uint64_t dkr_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* 1 for a line that names an error the way Node.js and shells print one before dying
 * without our protocol: "SyntaxError: ...", "Error: Cannot find module ...", "x: not found". */
static int names_error(const char *line)
{
	const char *colon = strstr(line, ": ");
	if (colon == NULL)
		return 0;
	for (const char *p = line; p < colon; p++)
		if (*p == ' ')
			return 0;
	return colon - line >= 5 && strncmp(colon - 5, "Error", 5) == 0;
}

static void forward_line(dkr_collector *c, char *line)
{
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
		line[--n] = '\0';
	if (n == 0)
		return;
	static const struct {
		const char *word;
		ss_plugin_log_severity sev;
	} levels[] = {{"error", SS_PLUGIN_LOG_SEV_ERROR}, {"warn", SS_PLUGIN_LOG_SEV_WARNING},
	              {"info", SS_PLUGIN_LOG_SEV_INFO}, {"debug", SS_PLUGIN_LOG_SEV_DEBUG}};
	ss_plugin_log_severity sev = SS_PLUGIN_LOG_SEV_INFO;
	const char *text = line;
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		size_t w = strlen(levels[i].word);
		if (strncmp(line, levels[i].word, w) == 0 && (line[w] == ' ' || line[w] == '\0')) {
			sev = levels[i].sev;
			text = line + w + (line[w] == ' ');
			break;
		}
	}
	if (sev == SS_PLUGIN_LOG_SEV_ERROR)
		snprintf(c->last_error, sizeof(c->last_error), "%s", text);
	else if (text == line && c->first_exc[0] == '\0' && names_error(line))
		snprintf(c->first_exc, sizeof(c->first_exc), "%s", line);
	snprintf(c->last_line, sizeof(c->last_line), "%s", text);
	dkr_log_msg(c->log, sev, "collector: %s", text);
}

/* Reads what is available; forwards complete lines (and an over-long line in pieces). */
static void drain_stderr(dkr_collector *c, int final)
{
	if (c->err_fd < 0)
		return;
	for (;;) {
		ssize_t r = read(c->err_fd, c->line + c->line_len, sizeof(c->line) - 1 - c->line_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
				close(c->err_fd);
				c->err_fd = -1;
				final = 1;
			}
			break;
		}
		c->line_len += (size_t)r;
		c->line[c->line_len] = '\0';
		char *start = c->line, *nl;
		while ((nl = memchr(start, '\n', c->line_len - (size_t)(start - c->line))) != NULL) {
			*nl = '\0';
			forward_line(c, start);
			start = nl + 1;
		}
		size_t rest = c->line_len - (size_t)(start - c->line);
		memmove(c->line, start, rest);
		c->line_len = rest;
		if (c->line_len == sizeof(c->line) - 1) {
			c->line[c->line_len] = '\0';
			forward_line(c, c->line);
			c->line_len = 0;
		}
	}
	if (final && c->line_len > 0) {
		c->line[c->line_len] = '\0';
		forward_line(c, c->line);
		c->line_len = 0;
	}
}

static int spawn(dkr_collector *c, char *err, size_t errlen)
{
	if (c->err_fd >= 0) { /* a previous incarnation's pipe still open (a child of its own) */
		close(c->err_fd);
		c->err_fd = -1;
	}
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "cannot create the collector's stderr pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	posix_spawn_file_actions_adddup2(&fa, c->o.ring_fd, 3); /* dup2 clears FD_CLOEXEC */
	if (c->o.wake_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, c->o.wake_fd, 4);
	/* Nothing else of the host process reaches the child: Falco's (or any embedding
	 * program's) descriptors without FD_CLOEXEC would otherwise leak into it. */
	posix_spawn_file_actions_addclosefrom_np(&fa, c->o.wake_fd >= 0 ? 5 : 4);
	/* Own process group: a terminal ^C reaches Falco, which then closes us (SIGTERM). */
	sigset_t none, dfl;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGCHLD);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
	                                  POSIX_SPAWN_SETPGROUP);
	/* The previous incarnation is reaped: only the new one can change the heartbeat. Read it
	 * before spawning, or a child that writes its last heartbeat before we look (a fast
	 * child on a busy machine) would never arm the hang detection. */
	uint64_t hb_before = c->o.heartbeat ? __atomic_load_n(c->o.heartbeat, __ATOMIC_ACQUIRE) : 0;
	pid_t pid;
	int rc = posix_spawnp(&pid, c->argv[0], &fa, &at, c->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(pipefd[1]);
	if (rc != 0) {
		close(pipefd[0]);
		snprintf(err, errlen,
		         "cannot start the collector with '%s': %s (set init_config collector.node to "
		         "the Node.js >= 20 executable)", c->argv[0], strerror(rc));
		return -1;
	}
	fcntl(pipefd[0], F_SETFL, fcntl(pipefd[0], F_GETFL) | O_NONBLOCK);
	c->pid = pid;
	c->err_fd = pipefd[0];
	c->line_len = 0;
	c->last_error[0] = c->first_exc[0] = c->last_line[0] = '\0';
	c->status = DKR_COLLECTOR_RUNNING;
	c->started_ns = dkr_now_ns();
	c->hb_last = hb_before;
	c->hb_changed_ns = c->started_ns;
	c->hb_armed = 0;
	c->hung = 0;
	dkr_log_msg(c->log, SS_PLUGIN_LOG_SEV_DEBUG, "collector started (pid %d)", (int)pid);
	return 0;
}

/* How the incarnation ended, for messages: "exited with code 1", "was killed by signal 9". */
static void describe_status(const dkr_collector *c, int status, char *out, size_t n)
{
	if (c->hung)
		snprintf(out, n, "was killed after it hung");
	else if (WIFSIGNALED(status))
		snprintf(out, n, "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, n, "exited with code %d", WEXITSTATUS(status));
}

/* What the incarnation said, best first: its last protocol error line, the first line that
 * names an error, its last line. */
static const char *said(const dkr_collector *c)
{
	return c->last_error[0] ? c->last_error : c->first_exc[0] ? c->first_exc : c->last_line;
}

/* The message of an incarnation that ended before its first heartbeat: what it said first
 * (Falco cuts open errors at 256 bytes), then how it ended and what was run. */
static void early_exit_message(const dkr_collector *c, int status, char *out, size_t n)
{
	char how[64];
	describe_status(c, status, how, sizeof(how));
	const char *text = said(c);
	/* argv: the program, then the script when Node.js runs one, then the options. */
	const char *script = c->argv[1] && strncmp(c->argv[1], "--", 2) != 0 ? c->argv[1] : NULL;
	if (*text)
		snprintf(out, n, "%s (the collector %s before it started: '%s'%s%s)", text, how,
		         c->argv[0], script ? " " : "", script ? script : "");
	else
		snprintf(out, n, "the collector '%s'%s%s %s before it started, without a message",
		         c->argv[0], script ? " running " : "", script ? script : "", how);
}

static void free_argv(dkr_collector *c)
{
	if (c->argv == NULL)
		return;
	for (char **a = c->argv; *a != NULL; a++)
		free(*a);
	free(c->argv);
	c->argv = NULL;
}

static void on_exit_status(dkr_collector *c, int status);

/* The start handshake: waits until this incarnation has changed the heartbeat (it parsed its
 * arguments, read its TLS files and mapped the ring), or exits, or the bound passes. */
static int await_first_heartbeat(dkr_collector *c, char *err, size_t errlen)
{
	uint64_t deadline = c->started_ns + c->hang_timeout_ns;
	for (;;) {
		drain_stderr(c, 0);
		int status = 0;
		pid_t r = waitpid(c->pid, &status, WNOHANG);
		int gone = r == c->pid || (r < 0 && errno == ECHILD);
		if (r < 0 && errno == ECHILD)
			status = 1 << 8; /* reaped elsewhere (SIGCHLD ignored): status unknown */
		uint64_t hb = __atomic_load_n(c->o.heartbeat, __ATOMIC_ACQUIRE);
		if (hb != c->hb_last) {
			c->hb_last = hb;
			c->hb_changed_ns = dkr_now_ns();
			c->hb_armed = 1;
			if (gone)
				on_exit_status(c, status); /* e.g. a short replay already done */
			return 0;
		}
		if (gone) {
			drain_stderr(c, 1);
			c->pid = 0;
			early_exit_message(c, status, err, errlen);
			return -1;
		}
		uint64_t now = dkr_now_ns();
		if (now >= deadline) {
			kill(c->pid, SIGKILL);
			while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
				;
			c->pid = 0;
			drain_stderr(c, 1);
			const char *text = said(c);
			snprintf(err, errlen, "the collector ('%s') did not start within %llu ms "
			         "(collector.hangTimeoutMs): no heartbeat in the ring%s%s; killed",
			         c->argv[0], (unsigned long long)(c->hang_timeout_ns / 1000000ull),
			         *text ? "; it said: " : "", text);
			return -1;
		}
		uint64_t left_ms = (deadline - now + 999999) / 1000000;
		struct pollfd p = {.fd = c->err_fd, .events = POLLIN};
		poll(&p, c->err_fd >= 0 ? 1 : 0, left_ms < 10 ? (int)left_ms : 10);
	}
}

int dkr_collector_start(dkr_collector *c, char **argv, const dkr_collector_opts *opts,
                        const dkr_log *log, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->argv = argv;
	c->o = *opts;
	c->hang_timeout_ns = (uint64_t)opts->hang_timeout_ms * 1000000ull;
	c->log = log;
	c->err_fd = -1;
	c->backoff_ms = 100;
	if (spawn(c, err, errlen) != 0 ||
	    (c->o.heartbeat != NULL && c->hang_timeout_ns > 0 &&
	     await_first_heartbeat(c, err, errlen) != 0)) {
		if (c->err_fd >= 0)
			close(c->err_fd);
		c->err_fd = -1;
		free_argv(c);
		return -1;
	}
	return 0;
}

static void on_exit_status(dkr_collector *c, int status)
{
	drain_stderr(c, 1);
	c->pid = 0;
	int code0 = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	/* Exit 0 is "finished" for a replay that published its last record, and nothing else: a
	 * live source never finishes, and a replay stopped early has records left. */
	if (code0 && c->o.replay &&
	    (c->o.finished == NULL || __atomic_load_n(c->o.finished, __ATOMIC_ACQUIRE) == 1)) {
		c->status = DKR_COLLECTOR_FINISHED;
		dkr_log_msg(c->log, SS_PLUGIN_LOG_SEV_DEBUG, "collector finished (exit 0)");
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
		c->status = DKR_COLLECTOR_FATAL;
		if (c->last_error[0] == '\0')
			snprintf(c->last_error, sizeof(c->last_error),
			         "the collector exited with code 2 (misconfiguration) without a message%s%s",
			         c->last_line[0] ? "; its last line: " : "", c->last_line);
		return;
	}
	/* Gone before its first heartbeat, several times in a row: it will not start (a script
	 * replaced by garbage, a Node.js that fails...). Restarting forever would hide that. */
	c->early_exits = c->hb_armed ? 0 : c->early_exits + 1;
	if (c->early_exits >= DKR_COLLECTOR_MAX_EARLY_EXITS) {
		char msg[sizeof(c->last_error)];
		early_exit_message(c, status, msg, sizeof(msg));
		snprintf(c->last_error, sizeof(c->last_error), "%u restarts in a row ended before the "
		         "collector started; the last: %.900s", c->early_exits, msg);
		dkr_log_msg(c->log, SS_PLUGIN_LOG_SEV_ERROR, "%s", c->last_error);
		c->status = DKR_COLLECTOR_FATAL;
		return;
	}
	/* A crash: restart with backoff, reset the backoff after a long healthy run. */
	if (dkr_now_ns() - c->started_ns > 30ull * 1000000000ull)
		c->backoff_ms = 100;
	char how[64];
	describe_status(c, status, how, sizeof(how));
	dkr_log_msg(c->log, SS_PLUGIN_LOG_SEV_WARNING, "collector %s%s; restarting in %u ms", how,
	            code0 ? (c->o.replay ? " before the end of its recordings"
	                                 : " (a live source never finishes)") : "",
	            c->backoff_ms);
	c->status = DKR_COLLECTOR_BACKOFF;
	c->restart_at_ns = dkr_now_ns() + (uint64_t)c->backoff_ms * 1000000ull;
	c->backoff_ms = c->backoff_ms * 2 > c->o.backoff_max_ms ? c->o.backoff_max_ms
	                                                        : c->backoff_ms * 2;
}

/* A child that is alive but no longer changes its heartbeat is hung (a blocked event
 * loop, a stopped process...), and so is one that never wrote a first one: SIGKILL; the next
 * poll reaps it and restarts it. Staleness is measured on our monotonic clock from the moment
 * we saw the value change (or the spawn), so wall-clock steps on either side do not matter. */
static void check_heartbeat(dkr_collector *c)
{
	if (c->o.heartbeat == NULL || c->hang_timeout_ns == 0 || c->hung)
		return;
	uint64_t hb = __atomic_load_n(c->o.heartbeat, __ATOMIC_ACQUIRE);
	uint64_t now = dkr_now_ns();
	if (hb != c->hb_last) {
		c->hb_last = hb;
		c->hb_changed_ns = now;
		c->hb_armed = 1;
		return;
	}
	if (now - c->hb_changed_ns <= c->hang_timeout_ns)
		return;
	if (c->hb_armed)
		dkr_log_msg(c->log, SS_PLUGIN_LOG_SEV_WARNING,
		            "collector (pid %d) hung: its heartbeat has not changed for %llu ms "
		            "(collector.hangTimeoutMs %llu); killing it", (int)c->pid,
		            (unsigned long long)((now - c->hb_changed_ns) / 1000000ull),
		            (unsigned long long)(c->hang_timeout_ns / 1000000ull));
	else
		dkr_log_msg(c->log, SS_PLUGIN_LOG_SEV_WARNING,
		            "collector (pid %d) hung: no heartbeat %llu ms after it was started "
		            "(collector.hangTimeoutMs %llu); killing it", (int)c->pid,
		            (unsigned long long)((now - c->hb_changed_ns) / 1000000ull),
		            (unsigned long long)(c->hang_timeout_ns / 1000000ull));
	kill(c->pid, SIGKILL);
	c->hung = 1;
}

void dkr_collector_poll(dkr_collector *c)
{
	drain_stderr(c, 0);
	if (c->pid > 0) {
		int status;
		pid_t r = waitpid(c->pid, &status, WNOHANG);
		if (r == c->pid)
			on_exit_status(c, status);
		else if (r < 0 && errno == ECHILD)
			on_exit_status(c, 1 << 8); /* reaped elsewhere (SIGCHLD ignored): a crash */
		else if (r == 0)
			check_heartbeat(c);
	}
	if (c->status == DKR_COLLECTOR_BACKOFF && dkr_now_ns() >= c->restart_at_ns) {
		char err[256];
		c->restarts++;
		if (spawn(c, err, sizeof(err)) != 0) {
			dkr_log_msg(c->log, SS_PLUGIN_LOG_SEV_ERROR, "%s", err);
			c->status = DKR_COLLECTOR_FATAL;
			snprintf(c->last_error, sizeof(c->last_error), "%s", err);
		}
	}
}

void dkr_collector_stop(dkr_collector *c)
{
	if (c->pid > 0) {
		kill(c->pid, SIGTERM);
		uint64_t deadline = dkr_now_ns() + 2000000000ull;
		int status = 0, done = 0;
		while (!done && dkr_now_ns() < deadline) {
			pid_t r = waitpid(c->pid, &status, WNOHANG);
			if (r == c->pid || (r < 0 && errno == ECHILD)) {
				done = 1;
				break;
			}
			drain_stderr(c, 0);
			struct pollfd p = {.fd = c->err_fd, .events = POLLIN};
			poll(&p, c->err_fd >= 0 ? 1 : 0, 10);
		}
		if (!done) {
			dkr_log_msg(c->log, SS_PLUGIN_LOG_SEV_WARNING,
			            "collector did not stop within 2 s of SIGTERM; killing it");
			kill(c->pid, SIGKILL);
			while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
				;
		}
		c->pid = 0;
	}
	drain_stderr(c, 1);
	if (c->err_fd >= 0)
		close(c->err_fd);
	c->err_fd = -1;
	free_argv(c);
}
