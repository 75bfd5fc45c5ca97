/* SHA-256 (FIPS 180-4), for the integrity of files the plugin trusts enough to map as code or
 * to feed back into Falco: the precompiled extractor (.cwasm, digest beside it) and the
 * resume state. Checked against the FIPS 180-4 / NIST example vectors and `sha256sum` by the
 * conformance harness. */
#ifndef DKR_SHA256_H
#define DKR_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define DKR_SHA256_LEN 32
/* The digest of X.cwasm is in X.cwasm.sha256, in `sha256sum` format ("<64 hex>  X.cwasm"), so
 * `sha256sum -c` checks it too. */
#define DKR_DIGEST_SUFFIX ".sha256"

typedef struct dkr_sha256_ctx {
	uint32_t h[8];
	uint64_t bytes;      /* message length so far */
	uint8_t block[64];
	size_t used;         /* bytes in block */
} dkr_sha256_ctx;

void dkr_sha256_init(dkr_sha256_ctx *c);
void dkr_sha256_update(dkr_sha256_ctx *c, const void *data, size_t len);
void dkr_sha256_final(dkr_sha256_ctx *c, uint8_t out[DKR_SHA256_LEN]);
/* One-shot. */
void dkr_sha256(const void *data, size_t len, uint8_t out[DKR_SHA256_LEN]);
/* 64 lowercase hex digits and a NUL. */
void dkr_sha256_hex(const uint8_t d[DKR_SHA256_LEN], char out[2 * DKR_SHA256_LEN + 1]);

#endif
