#define _GNU_SOURCE
#include "ring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

uint64_t dkr_ring_load(const dkr_ring *r, unsigned offset)
{
	return __atomic_load_n((const uint64_t *)(r->base + offset), __ATOMIC_ACQUIRE);
}

static void store64(dkr_ring *r, unsigned offset, uint64_t v)
{
	__atomic_store_n((uint64_t *)(r->base + offset), v, __ATOMIC_RELEASE);
}

uint64_t dkr_ring_max_payload(uint64_t capacity)
{
	uint64_t q = capacity / 4;
	if (q > (16ull << 20))
		q = 16ull << 20;
	return q - DKR_RING_RECORD_HEADER;
}

int dkr_ring_create(dkr_ring *r, uint64_t capacity, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if (capacity < DKR_RING_MIN_CAPACITY || capacity > DKR_RING_MAX_CAPACITY ||
	    (capacity & (capacity - 1)) != 0) {
		snprintf(err, errlen, "ring capacity %llu is not a power of two in [64 KiB, 1 GiB]",
		         (unsigned long long)capacity);
		return -1;
	}
	int fd = memfd_create("docker-plugin-ring", MFD_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "memfd_create failed: %s", strerror(errno));
		return -1;
	}
	/* Keep the memfd away from 0..9 so that mapping it to the child's fd 3 is a real dup. */
	int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	if (high < 0) {
		snprintf(err, errlen, "fcntl(F_DUPFD_CLOEXEC) failed: %s", strerror(errno));
		return -1;
	}
	fd = high;
	size_t size = DKR_RING_HEADER_SIZE + capacity;
	if (ftruncate(fd, (off_t)size) != 0) {
		snprintf(err, errlen, "cannot size the ring memory file to %zu bytes: %s", size,
		         strerror(errno));
		close(fd);
		return -1;
	}
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		snprintf(err, errlen, "cannot map the ring (%zu bytes): %s", size, strerror(errno));
		close(fd);
		return -1;
	}
	r->base = map;
	r->size = size;
	r->fd = fd;
	r->owned_map = 1;
	r->capacity = capacity;
	/* A fresh memfd is zero-filled (the resume area included): write the creator fields. */
	uint64_t magic = DKR_RING_MAGIC;
	uint32_t version = DKR_RING_VERSION, hsize = DKR_RING_HEADER_SIZE;
	memcpy(r->base + DKR_RH_MAGIC, &magic, 8);
	memcpy(r->base + DKR_RH_VERSION, &version, 4);
	memcpy(r->base + DKR_RH_HEADER_SIZE, &hsize, 4);
	memcpy(r->base + DKR_RH_CAPACITY, &capacity, 8);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return 0;
}

int dkr_ring_attach(dkr_ring *r, void *mem, size_t size, uint64_t capacity, char *err,
                    size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->base = mem;
	r->size = size;
	if (capacity < DKR_RING_MIN_CAPACITY || capacity > DKR_RING_MAX_CAPACITY ||
	    (capacity & (capacity - 1)) != 0 || size < DKR_RING_HEADER_SIZE + capacity) {
		snprintf(err, errlen, "ring image of %zu bytes cannot hold a ring of capacity %llu",
		         size, (unsigned long long)capacity);
		return -1;
	}
	r->capacity = capacity;
	r->read_pos = rd64(r->base + DKR_RH_READ_POS);
	r->last_write = r->read_pos;
	r->events_read = rd64(r->base + DKR_RH_EVENTS_READ);
	return 0;
}

