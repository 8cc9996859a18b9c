/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* chanbench.c - messages per second over channels, next to the raw
 * resume + yield round trip measured in the same run.
 *
 *   chanbench [messages [raw|yield|unbuf|buf]]
 *
 * Without a mode it prints the four figures, and where this build
 * supports koro_share_fpenv() the same again with every coroutine marked.
 *
 * With a mode, runs that one measurement once and prints its time: for
 * `valgrind --tool=callgrind`, where the difference in instructions
 * between two message counts gives the cost of one message. *
 * Another program may call chanbench_run() instead of main() (build
 * with -DCHANBENCH_NO_MAIN). */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BSTACK 65536

struct chanbench_result {
    double roundtrip_ns;   /* koro_resume + koro_yield */
    double sched_yield_ns; /* koro_yield through the scheduler, 2 coroutines */
    double unbuf_ns;       /* one message, capacity 0 */
    double buf_ns;         /* one message, capacity 64 */
};

static unsigned char bstk[2][BSTACK];
static long nmsg;
static koro_chan_t bch;
/* Mark every coroutine with koro_share_fpenv() (the second table). */
static int fpshare;

static void
bench_init(koro_t *k, koro_fn fn, void *arg, unsigned char *stack)
{
    if (koro_init(k, fn, arg, stack, BSTACK) != 0 ||
        (fpshare && koro_share_fpenv(k) != 0))
        abort();
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
body_yield(void *arg)
{
    (void)arg;
    for (;;)
        koro_yield();
}

static void
body_yield_n(void *arg)
{
    long i;

    (void)arg;
    for (i = 0; i < nmsg; i++)
        koro_yield();
}

static void
body_send(void *arg)
{
    long i;

    (void)arg;
    for (i = 0; i < nmsg; i++)
        koro_chan_send(&bch, &i);
    koro_chan_close(&bch);
}

static void
body_recv(void *arg)
{
    long v, sum = 0;

    while (koro_chan_recv(&bch, &v) == 0)
        sum += v;
    *(long *)arg = sum;
}

static double
raw_roundtrip(long n)
{
    koro_t k;
    double t0;
    long i;

    bench_init(&k, body_yield, NULL, bstk[0]);
    t0 = now_s();
    for (i = 0; i < n; i++)
        koro_resume(&k);
    t0 = now_s() - t0;
    koro_fini(&k);
    return t0 * 1e9 / (double)n;
}

static double
sched_pair(long n, koro_fn a, koro_fn b, void *barg)
{
    koro_sched_t s;
    koro_t k[2];
    double t0;

    nmsg = n;
    koro_sched_init(&s);
    bench_init(&k[0], a, NULL, bstk[0]);
    bench_init(&k[1], b, barg, bstk[1]);
    koro_sched_spawn(&s, &k[0]);
    koro_sched_spawn(&s, &k[1]);
    t0 = now_s();
    if (koro_sched_run(&s) != 0)
        abort();
    return (now_s() - t0) * 1e9 / (double)n;
}

static double
chan_pair(long n, size_t cap)
{
    static long ring[64];
    long sum = 0;
    double ns;

    koro_chan_init(&bch, ring, sizeof(long), cap);
    ns = sched_pair(n, body_send, body_recv, &sum);
    if (sum != n * (n - 1) / 2)
        abort();
    return ns;
}

static double
yields(long n)
{
    return sched_pair(n, body_yield_n, body_yield_n, NULL) / 2;
}

static double
unbuf(long n)
{
    return chan_pair(n, 0);
}

static double
buf64(long n)
{
    return chan_pair(n, 64);
}

void chanbench_run(long n, struct chanbench_result *r);

static void
keep_best(double *best, double t)
{
    if (t < *best)
        *best = t;
}

/* Best of 5 rounds, the four measurements interleaved within each round
 * so that a burst of load from other processes hits them alike. */
void
chanbench_run(long n, struct chanbench_result *r)
{
    int round;

    r->roundtrip_ns = r->sched_yield_ns = r->unbuf_ns = r->buf_ns = 1e30;
    for (round = 0; round < 5; round++) {
        keep_best(&r->roundtrip_ns, raw_roundtrip(n));
        keep_best(&r->sched_yield_ns, yields(n));
        keep_best(&r->unbuf_ns, unbuf(n));
        keep_best(&r->buf_ns, buf64(n));
    }
}

#ifndef CHANBENCH_NO_MAIN
/* Whether this build can mark coroutines (else KORO_ENOSYS). */
static int
share_supported(void)
{
    koro_t k;
    int rc;

    bench_init(&k, body_yield, NULL, bstk[0]);
    rc = koro_share_fpenv(&k);
    koro_fini(&k);
    return rc == 0;
}

int
main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    struct chanbench_result r;

    if (n < 1)
        n = 1;
    if (argc > 2) {
        static const struct {
            const char *name;
            double (*f)(long);
        } modes[] = {{"raw", raw_roundtrip},
                     {"yield", yields},
                     {"unbuf", unbuf},
                     {"buf", buf64}};
        size_t i;

        for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
            if (!strcmp(argv[2], modes[i].name)) {
                printf("%s %ld: %.2f ns\n", argv[2], n, modes[i].f(n));
                return 0;
            }
        fprintf(stderr, "chanbench: unknown mode %s\n", argv[2]);
        return 2;
    }
    for (;;) {
        chanbench_run(n, &r);
        printf("backend: %s, %ld messages, best of 5 interleaved rounds%s\n",
               koro_backend(), n,
               fpshare ? ", every coroutine marked with koro_share_fpenv" : "");
        printf("  raw resume+yield round trip  %8.2f ns\n", r.roundtrip_ns);
        printf("  yield via scheduler           %8.2f ns  (per coroutine "
               "switch-out and back)\n",
               r.sched_yield_ns);
        printf("  unbuffered message            %8.2f ns  %6.2f M msg/s  "
               "%.2fx round trip\n",
               r.unbuf_ns, 1e3 / r.unbuf_ns, r.unbuf_ns / r.roundtrip_ns);
        printf("  buffered (64) message         %8.2f ns  %6.2f M msg/s  "
               "%.2fx round trip\n",
               r.buf_ns, 1e3 / r.buf_ns, r.buf_ns / r.roundtrip_ns);
        if (fpshare || !share_supported())
            break;
        fpshare = 1;
    }
    return 0;
}
#endif
