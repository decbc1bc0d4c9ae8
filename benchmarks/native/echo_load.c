// echo_load: a lean epoll load generator for echo servers (the neutral client of compare.sh).
//
// Each thread owns an epoll instance and a share of the connections. A connection keeps DEPTH
// messages of SIZE bytes in flight, checks every echoed byte against its own pseudo-random stream
// (a shared random table read from a per-connection offset, so nothing sent is kept),
// and times each message from the moment it is queued until its last byte is back. Per round trip
// the hot path costs one recv, one send and a share of one epoll_wait: sockets are registered
// once, edge-triggered for input and output, and never modified.
//
// --framed puts a 4-byte big-endian length (of the --size payload) before each message, so a
// length-prefixed request/response server that echoes each frame is checked byte for byte too.
//
// --hold opens the connections and keeps them open, idle, for --duration seconds (RSS at C10K).
// Exit status: 0 ok, 1 a mismatch or no round trip (hold: a connection failed), 2 bad usage.
#define _GNU_SOURCE
#include "echo_load.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 512
#define RECV_BUFFER (64 * 1024)
#define SEND_BUFFER (64 * 1024)
#define MAX_CONNECT_ATTEMPTS 6

enum state { IDLE, CONNECTING, OPEN, RETRY, CLOSED };

struct conn {
    int fd;
    uint8_t state;
    uint8_t attempts;
    struct pattern tx, rx;          // what to send next; what must come back next
    uint64_t unsent;                // bytes of queued messages the kernel has not taken yet
    uint32_t received_of_oldest;    // bytes of the oldest outstanding message already back
    uint32_t in_flight, oldest, next;
    int64_t retry_at;
};

struct worker {
    pthread_t thread;
    int index, epfd, count;         // connections index, index + threads, ... are this worker's
    struct conn *conns;
    int64_t *queued_at;             // count x depth send times (a ring per connection)
    uint8_t *rbuf, *sbuf;
    int started, retries_pending;
    struct counters local;          // written by the worker only
    struct counters shared;         // the same, published once per batch for the main thread
    struct histogram hist;
    struct epoll_event events[MAX_EVENTS];
};

static struct options opt;
static struct sockaddr_in target;
static struct run_flags flags;
static struct worker *workers;
static uint32_t message_bytes;      // one message on the wire: --size, plus 4 with --framed
static uint8_t frame_prefix[4];     // --framed: --size, big-endian
uint8_t pattern_table[PATTERN_PERIOD + PATTERN_CHUNK];

// --- the stream of one direction: the pattern, or with --framed the pattern cut into frames -----
// Each step stays inside one part of a frame (its prefix or its payload); a plain stream is one
// pattern step, so --framed costs the plain mode nothing.

static size_t stream_step(struct pattern *p, size_t n, const uint8_t **prefix)
{
    *prefix = NULL;
    if (!opt.framed)
        return n;
    size_t left;
    if (p->off < sizeof frame_prefix) {
        *prefix = frame_prefix + p->off;
        left = sizeof frame_prefix - p->off;
    } else {
        left = message_bytes - p->off;
    }
    size_t k = n < left ? n : left;
    p->off = p->off + (uint32_t)k == message_bytes ? 0 : p->off + (uint32_t)k;
    return k;
}

static void stream_fill(struct pattern *p, uint8_t *dst, size_t n)
{
    while (n > 0) {
        const uint8_t *prefix;
        size_t k = stream_step(p, n, &prefix);
        if (prefix)
            memcpy(dst, prefix, k);
        else
            pattern_fill(p, dst, k);
        dst += k;
        n -= k;
    }
}

static uint64_t stream_verify(struct pattern *p, const uint8_t *src, size_t n)
{
    uint64_t bad = 0;
    while (n > 0) {
        const uint8_t *prefix;
        size_t k = stream_step(p, n, &prefix);
        if (prefix) {
            for (size_t i = 0; i < k; i++)
                bad += src[i] != prefix[i];
        } else {
            bad += pattern_verify(p, src, k);
        }
        src += k;
        n -= k;
    }
    return bad;
}

static void stream_skip(struct pattern *p, size_t n)
{
    while (n > 0) {
        const uint8_t *prefix;
        size_t k = stream_step(p, n, &prefix);
        if (!prefix)
            pattern_skip(p, k);
        n -= k;
    }
}

