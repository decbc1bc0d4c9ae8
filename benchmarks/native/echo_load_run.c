// echo_load: the main thread's side — options, run phases and progress lines, CPU accounting,
// the summary and the JSON report (same keys as EchoLoad's, so the scripts read either).
#define _GNU_SOURCE
#include "echo_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

static const char usage[] =
    "usage: echo_load [--host 127.0.0.1] [--port 3267] [--connections 1] [--size 64] [--depth 1]\n"
    "                 [--duration 10] [--warmup 2] [--threads 1] [--connect-rate 10000]\n"
    "                 [--connect-timeout 10] [--server-pid PID] [--json FILE] [--hold] [--bytes N]\n"
    "                 [--framed]\n"
    "  --framed          each message starts with its own 4-byte big-endian length (--size, the\n"
    "                    payload's), for length-prefixed request/response servers; the echoed\n"
    "                    frame is checked byte for byte, prefix included\n"
    "  --bytes N         end the measured window once N echoed bytes are back (all connections\n"
    "                    together); --duration is then the limit, and missing it is a failure\n"
    "  --hold            open the connections and keep them idle for --duration seconds\n"
    "  --connect-rate R  connections opened per second (0: all at once)\n"
    "  --server-pid PID  also report that process's CPU time during the measured window\n";

static const char *const kind_names[ERR_KINDS] = {
    "connection refused", "connect failed", "connect timed out", "socket setup failed",
    "the server closed the connection", "connection reset", "recv failed", "send failed",
    "echoed bytes differ from what was sent",
};

static int number(const char *name, const char *v, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || d < min || d > max) {
        fprintf(stderr, "echo_load: %s wants a number in [%g, %g], not '%s'\n", name, min, max, v);
        return 0;
    }
    *out = d;
    return 1;
}

int parse_options(int argc, char **argv, struct options *o)
{
    *o = (struct options){.host = "127.0.0.1", .port = 3267, .connections = 1, .size = 64,
                          .depth = 1, .threads = 1, .duration = 10, .warmup = 2,
                          .connect_rate = 10000, .connect_timeout = 10};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            return 0;
        }
        if (!strcmp(a, "--hold")) {
            o->hold = 1;
            continue;
        }
        if (!strcmp(a, "--framed")) {
            o->framed = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "echo_load: %s: unknown option or missing value\n%s", a, usage);
            return 2;
        }
        const char *v = argv[++i];
        double d = 0;
        int ok = 1;
        if (!strcmp(a, "--host")) o->host = v;
        else if (!strcmp(a, "--json")) o->json = v;
        else if (!strcmp(a, "--port")) { ok = number(a, v, 1, 65535, &d); o->port = (int)d; }
        else if (!strcmp(a, "--connections")) { ok = number(a, v, 1, 1000000, &d); o->connections = (int)d; }
        else if (!strcmp(a, "--size")) { ok = number(a, v, 1, 64 << 20, &d); o->size = (int)d; }
        else if (!strcmp(a, "--depth")) { ok = number(a, v, 1, 1 << 16, &d); o->depth = (int)d; }
        else if (!strcmp(a, "--threads")) { ok = number(a, v, 1, 1024, &d); o->threads = (int)d; }
        else if (!strcmp(a, "--server-pid")) { ok = number(a, v, 1, 1 << 30, &d); o->server_pid = (int)d; }
        else if (!strcmp(a, "--duration")) ok = number(a, v, 0.1, 1e6, &o->duration);
        else if (!strcmp(a, "--warmup")) ok = number(a, v, 0, 1e6, &o->warmup);
        else if (!strcmp(a, "--connect-rate")) ok = number(a, v, 0, 1e9, &o->connect_rate);
        else if (!strcmp(a, "--connect-timeout")) ok = number(a, v, 0.1, 1e6, &o->connect_timeout);
        else if (!strcmp(a, "--bytes")) ok = number(a, v, 1, 1e15, &o->bytes);
        else {
            fprintf(stderr, "echo_load: unknown option %s\n%s", a, usage);
            return 2;
        }
        if (!ok)
            return 2;
    }
    if (o->threads > o->connections)
        o->threads = o->connections; // an idle thread would only cost a thread
    return -1;
}

