// echo_server: the reference — a hand-written, single-threaded, level-triggered epoll echo server.
//
//   echo_server [--host 127.0.0.1] [--port 3267]     (port 0: any free port; IPv4)
//
// Prints "listening on HOST:PORT" once accepting; exits on SIGTERM or SIGINT. Per readable event:
// one recv, one send of what was read. What the socket does not take is kept, and the connection
// then waits for EPOLLOUT only — not reading meanwhile is the backpressure that bounds the buffer.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define READ_BUFFER (64 * 1024)

struct pending {
    char *data;
    size_t off, len;
};

static struct pending *pending; // indexed by fd: the kernel hands out the lowest free number
static size_t pending_cap;
static int epfd;
static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

static void drop(int fd)
{
    if ((size_t)fd < pending_cap) {
        free(pending[fd].data);
        pending[fd] = (struct pending){0};
    }
    close(fd); // the only reference to the socket: closing it also leaves the epoll set
}

static void watch(int fd, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.fd = fd};
    epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

static void on_readable(int fd, char *buf)
{
    ssize_t n = recv(fd, buf, READ_BUFFER, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        drop(fd);
        return;
    }
    if (n < 0)
        return; // level-triggered: whatever is left is reported again
    ssize_t sent = send(fd, buf, (size_t)n, MSG_NOSIGNAL); // no SIGPIPE if the peer is gone
    if (sent < 0) {
        if (errno != EAGAIN) {
            drop(fd);
            return;
        }
        sent = 0;
    }
    if (sent == n)
        return;
    if ((size_t)fd >= pending_cap) {
        size_t cap = pending_cap ? pending_cap : 1024;
        while (cap <= (size_t)fd)
            cap *= 2;
        pending = realloc(pending, cap * sizeof *pending);
        memset(pending + pending_cap, 0, (cap - pending_cap) * sizeof *pending);
        pending_cap = cap;
    }
    struct pending *p = &pending[fd];
    p->len = (size_t)(n - sent);
    p->off = 0;
    p->data = malloc(p->len);
    memcpy(p->data, buf + sent, p->len);
    watch(fd, EPOLLOUT);
}

static void on_writable(int fd)
{
    struct pending *p = &pending[fd];
    ssize_t sent = send(fd, p->data + p->off, p->len - p->off, MSG_NOSIGNAL);
    if (sent < 0) {
        if (errno != EAGAIN && errno != EINTR)
            drop(fd);
        return;
    }
    p->off += (size_t)sent;
    if (p->off == p->len) {
        free(p->data);
        *p = (struct pending){0};
        watch(fd, EPOLLIN);
    }
}

// Accepts until the queue is empty. At the descriptor limit, the spare descriptor is given up to
// accept and close the waiting connections: left in the queue they would keep the level-triggered
// listener readable and the loop spinning.
static void on_accept(int lfd, int *spare)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if ((errno == EMFILE || errno == ENFILE) && *spare >= 0) {
                close(*spare);
                while ((fd = accept(lfd, NULL, NULL)) >= 0)
                    close(fd);
                *spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
                fprintf(stderr, "echo_server: out of descriptors, connections refused\n");
            }
            return; // EAGAIN: drained; ECONNABORTED and the like: the next event retries
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
            close(fd);
    }
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1";
    int port = 3267;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--host") && i + 1 < argc) {
            host = argv[++i];
        } else if (!strcmp(argv[i], "--port") && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 0 || v > 65535) {
                fprintf(stderr, "echo_server: bad --port '%s'\n", argv[i]);
                return 2;
            }
            port = (int)v;
        } else {
            fprintf(stderr, "usage: echo_server [--host 127.0.0.1] [--port 3267]\n");
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "echo_server: --host must be an IPv4 address, not '%s'\n", host);
        return 2;
    }
    // Every connection is a descriptor; the soft limit (often 1024) may be raised to the hard one.
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    // The signals stay blocked except inside epoll_pwait, which unblocks them atomically: a
    // signal can only interrupt the wait (EINTR), never slip in between a check and the wait.
    sigset_t block, wait_mask;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &wait_mask);
    struct sigaction sa = {.sa_handler = on_signal}; // no SA_RESTART: the wait must return
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int one = 1;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 4096) != 0) {
        fprintf(stderr, "echo_server: cannot listen on %s:%d: %s\n", host, port, strerror(errno));
        return 1;
    }
    socklen_t alen = sizeof addr;
    getsockname(lfd, (struct sockaddr *)&addr, &alen);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.fd = lfd};
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev);
    int spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    char *buf = malloc(READ_BUFFER);
    printf("listening on %s:%d\n", host, ntohs(addr.sin_port));
    fflush(stdout);

    struct epoll_event events[MAX_EVENTS];
    while (!stop) {
        int n = epoll_pwait(epfd, events, MAX_EVENTS, -1, &wait_mask);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            uint32_t ev = events[i].events;
            // An event queued for an fd that an earlier event of this batch closed (and accept
            // may have reused) finds nothing to read or send: harmless with level triggering.
            if (fd == lfd)
                on_accept(lfd, &spare);
            else if ((size_t)fd < pending_cap && pending[fd].data)
                on_writable(fd); // also sees EPOLLERR/EPOLLHUP: send fails and the fd is dropped
            else if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))
                on_readable(fd, buf);
        }
    }
    return 0;
}
