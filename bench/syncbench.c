/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* syncbench.c - the mutex and the wait group against the raw resume +
 * yield round trip, all measured in the same run (`make bench-sync`).
 *
 *   syncbench [iterations [raw|calls|self|lock|handoff|wg]]
 *
 * With a mode, runs that one measurement once (for valgrind --tool=
 * callgrind: the difference in instructions between two iteration
 * counts gives the cost of one).
 *
 * uncontended: koro_mutex_lock + koro_mutex_unlock in a scheduled
 *   coroutine that nobody contends with;
 * call floor: the same loop calling two library functions that do
 *   nothing (koro_backend), and two that only read the running
 *   coroutine (koro_self): what any lock + unlock pair made of two
 *   calls into the shared library costs at least;
 * hand-off: two coroutines that each unlock and lock again, each time
 *   finding the other queued: per hand-off of the mutex from one to the
 *   other (one switch, straight from the blocking locker to the new
 *   owner);
 * wait group round: a coroutine adds 1 and waits, another calls
 *   koro_wg_done and yields.
 * Best of 5 interleaved rounds. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BSTACK 65536

static unsigned char bstk[2][BSTACK];
static long niter;
static koro_mutex_t bm;
static koro_wg_t bwg;
static volatile int stop;

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
check(int rc)
{
    if (rc != 0) {
        fprintf(stderr, "syncbench: %s\n", koro_strerror(rc));
        exit(1);
    }
}

static void
body_yield(void *arg)
{
    (void)arg;
    for (;;)
        koro_yield();
}

static double
raw_roundtrip(long n)
{
    koro_t k;
    double t0;
    long i;

    check(koro_init(&k, body_yield, NULL, bstk[0], BSTACK));
    t0 = now_s();
    for (i = 0; i < n; i++)
        koro_resume(&k);
    t0 = now_s() - t0;
    koro_fini(&k);
    return t0 * 1e9 / (double)n;
}

/* Run a and b (b may be NULL) on a fresh scheduler; ns per iteration. */
static double
sched_run(long n, koro_fn a, koro_fn b)
{
    koro_sched_t s;
    koro_t k[2];
    double t0;

    niter = n;
    stop = 0;
    check(koro_sched_init(&s));
    check(koro_mutex_init(&bm));
    check(koro_wg_init(&bwg));
    check(koro_init(&k[0], a, NULL, bstk[0], BSTACK));
    check(koro_sched_spawn(&s, &k[0]));
    if (b) {
        check(koro_init(&k[1], b, NULL, bstk[1], BSTACK));
        check(koro_sched_spawn(&s, &k[1]));
    }
    t0 = now_s();
    check(koro_sched_run(&s));
    return (now_s() - t0) * 1e9 / (double)n;
}

static void
body_uncontended(void *arg)
{
    long i;

    (void)arg;
    for (i = 0; i < niter; i++) {
        koro_mutex_lock(&bm);
        koro_mutex_unlock(&bm);
    }
}

/* The loop of body_uncontended, with calls that do no work. */
static void
body_calls(void *arg)
{
    long i;

    (void)arg;
    for (i = 0; i < niter; i++) {
        koro_backend();
        koro_backend();
    }
}

static void
body_self(void *arg)
{
    long i;

    (void)arg;
    for (i = 0; i < niter; i++) {
        koro_self();
        koro_self();
    }
}

static void
body_handoff(void *arg)
{
    long i;

    (void)arg;
    check(koro_mutex_lock(&bm));
    koro_yield(); /* the other queues on bm */
    for (i = 0; i < niter; i++) {
        check(koro_mutex_unlock(&bm)); /* hands it to the other */
        check(koro_mutex_lock(&bm));   /* until handed back */
    }
    check(koro_mutex_unlock(&bm));
}

static void
body_wg_boss(void *arg)
{
    long i;

    (void)arg;
    for (i = 0; i < niter; i++) {
        check(koro_wg_add(&bwg, 1));
        check(koro_wg_wait(&bwg));
    }
    stop = 1;
}

static void
body_wg_worker(void *arg)
{
    (void)arg;
    while (!stop) {
        koro_wg_done(&bwg); /* KORO_EINVAL while the count is 0 */
        koro_yield();
    }
}

static double
uncontended(long n)
{
    return sched_run(n, body_uncontended, NULL);
}

static double
calls(long n)
{
    return sched_run(n, body_calls, NULL);
}

static double
selfcalls(long n)
{
    return sched_run(n, body_self, NULL);
}

static double
handoff(long n)
{
    /* 2n hand-offs, n by each. */
    return sched_run(n, body_handoff, body_handoff) / 2;
}

static double
wg_round(long n)
{
    return sched_run(n, body_wg_boss, body_wg_worker);
}

static void
keep_best(double *best, double t)
{
    if (t < *best)
        *best = t;
}

int
main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    double rt = 1e30, fl = 1e30, fs = 1e30, un = 1e30, ho = 1e30, wg = 1e30;
    int round;

    if (n <= 0)
        n = 2000000;
    if (argc > 2) {
        static const struct {
            const char *name;
            double (*fn)(long);
        } modes[] = {{"raw", raw_roundtrip}, {"calls", calls},
                     {"self", selfcalls},    {"lock", uncontended},
                     {"handoff", handoff},   {"wg", wg_round}};
        size_t i;

        for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
            if (!strcmp(argv[2], modes[i].name)) {
                printf("%s: %.2f ns\n", modes[i].name, modes[i].fn(n));
                return 0;
            }
        fprintf(stderr, "syncbench: unknown mode %s\n", argv[2]);
        return 2;
    }
    for (round = 0; round < 5; round++) {
        keep_best(&rt, raw_roundtrip(n));
        keep_best(&fl, calls(n));
        keep_best(&fs, selfcalls(n));
        keep_best(&un, uncontended(n));
        keep_best(&ho, handoff(n));
        keep_best(&wg, wg_round(n));
    }
    printf("backend: %s, %ld iterations, best of 5 interleaved rounds\n",
           koro_backend(), n);
    printf("  raw resume+yield round trip  %8.2f ns\n", rt);
    printf("  two empty library calls      %8.2f ns  %5.2fx round trip\n", fl,
           fl / rt);
    printf("  two koro_self() calls        %8.2f ns  %5.2fx round trip\n", fs,
           fs / rt);
    printf("  uncontended lock+unlock      %8.2f ns  %5.2fx round trip\n", un,
           un / rt);
    printf("  contended hand-off           %8.2f ns  %5.2fx round trip\n", ho,
           ho / rt);
    printf("  wait group round             %8.2f ns  %5.2fx round trip\n", wg,
           wg / rt);
    return 0;
}