void report_first_error(enum error_kind kind, int err)
{
    static int seen[ERR_KINDS];
    if (__atomic_exchange_n(&seen[kind], 1, __ATOMIC_RELAXED))
        return;
    if (err)
        fprintf(stderr, "echo_load: %s: %s (further ones are only counted)\n", kind_names[kind], strerror(err));
    else
        fprintf(stderr, "echo_load: %s (further ones are only counted)\n", kind_names[kind]);
}

static double seconds_since(int64_t t0) { return (double)(now_ns() - t0) / 1e9; }

static double client_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// utime + stime of every thread of the process, from /proc/PID/stat (fields 14 and 15, in clock
// ticks); the command name (field 2) may hold spaces and parentheses, so count from the last ')'.
static double process_cpu(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long long ut, st;
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

// Busy time of all CPUs (everything but idle and iowait) from the first line of /proc/stat: what
// neither the server nor this process used was used by someone else sharing the machine.
static double machine_cpu(void)
{
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return 0;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n != 8)
        return 0;
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

static double percent(double cpu, double seconds) { return seconds > 0.05 ? 100 * cpu / seconds : 0; }

static const char *grouped(uint64_t v, char *buf)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v), j = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[j++] = ',';
        buf[j++] = tmp[i];
    }
    buf[j] = 0;
    return buf;
}

static struct counters minus(struct counters a, struct counters b)
{
    uint64_t *x = (uint64_t *)&a, *y = (uint64_t *)&b;
    for (size_t i = 0; i < sizeof a / sizeof(uint64_t); i++)
        x[i] -= y[i];
    return a;
}

static struct counters last;
static double last_at;

static void progress(const char *phase, int64_t t0, int force)
{
    double now = seconds_since(t0);
    if (!force && now - last_at < 1)
        return;
    struct counters t = totals(), d = minus(t, last);
    double span = now - last_at;
    char b[32];
    printf("[%-7s %6.1fs] %12s rt/s %9.2f MB/s  open %6llu  errors %llu  mismatches %llu\n", phase, now,
           grouped((uint64_t)(d.round_trips / span), b), d.bytes / span / 1e6, (unsigned long long)t.open,
           (unsigned long long)t.errors, (unsigned long long)t.mismatches);
    fflush(stdout);
    last = t;
    last_at = now;
}

// Runs a phase for `seconds`, or until `goal` bytes have been echoed since `from` (goal 0: no goal).
static void phase(const char *name, double seconds, int64_t t0, uint64_t from, uint64_t goal)
{
    double end = seconds_since(t0) + seconds;
    for (double left; (left = end - seconds_since(t0)) > 0;) {
        if (goal && totals().bytes - from >= goal)
            break;
        double next = last_at + 1 - seconds_since(t0);
        double nap = left < next ? left : next;
        if (goal && nap > 0.002)
            nap = 0.002; // a byte goal ends the window within 2 ms of being reached
        if (nap > 0)
            usleep((useconds_t)(nap * 1e6) + 1);
        progress(name, t0, 0);
    }
}

void run_phases(const struct options *o, struct run_flags *flags, struct report *rep)
{
    int64_t t0 = now_ns();
    double pacing = o->connect_rate > 0 ? o->connections / o->connect_rate : 0;
    for (;;) {
        struct counters t = totals();
        if (t.connected + t.connect_failed >= (uint64_t)o->connections)
            break;
        if (!flags->abort_connects && seconds_since(t0) > pacing + o->connect_timeout)
            __atomic_store_n(&flags->abort_connects, 1, __ATOMIC_RELAXED);
        usleep(5000);
        progress("connect", t0, 0);
    }
    struct counters done = totals();
    printf("connected %llu of %d in %.2f s (%llu failed)\n", (unsigned long long)done.connected,
           o->connections, seconds_since(t0), (unsigned long long)done.connect_failed);
    fflush(stdout);
    int any = done.open > 0;
    if (!o->hold)
        phase("warmup", any ? o->warmup : 0, t0, 0, 0);
    struct counters before = totals();
    double machine0 = machine_cpu(), cpu0 = client_cpu(), server0 = o->server_pid ? process_cpu(o->server_pid) : -1;
    __atomic_store_n(&flags->measuring, 1, __ATOMIC_RELAXED);
    int64_t start = now_ns();
    phase(o->hold ? "hold" : "run", any || o->hold ? o->duration : 0, t0, before.bytes, o->hold ? 0 : (uint64_t)o->bytes);
    __atomic_store_n(&flags->measuring, 0, __ATOMIC_RELAXED);
    rep->seconds = seconds_since(start);
    rep->measured = minus(totals(), before);
    rep->client_cpu = client_cpu() - cpu0;
    rep->machine_cpu = machine_cpu() - machine0;
    double server1 = server0 >= 0 ? process_cpu(o->server_pid) : -1;
    rep->server_cpu = server0 >= 0 && server1 >= 0 ? server1 - server0 : -1;
}

