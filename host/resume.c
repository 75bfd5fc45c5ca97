/* Resume state across close/open: see resume.h for the why and the file layout. */
#define _GNU_SOURCE
#include "resume.h"

#include "ring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RESUME_MAGIC 0x314D555352524B44ull /* "DKRRSUM1" */
#define RESUME_FILE_VERSION 1u
#define RESUME_HEAD 32u
#define RESUME_GLOBAL_AT DKR_RH_LAST_TS /* last_ts, last_hash: 16 bytes */
#define RESUME_AREA_SIZE (DKR_RING_RESUME_ENTRIES * DKR_RING_RESUME_ENTRY_SIZE)
#define RESUME_FILE_SIZE (RESUME_HEAD + 16u + RESUME_AREA_SIZE + 8u)

int dkr_resume_path(const char *dir, const char *const *eps, size_t n, char **out,
                    uint64_t *key)
{
	*out = NULL;
	/* The key hashes the endpoints joined by commas. */
	uint64_t h = DKR_FNV1A64_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			h = dkr_fnv1a64_update(h, ",", 1);
		h = dkr_fnv1a64_update(h, eps[i], strlen(eps[i]));
	}
	*key = h;
	if (dir == NULL)
		return 0;
	size_t l = strlen(dir);
	while (l > 1 && dir[l - 1] == '/')
		l--;
	if (asprintf(out, "%.*s/resume-%016llx.bin", (int)l, dir, (unsigned long long)h) < 0) {
		*out = NULL;
		return -1;
	}
	return 0;
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

int dkr_resume_load(const char *path, uint64_t key, uint8_t *ring, const dkr_log *log)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT)
			dkr_log_msg(log, SS_PLUGIN_LOG_SEV_WARNING, "resume state %s: cannot open: %s; "
			            "starting without it", path, strerror(errno));
		return 0;
	}
	uint8_t buf[RESUME_FILE_SIZE + 1];
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fd, buf + got, sizeof(buf) - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof(buf))
			break;
	}
	close(fd);
	uint32_t fver, rver;
	memcpy(&fver, buf + 8, 4);
	memcpy(&rver, buf + 12, 4);
	const char *why = NULL;
	if (got != RESUME_FILE_SIZE)
		why = "wrong size";
	else if (get64(buf) != RESUME_MAGIC || fver != RESUME_FILE_VERSION)
		why = "not a resume file of this plugin";
	else if (rver != DKR_RING_VERSION)
		why = "written for another ring version";
	else if (get64(buf + 16) != key)
		why = "written for other endpoints";
	else if (get64(buf + RESUME_FILE_SIZE - 8) != dkr_fnv1a64(buf, RESUME_FILE_SIZE - 8))
		why = "checksum mismatch";
	if (why != NULL) {
		dkr_log_msg(log, SS_PLUGIN_LOG_SEV_WARNING, "resume state %s ignored (%s); starting "
		            "without it", path, why);
		return 0;
	}
	memcpy(ring + RESUME_GLOBAL_AT, buf + RESUME_HEAD, 16);
	memcpy(ring + DKR_RING_RESUME_AT, buf + RESUME_HEAD + 16, RESUME_AREA_SIZE);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	dkr_log_msg(log, SS_PLUGIN_LOG_SEV_INFO, "resuming after event %llu (state from %s)",
	            (unsigned long long)get64(buf + RESUME_HEAD), path);
	return 1;
}

/* mkdir -p of the directory part of `path` (new components 0700). */
static int make_dirs(char *path)
{
	char *slash = strrchr(path, '/');
	if (slash == NULL || slash == path)
		return 0;
	*slash = '\0';
	struct stat st;
	int rc = 0;
	if (stat(path, &st) != 0) {
		rc = make_dirs(path);
		if (rc == 0 && mkdir(path, 0700) != 0 && errno != EEXIST)
			rc = -1;
	} else if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		rc = -1;
	}
	*slash = '/';
	return rc;
}

int dkr_resume_save(const char *path, uint64_t key, const uint8_t *ring, const dkr_log *log)
{
	uint8_t buf[RESUME_FILE_SIZE];
	memset(buf, 0, sizeof(buf));
	for (unsigned i = 0; i < 16; i += 8)
		put64(buf + RESUME_HEAD + i,
		      __atomic_load_n((const uint64_t *)(ring + RESUME_GLOBAL_AT + i), __ATOMIC_ACQUIRE));
	for (unsigned i = 0; i < RESUME_AREA_SIZE; i += 8)
		put64(buf + RESUME_HEAD + 16 + i,
		      __atomic_load_n((const uint64_t *)(ring + DKR_RING_RESUME_AT + i),
		                      __ATOMIC_ACQUIRE));
	int any = 0;
	for (size_t i = RESUME_HEAD; i < RESUME_HEAD + 16 + RESUME_AREA_SIZE; i++)
		any |= buf[i];
	if (!any)
		return 0; /* nothing published: keep whatever an earlier run saved */
	uint32_t fver = RESUME_FILE_VERSION, rver = DKR_RING_VERSION;
	put64(buf, RESUME_MAGIC);
	memcpy(buf + 8, &fver, 4);
	memcpy(buf + 12, &rver, 4);
	put64(buf + 16, key);
	put64(buf + RESUME_FILE_SIZE - 8, dkr_fnv1a64(buf, RESUME_FILE_SIZE - 8));

	char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		dkr_log_msg(log, SS_PLUGIN_LOG_SEV_WARNING, "resume state %s: out of memory", path);
		return -1;
	}
	const char *what = "create the directory";
	int fd = -1, ok = 0;
	if (make_dirs(tmp) == 0) {
		what = "create";
		unlink(tmp); /* a leftover of a process that had our pid */
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	if (fd >= 0) {
		what = "write";
		size_t done = 0;
		while (done < sizeof(buf)) {
			ssize_t w = write(fd, buf + done, sizeof(buf) - done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			done += (size_t)w;
		}
		if (done == sizeof(buf) && fsync(fd) == 0) {
			what = "close";
			if (close(fd) == 0) {
				what = "rename";
				ok = rename(tmp, path) == 0;
			}
			fd = -1;
		}
	}
	int saved = errno;
	if (fd >= 0)
		close(fd);
	if (!ok) {
		unlink(tmp);
		dkr_log_msg(log, SS_PLUGIN_LOG_SEV_WARNING, "resume state %s: cannot %s: %s; the next "
		            "open will start without it (events of the gap may be missed)", path, what,
		            strerror(saved));
	}
	free(tmp);
	return ok ? 1 : -1;
}
