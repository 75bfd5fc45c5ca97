/* Resume state across close/open: see resume.h for the why and the file layout. */
#define _GNU_SOURCE
#include "resume.h"

#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RESUME_MAGIC 0x314D555352524B44ull /* "DKRRSUM1" */
#define RESUME_AREA_SIZE (DKR_RING_RESUME_ENTRIES * DKR_RING_RESUME_ENTRY_SIZE)
#define POINTS_SIZE (16u + RESUME_AREA_SIZE) /* last_ts, last_hash, resume area */
/* Version 1: magic, versions, key, reserved (32), points, FNV-1a 64. */
#define V1_SIZE (32u + POINTS_SIZE + 8u)
/* Version 2: 48-byte head, points, records, SHA-256. */
#define V2_HEAD 48u
#define V2_FIXED (V2_HEAD + POINTS_SIZE + DKR_SHA256_LEN)

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

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t align8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

void dkr_resume_state_free(dkr_resume_state *st)
{
	free(st->records);
	memset(st, 0, sizeof(*st));
}

/* Checks the records of a version 2 file: each whole, of a known kind, no larger than the
 * ring it came from allows, `count` of them filling exactly `bytes`. NULL or why not. */
static const char *check_records(const uint8_t *p, uint64_t bytes, uint64_t count,
                                 uint64_t capacity)
{
	uint64_t off = 0, n = 0, maxp = dkr_ring_max_payload(capacity);
	while (off < bytes) {
		if (bytes - off < DKR_RING_RECORD_HEADER)
			return "a record is cut short";
		uint32_t len = get32(p + off), kind = get32(p + off + 4);
		if ((kind != 1 && kind != 2) || len > maxp ||
		    DKR_RING_RECORD_HEADER + align8(len) > bytes - off)
			return "a record is malformed";
		off += DKR_RING_RECORD_HEADER + align8(len);
		n++;
	}
	return n == count ? NULL : "the record count does not match";
}

int dkr_resume_read(const char *path, uint64_t key, dkr_resume_state *st, const dkr_log *log)
{
	memset(st, 0, sizeof(*st));
	/* O_NONBLOCK and the type check before reading: a FIFO put there cannot block open. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT)
			dkr_log_msg(log, SS_PLUGIN_LOG_SEV_WARNING, "resume state %s: cannot open: %s; "
			            "starting without it", path, strerror(errno));
		return 0;
	}
	struct stat sb;
	const char *why = NULL;
	uint8_t *buf = NULL;
	size_t size = 0;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		why = "not a regular file";
	else if ((uint64_t)sb.st_size != V1_SIZE &&
	         ((uint64_t)sb.st_size < V2_FIXED ||
	          (uint64_t)sb.st_size > V2_FIXED + DKR_RING_MAX_CAPACITY))
		why = "wrong size";
	else if ((buf = malloc((size_t)sb.st_size + 1)) == NULL)
		why = "out of memory";
	for (; why == NULL;) {
		ssize_t r = read(fd, buf + size, (size_t)sb.st_size + 1 - size);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			why = "read error";
		if (r <= 0)
			break;
		size += (size_t)r;
		if (size > (size_t)sb.st_size)
			why = "it changed while read";
	}
	close(fd);
	if (why == NULL && size != (size_t)sb.st_size)
		why = "it changed while read";
	uint32_t fver = 0, rver = 0;
	if (why == NULL) {
		fver = get32(buf + 8);
		rver = get32(buf + 12);
		if (get64(buf) != RESUME_MAGIC || (fver != 1 && fver != 2))
			why = "not a resume file of this plugin";
		else if (rver != DKR_RING_VERSION)
			why = "written for another ring version";
		else if (get64(buf + 16) != key)
			why = "written for other endpoints";
	}
	if (why == NULL && fver == 1) {
		if (size != V1_SIZE)
			why = "wrong size";
		else if (get64(buf + V1_SIZE - 8) != dkr_fnv1a64(buf, V1_SIZE - 8))
			why = "checksum mismatch";
		else
			memcpy(st->points, buf + 32, POINTS_SIZE);
	} else if (why == NULL) {
		uint8_t d[DKR_SHA256_LEN];
		uint64_t cap = get64(buf + 24), count = get64(buf + 32), bytes = get64(buf + 40);
		dkr_sha256(buf, size - DKR_SHA256_LEN, d);
		if (size < V2_FIXED || memcmp(d, buf + size - DKR_SHA256_LEN, DKR_SHA256_LEN) != 0)
			why = "checksum mismatch";
		else if (cap < DKR_RING_MIN_CAPACITY || cap > DKR_RING_MAX_CAPACITY ||
		         (cap & (cap - 1)) != 0 || bytes != size - V2_FIXED ||
		         bytes > DKR_RING_MAX_CAPACITY)
			why = "inconsistent sizes";
		else if ((why = check_records(buf + V2_HEAD + POINTS_SIZE, bytes, count, cap)) == NULL) {
			memcpy(st->points, buf + V2_HEAD, POINTS_SIZE);
			st->capacity = cap;
			st->count = count;
			st->bytes = bytes;
			if (bytes > 0 && (st->records = malloc(bytes)) == NULL)
				why = "out of memory";
			else if (bytes > 0)
				memcpy(st->records, buf + V2_HEAD + POINTS_SIZE, bytes);
		}
	}
	free(buf);
	if (why != NULL) {
		dkr_resume_state_free(st);
		dkr_log_msg(log, SS_PLUGIN_LOG_SEV_WARNING, "resume state %s ignored (%s); starting "
		            "without it", path, why);
		return 0;
	}
	return 1;
}

uint64_t dkr_resume_capacity(const dkr_resume_state *st, uint64_t configured)
{
	/* The ring it came from could hold them all, each record included: so can one as large. */
	uint64_t c = st->bytes > 0 && st->capacity > configured ? st->capacity : configured;
	while (c < st->bytes && c < DKR_RING_MAX_CAPACITY)
		c *= 2;
	return c;
}