void dkr_ring_destroy(dkr_ring *r)
{
	if (r->owned_map && r->base != NULL)
		munmap(r->base, r->size);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

uint64_t dkr_ring_used(const dkr_ring *r)
{
	uint64_t w = dkr_ring_load(r, DKR_RH_WRITE_POS);
	return w >= r->read_pos && w - r->read_pos <= r->capacity ? w - r->read_pos : 0;
}

int dkr_ring_wait_begin(dkr_ring *r)
{
	uint64_t *waiting = (uint64_t *)(r->base + DKR_RH_CONSUMER_WAITING);
	__atomic_store_n(waiting, 1, __ATOMIC_SEQ_CST);
	uint64_t w = __atomic_load_n((uint64_t *)(r->base + DKR_RH_WRITE_POS), __ATOMIC_SEQ_CST);
	return w != r->read_pos;
}

void dkr_ring_wait_end(dkr_ring *r)
{
	__atomic_store_n((uint64_t *)(r->base + DKR_RH_CONSUMER_WAITING), 0, __ATOMIC_RELAXED);
}

int dkr_ring_begin(dkr_ring *r, dkr_ring_cursor *c, char *err, size_t errlen)
{
	const uint8_t *h = r->base;
	if (rd64(h + DKR_RH_MAGIC) != DKR_RING_MAGIC || rd32(h + DKR_RH_VERSION) != DKR_RING_VERSION ||
	    rd32(h + DKR_RH_HEADER_SIZE) != DKR_RING_HEADER_SIZE ||
	    rd64(h + DKR_RH_CAPACITY) != r->capacity) {
		snprintf(err, errlen,
		         "corrupt ring: header changed (magic/version/header_size/capacity no longer "
		         "what the plugin created)");
		return -1;
	}
	uint64_t w = dkr_ring_load(r, DKR_RH_WRITE_POS);
	if (w < r->last_write) {
		snprintf(err, errlen, "corrupt ring: write_pos went backwards (%llu after %llu)",
		         (unsigned long long)w, (unsigned long long)r->last_write);
		return -1;
	}
	if (w < r->read_pos || w - r->read_pos > r->capacity) {
		snprintf(err, errlen,
		         "corrupt ring: write_pos %llu is not within capacity %llu of read_pos %llu",
		         (unsigned long long)w, (unsigned long long)r->capacity,
		         (unsigned long long)r->read_pos);
		return -1;
	}
	r->last_write = w;
	c->pos = r->read_pos;
	c->end = w;
	c->count = 0;
	return 0;
}

static uint64_t align8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

int dkr_ring_next(dkr_ring *r, dkr_ring_cursor *c, dkr_record *rec, char *err, size_t errlen)
{
	const uint8_t *data = r->base + DKR_RING_HEADER_SIZE;
	const uint64_t cap = r->capacity;
	if (c->pos == c->end)
		return 0;
	uint64_t off = c->pos % cap;
	uint64_t avail = c->end - c->pos;
	if ((off & 7) != 0) {
		snprintf(err, errlen, "corrupt ring: record at %llu is not 8-byte aligned",
		         (unsigned long long)c->pos);
		return -1;
	}
	if (avail < 4) {
		snprintf(err, errlen, "corrupt ring: %llu stray bytes before write_pos",
		         (unsigned long long)avail);
		return -1;
	}
	uint32_t len = rd32(data + off);
	if (len == DKR_RING_WRAP) {
		uint64_t skip = cap - off;
		if (avail <= skip) {
			snprintf(err, errlen, "corrupt ring: wrap marker at %llu with no record after it",
			         (unsigned long long)c->pos);
			return -1;
		}
		if (c->end - (c->pos + skip) < 4) {
			snprintf(err, errlen, "corrupt ring: truncated record after the wrap marker");
			return -1;
		}
		uint32_t next_len = rd32(data);
		if (next_len != DKR_RING_WRAP &&
		    DKR_RING_RECORD_HEADER + align8(next_len) <= skip) {
			snprintf(err, errlen,
			         "corrupt ring: wrap marker at data offset %llu where the next record "
			         "(%u bytes) would have fit", (unsigned long long)off, next_len);
			return -1;
		}
		c->pos += skip;
		off = 0;
		avail = c->end - c->pos;
		len = next_len;
		if (len == DKR_RING_WRAP) {
			snprintf(err, errlen, "corrupt ring: two wrap markers in a row");
			return -1;
		}
	}
	uint64_t size = DKR_RING_RECORD_HEADER + align8(len);
	if (off + size > cap) {
		snprintf(err, errlen,
		         "corrupt ring: record of %u bytes at data offset %llu runs past the end of "
		         "the data area (%llu)", len, (unsigned long long)off, (unsigned long long)cap);
		return -1;
	}
	if (size > avail) {
		snprintf(err, errlen, "corrupt ring: record of %u bytes at %llu runs past write_pos %llu",
		         len, (unsigned long long)c->pos, (unsigned long long)c->end);
		return -1;
	}
	uint32_t kind = rd32(data + off + 4);
	if (kind != 1 && kind != 2) {
		snprintf(err, errlen, "corrupt ring: record at %llu has kind %u (expected 1 or 2)",
		         (unsigned long long)c->pos, kind);
		return -1;
	}
	rec->kind = kind;
	rec->ts = rd64(data + off + 8);
	rec->payload = data + off + DKR_RING_RECORD_HEADER;
	rec->len = len;
	c->pos += size;
	c->count++;
	return 1;
}

void dkr_ring_commit(dkr_ring *r, dkr_ring_cursor *c)
{
	if (c->pos == r->read_pos)
		return;
	r->read_pos = c->pos;
	r->events_read += c->count;
	store64(r, DKR_RH_EVENTS_READ, r->events_read);
	c->count = 0;
	store64(r, DKR_RH_READ_POS, r->read_pos);
}
