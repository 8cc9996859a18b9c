/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* generator.c - a generator in two styles:
 *  1. plain coroutines, no scheduler: the generator yields each value
 *     through a variable the caller reads after koro_resume();
 *  2. a scheduled coroutine feeding a channel, read with a timeout-free
 *     select loop that also watches a "quit" channel.
 *
 *   generator      prints the first Fibonacci numbers both ways and checks
 *                  that they agree. */
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 20
/* Stack bytes per coroutine on top of what the library needs, which
 * depends on the backend (koro_stack_min(): tens of KiB where coroutines
 * are OS threads). */
#define STACK_EXTRA 16384

/* Style 1: resume / yield. */
static long current;

static void
fib_yield(void *arg)
{
    long a = 0, b = 1, t;

    (void)arg;
    for (;;) {
        current = a;
        koro_yield();
        t = a + b;
        a = b;
        b = t;
    }
}

/* Style 2: a channel. */
static koro_chan_t out, quit;

static void
fib_chan(void *arg)
{
    long a = 0, b = 1, t;
    struct koro_sel cases[2] = {
        {.chan = &out, .op = KORO_SEL_SEND, .elem = &a},
        {.chan = &quit, .op = KORO_SEL_RECV, .elem = NULL},
    };

    (void)arg;
    /* Send until the consumer says quit. */
    while (koro_select(cases, 2, -1) == 0) {
        t = a + b;
        a = b;
        b = t;
    }
}

static long got2[N];

static void
consume(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < N; i++)
        koro_chan_recv(&out, &got2[i]);
    koro_chan_close(&quit); /* wakes the generator's select */
}

/* main ends with exit(): under Emscripten a main that has switched to a
 * fiber loses its return value. */
int
main(void)
{
    size_t size = koro_stack_min() + STACK_EXTRA;
    unsigned char *s1 = malloc(3 * size), *s2 = s1 + size, *s3 = s2 + size;
    koro_t g, p, c;
    koro_sched_t sched;
    long got1[N];
    int i, rc;

    if (!s1)
        exit(1);
    koro_init(&g, fib_yield, NULL, s1, size);
    for (i = 0; i < N; i++) {
        koro_resume(&g);
        got1[i] = current;
    }
    koro_fini(&g); /* abandon the endless generator */

    koro_sched_init(&sched);
    koro_chan_init(&out, NULL, sizeof(long), 0);
    koro_chan_init(&quit, NULL, 0, 0);
    koro_init(&p, fib_chan, NULL, s2, size);
    koro_init(&c, consume, NULL, s3, size);
    koro_sched_spawn(&sched, &p);
    koro_sched_spawn(&sched, &c);
    rc = koro_sched_run(&sched);

    for (i = 0; i < N; i++)
        printf("%ld%c", got1[i], i + 1 == N ? '\n' : ' ');
    if (rc != 0 || memcmp(got1, got2, sizeof got1) != 0 ||
        got1[N - 1] != 4181) {
        fprintf(stderr, "generator: mismatch (%s)\n", koro_strerror(rc));
        exit(1);
    }
    exit(0);
}
