/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* fdwait.c - two coroutines talk over a socket pair: a read that times
 * out, a second reader refused, a write that times out half done, then a
 * whole transfer to end of file.  Exits 0 when every call returned what
 * it should, 77 where the library has no file descriptor waits. */
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>

#if defined(_WIN32) || defined(__EMSCRIPTEN__)
int
main(void)
{
    printf("SKIP: %s\n", koro_strerror(koro_fd_wait(0, KORO_FD_IN, 0)));
    exit(77);
}
#else
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bytes per coroutine stack on top of what the library needs, which
 * depends on the backend (koro_stack_min(): tens of KiB where coroutines
 * are OS threads). */
#define STACK_EXTRA 16384
#define MS 1000000
#define SIZE (4L << 20) /* more than a socket buffer holds */

static int sv[2];      /* sv[0]: the reader's end, sv[1]: the writer's */
static koro_chan_t go; /* rendezvous: "your turn" */
static unsigned char out[SIZE], in[SIZE];
static int bad;

static void
report(const char *what, long rc, long want)
{
    printf("%-26s %s\n", what, rc < 0 ? koro_strerror((int)rc) : "success");
    bad += rc != want;
}

static void
reader(void *arg)
{
    long got = 0, n;

    (void)arg;
    /* Nothing was written yet.  A whole second, so that the reader is
     * surely still waiting when the second reader asks, also on a slow
     * machine or under Valgrind. */
    report("read, 1 s timeout:", koro_read(sv[0], in, SIZE, 1000 * MS),
           KORO_ETIMEDOUT);
    koro_chan_send(&go, NULL); /* the writer may write */
    koro_chan_recv(&go, NULL); /* until it says "read" */
    while ((n = koro_read(sv[0], in + got, SIZE - got, -1)) > 0)
        got += n;
    report("read to end of file:", n, 0);
    printf("%-26s %ld bytes, %s\n", "received:", got,
           got == SIZE && memcmp(in, out, SIZE) == 0 ? "as sent" : "WRONG");
    bad += got != SIZE || memcmp(in, out, SIZE) != 0;
}

/* Runs while the reader waits on sv[0]. */
static void
snoop(void *arg)
{
    (void)arg;
    report("a second reader:", koro_fd_wait(sv[0], KORO_FD_IN, -1), KORO_EBUSY);
}

static void
writer(void *arg)
{
    long n, rest;

    (void)arg;
    koro_chan_recv(&go, NULL);
    /* Nobody reads: the socket buffer fills, then the timeout comes. */
    n = koro_write(sv[1], out, SIZE, 2 * MS);
    printf("%-26s %s\n", "write, 2 ms timeout:",
           n > 0 && n < SIZE && errno == ETIMEDOUT ? "part written, ETIMEDOUT"
                                                   : "WRONG");
    bad += !(n > 0 && n < SIZE && errno == ETIMEDOUT);
    if (n < 0)
        n = 0;
    koro_chan_send(&go, NULL); /* now the reader reads */
    rest = koro_write(sv[1], out + n, SIZE - n, -1);
    report("write the rest:", rest < 0 ? rest : 0, 0);
    close(sv[1]); /* end of file for the reader */
}

int
main(void)
{
    size_t size = koro_stack_min() + STACK_EXTRA;
    unsigned char *stacks = malloc(3 * size); /* one after the other */
    koro_sched_t sched;
    koro_t k[3];
    long i;
    int rc;

    if (!stacks)
        exit(1);
    rc = koro_fd_wait(0, KORO_FD_IN, 0);
    if (rc == KORO_ENOSYS) {
        printf("SKIP: koro_fd_wait: %s\n", koro_strerror(rc));
        exit(77);
    }
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        perror("socketpair");
        exit(1);
    }
    /* O_NONBLOCK is the caller's to set. */
    for (i = 0; i < 2; i++)
        fcntl(sv[i], F_SETFL, fcntl(sv[i], F_GETFL) | O_NONBLOCK);
    for (i = 0; i < SIZE; i++)
        out[i] = (unsigned char)(i * 7);

    /* A poll (timeout 0) works from anywhere. */
    report("poll from main():", koro_fd_wait(sv[0], KORO_FD_IN, 0),
           KORO_ETIMEDOUT);
    koro_sched_init(&sched);
    koro_chan_init(&go, NULL, 0, 0);
    bad += koro_init(&k[0], reader, NULL, stacks, size) != 0;
    bad += koro_init(&k[1], writer, NULL, stacks + size, size) != 0;
    bad += koro_init(&k[2], snoop, NULL, stacks + 2 * size, size) != 0;
    for (i = 0; i < 3; i++)
        koro_sched_spawn(&sched, &k[i]);
    report("koro_sched_run:", koro_sched_run(&sched), 0);
    close(sv[0]);
    exit(bad == 0 ? 0 : 1);
}
#endif
