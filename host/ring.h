/* Consumer side of the shared-memory ring (contracts/ring.md, version 2). The ring is
 * untrusted: every record is bounds-checked and a corrupt ring is reported, never read
 * out of bounds. The resume area (per-endpoint resume points) belongs to the producer while
 * it runs: the host creates it zeroed, and only resume.c copies it (from a stopped
 * collector's ring to a file, and from the file into a new ring before a collector starts). */
#ifndef DKR_RING_H
#define DKR_RING_H

#include <stddef.h>
#include <stdint.h>

#define DKR_RING_MAGIC 0x31474E4952524B44ull

/* FNV-1a 64, the hash of ring.md (last_hash, resume-entry keys): start from
 * DKR_FNV1A64_INIT and feed bytes with dkr_fnv1a64_update. */
#define DKR_FNV1A64_INIT 0xcbf29ce484222325ull
static inline uint64_t dkr_fnv1a64_update(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = (const uint8_t *)data;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}
static inline uint64_t dkr_fnv1a64(const void *data, size_t len)
{
	return dkr_fnv1a64_update(DKR_FNV1A64_INIT, data, len);
}
#define DKR_RING_VERSION 2u
/* The 256-byte header, then the resume area (64 entries of 64 bytes); data starts here. */
#define DKR_RING_RESUME_AT 256u
#define DKR_RING_RESUME_ENTRIES 64u
#define DKR_RING_RESUME_ENTRY_SIZE 64u
#define DKR_RING_HEADER_SIZE (DKR_RING_RESUME_AT + DKR_RING_RESUME_ENTRIES * DKR_RING_RESUME_ENTRY_SIZE)
#define DKR_RING_MIN_CAPACITY (64ull << 10)
#define DKR_RING_MAX_CAPACITY (1ull << 30)
#define DKR_RING_WRAP 0xFFFFFFFFu
#define DKR_RING_RECORD_HEADER 16u

/* Header offsets. */
enum {
	DKR_RH_MAGIC = 0, DKR_RH_VERSION = 8, DKR_RH_HEADER_SIZE = 12, DKR_RH_CAPACITY = 16,
	DKR_RH_FLAGS = 24, DKR_RH_WRITE_POS = 64, DKR_RH_EVENTS_WRITTEN = 72,
	DKR_RH_EVENTS_DROPPED = 80, DKR_RH_OVERSIZE_DROPPED = 88, DKR_RH_RECONNECTS = 96,
	DKR_RH_QUEUE_DEPTH = 104, DKR_RH_LAST_TS = 112, DKR_RH_LAST_HASH = 120,
	DKR_RH_READ_POS = 128, DKR_RH_EVENTS_READ = 136, DKR_RH_CONSUMER_WAITING = 144,
	DKR_RH_EVENTS_TRUNCATED = 152,
	DKR_RH_CONNECTED = 192,
	DKR_RH_INSPECT_FAILURES = 200, DKR_RH_PARSE_ERRORS = 208, DKR_RH_HEARTBEAT_NS = 216,
	DKR_RH_SOURCE_READ = 224, DKR_RH_SOURCE_TOTAL = 232, DKR_RH_FINISHED = 240,
};

typedef struct dkr_ring {
	uint8_t *base;          /* header + data (mapping or caller's memory) */
	size_t size;            /* bytes of base */
	int fd;                 /* memfd, -1 when attached to caller's memory */
	int owned_map;          /* base is our mmap */
	uint64_t capacity;      /* what we created or validated at attach */
	uint64_t read_pos;      /* our copy of the consumer position */
	uint64_t last_write;    /* highest write_pos seen (must never go back) */
	uint64_t events_read;
} dkr_ring;

typedef struct dkr_record {
	uint32_t kind;          /* 1 docker, 2 collector */
	uint64_t ts;
	const uint8_t *payload;
	uint32_t len;
} dkr_record;

/* Cursor over the records published between read_pos and one acquire-load of write_pos. */
typedef struct dkr_ring_cursor {
	uint64_t pos;
	uint64_t end;
	uint64_t count;
} dkr_ring_cursor;

uint64_t dkr_ring_max_payload(uint64_t capacity);

/* Creates an anonymous memory file of DKR_RING_HEADER_SIZE + capacity bytes with the header
 * initialised (version 2, header_size DKR_RING_HEADER_SIZE) and the resume area zero. */
int dkr_ring_create(dkr_ring *r, uint64_t capacity, char *err, size_t errlen);
/* Uses caller-owned memory that holds a ring image (tests) as if this consumer had created
 * it with `capacity`: read_pos is taken from the image, every check applies. */
int dkr_ring_attach(dkr_ring *r, void *mem, size_t size, uint64_t capacity, char *err,
                    size_t errlen);
void dkr_ring_destroy(dkr_ring *r);

/* Starts a cursor: validates the header and write_pos. -1 with "corrupt ring: ..." */
int dkr_ring_begin(dkr_ring *r, dkr_ring_cursor *c, char *err, size_t errlen);
/* Next record: 1 = *rec filled, 0 = none left, -1 corrupt. Payload points into the ring
 * and is valid until dkr_ring_commit. */
int dkr_ring_next(dkr_ring *r, dkr_ring_cursor *c, dkr_record *rec, char *err, size_t errlen);
/* Releases every record returned so far (read_pos store with release order). */
void dkr_ring_commit(dkr_ring *r, dkr_ring_cursor *c);

uint64_t dkr_ring_load(const dkr_ring *r, unsigned offset);
/* Bytes published and not yet consumed. */
uint64_t dkr_ring_used(const dkr_ring *r);

/* Waking the consumer (ring.md): sets consumer_waiting, then looks at write_pos once more
 * (both sequentially consistent). 1: records are there, do not sleep; 0: sleep until the
 * producer's wake-up (or a time-out). Either way, dkr_ring_wait_end before reading. */
int dkr_ring_wait_begin(dkr_ring *r);
void dkr_ring_wait_end(dkr_ring *r);

#endif
