/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* soak.c - endurance run: a billion switches with channel traffic, every
 * counter checked at the end.  Not part of `make check`; run with
 * `make bench-scale` (short) or by hand:
 *
 *     bench/soak [SWITCHES]        default 1000000000; e.g. 1e7 for a
 *                                  quick run (any strtod() number)
 *
 * One scheduler runs, until SWITCHES context switches have been counted:
 *   - yielders that only koro_yield() (2 switches per dispatch);
 *   - producer/consumer pairs over channels of capacity 0, 1 and 16,
 *     the consumers checking that every value arrives once and in order;
 *   - a fan-in consumer using koro_select over two producers;
 *   - a consumer that resumes a generator coroutine of its own (nested,
 *     not scheduled) for every value and checks it.
 * Switches are counted exactly from the coroutines' side: a dispatch is
 * noticed when a coroutine runs after a different one ran (or returns
 * from koro_yield), and counts 2 (scheduler -> it -> scheduler); each
 * nested resume + yield counts 2.  At the end the program checks every
 * count, sum and sequence and exits non-zero on any mismatch. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "korutin.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 16 KiB, or more if the backend needs more. */
#define STACK (koro_stack_min() > 16384 ? koro_stack_min() : (size_t)16384)
#define NYIELD 4
#define NPAIR 3

static uint64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t target, switches, dispatches;
static const void *last; /* the coroutine that ran last */
static int stop;
static long failures;

/* Called by a coroutine after any call that may have switched away. */
static inline void
ran(const void *me)
{
    if (last != me) {
        last = me;
        dispatches++;
        switches += 2;
        if (switches >= target)
            stop = 1;
    }
}

static void
fail(const char *what, long a, long b)
{
    if (failures++ < 10)
        fprintf(stderr, "FAIL: %s: %ld != %ld\n", what, a, b);
}

/* ------------------------------------------------------------------ */

struct yielder {
    uint64_t n;
};

static void
body_yielder(void *arg)
{
    struct yielder *y = arg;
    uint64_t mine = 0; /* on this stack: checked against y->n */

    while (!stop) {
        koro_yield();
        last = NULL; /* always a dispatch, even if nothing else ran */
        ran(y);
        mine++;
        y->n++;
    }
    if (mine != y->n)
        fail("yielder local count", (long)mine, (long)y->n);
}

struct pair {
    koro_chan_t ch;
    long buf[16];
    long sent, got, sum_sent, sum_got;
};

static void
body_producer(void *arg)
{
    struct pair *p = arg;
    long v = 0;

    ran(p);
    while (!stop) {
        v++;
        if (koro_chan_send(&p->ch, &v) != 0) {
            fail("send", 0, 1);
            break;
        }
        ran(p);
        p->sent++;
        p->sum_sent += v;
    }
    koro_chan_close(&p->ch);
}

static void
body_consumer(void *arg)
{
    struct pair *p = arg;
    long v, expect = 1;

    ran(&p->got);
    while (koro_chan_recv(&p->ch, &v) == 0) {
        ran(&p->got);
        if (v != expect)
            fail("consumer order", v, expect);
        expect = v + 1;
        p->got++;
        p->sum_got += v;
    }
}

/* Fan-in: two producers (pairs fan[0], fan[1]) into one select loop. */
static struct pair fan[2];
static long fan_got[2];

static void
body_fanin(void *arg)
{
    struct koro_sel sel[2];
    long v, expect[2] = {1, 1};
    int i, open = 2;

    (void)arg;
    ran(fan_got);
    for (i = 0; i < 2; i++) {
        sel[i].chan = &fan[i].ch;
        sel[i].op = KORO_SEL_RECV;
        sel[i].elem = &v;
    }
    while (open) {
        i = koro_select(sel, 2, -1);
        ran(fan_got);
        if (i < 0) {
            fail("select", i, 0);
            break;
        }
        if (sel[i].result == KORO_ECLOSED) {
            sel[i].chan = NULL;
            open--;
            continue;
        }
        if (v != expect[i])
            fail("fan-in order", v, expect[i]);
        expect[i] = v + 1;
        fan[i].got++;
        fan[i].sum_got += v;
    }
}

/* A consumer with a generator it resumes itself for every value. */
static struct pair gpair;
static koro_t gen;
static long genval, gen_resumes;

static void
body_gen(void *arg)
{
    long i;

    (void)arg;
    for (i = 1;; i++) {
        genval = i;
        koro_yield();
    }
}

