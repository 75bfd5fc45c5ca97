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

/* A fresh engine configuration: the single place where compilation settings live. */
wasm_config_t *dkr_engine_config_new(void);

/* The engine, created on first use; NULL (and a message in err) if it cannot be built. */
wasm_engine_t *dkr_engine_get(char *err, size_t errlen);

/* The error text of a wasmtime error or trap (either may be NULL), into buf. */
void dkr_wasmtime_msg(wasmtime_error_t *error, wasm_trap_t *trap, char *buf, size_t len);

#endif
