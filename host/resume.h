/* Resume state across close/open (init_config collector.stateDir). Falco closes and reopens
 * every source on a hot reload; the new ring would start without resume points and the
 * collector without `since`, losing the events of the gap. So closing a live source saves
 * the ring's resume fields (header last_ts/last_hash, the resume area) to
 * <stateDir>/resume-<16 hex of FNV-1a 64 of the endpoint list>.bin, and opening the same
 * endpoints copies them into the fresh ring before the collector starts.
 *
 * File (little-endian, 4176 bytes): u64 magic "DKRRSUM1", u32 file version 1, u32 ring
 * version (contracts/ring.md), u64 key (the hash in the name), u64 reserved, then the ring
 * bytes 112..127 (last_ts, last_hash), then 256..4351 (the resume area), then a u64 FNV-1a
 * 64 of everything before it. A file that differs in any of these is ignored (warning). */
#ifndef DKR_RESUME_H
#define DKR_RESUME_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

/* The endpoint list as the resume key: the endpoints joined by ",". `out` gets the file
 * path (NULL when `dir` is NULL); -1 only when out of memory. */
int dkr_resume_path(const char *dir, const char *const *eps, size_t n, char **out,
                    uint64_t *key);

/* Copies a valid file's state into the ring image `ring` (the header + resume area of a
 * freshly created ring). 1 = loaded, 0 = no file / ignored (logged). Never fails. */
int dkr_resume_load(const char *path, uint64_t key, uint8_t *ring, const dkr_log *log);

/* Saves the ring's resume state atomically (temporary file + rename, 0600; the directory is
 * created 0700 if missing). Nothing is written when the ring has no resume point at all.
 * 1 = written, 0 = nothing to save, -1 = I/O failure (logged as a warning). */
int dkr_resume_save(const char *path, uint64_t key, const uint8_t *ring, const dkr_log *log);

#endif
