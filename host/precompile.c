/* dkr-precompile IN.wasm OUT.cwasm: compiles the extractor ahead of time with exactly the
 * engine configuration of libdocker.so (engine.c), so the plugin can load it with
 * wasmtime_module_deserialize instead of compiling at startup. Also writes OUT.cwasm.sha256
 * (sha256sum format), which the plugin checks before it deserializes OUT.cwasm: a damaged
 * precompiled module is native code that would crash the process. */
#include "engine.h"
#include "sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes next to the target and renames, so a reader never sees half a file. 0 or 1. */
static int write_atomically(const char *out, const void *data, size_t len)
{
	size_t tl = strlen(out) + 8;
	char *tmp = malloc(tl);
	if (tmp == NULL) {
		fprintf(stderr, "dkr-precompile: out of memory\n");
		return 1;
	}
	snprintf(tmp, tl, "%s.tmp", out);
	int rc = 1;
	FILE *o = fopen(tmp, "wb");
	if (o != NULL && fwrite(data, 1, len, o) == len && fflush(o) == 0 && fsync(fileno(o)) == 0 &&
	    fclose(o) == 0) {
		o = NULL;
		if (rename(tmp, out) == 0)
			rc = 0;
	}
	if (o != NULL)
		fclose(o);
	if (rc != 0) {
		fprintf(stderr, "dkr-precompile: cannot write %s: %s\n", out, strerror(errno));
		remove(tmp);
	}
	free(tmp);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s IN.wasm OUT.cwasm\n", argv[0]);
		return 2;
	}
	const char *in = argv[1], *out = argv[2];
	FILE *f = fopen(in, "rb");
	if (f == NULL) {
		fprintf(stderr, "dkr-precompile: cannot read %s: %s (build the extractor first: "
		                "npm run build:wasm)\n", in, strerror(errno));
		return 1;
	}
	wasm_byte_vec_t wasm = {0, NULL};
	if (fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);
		rewind(f);
		if (n > 0) {
			wasm_byte_vec_new_uninitialized(&wasm, (size_t)n);
			if (fread(wasm.data, 1, (size_t)n, f) != (size_t)n)
				wasm_byte_vec_delete(&wasm);
		}
	}
	fclose(f);
	if (wasm.data == NULL) {
		fprintf(stderr, "dkr-precompile: %s is empty or unreadable\n", in);
		return 1;
	}
	char err[512];
	wasm_engine_t *engine = dkr_engine_get(err, sizeof(err));
	if (engine == NULL) {
		wasm_byte_vec_delete(&wasm);
		fprintf(stderr, "dkr-precompile: %s\n", err);
		return 1;
	}
	wasmtime_module_t *module = NULL;
	wasmtime_error_t *e = wasmtime_module_new(engine, (const uint8_t *)wasm.data, wasm.size,
	                                          &module);
	wasm_byte_vec_delete(&wasm);
	wasm_byte_vec_t bytes = {0, NULL};
	if (e == NULL)
		e = wasmtime_module_serialize(module, &bytes);
	if (module != NULL)
		wasmtime_module_delete(module);
	if (e != NULL) {
		dkr_wasmtime_msg(e, NULL, err, sizeof(err));
		wasmtime_error_delete(e);
		fprintf(stderr, "dkr-precompile: %s: %s\n", in, err);
		return 1;
	}
	/* The digest of exactly these bytes, in sha256sum format. */
	uint8_t d[DKR_SHA256_LEN];
	char hex[2 * DKR_SHA256_LEN + 1];
	dkr_sha256(bytes.data, bytes.size, d);
	dkr_sha256_hex(d, hex);
	const char *base = strrchr(out, '/');
	base = base ? base + 1 : out;
	size_t dl = strlen(hex) + strlen(base) + 4;
	char *digest = malloc(dl);
	char *dpath = malloc(strlen(out) + sizeof(DKR_DIGEST_SUFFIX));
	int rc = 1;
	if (digest != NULL && dpath != NULL) {
		snprintf(digest, dl, "%s  %s\n", hex, base);
		sprintf(dpath, "%s%s", out, DKR_DIGEST_SUFFIX);
		/* The module first, then its digest: a reader in between sees a mismatch and compiles
		 * the .wasm instead, never a module trusted on an old digest. */
		rc = write_atomically(out, bytes.data, bytes.size) ||
		     write_atomically(dpath, digest, strlen(digest));
	} else {
		fprintf(stderr, "dkr-precompile: out of memory\n");
	}
	free(digest);
	free(dpath);
	wasm_byte_vec_delete(&bytes);
	return rc;
}
