/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* http-hello.c - a small HTTP/1.0 server that answers every request with
 * "Hello, world", one coroutine per connection.
 *
 *   http-hello -p PORT   serve on 127.0.0.1:PORT until killed
 *   http-hello [N]       serve on a port the system picks and fetch the
 *                        page N times (default 20) from client coroutines
 *                        in the same process; exit status 0 if every
 *                        reply was right. */
#include <korutin.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SLOTS 64

static const char reply[] = "HTTP/1.0 200 OK\r\n"
                            "Content-Type: text/plain\r\n"
                            "Content-Length: 13\r\n"
                            "\r\n"
                            "Hello, world\n";

struct task {
    koro_t k;
    int fd;
    unsigned char *stack; /* stack_size bytes */
};

/* Every coroutine's stack: what the library needs, which depends on the
 * backend (koro_stack_min(): tens of KiB where coroutines are OS
 * threads), plus 32 KiB for our own calls. */
static size_t stack_size;
static koro_sched_t sched;
static struct task acceptor, conns[SLOTS], clients[SLOTS];
static struct sockaddr_in addr;
static int listener, ok, bad, nfetch;

/* Read the request head (up to the empty line), answer, close. */
static void
conn(void *arg)
{
    struct task *t = arg;
    char req[2048];
    size_t n = 0;
    ssize_t r;

    while (n < sizeof req - 1 &&
           (r = koro_read(t->fd, req + n, sizeof req - 1 - n, 5000000000)) >
               0) {
        n += (size_t)r;
        req[n] = '\0';
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n")) {
            koro_write(t->fd, reply, sizeof reply - 1, 5000000000);
            break;
        }
    }
    close(t->fd);
}

/* A free connection slot: one never used or whose coroutine ended. */
static struct task *
free_slot(void)
{
    int i, st;

    for (;;) {
        for (i = 0; i < SLOTS; i++) {
            st = koro_status(&conns[i].k);
            if (st == KORO_DEAD || st == KORO_EINVAL)
                return &conns[i];
        }
        koro_yield(); /* all busy: let them finish */
    }
}

static void
accept_loop(void *arg)
{
    struct task *t;
    int fd;

    (void)arg;
    for (;;) {
        if ((fd = koro_accept(listener, NULL, NULL, -1)) < 0) {
            fprintf(stderr, "accept: %s\n", koro_strerror(fd));
            return;
        }
        t = free_slot();
        if (koro_status(&t->k) == KORO_DEAD)
            koro_fini(&t->k);
        t->fd = fd;
        koro_init(&t->k, conn, t, t->stack, stack_size);
        koro_sched_spawn(&sched, &t->k);
    }
}

static void
fetch(void *arg)
{
    char buf[512];
    size_t n = 0;
    ssize_t r;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    static const char get[] = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";

    (void)arg;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    if (koro_connect(fd, (struct sockaddr *)&addr, sizeof addr, -1) == 0 &&
        koro_write(fd, get, sizeof get - 1, -1) == (ssize_t)sizeof get - 1)
        while (n < sizeof buf &&
               (r = koro_read(fd, buf + n, sizeof buf - n, -1)) > 0)
            n += (size_t)r;
    close(fd);
    if (n == sizeof reply - 1 && !memcmp(buf, reply, n))
        ok++;
    else
        bad++;
    /* The acceptor is blocked in koro_accept(): koro_fini() takes it out
     * of the poller, and koro_sched_run() returns once the rest end. */
    if (ok + bad == nfetch)
        koro_fini(&acceptor.k);
}

int
main(int argc, char **argv)
{
    socklen_t len = sizeof addr;
    unsigned char *stacks;
    int i, port = 0, n = 20, rc;

    if (argc == 3 && !strcmp(argv[1], "-p"))
        port = atoi(argv[2]), n = 0;
    else if (argc == 2)
        n = atoi(argv[1]);
    if (n < 0 || n > SLOTS || argc > 3) {
        fprintf(stderr, "usage: http-hello [-p PORT | N (0-%d)]\n", SLOTS);
        return 2;
    }
    stack_size = koro_stack_min() + 32768;
    stacks = malloc((2 * SLOTS + 1) * stack_size);
    if (!stacks)
        return 1;
    acceptor.stack = stacks;
    for (i = 0; i < SLOTS; i++) {
        conns[i].stack = stacks + (1 + (size_t)i) * stack_size;
        clients[i].stack = stacks + (1 + (size_t)(SLOTS + i)) * stack_size;
    }
    listener = socket(AF_INET, SOCK_STREAM, 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    i = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &i, sizeof i);
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) ||
        listen(listener, 64) ||
        getsockname(listener, (struct sockaddr *)&addr, &len)) {
        perror("http-hello: listen on 127.0.0.1");
        return 1;
    }
    fcntl(listener, F_SETFL, O_NONBLOCK);
    koro_sched_init(&sched);
    koro_init(&acceptor.k, accept_loop, NULL, acceptor.stack, stack_size);
    koro_sched_spawn(&sched, &acceptor.k);
    if (port) {
        printf("http-hello: serving http://127.0.0.1:%d/\n", port);
        fflush(stdout);
        return koro_sched_run(&sched) != 0;
    }
    nfetch = n;
    if (n == 0)
        koro_fini(&acceptor.k);
    for (i = 0; i < n; i++) {
        koro_init(&clients[i].k, fetch, NULL, clients[i].stack, stack_size);
        koro_sched_spawn(&sched, &clients[i].k);
    }
    /* The last client to finish stops the acceptor (see fetch). */
    rc = koro_sched_run(&sched);
    close(listener);
    printf("http-hello: port %d, %d of %d replies right\n",
           ntohs(addr.sin_port), ok, n);
    if (rc != 0)
        fprintf(stderr, "koro_sched_run: %s\n", koro_strerror(rc));
    return rc != 0 || ok != n;
}
