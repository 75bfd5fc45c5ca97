/* A controllable stand-in for the collector (contracts/collector-cli.md), used only by the
 * harness to test supervision paths the real collector cannot be made to take on demand:
 * a crash (restart + resume), a hang (alive, SIGTERM ignored, heartbeat stopped; restart +
 * resume) and a permanent misconfiguration (exit 2). It replays the file:// endpoints into
 * the ring of --ring-fd like the real one does.
 *   DKR_FAKE_MODE=ok | crash-once:<marker file> | hang-once:<marker file> | exit2 |
 *   exit2-later | stall | silent | later:<ms> | live:<dump file> (environment). later publishes
 *   the first line of the first recording <ms> after its start, then stays quiet until SIGTERM. live stands in for a live
 *   daemon (the first endpoint): it writes the ring's header and resume area as it found them
 *   to <dump file>, publishes $DKR_FAKE_EVENTS (default 1) events, the first one ns after the
 *   resume point it found (or at 1700000000000000000), the next one ns apart, each with the
 *   header's last_ts/last_hash and the endpoint's resume entry updated as contracts/ring.md
 *   says, creates <dump file>.done, then waits for SIGTERM (exit 0, as the real one).
 *   Like the real collector, every mode writes the ring's heartbeat_ns once it has mapped the
 *   ring (the host's start handshake) and then while it runs, except: exit2 (fails before,
 *   like a bad argument), silent (never writes one), hang-once (stops writing when it hangs).
 *   exit2-later exits 2 after its first heartbeat. die-after-start:<marker>: the first
 *   incarnation starts (heartbeat) and crashes; later ones (marker exists) print an
 *   unprefixed "Error: ..." line and exit 1 before their heartbeat. quit-once:<marker>: a replay
 *   whose first incarnation exits 0 after 3 events (as on SIGTERM), before the end. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"

static volatile sig_atomic_t g_stop;
static void on_term(int sig) { (void)sig; g_stop = 1; }

static uint64_t ld(uint8_t *b, unsigned off) { return __atomic_load_n((uint64_t *)(b + off), __ATOMIC_ACQUIRE); }
static void st(uint8_t *b, unsigned off, uint64_t v) { __atomic_store_n((uint64_t *)(b + off), v, __ATOMIC_RELEASE); }

/* --wake-fd: written to after a publication that finds the consumer waiting (ring.md). */
static int g_wake = -1;

static void wake_if_waiting(uint8_t *b)
{
	if (g_wake < 0 || __atomic_load_n((uint64_t *)(b + DKR_RH_CONSUMER_WAITING), __ATOMIC_SEQ_CST) == 0)
		return;
	uint64_t one = 1;
	if (write(g_wake, &one, sizeof(one)) < 0) {
		/* a full pipe or a closed fd: nothing to do */
	}
}

static uint64_t wall_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static uint64_t ts_of(const char *line)
{
	const char *p = strstr(line, "\"timeNano\":");
	return p ? strtoull(p + 11, NULL, 10) : 0;
}

static void beat(uint8_t *b)
{
	st(b, DKR_RH_HEARTBEAT_NS, wall_ns());
}

static int publish(uint8_t *b, const char *payload, uint32_t len, uint64_t ts)
{
	uint64_t cap = ld(b, DKR_RH_CAPACITY);
	uint8_t *data = b + DKR_RING_HEADER_SIZE;
	uint64_t rs = DKR_RING_RECORD_HEADER + ((len + 7u) & ~7u);
	for (;;) {
		uint64_t w = ld(b, DKR_RH_WRITE_POS), r = ld(b, DKR_RH_READ_POS);
		uint64_t off = w % cap, skip = cap - off < rs ? cap - off : 0;
		if (cap - (w - r) >= skip + rs) {
			if (skip) {
				uint32_t m = DKR_RING_WRAP;
				memcpy(data + off, &m, 4);
				off = 0;
			}
			uint32_t kind = 1;
			memcpy(data + off, &len, 4);
			memcpy(data + off + 4, &kind, 4);
			memcpy(data + off + 8, &ts, 8);
			memcpy(data + off + 16, payload, len);
			memset(data + off + 16 + len, 0, rs - 16 - len);
			__atomic_store_n((uint64_t *)(b + DKR_RH_WRITE_POS), w + skip + rs, __ATOMIC_SEQ_CST);
			wake_if_waiting(b);
			st(b, DKR_RH_EVENTS_WRITTEN, ld(b, DKR_RH_EVENTS_WRITTEN) + 1);
			st(b, DKR_RH_LAST_TS, ts);
			return 0;
		}
		if (g_stop)
			return -1;
		beat(b);
		usleep(1000);
	}
}

