/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* scale.c - a million coroutines alive at once on the smallest stacks the
 * backend accepts: memory per coroutine and the switch rate at that
 * scale.  Not part of `make check`; run with `make bench-scale`.
 *
 *     bench/scale [-n COROUTINES] [-s STACK_BYTES] [-r ROUNDS]
 *
 * Defaults: 1 000 000 coroutines, koro_stack_min() bytes each, 10 rounds.
 * Memory is the growth of VmRSS (/proc/self/status, Linux) from before
 * the stacks are allocated to after every coroutine has run once, divided
 * by the number of coroutines: it includes the koro_t (64 bytes) and
 * every stack page touched.  Two rates are reported: main resuming every
 * coroutine in turn (core API), and the scheduler running all of them,
 * each yielding ROUNDS times. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "korutin.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proc-kib.h"

static uint64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static unsigned long *counts;

static void
body_forever(void *arg)
{
    unsigned long *c = arg;

    for (;;) {
        ++*c;
        koro_yield();
    }
}

static long rounds_left;

static void
body_rounds(void *arg)
{
    unsigned long *c = arg;
    long i;

    for (i = 0; i < rounds_left; i++) {
        ++*c;
        koro_yield();
    }
}

int
main(int argc, char **argv)
{
    size_t n = 1000000, ssz = koro_stack_min(), i;
    long rounds = 10, r, rss0, rss1;
    unsigned char *stacks;
    koro_t *ks;
    koro_sched_t s;
    uint64_t t0, t1;
    unsigned long total = 0;
    int opt;

    for (opt = 1; opt < argc; opt++) {
        if (opt + 1 < argc && !strcmp(argv[opt], "-n"))
            n = strtoul(argv[++opt], NULL, 0);
        else if (opt + 1 < argc && !strcmp(argv[opt], "-s"))
            ssz = strtoul(argv[++opt], NULL, 0);
        else if (opt + 1 < argc && !strcmp(argv[opt], "-r"))
            rounds = strtol(argv[++opt], NULL, 0);
        else {
            fprintf(stderr,
                    "usage: %s [-n COROUTINES] [-s STACK] [-r ROUNDS]\n",
                    argv[0]);
            return 2;
        }
    }
    printf("backend %s, %zu coroutines, %zu-byte stacks (koro_stack_min() = "
           "%zu), sizeof(koro_t) = %zu\n",
           koro_backend(), n, ssz, koro_stack_min(), sizeof(koro_t));
    /* With lazy binding, the first call of koro_yield() through the PLT
     * runs the dynamic linker's resolver on the caller's stack, and it
     * saves the whole vector state there (over 2 KiB with AVX-512): far
     * more than a minimal stack.  Resolve it here, on main's stack, the
     * way -Wl,-z,now or LD_BIND_NOW=1 would. */
    if (koro_yield() != KORO_ENOTCORO)
        return 1;
    rss0 = proc_kib("/proc/self/status", "VmRSS:");
    ks = malloc(n * sizeof *ks);
    counts = calloc(n, sizeof *counts);
    stacks = malloc(n * ssz);
    if (!ks || !counts || !stacks) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }

    /* Core API: main resumes each in turn. */
    t0 = now_ns();
    for (i = 0; i < n; i++)
        if (koro_init(&ks[i], body_forever, &counts[i], stacks + i * ssz,
                      ssz)) {
            fprintf(stderr, "koro_init failed at %zu\n", i);
            return 1;
        }
    for (i = 0; i < n; i++)
        koro_resume(&ks[i]);
    t1 = now_ns();
    rss1 = proc_kib("/proc/self/status", "VmRSS:");
    printf("created and started %zu in %.3f s (%.1f ns each)\n", n,
           (t1 - t0) / 1e9, (double)(t1 - t0) / (double)n);
    if (rss0 >= 0 && rss1 >= 0)
        printf("memory: VmRSS %ld -> %ld KiB: %.1f bytes per coroutine "
               "(stack %zu + koro_t %zu + counter %zu)\n",
               rss0, rss1, (rss1 - rss0) * 1024.0 / (double)n, ssz,
               sizeof(koro_t), sizeof *counts);
    else
        printf("memory: no /proc/self/status here\n");
    t0 = now_ns();
    for (r = 0; r < rounds; r++)
        for (i = 0; i < n; i++)
            koro_resume(&ks[i]);
    t1 = now_ns();
    printf("core: %ld rounds over all: %.1f ns per resume+yield, %.2f M "
           "switches/s\n",
           rounds, (double)(t1 - t0) / ((double)n * (double)rounds),
           2.0 * (double)n * (double)rounds / ((double)(t1 - t0) / 1e9) / 1e6);
    for (i = 0; i < n; i++) {
        total += counts[i];
        koro_fini(&ks[i]);
    }
    if (total != (unsigned long)n * (unsigned long)(rounds + 1)) {
        fprintf(stderr, "FAIL: %lu resumes counted, expected %lu\n", total,
                (unsigned long)n * (unsigned long)(rounds + 1));
        return 1;
    }

    /* The scheduler: all of them in its run queue. */
    memset(counts, 0, n * sizeof *counts);
    rounds_left = rounds;
    koro_sched_init(&s);
    for (i = 0; i < n; i++)
        if (koro_init(&ks[i], body_rounds, &counts[i], stacks + i * ssz, ssz) ||
            koro_sched_spawn(&s, &ks[i])) {
            fprintf(stderr, "spawn failed at %zu\n", i);
            return 1;
        }
    t0 = now_ns();
    if (koro_sched_run(&s) != 0) {
        fprintf(stderr, "FAIL: koro_sched_run\n");
        return 1;
    }
    t1 = now_ns();
    total = 0;
    for (i = 0; i < n; i++)
        total += counts[i];
    if (total != (unsigned long)n * (unsigned long)rounds) {
        fprintf(stderr, "FAIL: %lu yields counted, expected %lu\n", total,
                (unsigned long)n * (unsigned long)rounds);
        return 1;
    }
    printf("scheduler: %zu coroutines x %ld yields: %.1f ns per dispatch, "
           "%.2f M switches/s\n",
           n, rounds, (double)(t1 - t0) / ((double)n * (double)(rounds + 1)),
           2.0 * (double)n * (double)(rounds + 1) / ((double)(t1 - t0) / 1e9) /
               1e6);
    free(stacks);
    free(counts);
    free(ks);
    return 0;
}