static void publish(struct worker *w)
{
    // One writer per field: a relaxed store (a plain mov) is enough for the main thread's reads.
    uint64_t *src = (uint64_t *)&w->local, *dst = (uint64_t *)&w->shared;
    for (size_t i = 0; i < sizeof(struct counters) / sizeof(uint64_t); i++)
        __atomic_store_n(&dst[i], src[i], __ATOMIC_RELAXED);
}

static void fail(struct worker *w, struct conn *c, enum error_kind kind, int err)
{
    if (c->state == CONNECTING || c->state == IDLE || c->state == RETRY)
        w->local.connect_failed++;
    if (c->state == OPEN)
        w->local.open--;
    // Connections torn down while the run stops are not errors; failed connects always are.
    if (__atomic_load_n(&flags.running, __ATOMIC_RELAXED) || c->state != OPEN) {
        w->local.errors++;
        w->local.kinds[kind]++;
        report_first_error(kind, err);
    }
    if (c->fd >= 0)
        close(c->fd); // the last reference to the socket: the kernel drops it from the epoll set
    c->fd = -1;
    c->state = CLOSED;
}

static void flush(struct worker *w, struct conn *c)
{
    while (c->unsent > 0) {
        size_t len = c->unsent < SEND_BUFFER ? (size_t)c->unsent : SEND_BUFFER;
        // Generate from a copy of the stream and commit only what the kernel took.
        struct pattern ahead = c->tx;
        stream_fill(&ahead, w->sbuf, len);
        ssize_t n = send(c->fd, w->sbuf, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                fail(w, c, ERR_SEND, errno);
            return; // full: the kernel marked the socket, its next EPOLLOUT edge resumes us
        }
        if ((size_t)n == len)
            c->tx = ahead;
        else
            stream_skip(&c->tx, (size_t)n);
        c->unsent -= (uint64_t)n;
        if ((size_t)n < len)
            return;
    }
}

static void queue(struct worker *w, struct conn *c, uint32_t messages, int64_t now)
{
    int64_t *ring = w->queued_at + (size_t)(c - w->conns) * (size_t)opt.depth;
    for (uint32_t i = 0; i < messages; i++) {
        ring[c->next] = now;
        c->next = c->next + 1 == (uint32_t)opt.depth ? 0 : c->next + 1;
    }
    c->in_flight += messages;
    c->unsent += (uint64_t)messages * message_bytes;
}

static void opened(struct worker *w, struct conn *c)
{
    c->state = OPEN;
    w->local.connected++;
    w->local.open++;
    if (!opt.hold && __atomic_load_n(&flags.running, __ATOMIC_RELAXED)) {
        queue(w, c, (uint32_t)opt.depth, now_ns());
        flush(w, c);
    }
}

static void start_connect(struct worker *w, struct conn *c, int64_t now)
{
    c->attempts++;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        fail(w, c, ERR_SOCKET, errno);
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int r = connect(c->fd, (struct sockaddr *)&target, sizeof target);
    int err = r == 0 ? 0 : errno;
    if (err != 0 && err != EINPROGRESS) {
        // A full accept queue (with tcp_abort_on_overflow) or a server not yet listening
        // refuses; no free local port says EAGAIN. Both are worth a bounded, backed-off retry.
        if ((err == ECONNREFUSED || err == EAGAIN) && c->attempts < MAX_CONNECT_ATTEMPTS) {
            close(c->fd);
            c->fd = -1;
            c->state = RETRY;
            c->retry_at = now + (50 * 1000000LL << c->attempts);
            w->retries_pending++;
        } else {
            fail(w, c, err == ECONNREFUSED ? ERR_REFUSED : ERR_CONNECT, err);
        }
        return;
    }
    // Edge-triggered in and out, registered once: EPOLLOUT fires when the handshake completes
    // and later only when a full send buffer drains, so no epoll_ctl per message is needed.
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                             .data.u32 = (uint32_t)(c - w->conns)};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        fail(w, c, ERR_SOCKET, errno);
        return;
    }
    c->state = CONNECTING;
    if (r == 0)
        opened(w, c);
}

