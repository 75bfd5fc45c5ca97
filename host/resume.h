/* Resume state across close/open (init_config collector.stateDir). Falco closes and reopens
 * every source on a hot reload. To deliver every event exactly once across that, closing a live
 * source stops the collector, then saves
 *   - the producer's resume points (ring header last_ts/last_hash, the resume area): where each
 *     daemon's stream stopped being published, and
 *   - every record published but not delivered: the events of the last batch that Falco never
 *     looked at (it drops the rest of a batch when it restarts) and the ring between read_pos
 *     and write_pos,
 * to <stateDir>/resume-<16 hex of FNV-1a 64 of the endpoint list>.bin. Opening the same
 * endpoints writes those records into the new ring as its first producer (they are delivered
 * first), restores the resume points, and only then starts the collector, which resumes each
 * daemon after its point.
 *
 * File version 2 (little-endian): u64 magic "DKRRSUM1", u32 file version 2, u32 ring version
 * (contracts/ring.md), u64 key (the hash in the name), u64 capacity of the ring saved, u64
 * record count, u64 record bytes R, u64 last_ts, u64 last_hash, the 4096-byte resume area, R
 * bytes of records laid out as in the ring (u32 length, u32 kind, u64 ts, payload, zero padding
 * to 8; no wrap markers), then the SHA-256 of everything before it. Version 1 (4176 bytes:
 * header, last_ts/last_hash, resume area, FNV-1a 64; no records) is still read. A file that
 * differs in anything is ignored with a warning. */
#ifndef DKR_RESUME_H
#define DKR_RESUME_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "ring.h"

/* A record to save that is no longer in the ring (an undelivered event of the last batch). */
typedef struct dkr_resume_record {
	uint32_t kind;
	uint64_t ts;
	const uint8_t *payload;
	uint32_t len;
} dkr_resume_record;

/* A file read and checked, not yet applied. */
typedef struct dkr_resume_state {
	uint8_t points[16 + DKR_RING_RESUME_ENTRIES * DKR_RING_RESUME_ENTRY_SIZE];
	uint64_t capacity;      /* of the ring it was saved from (0 for version 1) */
	uint64_t count;         /* records */
	uint8_t *records;       /* owned, `bytes` long */
	uint64_t bytes;
} dkr_resume_state;

/* The endpoint list as the resume key: the endpoints joined by ",". `out` gets the file
 * path (NULL when `dir` is NULL); -1 only when out of memory. */
int dkr_resume_path(const char *dir, const char *const *eps, size_t n, char **out,
                    uint64_t *key);

/* Reads and checks the file. 1 = *st filled (free with dkr_resume_state_free), 0 = no file or
 * ignored (logged). Never fails. */
int dkr_resume_read(const char *path, uint64_t key, dkr_resume_state *st, const dkr_log *log);
/* The capacity a new ring needs to hold the saved records: at least `configured`. */
uint64_t dkr_resume_capacity(const dkr_resume_state *st, uint64_t configured);
/* Writes the state into a freshly created ring that no collector has seen yet: the records at
 * data offset 0 (write_pos, events_written), last_ts/last_hash and the resume area. */
void dkr_resume_apply(const dkr_resume_state *st, dkr_ring *r, const dkr_log *log,
                      const char *path);
void dkr_resume_state_free(dkr_resume_state *st);

/* Saves the state of a ring whose collector has stopped: `pending` (records already taken out
 * of the ring but not delivered, in order) then the ring's unread records, and its resume
 * points; atomically (temporary file, fsync, rename; 0600; the directory is created 0700 if
 * missing). Nothing is written when there is neither a resume point nor a record.
 * 1 = written, 0 = nothing to save, -1 = failure (logged as a warning). */
int dkr_resume_save(const char *path, uint64_t key, dkr_ring *r, const dkr_resume_record *pending,
                    size_t npending, const dkr_log *log);

#endif
