/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* profile.c - a switch hook that counts, for each coroutine of a
 * scheduler, how often it was switched to and the processor time it
 * used.  Exits 0 when every count is what the coroutines' yields make it. */
#include <korutin.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NWORK 3
#define STACK_EXTRA 16384

struct prof {
    koro_t *k;             /* NULL: the thread's own context */
    unsigned long entered; /* switches into it */
    uint64_t ns;           /* processor time it used */
};

static struct prof tab[NWORK + 1]; /* tab[0]: the thread's own context */
static uint64_t since;

/* Processor time in nanoseconds, from standard C's clock(): the program
 * has one busy thread at a time. */
static uint64_t
now_ns(void)
{
    return (uint64_t)clock() * (1000000000u / CLOCKS_PER_SEC);
}

static struct prof *
slot(koro_t *k)
{
    int i;

    for (i = 0; i <= NWORK; i++)
        if (tab[i].k == k)
            return &tab[i];
    return NULL; /* a coroutine this profiler does not know */
}

/* Runs on from's stack just before the switch; it must not switch. */
static void
on_switch(koro_t *from, koro_t *to, void *arg)
{
    uint64_t t = now_ns();
    struct prof *p;

    (void)arg;
    if ((p = slot(from)) != NULL)
        p->ns += t - since;
    if ((p = slot(to)) != NULL)
        p->entered++;
    since = t;
}

/* Yields as often as its argument says, with some work in between. */
static void
work(void *arg)
{
    volatile double x = 0;
    int i, j, n = *(const int *)arg;

    for (i = 0; i < n; i++) {
        for (j = 0; j < 100000; j++)
            x += j * 0.5;
        koro_yield(); /* the scheduler runs the others, then this again */
    }
}

int
main(void)
{
    static const char *names[NWORK] = {"small", "medium", "large"};
    static const int yields[NWORK] = {1, 4, 9};
    size_t size = koro_stack_min() + STACK_EXTRA;
    unsigned char *stacks = malloc(NWORK * size);
    koro_t k[NWORK];
    koro_sched_t s;
    int i, bad = 0;

    if (!stacks || koro_sched_init(&s) != 0)
        return 1;
    for (i = 0; i < NWORK; i++) {
        if (koro_init(&k[i], work, (void *)&yields[i], stacks + i * size,
                      size) != 0 ||
            koro_sched_spawn(&s, &k[i]) != 0)
            return 1;
        koro_set_name(&k[i], names[i]);
        tab[i + 1].k = &k[i];
    }
    since = now_ns();
    koro_set_switch_hook(on_switch, NULL, NULL, NULL);
    if (koro_sched_run(&s) != 0)
        return 1;
    koro_set_switch_hook(NULL, NULL, NULL, NULL);
    for (i = 0; i < NWORK; i++) {
        struct prof *p = &tab[i + 1];

        /* Started once, resumed once after each yield. */
        bad += p->entered != (unsigned long)yields[i] + 1;
        printf("%-7s entered %2lu times, ran %7.3f ms\n", names[i], p->entered,
               (double)p->ns / 1e6);
    }
    free(stacks);
    return bad != 0;
}