static void complete_connect(struct worker *w, struct conn *c, int64_t now)
{
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err == 0) {
        opened(w, c);
    } else if (err == ECONNREFUSED && c->attempts < MAX_CONNECT_ATTEMPTS) {
        close(c->fd);
        c->fd = -1;
        c->state = RETRY;
        c->retry_at = now + (50 * 1000000LL << c->attempts);
        w->retries_pending++;
    } else {
        fail(w, c, err == ECONNREFUSED ? ERR_REFUSED : ERR_CONNECT, err);
    }
}

// Reads what is there, checks it, completes messages and sends their successors in one send.
static void receive(struct worker *w, struct conn *c, uint32_t events, int measuring)
{
    uint32_t completed = 0;
    int64_t now = 0;
    for (;;) {
        ssize_t n = recv(c->fd, w->rbuf, RECV_BUFFER, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                break;
            fail(w, c, errno == ECONNRESET ? ERR_RESET : ERR_RECV, errno);
            return;
        }
        if (n == 0) {
            fail(w, c, ERR_EOF, 0);
            return;
        }
        uint64_t bad = stream_verify(&c->rx, w->rbuf, (size_t)n);
        if (bad != 0) {
            w->local.mismatches += bad;
            fail(w, c, ERR_MISMATCH, 0);
            return;
        }
        w->local.bytes += (uint64_t)n;
        now = now_ns();
        c->received_of_oldest += (uint32_t)n;
        int64_t *ring = w->queued_at + (size_t)(c - w->conns) * (size_t)opt.depth;
        while (c->received_of_oldest >= message_bytes && c->in_flight > 0) {
            c->received_of_oldest -= message_bytes;
            if (measuring)
                histogram_record(&w->hist, now - ring[c->oldest]);
            c->oldest = c->oldest + 1 == (uint32_t)opt.depth ? 0 : c->oldest + 1;
            c->in_flight--;
            completed++;
        }
        // A short read drained the socket: data arriving later is a new edge, so no recv that
        // would only say EAGAIN. A hang-up must still be read through to see the EOF.
        if (n < RECV_BUFFER && !(events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
            break;
    }
    w->local.round_trips += completed;
    if (completed > 0 && __atomic_load_n(&flags.running, __ATOMIC_RELAXED)) {
        queue(w, c, completed, now);
        flush(w, c);
    }
}

// Starts the connects that are due: this worker's share of --connect-rate, and due retries.
static void connect_due(struct worker *w, int64_t now, int64_t t0)
{
    int due = w->count;
    if (opt.connect_rate > 0) {
        double share = opt.connect_rate / opt.threads;
        double d = 1 + (double)(now - t0) / 1e9 * share;
        if (d < due)
            due = (int)d;
    }
    for (; w->started < due; w->started++)
        start_connect(w, &w->conns[w->started], now);
    if (w->retries_pending > 0) {
        for (int i = 0; i < w->started; i++) {
            struct conn *c = &w->conns[i];
            if (c->state == RETRY && c->retry_at <= now) {
                w->retries_pending--;
                start_connect(w, c, now);
            }
        }
    }
}

// Gives up on every connection whose handshake has not completed (--connect-timeout).
static void abort_connects(struct worker *w)
{
    for (int i = 0; i < w->count; i++) {
        struct conn *c = &w->conns[i];
        if (c->state == CONNECTING || c->state == RETRY || c->state == IDLE)
            fail(w, c, ERR_CONNECT_TIMEOUT, ETIMEDOUT);
    }
    w->started = w->count;
    w->retries_pending = 0;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    int64_t t0 = now_ns();
    int aborted = 0;
    while (__atomic_load_n(&flags.running, __ATOMIC_RELAXED)) {
        // Pacing connects and retries needs a short timeout; otherwise it only bounds the stop delay.
        int connecting = w->started < w->count || w->retries_pending > 0;
        int n = epoll_wait(w->epfd, w->events, MAX_EVENTS, connecting ? 1 : 50);
        int measuring = __atomic_load_n(&flags.measuring, __ATOMIC_RELAXED);
        for (int i = 0; i < n; i++) {
            struct conn *c = &w->conns[w->events[i].data.u32];
            uint32_t ev = w->events[i].events;
            if (c->state == CONNECTING) {
                complete_connect(w, c, now_ns());
            } else if (c->state == OPEN) {
                if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                    receive(w, c, ev, measuring);
                if (c->state == OPEN && c->unsent > 0 && (ev & EPOLLOUT))
                    flush(w, c);
            } // else: queued before an earlier event of this batch closed it
        }
        if (!aborted && __atomic_load_n(&flags.abort_connects, __ATOMIC_RELAXED)) {
            abort_connects(w);
            aborted = 1;
        }
        if (w->started < w->count || w->retries_pending > 0)
            connect_due(w, now_ns(), t0);
        publish(w);
    }
    for (int i = 0; i < w->count; i++)
        if (w->conns[i].fd >= 0)
            close(w->conns[i].fd);
    return NULL;
}

static void raise_fd_limit(int needed)
{
    // Every connection is a descriptor; the soft limit (often 1024) may be raised to the hard one.
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)needed) {
        rl.rlim_cur = rl.rlim_max < (rlim_t)needed ? rl.rlim_max : (rlim_t)needed;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < (rlim_t)needed)
            fprintf(stderr, "echo_load: open-file limit %llu is below the %d needed\n",
                    (unsigned long long)rl.rlim_cur, needed);
    }
}

