/* The process-wide wasmtime engine (created once, immutable afterwards) and the ticker
 * thread that advances its epoch so that every guest call runs under a deadline.
 * The precompiler uses the same function, so a .cwasm always matches the plugin's engine. */
#ifndef DKR_ENGINE_H
#define DKR_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <wasmtime.h>

/* One epoch tick, in milliseconds. Guest call deadlines are whole ticks. */
#define DKR_EPOCH_TICK_MS 5
/* The ticker runs only while guest calls happen: after this many ticks without one it waits
 * for the next call, DKR_EPOCH_NAP_MS at most (engine.c).
 * Deadline guarantee: a guest call with a timeout of T ms traps within T + 2 ticks of its
 * start; only a call that begins in the instant the ticker goes to sleep (after 100 ms
 * without calls) can run up to DKR_EPOCH_NAP_MS longer before it traps. */
#define DKR_EPOCH_IDLE_TICKS 20
#define DKR_EPOCH_NAP_MS 1000

/* A fresh engine configuration: the single place where compilation settings live. */
wasm_config_t *dkr_engine_config_new(void);

/* Before every guest call: keeps the epoch ticking (no atomic read-modify-write). */
void dkr_engine_active(void);

/* The engine, created on first use; NULL (and a message in err) if it cannot be built. */
wasm_engine_t *dkr_engine_get(char *err, size_t errlen);

/* The error text of a wasmtime error or trap (either may be NULL), into buf. */
void dkr_wasmtime_msg(wasmtime_error_t *error, wasm_trap_t *trap, char *buf, size_t len);

#endif
