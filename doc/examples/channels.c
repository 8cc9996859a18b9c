/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* channels.c - buffered and rendezvous channels, closing, timeouts.
 * Exits 0 when every call returned what the manual says it returns. */
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>

/* Bytes per coroutine stack on top of what the library needs, which
 * depends on the backend (koro_stack_min(): tens of KiB where coroutines
 * are OS threads). */
#define STACK_EXTRA 16384
#define MS 1000000u

static int bad;

static void
expect(int rc, int want, const char *what)
{
    printf("%-28s %s\n", what, koro_strerror(rc));
    if (rc != want)
        bad++;
}

/* Rendezvous: each send waits until the consumer takes the element. */
static koro_chan_t meet;

static void
producer(void *arg)
{
    int i;

    (void)arg;
    for (i = 1; i <= 3; i++)
        koro_chan_send(&meet, &i);
    koro_chan_close(&meet); /* no more values */
}

static void
consumer(void *arg)
{
    int v, *sum = arg;

    /* Receives until the channel is closed and empty. */
    while (koro_chan_recv(&meet, &v) == 0)
        *sum += v;
    /* Waiting for something that does not come, with a time limit. */
    expect(koro_chan_recv_timeout(&meet, &v, 5 * MS), KORO_ECLOSED,
           "recv on the closed channel:");
}

static koro_chan_t quiet;

static void
impatient(void *arg)
{
    int v;

    (void)arg;
    expect(koro_chan_recv_timeout(&quiet, &v, 5 * MS), KORO_ETIMEDOUT,
           "recv with a 5 ms timeout:");
}

int
main(void)
{
    size_t size = koro_stack_min() + STACK_EXTRA;
    unsigned char *stacks = malloc(3 * size); /* one after the other */
    koro_chan_t box;
    int buf[3], v, sum = 0;
    koro_sched_t sched;
    koro_t k[3];

    if (!stacks)
        exit(1);
    /* A buffered channel of three ints, used from main(): the try forms
     * never block, so they work outside any coroutine. */
    koro_chan_init(&box, buf, sizeof(int), 3);
    for (v = 1; v <= 3; v++)
        expect(koro_chan_try_send(&box, &v), 0, "try_send into room:");
    expect(koro_chan_try_send(&box, &v), KORO_EAGAIN, "try_send when full:");
    printf("%-28s %ld\n", "elements buffered:", koro_chan_len(&box));
    bad += koro_chan_len(&box) != 3;
    /* A blocking call where nothing may block: */
    expect(koro_chan_send(&box, &v), KORO_ENOSCHED, "send from main():");
    /* Closing keeps what is buffered for the receivers. */
    expect(koro_chan_close(&box), 0, "close:");
    expect(koro_chan_try_send(&box, &v), KORO_ECLOSED, "try_send after close:");
    expect(koro_chan_try_recv(&box, &v), 0, "try_recv after close:");
    bad += v != 1;                  /* the oldest element first */
    koro_chan_try_recv(&box, NULL); /* NULL discards an element */
    koro_chan_try_recv(&box, NULL);
    expect(koro_chan_try_recv(&box, &v), KORO_ECLOSED, "try_recv, drained:");

    /* A rendezvous channel (capacity 0, no buffer) between coroutines. */
    koro_sched_init(&sched);
    koro_chan_init(&meet, NULL, sizeof(int), 0);
    koro_chan_init(&quiet, NULL, sizeof(int), 0);
    bad += koro_init(&k[0], producer, NULL, stacks, size) != 0;
    bad += koro_init(&k[1], consumer, &sum, stacks + size, size) != 0;
    bad += koro_init(&k[2], impatient, NULL, stacks + 2 * size, size) != 0;
    koro_sched_spawn(&sched, &k[0]);
    koro_sched_spawn(&sched, &k[1]);
    koro_sched_spawn(&sched, &k[2]);
    expect(koro_sched_run(&sched), 0, "koro_sched_run:");
    printf("%-28s %d\n", "sum received:", sum);
    bad += sum != 6;
    exit(bad == 0 ? 0 : 1);
}
