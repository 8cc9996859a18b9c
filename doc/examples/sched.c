/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* sched.c - the scheduler: coroutines taking turns, sleeping, and a
 * deadlock that main() resolves.  Exits 0 when everything happened in the
 * order the manual describes. */
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes per coroutine stack on top of what the library needs, which
 * depends on the backend (koro_stack_min(): tens of KiB where coroutines
 * are OS threads). */
#define STACK_EXTRA 16384
#define MS 1000000u /* nanoseconds per millisecond */

static koro_sched_t sched;
static char order[64]; /* what happened, in order */

static void
note(const char *what)
{
    strncat(order, what, sizeof order - strlen(order) - 1);
}

/* Takes two turns: koro_yield() puts it at the back of the run queue. */
static void
turns(void *arg)
{
    const char *name = arg;

    note(name);
    koro_yield();
    note(name);
}

/* Sleeps the number of milliseconds given as its name. */
static void
sleeper(void *arg)
{
    const char *name = arg;

    koro_sleep(strtoul(name, NULL, 10) * MS);
    note(name);
}

static koro_chan_t never; /* nobody sends on it */
static int recv_rc;

static void
waiter(void *arg)
{
    (void)arg;
    recv_rc = koro_chan_recv(&never, NULL);
    note("w");
}

int
main(void)
{
    size_t size = koro_stack_min() + STACK_EXTRA;
    unsigned char *stacks = malloc(3 * size); /* one after the other */
    static const char *const names[3] = {"a", "b", "c"};
    /* 100 ms apart: starting a coroutine takes a while where each is an
     * OS thread, and more under an emulator. */
    static const char *const naps[3] = {"300", "100", "200"};
    koro_t k[3];
    int i, rc, bad = 0;

    if (!stacks)
        exit(1);
    koro_sched_init(&sched);

    /* 1. Round robin: a, b and c each run until they yield. */
    for (i = 0; i < 3; i++) {
        bad += koro_init(&k[i], turns, (void *)names[i], stacks + i * size,
                         size) != 0;
        koro_sched_spawn(&sched, &k[i]);
    }
    rc = koro_sched_run(&sched); /* returns when all three have finished */
    printf("turns:   %s\n", order);
    bad += rc != 0 || strcmp(order, "abcabc") != 0;

    /* 2. Sleepers wake in the order of their deadlines. */
    order[0] = '\0';
    for (i = 0; i < 3; i++) {
        bad += koro_init(&k[i], sleeper, (void *)naps[i], stacks + i * size,
                         size) != 0;
        koro_sched_spawn(&sched, &k[i]);
    }
    rc = koro_sched_run(&sched);
    printf("sleeps:  %s\n", order);
    bad += rc != 0 || strcmp(order, "100200300") != 0;

    /* 3. Only a scheduled coroutine may block. */
    rc = koro_sleep(MS);
    printf("koro_sleep() in main(): %s\n", koro_strerror(rc));
    bad += rc != KORO_ENOSCHED;

    /* 4. A coroutine that waits for ever: koro_sched_run() says so and
     * leaves it blocked; closing the channel wakes it. */
    order[0] = '\0';
    koro_chan_init(&never, NULL, 0, 0);
    bad += koro_init(&k[0], waiter, NULL, stacks, size) != 0;
    koro_sched_spawn(&sched, &k[0]);
    rc = koro_sched_run(&sched);
    printf("first run:  %s\n", koro_strerror(rc));
    bad += rc != KORO_EDEADLK || order[0] != '\0';
    koro_chan_close(&never);
    rc = koro_sched_run(&sched);
    printf("second run: %s, the receive got: %s\n", koro_strerror(rc),
           koro_strerror(recv_rc));
    bad += rc != 0 || recv_rc != KORO_ECLOSED || strcmp(order, "w") != 0;
    exit(bad == 0 ? 0 : 1);
}
