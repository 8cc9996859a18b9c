/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* threads-bench.c - the threads backend side by side with its reference.
 *
 *   threads-bench [-t SECONDS] [-s SAMPLES] [-n N,N,...] [-c CPU]
 *
 * For each N (default 1, 32, 64, 128): N coroutines that loop on
 * koro_yield(), resumed in turn from main (the original README's threads
 * table), against its reference, a bare POSIX-semaphore ping-pong
 * between two threads, and, for context, the same N-thread pattern done
 * with semaphores (main posts thread i's semaphore, waits for its answer).
 * All three keep their threads alive for the whole N and take SAMPLES
 * samples of SECONDS each, interleaved (the order rotates every sample:
 * ABC, BCA, CAB, ...), so that load from elsewhere on the machine hits
 * every side alike.  Reported: the median rate of each side, and the
 * median and range of the per-sample ratio (each taken from samples
 * adjacent in time).  "cpu" is the CPU time per wall second of our side
 * (1.00: one processor kept busy; spinning shows up there).
 *
 * -c CPU pins the whole process (every thread of every side) to that
 * processor before anything runs; by default nothing is pinned and the
 * kernel places every side's threads alike.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1 /* sched_setaffinity(), CPU_SET() */
#endif

#include "korutin.h"
#include "threads-ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#endif

#define STACK 65536
#define MAX_SAMPLES 31
#define MAX_COUNTS 16

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double
cpu(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double
median(const double *v, int n)
{
    double s[MAX_SAMPLES];

    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* ---- our side: n coroutines resumed in turn ----------------------- */

struct koro_side {
    koro_t *ks;
    unsigned char *mem;
    int n;
};

static void
body(void *arg)
{
    (void)arg;
    for (;;)
        koro_yield();
}

static void
koro_side_close(struct koro_side *s)
{
    int i;

    for (i = 0; i < s->n; i++)
        koro_fini(&s->ks[i]);
    free(s->mem);
    free(s->ks);
}

/* Create the coroutines and resume each once (its thread is born then),
 * outside any timing. */
static int
koro_side_open(struct koro_side *s, int n)
{
    size_t stack = koro_stack_min() > STACK ? koro_stack_min() : STACK;
    int i, bad = 0;

    s->n = 0;
    s->ks = calloc((size_t)n, sizeof *s->ks);
    s->mem = malloc((size_t)n * stack);
    if (!s->ks || !s->mem) {
        free(s->mem);
        free(s->ks);
        return -1;
    }
    for (i = 0; i < n && !bad; i++) {
        bad =
            koro_init(&s->ks[i], body, NULL, s->mem + (size_t)i * stack, stack);
        if (!bad)
            bad = koro_resume(&s->ks[i]);
        if (!bad)
            s->n = i + 1;
    }
    if (bad) {
        koro_side_close(s);
        return -1;
    }
    return 0;
}

/* Like koro_sem_ring_run(): whole rounds, the clock read once a round. */
static double
koro_side_run(struct koro_side *s, double seconds, double *load)
{
    double t0, t1, c0;
    long trips = 0;
    int i, bad = 0;

    c0 = cpu();
    t0 = now();
    do {
        for (i = 0; i < s->n; i++)
            bad |= koro_resume(&s->ks[i]);
        trips += s->n;
        t1 = now();
    } while (t1 - t0 < seconds);
    *load = (cpu() - c0) / (t1 - t0);
    return bad ? 0 : (double)trips / (t1 - t0);
}

/* ---- driver --------------------------------------------------------- */

struct result {
    double ref, koro, rr, ratio, lo, hi, rr_ratio, load;
};

static int
measure(int n, int samples, double secs, struct result *res)
{
    double ref[MAX_SAMPLES], ko[MAX_SAMPLES], rr[MAX_SAMPLES];
    double ratio[MAX_SAMPLES], rr_ratio[MAX_SAMPLES], load[MAX_SAMPLES];
    struct koro_sem_ring *pp = koro_sem_ring_open(1);
    struct koro_sem_ring *ring = koro_sem_ring_open(n);
    struct koro_side side;
    int s, k, rc = -1;

    if (!pp || !ring || koro_side_open(&side, n) != 0)
        goto out;
    for (s = 0; s < samples; s++) {
        for (k = 0; k < 3; k++) {
            switch ((s + k) % 3) {
            case 0:
                ref[s] = koro_sem_ring_run(pp, secs);
                break;
            case 1:
                ko[s] = koro_side_run(&side, secs, &load[s]);
                break;
            default:
                rr[s] = koro_sem_ring_run(ring, secs);
            }
        }
        ratio[s] = ref[s] > 0 ? ko[s] / ref[s] : 0;
        rr_ratio[s] = ref[s] > 0 ? rr[s] / ref[s] : 0;
    }
    koro_side_close(&side);
    res->ref = median(ref, samples);
    res->koro = median(ko, samples);
    res->rr = median(rr, samples);
    res->ratio = median(ratio, samples);
    res->rr_ratio = median(rr_ratio, samples);
    res->load = median(load, samples);
    qsort(ratio, (size_t)samples, sizeof ratio[0], cmp_double);
    res->lo = ratio[0];
    res->hi = ratio[samples - 1];
    rc = 0;
out:
    koro_sem_ring_close(ring);
    koro_sem_ring_close(pp);
    return rc;
}

static int
pin(int cpu_no)
{
#if defined(__linux__) && defined(CPU_SET)
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu_no, &set);
    return sched_setaffinity(0, sizeof set, &set);
#else
    (void)cpu_no;
    return -1;
#endif
}

static int
usable_cpus(void)
{
#if defined(__linux__) && defined(CPU_COUNT)
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set);
#endif
    return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

static double
loadavg(void)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double l = -1;

    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

static int
usage(void)
{
    fprintf(stderr, "usage: threads-bench [-t SECONDS] [-s SAMPLES] "
                    "[-n N,N,...] [-c CPU]\n");
    return 2;
}

int
main(int argc, char **argv)
{
    int counts[MAX_COUNTS] = {1, 32, 64, 128}, nc = 4, samples = 7;
    int pinned = -1, opt;
    double secs = 0.2;

    for (opt = 1; opt < argc; opt++) {
        const char *o = argv[opt];

        if (opt + 1 >= argc)
            return usage();
        if (!strcmp(o, "-t"))
            secs = atof(argv[++opt]);
        else if (!strcmp(o, "-s"))
            samples = atoi(argv[++opt]);
        else if (!strcmp(o, "-c"))
            pinned = atoi(argv[++opt]);
        else if (!strcmp(o, "-n")) {
            const char *p = argv[++opt];

            for (nc = 0; *p && nc < MAX_COUNTS; nc++) {
                char *end;

                counts[nc] = (int)strtol(p, &end, 10);
                if (end == p || counts[nc] < 1)
                    return usage();
                p = *end == ',' ? end + 1 : end;
            }
        } else
            return usage();
    }
    if (samples < 1 || samples > MAX_SAMPLES || secs <= 0 || nc < 1)
        return usage();
    if (pinned >= 0 && pin(pinned) != 0) {
        perror("threads-bench: sched_setaffinity");
        return 1;
    }
    printf("backend: %s; %d usable CPU(s), %s; load average %.2f at "
           "start\n",
           koro_backend(), usable_cpus(),
           pinned >= 0 ? "every thread pinned to one" : "nothing pinned",
           loadavg());
    printf("round trips/s, median of %d interleaved samples of %.2f s; "
           "ratio = median of per-sample ratios [min-max]\n\n",
           samples, secs);
    printf("| coroutines | threads backend | semaphore ping-pong (ref) | "
           "ratio | cpu s/s | semaphores, N threads in turn | ratio |\n");
    printf("|---:|---:|---:|---:|---:|---:|---:|\n");
    fflush(stdout);
    for (opt = 0; opt < nc; opt++) {
        struct result r;

        if (measure(counts[opt], samples, secs, &r) != 0) {
            printf("| %d | failed | | | | | |\n", counts[opt]);
            continue;
        }
        printf("| %d | %.0f k | %.0f k | %.2fx [%.2f-%.2f] | %.2f | %.0f k | "
               "%.2fx |\n",
               counts[opt], r.koro / 1e3, r.ref / 1e3, r.ratio, r.lo, r.hi,
               r.load, r.rr / 1e3, r.rr_ratio);
        fflush(stdout);
    }
    printf("\nload average %.2f at the end\n", loadavg());
    return 0;
}
