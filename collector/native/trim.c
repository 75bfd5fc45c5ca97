/* The collector's one native helper besides mmap-io (N-API, so any Node >= 20 loads it):
 * after start-up it gives back the pages of its own executable that only start-up used.
 *
 * A Node process keeps 35-45 MiB of its executable resident (clean, file-backed pages of V8,
 * ICU, OpenSSL, the bootstrap code, the embedded application) although after start-up it runs
 * a fraction of them. madvise(MADV_PAGEOUT) over the executable's read-only mappings lets the
 * kernel reclaim them now; the ones still in use fault back in from the file, once. Pages that
 * another process maps too are left alone by the kernel, so this only frees what the
 * collector's single executable alone holds. Linux >= 5.4; older kernels refuse the advice
 * (EINVAL) and nothing changes. */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

/* Advises MADV_PAGEOUT over every private read-only mapping of the executable file. Returns
 * the bytes advised (>= 0), or -errno when /proc cannot be read or every advice failed. */
static double page_out_executable(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	FILE *maps = fopen("/proc/self/maps", "re");
	if (maps == NULL)
		return -errno;
	char *line = NULL;
	size_t cap = 0;
	double advised = 0;
	int err = 0;
	while (getline(&line, &cap, maps) > 0) {
		unsigned long start, end, inode;
		char perms[5];
		int path_at = 0;
		if (sscanf(line, "%lx-%lx %4s %*x %*s %lu %n", &start, &end, perms, &inode,
		           &path_at) < 4 || path_at == 0 || inode == 0)
			continue;
		char *path = line + path_at;
		path[strcspn(path, "\n")] = '\0';
		/* r-xp and r--p: code and constants; never a writable (private, dirty) mapping. */
		if (perms[1] != '-' || perms[3] != 'p' || strcmp(path, exe) != 0)
			continue;
		if (madvise((void *)start, end - start, MADV_PAGEOUT) == 0)
			advised += (double)(end - start);
		else
			err = errno;
	}
	free(line);
	fclose(maps);
	return advised == 0 && err != 0 ? -err : advised;
}

static napi_value page_out(napi_env env, napi_callback_info info)
{
	(void)info;
	double r = page_out_executable();
	if (r < 0) {
		napi_throw_error(env, NULL, strerror((int)-r));
		return NULL;
	}
	napi_value out;
	if (napi_create_double(env, r, &out) != napi_ok)
		return NULL;
	return out;
}

static napi_value init(napi_env env, napi_value exports)
{
	napi_value fn;
	if (napi_create_function(env, "pageOutExecutable", NAPI_AUTO_LENGTH, page_out, NULL, &fn) !=
	        napi_ok ||
	    napi_set_named_property(env, exports, "pageOutExecutable", fn) != napi_ok)
		return NULL;
	return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
