#define _GNU_SOURCE
#include "engine.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Process-wide, written once under pthread_once and read-only afterwards, except the ticker's
 * state below. The ticker thread reads `engine` and `stop`; the library destructor stops it
 * before unmap.
 *
 * The ticker advances the epoch only while guest calls happen, so an idle Falco has no 200
 * wakeups a second from it. Each guest call marks `active` (dkr_engine_active: a plain
 * relaxed store when not already set, and a relaxed load; no atomic read-modify-write). The
 * ticker clears it every tick; after DKR_EPOCH_IDLE_TICKS ticks without a call it sets
 * `sleeping`, checks `active` once more and waits on `wake`, which the next call signals (a
 * call that sees `sleeping`). The race: a call whose store of `active` is not yet visible
 * when the ticker checks, and whose load of `sleeping` happened before the ticker set it,
 * is not seen by the ticker; the ticker then naps DKR_EPOCH_NAP_MS at most before it sees
 * that call and ticks again. Hence the deadline guarantee (engine.h). */
static struct {
	pthread_once_t once;
	wasm_engine_t *engine;
	pthread_t ticker;
	int ticker_running;
	atomic_int stop;
	atomic_int active;       /* a guest call began since the ticker last looked */
	atomic_int sleeping;     /* the ticker waits on `wake` */
	pthread_mutex_t mu;      /* guards the wait on `wake` */
	pthread_cond_t wake;     /* CLOCK_MONOTONIC */
	char error[256];
} g_engine = {.once = PTHREAD_ONCE_INIT, .mu = PTHREAD_MUTEX_INITIALIZER};

wasm_config_t *dkr_engine_config_new(void)
{
	wasm_config_t *config = wasm_config_new();
	if (config == NULL)
		return NULL;
	/* Deadlines: compiled code checks the epoch at function entries and loop headers. */
	wasmtime_config_epoch_interruption_set(config, true);
	/* Deterministic builds of the .cwasm and no hidden threads in the plugin process. */
	wasmtime_config_parallel_compilation_set(config, false);
	wasmtime_config_cranelift_opt_level_set(config, WASMTIME_OPT_LEVEL_SPEED);
	/* Linear memory is reserved for the whole 32-bit index space up front (compiled code
	 * needs no bounds checks) and never moves when it grows: its base pointer is fixed for
	 * the store's life, which guest.c relies on to cache it between calls. */
	wasmtime_config_memory_reservation_set(config, 4ull << 30);
	wasmtime_config_memory_may_move_set(config, false);
	/* A guest that recurses deeply traps early instead of using Falco's stack. */
	wasmtime_config_max_wasm_stack_set(config, 512 * 1024);
	/* No proposals the extractor does not use. */
	wasmtime_config_wasm_threads_set(config, false);
	wasmtime_config_wasm_component_model_set(config, false);
	/* Developers: DKR_WASM_PROFILE=perfmap (/tmp/perf-<pid>.map) or jitdump (`perf record -k 1`,
	 * then `perf inject --jit`) names the guest's compiled functions for `perf`; it changes
	 * no code, so a .cwasm made without it still loads. */
	const char *profile = getenv("DKR_WASM_PROFILE");
	if (profile != NULL && strcmp(profile, "perfmap") == 0)
		wasmtime_config_profiler_set(config, WASMTIME_PROFILING_STRATEGY_PERFMAP);
	else if (profile != NULL && strcmp(profile, "jitdump") == 0)
		wasmtime_config_profiler_set(config, WASMTIME_PROFILING_STRATEGY_JITDUMP);
	return config;
}

/* Waits for a guest call to begin (or for the nap's end); 1 if one began. */
static int nap(void)
{
	pthread_mutex_lock(&g_engine.mu);
	atomic_store_explicit(&g_engine.sleeping, 1, memory_order_seq_cst);
	if (!atomic_load_explicit(&g_engine.active, memory_order_seq_cst) &&
	    !atomic_load_explicit(&g_engine.stop, memory_order_acquire)) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += DKR_EPOCH_NAP_MS / 1000;
		until.tv_nsec += (long)(DKR_EPOCH_NAP_MS % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g_engine.wake, &g_engine.mu, &until);
	}
	atomic_store_explicit(&g_engine.sleeping, 0, memory_order_relaxed);
	pthread_mutex_unlock(&g_engine.mu);
	return atomic_load_explicit(&g_engine.active, memory_order_relaxed);
}