void histogram_add(struct histogram *into, const struct histogram *h)
{
    for (int i = 0; i < HIST_BUCKETS; i++)
        into->counts[i] += h->counts[i];
    into->count += h->count;
    into->sum += h->sum;
    if (h->max > into->max)
        into->max = h->max;
}

// The value at or below which `percentile` % of the samples lie, in µs (the bucket's upper edge).
double histogram_percentile_us(const struct histogram *h, double percentile)
{
    if (h->count == 0)
        return 0;
    uint64_t rank = (uint64_t)(percentile / 100.0 * (double)h->count + 0.999999);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (int i = 0; i < HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t edge = (uint64_t)i;
            if (i >= 2 << HIST_SUB_BITS) {
                int shift = (i >> HIST_SUB_BITS) - 1;
                uint64_t m = (uint64_t)i - ((uint64_t)shift << HIST_SUB_BITS);
                edge = ((m + 1) << shift) - 1;
            }
            return (double)(edge < h->max ? edge : h->max) / 1000.0;
        }
    }
    return (double)h->max / 1000.0;
}

static void write_json(const struct options *o, const struct report *r, const struct histogram *h,
                       double rate, double mbs, int ok)
{
    FILE *f = fopen(o->json, "w");
    if (!f) {
        fprintf(stderr, "echo_load: cannot write %s: %s\n", o->json, strerror(errno));
        return;
    }
    fprintf(f, "{\n  \"target\": \"%s:%d\",\n  \"mode\": \"%s\",\n", o->host, o->port, o->hold ? "hold" : "echo");
    fprintf(f, "  \"connections\": %d,\n  \"size\": %d,\n  \"depth\": %d,\n  \"threads\": %d,\n  \"framed\": %s,\n",
            o->connections, o->size, o->depth, o->threads, o->framed ? "true" : "false");
    fprintf(f, "  \"warmupSeconds\": %g,\n  \"measuredSeconds\": %.3f,\n", o->hold ? 0 : o->warmup, r->seconds);
    fprintf(f, "  \"bytesEchoed\": %llu,\n", (unsigned long long)r->measured.bytes);
    fprintf(f, "  \"roundTrips\": %llu,\n  \"roundTripsPerSecond\": %.1f,\n  \"megabytesPerSecond\": %.3f,\n",
            (unsigned long long)r->measured.round_trips, rate, mbs);
    fprintf(f, "  \"latencyMicroseconds\": {\n    \"p50\": %.1f,\n    \"p90\": %.1f,\n    \"p99\": %.1f,\n"
               "    \"p999\": %.1f,\n    \"max\": %.1f,\n    \"mean\": %.1f\n  },\n",
            histogram_percentile_us(h, 50), histogram_percentile_us(h, 90), histogram_percentile_us(h, 99),
            histogram_percentile_us(h, 99.9), h->max / 1000.0, h->count ? h->sum / h->count / 1000.0 : 0);
    fprintf(f, "  \"connectionsEstablished\": %llu,\n  \"connectionsFailed\": %llu,\n  \"connectionsOpenAtEnd\": %llu,\n",
            (unsigned long long)r->final.connected, (unsigned long long)r->final.connect_failed,
            (unsigned long long)r->final.open);
    fprintf(f, "  \"errors\": %llu,\n  \"errorKinds\": {", (unsigned long long)r->final.errors);
    const char *sep = "";
    for (int k = 0; k < ERR_KINDS; k++)
        if (r->final.kinds[k]) {
            fprintf(f, "%s\n    \"%s\": %llu", sep, kind_names[k], (unsigned long long)r->final.kinds[k]);
            sep = ",";
        }
    fprintf(f, "%s},\n  \"mismatches\": %llu,\n", *sep ? "\n  " : "", (unsigned long long)r->final.mismatches);
    fprintf(f, "  \"clientCpuSeconds\": %.3f,\n  \"machineCpuSeconds\": %.3f,\n", r->client_cpu, r->machine_cpu);
    if (r->server_cpu >= 0)
        fprintf(f, "  \"serverCpuSeconds\": %.3f,\n  \"serverCpuPercent\": %.1f,\n", r->server_cpu,
                percent(r->server_cpu, r->seconds));
    fprintf(f, "  \"ok\": %s\n}\n", ok ? "true" : "false");
    fclose(f);
}

