// echo_load: what the event loop (echo_load.c) and the run/report side (echo_load_run.c) share,
// and the hot-path helpers, inline: the byte pattern, the latency histogram, the clock.
#ifndef ECHO_LOAD_H
#define ECHO_LOAD_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

struct options {
    const char *host, *json;
    int port, connections, size, depth, threads, hold, server_pid;
    int framed; // --framed: each message is a 4-byte big-endian length, then --size payload bytes
    double duration, warmup, connect_rate, connect_timeout;
    double bytes; // --bytes: the measured window ends once this many echoed bytes are back (0: off)
};

enum error_kind {
    ERR_REFUSED, ERR_CONNECT, ERR_CONNECT_TIMEOUT, ERR_SOCKET, ERR_EOF, ERR_RESET, ERR_RECV,
    ERR_SEND, ERR_MISMATCH, ERR_KINDS
};

// Only uint64_t fields: they are published and summed as an array.
struct counters {
    uint64_t round_trips, bytes, connected, connect_failed, open, errors, mismatches;
    uint64_t kinds[ERR_KINDS];
};

struct run_flags {
    int running, measuring, abort_connects;
};

struct report {
    double seconds;                  // length of the measured window (or of the hold)
    double client_cpu, server_cpu;   // CPU seconds in that window; server_cpu < 0: unknown
    double machine_cpu;              // busy CPU seconds of the whole machine in that window
    struct counters measured, final;
};

static inline int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); // vDSO: no system call with a TSC clock source
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// --- pattern: each connection's stream is a shared random table read from its own offset --------
//
// The table holds PATTERN_PERIOD random bytes (a prime), followed by a copy of its first
// PATTERN_CHUNK bytes so any chunk up to that length is contiguous: producing the stream is a
// memcpy, checking it a memcmp, and nothing sent is kept. Connection i starts at i * 7919 mod the
// period (distinct for every connection below the period), so bytes of another connection, or a
// lost, duplicated or reordered stretch, do not match — unless the shift is a multiple of 65,521.

#define PATTERN_PERIOD 65521u
#define PATTERN_CHUNK 65536u

extern uint8_t pattern_table[PATTERN_PERIOD + PATTERN_CHUNK];

struct pattern {
    uint32_t pos; // offset of the next byte in pattern_table
    uint32_t off; // --framed only: offset of the next byte in its message (0..3: the prefix)
};

static inline void pattern_table_init(void)
{
    uint64_t x = 0x9E3779B97F4A7C15ULL; // xorshift64*: any fixed non-zero seed
    for (uint32_t i = 0; i < PATTERN_PERIOD; i++) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        pattern_table[i] = (uint8_t)((x * 0x2545F4914F6CDD1DULL) >> 56);
    }
    // The tail is longer than the period: a forward copy makes it table[i mod period] throughout.
    for (uint32_t i = PATTERN_PERIOD; i < PATTERN_PERIOD + PATTERN_CHUNK; i++)
        pattern_table[i] = pattern_table[i - PATTERN_PERIOD];
}

static inline void pattern_init(struct pattern *p, uint64_t id)
{
    p->pos = (uint32_t)(id * 7919 % PATTERN_PERIOD);
}

static inline void pattern_advance(struct pattern *p, size_t n)
{
    p->pos = (uint32_t)((p->pos + n) % PATTERN_PERIOD);
}

static inline void pattern_fill(struct pattern *p, uint8_t *dst, size_t n)
{
    while (n > 0) {
        size_t chunk = n < PATTERN_CHUNK ? n : PATTERN_CHUNK;
        memcpy(dst, pattern_table + p->pos, chunk);
        pattern_advance(p, chunk);
        dst += chunk;
        n -= chunk;
    }
}

// Checks the next n bytes of the stream against src; returns how many differ.
static inline uint64_t pattern_verify(struct pattern *p, const uint8_t *src, size_t n)
{
    uint64_t bad = 0;
    while (n > 0) {
        size_t chunk = n < PATTERN_CHUNK ? n : PATTERN_CHUNK;
        const uint8_t *want = pattern_table + p->pos;
        if (memcmp(src, want, chunk) != 0)
            for (size_t i = 0; i < chunk; i++)
                bad += src[i] != want[i];
        pattern_advance(p, chunk);
        src += chunk;
        n -= chunk;
    }
    return bad;
}

static inline void pattern_skip(struct pattern *p, size_t n) { pattern_advance(p, n); }

// --- histogram: log-linear in ns, EchoLoad's layout (each value known within 1/128) ------------

#define HIST_SUB_BITS 7
#define HIST_MAG_BITS 40
#define HIST_BUCKETS ((HIST_MAG_BITS - HIST_SUB_BITS + 1) << HIST_SUB_BITS)

struct histogram {
    uint64_t count, max;
    double sum;
    uint64_t counts[HIST_BUCKETS];
};

static inline void histogram_init(struct histogram *h) { memset(h, 0, sizeof *h); }

static inline void histogram_record(struct histogram *h, int64_t ns)
{
    uint64_t v = ns < 0 ? 0 : (uint64_t)ns;
    if (v >= 1ULL << HIST_MAG_BITS)
        v = (1ULL << HIST_MAG_BITS) - 1;
    int msb = 63 - __builtin_clzll(v | 1);
    int shift = msb > HIST_SUB_BITS ? msb - HIST_SUB_BITS : 0;
    h->counts[(shift << HIST_SUB_BITS) + (int)(v >> shift)]++;
    h->count++;
    h->sum += (double)v;
    if (v > h->max)
        h->max = v;
}

void histogram_add(struct histogram *into, const struct histogram *h);
double histogram_percentile_us(const struct histogram *h, double percentile);

// --- echo_load_run.c ------------------------------------------------------------------------------

// Returns -1 to go on, or the exit status (0 for --help, 2 for bad usage).
int parse_options(int argc, char **argv, struct options *opt);
// Connect, warm up, measure (or hold), with a progress line per second; fills the report.
void run_phases(const struct options *opt, struct run_flags *flags, struct report *rep);
// Prints the summary (and writes --json); returns the exit status.
int print_report(const struct options *opt, const struct report *rep, const struct histogram *h);
// The first error of each kind is described on stderr; later ones are only counted.
void report_first_error(enum error_kind kind, int err);

// --- echo_load.c ----------------------------------------------------------------------------------

struct counters totals(void);

#endif