static void
body_gen_consumer(void *arg)
{
    long v;

    (void)arg;
    ran(&gpair.got);
    while (koro_chan_recv(&gpair.ch, &v) == 0) {
        ran(&gpair.got);
        if (koro_resume(&gen) != 0)
            fail("resume generator", 1, 0);
        gen_resumes++;
        switches += 2;
        if (genval != v)
            fail("generator value", genval, v);
        gpair.got++;
        gpair.sum_got += v;
    }
}

/* ------------------------------------------------------------------ */

static unsigned char *stacks;
static int nk;

static void
start(koro_sched_t *s, koro_t *k, koro_fn fn, void *arg)
{
    if (koro_init(k, fn, arg, stacks + (size_t)nk++ * STACK, STACK) ||
        koro_sched_spawn(s, k)) {
        fprintf(stderr, "cannot start coroutine %d\n", nk);
        exit(1);
    }
}

static int
check_pair(const char *name, const struct pair *p)
{
    printf("  %-10s %12ld values, sum %ld\n", name, p->got, p->sum_got);
    if (p->sent != p->got || p->sum_sent != p->sum_got) {
        fail(name, p->got, p->sent);
        return 1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    static koro_t ks[64];
    static struct yielder y[NYIELD];
    static struct pair pairs[NPAIR];
    static const size_t caps[NPAIR] = {0, 1, 16};
    koro_sched_t s;
    uint64_t t0, t1, yields = 0;
    int i, rc;
    double secs;

    target = argc > 1 ? (uint64_t)strtod(argv[1], NULL) : 1000000000u;
    stacks = malloc(STACK * 64);
    if (!stacks || !target) {
        fprintf(stderr, "usage: %s [SWITCHES]\n", argv[0]);
        return 2;
    }
    printf("backend %s: soak for %llu switches\n", koro_backend(),
           (unsigned long long)target);
    koro_sched_init(&s);
    for (i = 0; i < NYIELD; i++)
        start(&s, &ks[nk], body_yielder, &y[i]);
    for (i = 0; i < NPAIR; i++) {
        koro_chan_init(&pairs[i].ch, pairs[i].buf, sizeof(long), caps[i]);
        start(&s, &ks[nk], body_producer, &pairs[i]);
        start(&s, &ks[nk], body_consumer, &pairs[i]);
    }
    for (i = 0; i < 2; i++) {
        koro_chan_init(&fan[i].ch, fan[i].buf, sizeof(long), (size_t)i);
        start(&s, &ks[nk], body_producer, &fan[i]);
    }
    start(&s, &ks[nk], body_fanin, NULL);
    koro_chan_init(&gpair.ch, NULL, sizeof(long), 0);
    start(&s, &ks[nk], body_producer, &gpair);
    start(&s, &ks[nk], body_gen_consumer, NULL);
    if (koro_init(&gen, body_gen, NULL, stacks + (size_t)nk++ * STACK, STACK)) {
        fprintf(stderr, "cannot make the generator\n");
        return 1;
    }

    t0 = now_ns();
    rc = koro_sched_run(&s);
    t1 = now_ns();
    secs = (double)(t1 - t0) / 1e9;
    if (rc != 0)
        fail("koro_sched_run", rc, 0);
    koro_fini(&gen);
    for (i = 0; i < nk - 1; i++)
        if (koro_status(&ks[i]) != KORO_DEAD)
            fail("coroutine not finished", i, 0);
    for (i = 0; i < NYIELD; i++)
        yields += y[i].n;
    printf("  switches   %12llu (%llu dispatches, %llu yields, %ld nested "
           "resumes)\n",
           (unsigned long long)switches, (unsigned long long)dispatches,
           (unsigned long long)yields, gen_resumes);
    for (i = 0; i < NPAIR; i++) {
        char name[32];

        snprintf(name, sizeof name, "cap %zu", caps[i]);
        check_pair(name, &pairs[i]);
    }
    check_pair("fan-in 0", &fan[0]);
    check_pair("fan-in 1", &fan[1]);
    check_pair("generator", &gpair);
    if (gen_resumes != gpair.got)
        fail("generator resumes", gen_resumes, gpair.got);
    printf("elapsed %.2f s: %.1f ns per switch, %.1f M switches/s\n", secs,
           secs * 1e9 / (double)switches, (double)switches / secs / 1e6);
    if (failures || switches < target) {
        printf("FAILED (%ld failures)\n", failures);
        return 1;
    }
    printf("all counters agree\n");
    free(stacks);
    return 0;
}