int print_report(const struct options *o, const struct report *r, const struct histogram *h)
{
    const struct counters *m = &r->measured, *fin = &r->final;
    double rate = r->seconds > 0 ? m->round_trips / r->seconds : 0;
    double mbs = r->seconds > 0 ? m->bytes / r->seconds / 1e6 : 0;
    int short_of_goal = !o->hold && o->bytes > 0 && (double)m->bytes < o->bytes;
    int ok = o->hold ? fin->connected == (uint64_t)o->connections && fin->open == fin->connected
                     : fin->mismatches == 0 && m->round_trips > 0 && !short_of_goal;
    char b1[32], b2[32];
    printf("\ntarget        %s:%d\n", o->host, o->port);
    if (o->hold)
        printf("load          %d idle connections held %.2f s, %d thread(s)\n", o->connections, r->seconds, o->threads);
    else
        printf("load          %d connections x %d B%s x depth %d, %d thread(s), %.2f s measured after %.1f s warmup\n",
               o->connections, o->size, o->framed ? " (+4 B length prefix)" : "", o->depth, o->threads,
               r->seconds, o->warmup);
    printf("connections   %llu established, %llu failed, %llu open at the end\n", (unsigned long long)fin->connected,
           (unsigned long long)fin->connect_failed, (unsigned long long)fin->open);
    if (!o->hold) {
        printf("round trips   %s (%s/s)\n", grouped(m->round_trips, b1), grouped((uint64_t)(rate + 0.5), b2));
        printf("throughput    %.2f MB/s echoed (%llu bytes)\n", mbs, (unsigned long long)m->bytes);
        printf("latency (µs)  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f\n",
               histogram_percentile_us(h, 50), histogram_percentile_us(h, 90), histogram_percentile_us(h, 99),
               histogram_percentile_us(h, 99.9), h->max / 1000.0, h->count ? h->sum / h->count / 1000.0 : 0);
    }
    printf("errors        %llu", (unsigned long long)fin->errors);
    const char *sep = ": ";
    for (int k = 0; k < ERR_KINDS; k++)
        if (fin->kinds[k]) {
            printf("%s%llu %s", sep, (unsigned long long)fin->kinds[k], kind_names[k]);
            sep = ", ";
        }
    printf("\nmismatches    %llu\n", (unsigned long long)fin->mismatches);
    printf("client CPU    %.2f s (%.0f %% of one core)\n", r->client_cpu, percent(r->client_cpu, r->seconds));
    if (r->server_cpu >= 0) {
        printf("server CPU    %.2f s (%.0f %% of one core)", r->server_cpu, percent(r->server_cpu, r->seconds));
        if (!o->hold && r->server_cpu > 0)
            printf(", %s round trips per CPU-second", grouped((uint64_t)(m->round_trips / r->server_cpu), b1));
        printf("\n");
    }
    printf("machine CPU   %.2f s busy (%ld CPUs)\n", r->machine_cpu, sysconf(_SC_NPROCESSORS_ONLN));
    if (!ok)
        printf(o->hold ? "FAILED: not every connection was established and held\n"
               : fin->mismatches != 0 ? "FAILED: echoed bytes did not match what was sent\n"
               : short_of_goal        ? "FAILED: --bytes were not echoed within --duration\n"
                                      : "FAILED: no round trip completed in the measured window\n");
    if (o->json)
        write_json(o, r, h, rate, mbs, ok);
    return ok ? 0 : 1;
}
