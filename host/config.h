/* init_config: parsing and validation (jansson) and the JSON schema Falco validates with. */
#ifndef DKR_CONFIG_H
#define DKR_CONFIG_H

#include <stddef.h>
#include <stdint.h>

typedef struct dkr_config {
	/* extractor */
	char *extractor_module;     /* NULL = <libdir>/docker_extractor.(c)wasm */
	uint32_t max_memory_mib;    /* 64 */
	uint32_t call_timeout_ms;   /* 100 */
	/* collector child */
	char *collector_node;       /* "" = run the executable; else Node.js (path or PATH name) */
	char *collector_path;       /* NULL = <libdir>/docker-collector, or with a node
	                             * <libdir>/docker-collector.js */
	int enrich;                 /* 1 */
	uint32_t queue_max;         /* 100000 */
	uint32_t inspect_timeout_ms;/* 250 */
	uint32_t reconnect_max_ms;  /* 5000 */
	uint32_t restart_max_ms;    /* 10000: supervisor backoff ceiling */
	uint32_t hang_timeout_ms;   /* 10000: heartbeat older than this = hung */
	char *state_dir;            /* "/var/run/falco-docker-plugin"; NULL = "" = no resume file */
	/* tls for tcp:// endpoints (passed only when a file is set) */
	char *tls_ca, *tls_cert, *tls_key;
	int tls_verify;             /* 1 */
	/* ring and batches */
	uint32_t ring_capacity_mib; /* 8, power of two, 1..1024 */
	uint32_t batch_max_events;  /* 1024 */
	uint32_t batch_wait_ms;     /* 20: how long next_batch waits before TIMEOUT */
} dkr_config;

/* Parses `json` ("" and "{}" mean all defaults). On error returns -1 with a message that
 * names the key and what is expected; `out` is then freed. */
int dkr_config_parse(const char *json, dkr_config *out, char *err, size_t errlen);
void dkr_config_free(dkr_config *c);

/* The JSON schema of init_config (static string). */
const char *dkr_config_schema(void);

#endif
