/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* echobench.c - echo ping-pong of 64-byte messages over loopback TCP.
 *
 *   echobench server-koro    libkorutin: one coroutine per connection,
 *                            one scheduler on one OS thread
 *   echobench server-epoll   the reference: a hand-written edge-triggered
 *                            epoll loop on one OS thread
 *   echobench client PORT CONNS SECONDS
 *                            the load generator: CONNS connections, each
 *                            sending a message and waiting for its echo
 *                            before the next; prints messages per second
 *                            and the number of messages sent in all
 *
 * A server prints "port N" and serves 127.0.0.1:N until killed.
 * bench/echobench.sh runs them (and a Go server) in one go: make
 * bench-echo. */
#define _GNU_SOURCE
#include <korutin.h>

#if defined(__linux__) /* the reference server and the client use epoll */

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
#include <time.h>
#include <unistd.h>

#define MSG 64
#define MAXCONN 4096
#define STACK 16384

static void
die(const char *what)
{
    perror(what);
    exit(1);
}

static void
more_fds(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int
listen_any(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) ||
        listen(fd, 4096) || getsockname(fd, (struct sockaddr *)&a, &len))
        die("listen");
    printf("port %d\n", ntohs(a.sin_port));
    fflush(stdout);
    return fd;
}

static void
nodelay(int fd)
{
    int one = 1;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* ---- libkorutin ----------------------------------------------------- */

struct conn {
    koro_t k;
    int fd;
};

static koro_sched_t sched;
static struct conn *conns;
static unsigned char *stacks;
static int lfd;

static void
echo_conn(void *arg)
{
    struct conn *c = arg;
    char buf[4096];
    ssize_t n;

    while ((n = koro_read(c->fd, buf, sizeof buf, -1)) > 0)
        if (koro_write(c->fd, buf, (size_t)n, -1) != n)
            break;
    close(c->fd);
}

static void
acceptor(void *arg)
{
    int fd, i, next = 0, st;

    (void)arg;
    for (;;) {
        if ((fd = koro_accept(lfd, NULL, NULL, -1)) < 0) {
            fprintf(stderr, "accept: %s\n", koro_strerror(fd));
            return;
        }
        nodelay(fd);
        for (i = 0; i < MAXCONN; i++, next = (next + 1) % MAXCONN) {
            st = koro_status(&conns[next].k);
            if (st == KORO_DEAD || st == KORO_EINVAL)
                break;
        }
        if (i == MAXCONN) {
            close(fd);
            continue;
        }
        if (st == KORO_DEAD)
            koro_fini(&conns[next].k);
        conns[next].fd = fd;
        koro_init(&conns[next].k, echo_conn, &conns[next],
                  stacks + (size_t)next * STACK, STACK);
        koro_sched_spawn(&sched, &conns[next].k);
    }
}

static int
server_koro(void)
{
    static koro_t acc;
    static unsigned char acc_stack[STACK];

    conns = calloc(MAXCONN, sizeof *conns);
    stacks = malloc((size_t)MAXCONN * STACK);
    if (!conns || !stacks)
        die("malloc");
    lfd = listen_any();
    koro_sched_init(&sched);
    koro_init(&acc, acceptor, NULL, acc_stack, sizeof acc_stack);
    koro_sched_spawn(&sched, &acc);
    return koro_sched_run(&sched) != 0;
}

/* ---- The reference: edge-triggered epoll ---------------------------- */

static int
server_epoll(void)
{
    struct epoll_event ev, evs[256];
    char buf[4096];
    int ep = epoll_create1(EPOLL_CLOEXEC), i, n, fd;
    ssize_t r, w, off;

    lfd = listen_any();
    ev.events = EPOLLIN | EPOLLET;
    ev.data.fd = lfd;
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev))
        die("epoll");
    for (;;) {
        n = epoll_wait(ep, evs, 256, -1);
        for (i = 0; i < n; i++) {
            fd = evs[i].data.fd;
            if (fd == lfd) {
                while ((fd = accept4(lfd, NULL, NULL,
                                     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    nodelay(fd);
                    ev.events = EPOLLIN | EPOLLET | EPOLLRDHUP;
                    ev.data.fd = fd;
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            for (;;) {
                r = read(fd, buf, sizeof buf);
                if (r <= 0) {
                    if (r < 0 && errno == EAGAIN)
                        break;
                    close(fd);
                    break;
                }
                for (off = 0; off < r; off += w)
                    while ((w = write(fd, buf + off, (size_t)(r - off))) < 0)
                        if (errno != EAGAIN && errno != EINTR)
                            goto next;
            }
        next:;
        }
    }
    return 0;
}

/* ---- The load generator --------------------------------------------- */

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
client(int port, int nconn, double secs)
{
    struct sockaddr_in a;
    struct epoll_event ev, evs[256];
    static int got[MAXCONN];
    char msg[MSG], buf[4096];
    int ep = epoll_create1(EPOLL_CLOEXEC), i, n, fd;
    long count = 0, counted = 0;
    double t0, t1, warm;
    ssize_t r;

    memset(msg, 'm', sizeof msg);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (i = 0; i < nconn; i++) {
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a))
            die("connect");
        nodelay(fd);
        fcntl(fd, F_SETFL, O_NONBLOCK);
        ev.events = EPOLLIN;
        ev.data.u64 = ((uint64_t)i << 32) | (uint32_t)fd;
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        if (write(fd, msg, MSG) != MSG)
            die("write");
    }
    t0 = now_s();
    warm = t0 + 0.2; /* not counted: connections settling */
    t1 = 0;
    for (;;) {
        double t = now_s();

        if (!t1 && t >= warm) {
            t1 = t;
            counted = count;
        }
        if (t1 && t - t1 >= secs)
            break;
        n = epoll_wait(ep, evs, 256, 1000);
        for (i = 0; i < n; i++) {
            int id = (int)(evs[i].data.u64 >> 32);

            fd = (int)(uint32_t)evs[i].data.u64;
            while ((r = read(fd, buf, sizeof buf)) > 0) {
                got[id] += (int)r;
                while (got[id] >= MSG) {
                    got[id] -= MSG;
                    count++;
                    if (write(fd, msg, MSG) != MSG)
                        die("write");
                }
            }
            if (r == 0)
                die("server closed");
        }
    }
    /* The rate measured, and every message, the settling ones too (the
     * server's CPU time covers them). */
    printf("%.0f %ld\n", (double)(count - counted) / (now_s() - t1), count);
    return 0;
}

int
main(int argc, char **argv)
{
    more_fds();
    if (argc == 2 && !strcmp(argv[1], "server-koro"))
        return server_koro();
    if (argc == 2 && !strcmp(argv[1], "server-epoll"))
        return server_epoll();
    if (argc == 5 && !strcmp(argv[1], "client") && atoi(argv[3]) > 0 &&
        atoi(argv[3]) <= MAXCONN)
        return client(atoi(argv[2]), atoi(argv[3]), atof(argv[4]));
    fprintf(stderr, "usage: echobench server-koro | server-epoll |"
                    " client PORT CONNS(1-%d) SECONDS\n",
            MAXCONN);
    return 2;
}
#else
#include <stdio.h>

int
main(void)
{
    fprintf(stderr, "echobench: Linux only (its reference server and load "
                    "generator use epoll)\n");
    return 77;
}
#endif