void dkr_resume_apply(const dkr_resume_state *st, dkr_ring *r, const dkr_log *log,
                      const char *path)
{
	uint8_t *h = r->base;
	memcpy(h + DKR_RH_LAST_TS, st->points, 16);
	memcpy(h + DKR_RING_RESUME_AT, st->points + 16, RESUME_AREA_SIZE);
	if (st->bytes > 0 && st->bytes <= r->capacity)
		memcpy(h + DKR_RING_HEADER_SIZE, st->records, st->bytes);
	uint64_t bytes = st->bytes <= r->capacity ? st->bytes : 0;
	uint64_t count = bytes ? st->count : 0;
	if (bytes < st->bytes) /* only past the largest ring there is (dkr_resume_capacity) */
		dkr_log_msg(log, SS_PLUGIN_LOG_SEV_WARNING, "resume state %s: %llu undelivered event(s) "
		            "do not fit a ring of %llu MiB and are lost", path,
		            (unsigned long long)st->count, (unsigned long long)(r->capacity >> 20));
	/* As a producer: the bytes, then write_pos with release order. */
	__atomic_store_n((uint64_t *)(h + DKR_RH_EVENTS_WRITTEN), count, __ATOMIC_RELAXED);
	__atomic_store_n((uint64_t *)(h + DKR_RH_WRITE_POS), bytes, __ATOMIC_RELEASE);
	dkr_log_msg(log, SS_PLUGIN_LOG_SEV_INFO, "resuming from %s: %llu undelivered event(s) "
	            "first, then each daemon after its resume point", path,
	            (unsigned long long)count);
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

/* Buffered writer that hashes what it writes. */
typedef struct writer {
	int fd;
	int failed;
	dkr_sha256_ctx sha;
	uint8_t buf[1 << 16];
	size_t used;
} writer;

static void w_flush(writer *w)
{
	size_t done = 0;
	while (!w->failed && done < w->used) {
		ssize_t n = write(w->fd, w->buf + done, w->used - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			w->failed = n < 0 ? errno : EIO;
		else
			done += (size_t)n;
	}
	w->used = 0;
}

static void w_put(writer *w, const void *data, size_t len, int hash)
{
	if (hash)
		dkr_sha256_update(&w->sha, data, len);
	const uint8_t *p = (const uint8_t *)data;
	while (len > 0 && !w->failed) {
		size_t take = sizeof(w->buf) - w->used < len ? sizeof(w->buf) - w->used : len;
		memcpy(w->buf + w->used, p, take);
		w->used += take;
		p += take;
		len -= take;
		if (w->used == sizeof(w->buf))
			w_flush(w);
	}
}

static void w_record(writer *w, uint32_t kind, uint64_t ts, const uint8_t *payload, uint32_t len)
{
	uint8_t head[DKR_RING_RECORD_HEADER];
	static const uint8_t zeros[8];
	memcpy(head, &len, 4);
	memcpy(head + 4, &kind, 4);
	memcpy(head + 8, &ts, 8);
	w_put(w, head, sizeof(head), 1);
	w_put(w, payload, len, 1);
	w_put(w, zeros, align8(len) - len, 1);
}

/* Walks the ring's unread records (the collector has stopped: nothing moves), writing each
 * when `w` is given; returns how many and their bytes. A corrupt ring stops the walk. */
static void walk_ring(dkr_ring *r, writer *w, uint64_t *count, uint64_t *bytes, char *err,
                      size_t errlen)
{
	dkr_ring_cursor cur;
	dkr_record rec;
	*count = *bytes = 0;
	err[0] = '\0';
	if (dkr_ring_begin(r, &cur, err, errlen) != 0)
		return;
	int k;
	while ((k = dkr_ring_next(r, &cur, &rec, err, errlen)) == 1) {
		if (w != NULL)
			w_record(w, rec.kind, rec.ts, rec.payload, rec.len);
		(*count)++;
		*bytes += DKR_RING_RECORD_HEADER + align8(rec.len);
	}
}

int dkr_resume_save(const char *path, uint64_t key, dkr_ring *r, const dkr_resume_record *pending,
                    size_t npending, const dkr_log *log)
{
	uint8_t head[V2_HEAD + POINTS_SIZE];
	memset(head, 0, sizeof(head));
	const uint8_t *ring = r->base;
	for (unsigned i = 0; i < 16; i += 8)
		put64(head + V2_HEAD + i, __atomic_load_n((const uint64_t *)(ring + DKR_RH_LAST_TS + i),
		                                          __ATOMIC_ACQUIRE));
	for (unsigned i = 0; i < RESUME_AREA_SIZE; i += 8)
		put64(head + V2_HEAD + 16 + i,
		      __atomic_load_n((const uint64_t *)(ring + DKR_RING_RESUME_AT + i),
		                      __ATOMIC_ACQUIRE));
	uint64_t count = npending, bytes = 0, rcount, rbytes;
	for (size_t i = 0; i < npending; i++)
		bytes += DKR_RING_RECORD_HEADER + align8(pending[i].len);
	char rerr[256];
	walk_ring(r, NULL, &rcount, &rbytes, rerr, sizeof(rerr));
	if (rerr[0] != '\0')
		dkr_log_msg(log, SS_PLUGIN_LOG_SEV_WARNING, "resume state %s: the ring's unread "
		            "records after the first %llu cannot be saved (%s)", path,
		            (unsigned long long)rcount, rerr);
	count += rcount;
	bytes += rbytes;
	int any = count > 0;
	for (size_t i = V2_HEAD; i < sizeof(head); i++)
		any |= head[i];
	if (!any)
		return 0; /* nothing published: keep whatever an earlier run saved */
	uint32_t fver = 2, rver = DKR_RING_VERSION;
	put64(head, RESUME_MAGIC);
	memcpy(head + 8, &fver, 4);
	memcpy(head + 12, &rver, 4);
	put64(head + 16, key);
	put64(head + 24, r->capacity);
	put64(head + 32, count);
	put64(head + 40, bytes);

	char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		dkr_log_msg(log, SS_PLUGIN_LOG_SEV_WARNING, "resume state %s: out of memory", path);
		return -1;
	}
	writer *w = malloc(sizeof(*w));
	const char *what = "create the directory";
	int fd = -1, ok = 0, saved = ENOMEM;
	if (w != NULL && make_dirs(tmp) == 0) {
		what = "create";
		unlink(tmp); /* a leftover of a process that had our pid */
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	if (w != NULL && fd < 0)
		saved = errno;
	if (fd >= 0) {
		what = "write";
		w->fd = fd;
		w->failed = 0;
		w->used = 0;
		dkr_sha256_init(&w->sha);
		w_put(w, head, sizeof(head), 1);
		for (size_t i = 0; i < npending; i++)
			w_record(w, pending[i].kind, pending[i].ts, pending[i].payload, pending[i].len);
		walk_ring(r, w, &rcount, &rbytes, rerr, sizeof(rerr));
		uint8_t d[DKR_SHA256_LEN];
		dkr_sha256_final(&w->sha, d);
		w_put(w, d, sizeof(d), 0);
		w_flush(w);
		if (w->failed) {
			saved = w->failed;
		} else if (fsync(fd) != 0) {
			saved = errno;
		} else {
			what = "close";
			int c = close(fd);
			fd = -1;
			if (c != 0) {
				saved = errno;
			} else {
				what = "rename";
				ok = rename(tmp, path) == 0;
				saved = errno;
			}
		}
	}
	if (fd >= 0)
		close(fd);
	if (!ok) {
		unlink(tmp);
		dkr_log_msg(log, SS_PLUGIN_LOG_SEV_WARNING, "resume state %s: cannot %s: %s; the next "
		            "open will start without it (events of the gap may be missed)", path, what,
		            strerror(saved));
	} else if (count > 0) {
		dkr_log_msg(log, SS_PLUGIN_LOG_SEV_INFO, "resume state %s: saved with %llu undelivered "
		            "event(s)", path, (unsigned long long)count);
	}
	free(w);
	free(tmp);
	return ok ? 1 : -1;
}