struct counters totals(void)
{
    struct counters sum = {0};
    for (int t = 0; t < opt.threads; t++) {
        uint64_t *src = (uint64_t *)&workers[t].shared, *dst = (uint64_t *)&sum;
        for (size_t i = 0; i < sizeof(struct counters) / sizeof(uint64_t); i++)
            dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
    }
    return sum;
}

int main(int argc, char **argv)
{
    int rc = parse_options(argc, argv, &opt);
    if (rc >= 0)
        return rc;
    memset(&target, 0, sizeof target);
    target.sin_family = AF_INET;
    target.sin_port = htons((uint16_t)opt.port);
    if (inet_pton(AF_INET, opt.host, &target.sin_addr) != 1) {
        fprintf(stderr, "echo_load: --host must be an IPv4 address, not '%s'\n", opt.host);
        return 2;
    }
    raise_fd_limit(opt.connections + 64);
    message_bytes = (uint32_t)opt.size + (opt.framed ? sizeof frame_prefix : 0);
    for (size_t i = 0; i < sizeof frame_prefix; i++)
        frame_prefix[i] = (uint8_t)((uint32_t)opt.size >> (8 * (sizeof frame_prefix - 1 - i)));
    pattern_table_init();
    flags.running = 1;
    workers = calloc((size_t)opt.threads, sizeof *workers);
    for (int t = 0; t < opt.threads; t++) {
        struct worker *w = &workers[t];
        w->index = t;
        w->count = opt.connections / opt.threads + (t < opt.connections % opt.threads);
        w->conns = calloc((size_t)w->count + 1, sizeof *w->conns);
        w->queued_at = calloc(((size_t)w->count + 1) * (size_t)opt.depth, sizeof(int64_t));
        w->rbuf = malloc(RECV_BUFFER);
        w->sbuf = malloc(SEND_BUFFER);
        w->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (!w->conns || !w->queued_at || !w->rbuf || !w->sbuf || w->epfd < 0) {
            perror("echo_load: setup");
            return 1;
        }
        histogram_init(&w->hist);
        for (int i = 0; i < w->count; i++) {
            uint64_t id = (uint64_t)t + (uint64_t)i * (uint64_t)opt.threads;
            w->conns[i].fd = -1;
            pattern_init(&w->conns[i].tx, id);
            pattern_init(&w->conns[i].rx, id);
        }
    }
    for (int t = 0; t < opt.threads; t++)
        pthread_create(&workers[t].thread, NULL, worker_main, &workers[t]);

    struct report rep = {0};
    run_phases(&opt, &flags, &rep);

    __atomic_store_n(&flags.running, 0, __ATOMIC_RELAXED);
    struct histogram all;
    histogram_init(&all);
    for (int t = 0; t < opt.threads; t++) {
        pthread_join(workers[t].thread, NULL);
        publish(&workers[t]);
        histogram_add(&all, &workers[t].hist);
    }
    rep.final = totals();
    return print_report(&opt, &rep, &all);
}
