/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* fpctl.c - what the FP control instructions of an x86 switch cost here.
 *
 *   make bench-fpctl
 *
 * A switch saves MXCSR (stmxcsr) and the x87 control word (fnstcw) of the
 * context it leaves and loads (ldmxcsr, fldcw) those of the one it enters;
 * a round trip does each twice.  This times each instruction in a loop of
 * its own (the best of several runs), which is its throughput.  stmxcsr
 * is microcoded on some CPUs and then bounds the round trip: two of them
 * cannot overlap, whatever the rest of the switch does.
 * The numbers are for doc/performance.md; nothing is asserted.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdio.h>
#include <time.h>

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#define LOOPS 20000000L
#define RUNS 5

/* Time `body` LOOPS times, RUNS times over; the best ns per iteration. */
#define TIME(best, body)                                                       \
    do {                                                                       \
        int r_;                                                                \
        for (r_ = 0; r_ < RUNS; r_++) {                                        \
            double t0_ = now_ns(), t_;                                         \
            long i_;                                                           \
            for (i_ = 0; i_ < LOOPS; i_++) {                                   \
                body;                                                          \
            }                                                                  \
            t_ = (now_ns() - t0_) / (double)LOOPS;                             \
            if (r_ == 0 || t_ < (best))                                        \
                (best) = t_;                                                   \
        }                                                                      \
    } while (0)

int
main(void)
{
    unsigned mx = 0, mx_in;
    unsigned short cw = 0, cw_in;
    double st = 0, ld = 0, fst = 0, fld = 0, empty = 0;

    __asm__ volatile("stmxcsr %0" : "=m"(mx_in));
    __asm__ volatile("fnstcw %0" : "=m"(cw_in));
    TIME(empty, __asm__ volatile("" ::: "memory"));
    TIME(st, __asm__ volatile("stmxcsr %0" : "=m"(mx)));
    TIME(ld, __asm__ volatile("ldmxcsr %0" ::"m"(mx_in)));
    TIME(fst, __asm__ volatile("fnstcw %0" : "=m"(cw)));
    TIME(fld, __asm__ volatile("fldcw %0" ::"m"(cw_in)));
    (void)mx;
    (void)cw;
    printf("ns per instruction, in a loop of its own (loop: %.2f ns):\n",
           empty);
    printf("  stmxcsr %.2f\n  ldmxcsr %.2f\n  fnstcw  %.2f\n  fldcw   %.2f\n",
           st, ld, fst, fld);
    /* The others overlap with it; stmxcsr, one at a time, does not. */
    printf("a round trip runs stmxcsr twice: it takes at least %.2f ns\n",
           2 * st);
    return 0;
}
#else
int
main(void)
{
    (void)now_ns;
    printf("fpctl: x86 only\n");
    return 77;
}
#endif