static void *ticker_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "dkr-epoch");
	const struct timespec tick = {.tv_sec = 0, .tv_nsec = DKR_EPOCH_TICK_MS * 1000000L};
	unsigned idle = 0;
	while (!atomic_load_explicit(&g_engine.stop, memory_order_acquire)) {
		nanosleep(&tick, NULL);
		wasmtime_engine_increment_epoch(g_engine.engine);
		if (atomic_load_explicit(&g_engine.active, memory_order_relaxed)) {
			atomic_store_explicit(&g_engine.active, 0, memory_order_relaxed);
			idle = 0;
			continue;
		}
		if (++idle < DKR_EPOCH_IDLE_TICKS)
			continue;
		/* No guest call for a while: nap until one begins, nap again if none did. */
		while (!nap() && !atomic_load_explicit(&g_engine.stop, memory_order_acquire))
			;
		idle = 0;
	}
	return NULL;
}

void dkr_engine_active(void)
{
	if (!atomic_load_explicit(&g_engine.active, memory_order_relaxed))
		atomic_store_explicit(&g_engine.active, 1, memory_order_relaxed);
	if (atomic_load_explicit(&g_engine.sleeping, memory_order_relaxed)) {
		pthread_mutex_lock(&g_engine.mu);
		pthread_cond_signal(&g_engine.wake);
		pthread_mutex_unlock(&g_engine.mu);
	}
}

static void engine_create(void)
{
	wasm_config_t *config = dkr_engine_config_new();
	if (config == NULL) {
		snprintf(g_engine.error, sizeof(g_engine.error), "cannot allocate a wasmtime config");
		return;
	}
	wasm_engine_t *engine = wasm_engine_new_with_config(config); /* takes config */
	if (engine == NULL) {
		snprintf(g_engine.error, sizeof(g_engine.error),
		         "cannot create the wasmtime engine (unsupported CPU or out of memory)");
		return;
	}
	g_engine.engine = engine;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g_engine.wake, &ca);
	pthread_condattr_destroy(&ca);
	/* The ticker must not inherit the caller's signal mask quirks; block everything so
	 * Falco's signal handling is never run on it. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&g_engine.ticker, NULL, ticker_main, NULL) == 0)
		g_engine.ticker_running = 1;
	else
		snprintf(g_engine.error, sizeof(g_engine.error),
		         "cannot start the wasmtime epoch ticker thread");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!g_engine.ticker_running) {
		wasm_engine_delete(engine);
		g_engine.engine = NULL;
	}
}

wasm_engine_t *dkr_engine_get(char *err, size_t errlen)
{
	pthread_once(&g_engine.once, engine_create);
	if (g_engine.engine == NULL && err != NULL)
		snprintf(err, errlen, "%s", g_engine.error);
	return g_engine.engine;
}

/* Runs at dlclose (when the last reference goes) and at exit: the ticker executes code of
 * this library, so it must be joined before the library is unmapped. */
__attribute__((destructor)) static void engine_unload(void)
{
	if (g_engine.ticker_running) {
		atomic_store_explicit(&g_engine.stop, 1, memory_order_release);
		pthread_mutex_lock(&g_engine.mu);
		pthread_cond_signal(&g_engine.wake);
		pthread_mutex_unlock(&g_engine.mu);
		pthread_join(g_engine.ticker, NULL);
		g_engine.ticker_running = 0;
		pthread_cond_destroy(&g_engine.wake);
	}
	if (g_engine.engine != NULL) {
		wasm_engine_delete(g_engine.engine);
		g_engine.engine = NULL;
	}
}

void dkr_wasmtime_msg(wasmtime_error_t *error, wasm_trap_t *trap, char *buf, size_t len)
{
	wasm_byte_vec_t msg = {0, NULL};
	if (error != NULL)
		wasmtime_error_message(error, &msg);
	else if (trap != NULL)
		wasm_trap_message(trap, &msg);
	if (msg.data != NULL) {
		size_t n = msg.size;
		/* wasm_trap_message includes the terminating NUL in size. */
		while (n > 0 && msg.data[n - 1] == '\0')
			n--;
		/* One line: wasmtime's "Caused by:" chains span several. */
		size_t o = 0;
		int space = 0;
		for (size_t i = 0; i < n && o + 1 < len; i++) {
			char ch = msg.data[i];
			if (ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t') {
				space = o > 0;
				continue;
			}
			if (space && o + 2 < len)
				buf[o++] = ' ';
			space = 0;
			buf[o++] = ch;
		}
		buf[o] = '\0';
		wasm_byte_vec_delete(&msg);
	} else {
		snprintf(buf, len, "unknown wasmtime error");
	}
}