int main(int argc, char **argv)
{
	signal(SIGTERM, on_term);
	const char *mode = getenv("DKR_FAKE_MODE");
	mode = mode ? mode : "ok";
	int fd = -1;
	const char *eps[16];
	int neps = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ring-fd") == 0 && i + 1 < argc)
			fd = atoi(argv[++i]);
		else if (strcmp(argv[i], "--wake-fd") == 0 && i + 1 < argc)
			g_wake = atoi(argv[++i]);
		else if (strcmp(argv[i], "--endpoint") == 0 && i + 1 < argc && neps < 16)
			eps[neps++] = argv[++i];
	}
	if (strcmp(mode, "exit2") == 0) {
		fprintf(stderr, "info starting\nerror fake misconfiguration: cannot use endpoint %s\n",
		        neps ? eps[0] : "(none)");
		return 2;
	}
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		fprintf(stderr, "error no ring fd\n");
		return 2;
	}
	uint8_t *b = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (b == MAP_FAILED) {
		fprintf(stderr, "error cannot map the ring\n");
		return 2;
	}
	/* The host must create the version 2 layout (contracts/ring.md): header_size covers the
	 * header and the resume area, which starts zeroed; replays never write it. */
	uint32_t version, hsize;
	memcpy(&version, b + DKR_RH_VERSION, 4);
	memcpy(&hsize, b + DKR_RH_HEADER_SIZE, 4);
	if (ld(b, DKR_RH_MAGIC) != DKR_RING_MAGIC || version != DKR_RING_VERSION ||
	    hsize != DKR_RING_HEADER_SIZE ||
	    (uint64_t)sb.st_size != hsize + ld(b, DKR_RH_CAPACITY)) {
		fprintf(stderr, "error corrupt ring: version %u, header_size %u, %lld bytes\n", version,
		        hsize, (long long)sb.st_size);
		return 2;
	}
	int live = strncmp(mode, "live:", 5) == 0;
	for (unsigned i = DKR_RING_RESUME_AT; !live && i < DKR_RING_HEADER_SIZE; i++) {
		if (b[i] != 0) {
			fprintf(stderr, "error corrupt ring: resume area byte %u is not zero\n", i);
			return 2;
		}
	}
	fprintf(stderr, "info fake collector up, %d endpoint(s)\n", neps);
	if (strcmp(mode, "silent") == 0) {
		while (!g_stop)
			usleep(10000);
		return 0;
	}
	if (strncmp(mode, "die-after-start:", 16) == 0 && access(mode + 16, F_OK) == 0) {
		fprintf(stderr, "Error: fake collector cannot start any more\n    at nowhere\n");
		return 1;
	}
	beat(b); /* started: arguments and ring accepted */
	if (strncmp(mode, "die-after-start:", 16) == 0) {
		FILE *m = fopen(mode + 16, "w");
		if (m)
			fclose(m);
		fprintf(stderr, "warn fake collector crashing after its start\n");
		abort();
	}
	int quit = 0;
	if (strncmp(mode, "quit-once:", 10) == 0 && access(mode + 10, F_OK) != 0) {
		FILE *m = fopen(mode + 10, "w");
		if (m)
			fclose(m);
		quit = 1;
	}
	if (strcmp(mode, "exit2-later") == 0) {
		fprintf(stderr, "error fake misconfiguration found later\n");
		return 2;
	}
	int crash = 0, hang = 0, hang_mode = strncmp(mode, "hang-once:", 10) == 0;
	if (strncmp(mode, "crash-once:", 11) == 0 && access(mode + 11, F_OK) != 0) {
		FILE *m = fopen(mode + 11, "w");
		if (m)
			fclose(m);
		crash = 1;
	}
	if (hang_mode && access(mode + 10, F_OK) != 0) {
		FILE *m = fopen(mode + 10, "w");
		if (m)
			fclose(m);
		hang = 1;
	}
	if (strcmp(mode, "fill") == 0) {
		/* Benchmark: publish the first event of the recording until the ring is full. */
		FILE *f = neps && !strncmp(eps[0], "file://", 7) ? fopen(eps[0] + 7, "r") : NULL;
		char *line = NULL;
		size_t lcap = 0;
		ssize_t l = f ? getline(&line, &lcap, f) : -1;
		while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == '\r'))
			line[--l] = '\0';
		uint64_t cap = ld(b, DKR_RH_CAPACITY), rs = DKR_RING_RECORD_HEADER + (((uint64_t)l + 7) & ~7ull);
		while (l > 0 && cap - (ld(b, DKR_RH_WRITE_POS) - ld(b, DKR_RH_READ_POS)) >= 2 * rs)
			publish(b, line, (uint32_t)l, ts_of(line));
		free(line);
		if (f)
			fclose(f);
		st(b, DKR_RH_FINISHED, 1);
		return 0;
	}
	if (live) {
		FILE *d = fopen(mode + 5, "wb");
		int dumped = d && fwrite(b, 1, DKR_RING_HEADER_SIZE, d) == DKR_RING_HEADER_SIZE;
		if (d == NULL || fclose(d) != 0 || !dumped) {
			fprintf(stderr, "error cannot write %s\n", mode + 5);
			return 2;
		}
		const char *ep = neps ? eps[0] : "";
		uint64_t key = dkr_fnv1a64(ep, strlen(ep));
		key = key ? key : 1;
		uint8_t *e = b + DKR_RING_RESUME_AT;
		uint64_t ts = ld(e, 0) == key && ld(e, 8) ? ld(e, 8) : ld(b, DKR_RH_LAST_TS);
		ts = ts ? ts + 1 : 1700000000000000000ull;
		const char *ne = getenv("DKR_FAKE_EVENTS");
		int count = ne ? atoi(ne) : 1;
		for (int k = 0; k < count; k++, ts++) {
			char payload[256];
			int l = snprintf(payload, sizeof(payload), "{\"Type\":\"container\",\"Action\":"
			                 "\"create\",\"Actor\":{\"ID\":\"fake\",\"Attributes\":{}},"
			                 "\"scope\":\"local\",\"time\":%llu,\"timeNano\":%llu}",
			                 (unsigned long long)(ts / 1000000000ull), (unsigned long long)ts);
			publish(b, payload, (uint32_t)l, ts);
			uint64_t hash = dkr_fnv1a64(payload, (size_t)l);
			st(b, DKR_RH_LAST_HASH, hash);
			st(e, 24, ld(e, 24) + 1);
			st(e, 0, key);
			st(e, 8, ts);
			st(e, 16, hash);
			st(e, 24, ld(e, 24) + 1);
		}
		ts--;
		char done[1100];
		snprintf(done, sizeof(done), "%s.done", mode + 5);
		FILE *df = fopen(done, "w");
		if (df)
			fclose(df);
		fprintf(stderr, "info fake live daemon: published %llu\n", (unsigned long long)ts);
		while (!g_stop) {
			beat(b);
			usleep(10000);
		}
		return 0;
	}
	if (strncmp(mode, "later:", 6) == 0) {
		/* One event, <ms> after the start (the first line of the first recording), then quiet. */
		uint64_t until = wall_ns() + strtoull(mode + 6, NULL, 10) * 1000000ull;
		while (!g_stop && wall_ns() < until) {
			beat(b);
			usleep(10000);
		}
		FILE *f = neps > 0 && strncmp(eps[0], "file://", 7) == 0 ? fopen(eps[0] + 7, "r") : NULL;
		char *line = NULL;
		size_t lcap = 0;
		ssize_t l = f ? getline(&line, &lcap, f) : -1;
		while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == '\r'))
			line[--l] = '\0';
		if (l > 0)
			publish(b, line, (uint32_t)l, ts_of(line));
		free(line);
		if (f)
			fclose(f);
		while (!g_stop) {
			beat(b);
			usleep(100000);
		}
		return 0;
	}
	if (strcmp(mode, "stall") == 0) {
		while (!g_stop) {
			beat(b);
			usleep(10000);
		}
		return 0;
	}
	/* Resume: skip what a previous incarnation already published. */
	uint64_t skip = ld(b, DKR_RH_EVENTS_WRITTEN), n = 0, total = 0, done = 0;
	for (int e = 0; e < neps; e++) {
		struct stat fs;
		if (strncmp(eps[e], "file://", 7) == 0 && stat(eps[e] + 7, &fs) == 0)
			total += (uint64_t)fs.st_size;
	}
	st(b, DKR_RH_SOURCE_TOTAL, total);
	for (int e = 0; e < neps && !g_stop; e++) {
		FILE *f = strncmp(eps[e], "file://", 7) == 0 ? fopen(eps[e] + 7, "r") : NULL;
		if (f == NULL) {
			fprintf(stderr, "error cannot read %s\n", eps[e]);
			return 2;
		}
		char *line = NULL;
		size_t cap = 0;
		ssize_t l;
		while (!g_stop && (l = getline(&line, &cap, f)) > 0) {
			done += (uint64_t)l;
			while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == '\r'))
				line[--l] = '\0';
			if (l == 0 || line[0] != '{' || line[l - 1] != '}')
				continue; /* not an event (the real collector parses; this is enough here) */
			if (n++ < skip)
				continue;
			if (publish(b, line, (uint32_t)l, ts_of(line)) != 0)
				break;
			st(b, DKR_RH_SOURCE_READ, done);
			beat(b);
			if (quit && n == 3) {
				fprintf(stderr, "info stopping early on purpose (exit 0)\n");
				return 0;
			}
			if (crash && n == 3) {
				fprintf(stderr, "warn fake collector crashing on purpose\n");
				abort();
			}
			if (hang && n == 3) {
				fprintf(stderr, "warn fake collector hanging on purpose\n");
				signal(SIGTERM, SIG_IGN);
				for (;;)
					pause();
			}
		}
		free(line);
		fclose(f);
	}
	st(b, DKR_RH_SOURCE_READ, total);
	st(b, DKR_RH_FINISHED, 1);
	fprintf(stderr, "info replay finished\n");
	return 0;
}
