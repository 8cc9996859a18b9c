/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* select.c - one coroutine serving two channels with koro_select(): a
 * ticker and a worker send to it; it stops when both have closed their
 * channels.  Exits 0 when it got every tick and every result. */
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>

/* Bytes per coroutine stack on top of what the library needs, which
 * depends on the backend (koro_stack_min(): tens of KiB where coroutines
 * are OS threads). */
#define STACK_EXTRA 16384
#define MS 1000000u

static koro_chan_t ticks, results;
static int bad;

/* Three ticks, a millisecond apart. */
static void
ticker(void *arg)
{
    int i;

    (void)arg;
    for (i = 1; i <= 3; i++) {
        koro_sleep(MS);
        koro_chan_send(&ticks, &i);
    }
    koro_chan_close(&ticks);
}

/* Five results: the squares of 1 to 5. */
static void
worker(void *arg)
{
    int i, sq;

    (void)arg;
    for (i = 1; i <= 5; i++) {
        sq = i * i;
        koro_chan_send(&results, &sq);
    }
    koro_chan_close(&results);
}

static void
collector(void *arg)
{
    int tick, result, n_ticks = 0, sum = 0, open = 2, i;
    struct koro_sel cases[2] = {
        {.chan = &ticks, .op = KORO_SEL_RECV, .elem = &tick},
        {.chan = &results, .op = KORO_SEL_RECV, .elem = &result},
    };

    (void)arg;
    while (open > 0) {
        i = koro_select(cases, 2, -1); /* wait for either */
        if (i < 0) {
            fprintf(stderr, "koro_select: %s\n", koro_strerror(i));
            bad++;
            return;
        }
        if (cases[i].result == KORO_ECLOSED) {
            cases[i].chan = NULL; /* a NULL channel is never ready */
            open--;
        } else if (i == 0) {
            n_ticks++;
        } else {
            sum += result;
        }
    }
    printf("%d ticks, results add up to %d\n", n_ticks, sum);
    bad += n_ticks != 3 || sum != 55;

    /* Every case off: only the timeout can end the wait. */
    i = koro_select(cases, 2, 2 * MS);
    printf("nothing ready for 2 ms: %s\n", koro_strerror(i));
    bad += i != KORO_ETIMEDOUT;
}

int
main(void)
{
    size_t size = koro_stack_min() + STACK_EXTRA;
    unsigned char *stacks = malloc(3 * size); /* one after the other */
    koro_sched_t sched;
    koro_t k[3];
    int buf[4], rc;
    struct koro_sel poll = {.chan = &results, .op = KORO_SEL_RECV};

    if (!stacks)
        exit(1);
    koro_sched_init(&sched);
    koro_chan_init(&ticks, NULL, sizeof(int), 0);
    koro_chan_init(&results, buf, sizeof(int), 4);
    /* Outside a coroutine a select may only poll (timeout 0). */
    rc = koro_select(&poll, 1, 0);
    printf("poll from main(): %s\n", koro_strerror(rc));
    bad += rc != KORO_EAGAIN;

    bad += koro_init(&k[0], ticker, NULL, stacks, size) != 0;
    bad += koro_init(&k[1], worker, NULL, stacks + size, size) != 0;
    bad += koro_init(&k[2], collector, NULL, stacks + 2 * size, size) != 0;
    for (rc = 0; rc < 3; rc++)
        koro_sched_spawn(&sched, &k[rc]);
    rc = koro_sched_run(&sched);
    bad += rc != 0;
    exit(bad == 0 ? 0 : 1);
}
