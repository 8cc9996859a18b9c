/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* echo.c - a TCP echo server and its clients in one process, one coroutine
 * per connection, on one scheduler.  The server listens on 127.0.0.1 on a
 * port the system picks; each client sends lines and checks that every
 * one comes back.  Every coroutine and stack is allocated here, none by
 * the library.
 *
 *   echo [CLIENTS [LINES]]   default 8 clients, 100 lines each; exit
 *                            status 0 if every echo matched. */
#include <korutin.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXCLIENTS 256

struct task {
    koro_t k;
    int fd, id;
    unsigned char *stack; /* stack_size bytes */
};

/* Every coroutine's stack: what the library needs, which depends on the
 * backend (koro_stack_min(): tens of KiB where coroutines are OS
 * threads), plus 32 KiB for our own calls. */
static size_t stack_size;
static koro_sched_t sched;
static struct task server_task, handlers[MAXCLIENTS], clients[MAXCLIENTS];
static struct sockaddr_in addr;
static int listener, nclients = 8, nlines = 100, failed, echoed;

/* One connection: send back whatever arrives, until the client closes. */
static void
handle(void *arg)
{
    struct task *t = arg;
    char buf[512];
    ssize_t n;

    while ((n = koro_read(t->fd, buf, sizeof buf, -1)) > 0)
        if (koro_write(t->fd, buf, (size_t)n, -1) != n)
            break;
    if (n < 0)
        failed++;
    close(t->fd);
}

/* Accept one connection per client, each served by its own coroutine. */
static void
serve(void *arg)
{
    int i, fd;

    (void)arg;
    for (i = 0; i < nclients; i++) {
        if ((fd = koro_accept(listener, NULL, NULL, -1)) < 0) {
            fprintf(stderr, "accept: %s\n", koro_strerror(fd));
            failed++;
            return;
        }
        handlers[i].fd = fd;
        koro_init(&handlers[i].k, handle, &handlers[i], handlers[i].stack,
                  stack_size);
        koro_sched_spawn(&sched, &handlers[i].k);
    }
}

static void
client(void *arg)
{
    struct task *t = arg;
    char out[64], in[64];
    int i, n, fd = socket(AF_INET, SOCK_STREAM, 0);

    fcntl(fd, F_SETFL, O_NONBLOCK);
    if (koro_connect(fd, (struct sockaddr *)&addr, sizeof addr, -1) != 0) {
        perror("connect");
        failed++;
        close(fd);
        return;
    }
    for (i = 0; i < nlines; i++) {
        n = snprintf(out, sizeof out, "client %d says %d\n", t->id, i);
        if (koro_write(fd, out, (size_t)n, -1) != n ||
            koro_read(fd, in, (size_t)n, -1) != n || memcmp(in, out, n)) {
            failed++; /* loopback hands a short line over whole */
            break;
        }
        echoed++;
    }
    close(fd);
}

int
main(int argc, char **argv)
{
    socklen_t len = sizeof addr;
    unsigned char *stacks;
    int i, rc;

    if (argc > 1)
        nclients = atoi(argv[1]);
    if (argc > 2)
        nlines = atoi(argv[2]);
    if (nclients < 1 || nclients > MAXCLIENTS || nlines < 0) {
        fprintf(stderr, "usage: echo [CLIENTS (1-%d) [LINES]]\n", MAXCLIENTS);
        return 2;
    }
    stack_size = koro_stack_min() + 32768;
    stacks = malloc((2 * (size_t)nclients + 1) * stack_size);
    if (!stacks)
        return 1;
    server_task.stack = stacks;
    for (i = 0; i < nclients; i++) {
        handlers[i].stack = stacks + (1 + (size_t)i) * stack_size;
        clients[i].stack = stacks + (1 + (size_t)(nclients + i)) * stack_size;
    }
    listener = socket(AF_INET, SOCK_STREAM, 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) ||
        listen(listener, 64) ||
        getsockname(listener, (struct sockaddr *)&addr, &len)) {
        perror("echo: listen on 127.0.0.1");
        return 1;
    }
    fcntl(listener, F_SETFL, O_NONBLOCK);
    koro_sched_init(&sched);
    koro_init(&server_task.k, serve, NULL, server_task.stack, stack_size);
    koro_sched_spawn(&sched, &server_task.k);
    for (i = 0; i < nclients; i++) {
        clients[i].id = i;
        koro_init(&clients[i].k, client, &clients[i], clients[i].stack,
                  stack_size);
        koro_sched_spawn(&sched, &clients[i].k);
    }
    rc = koro_sched_run(&sched);
    close(listener);
    printf("echo: port %d, %d clients, %d of %d lines echoed\n",
           ntohs(addr.sin_port), nclients, echoed, nclients * nlines);
    if (rc != 0)
        fprintf(stderr, "koro_sched_run: %s\n", koro_strerror(rc));
    return rc != 0 || failed || echoed != nclients * nlines;
}
