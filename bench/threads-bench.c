/* threads-bench.c - round trips per second of koro_resume() + koro_yield()
 * under the threads backend at 32, 64 and 128 coroutines, next to a bare
 * semaphore ping-pong between two threads measured in the same run, with
 * the CPU time spent per wall-clock second (spinning shows up there;
 * 1.00 means one CPU kept busy).
 *
 *   make bench/threads-bench && bench/threads-bench [seconds [reps]]
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "korutin.h"
#include "threads-ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define STACK 65536

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

static void
body(void *arg)
{
    (void)arg;
    for (;;)
        koro_yield();
}

/* Round trips per second with n coroutines resumed in turn; *load gets
 * the CPU seconds used per wall second. */
static double
run(int n, double min_seconds, double *load)
{
    size_t stack = koro_stack_min() > STACK ? koro_stack_min() : STACK;
    koro_t *ks = calloc((size_t)n, sizeof *ks);
    unsigned char *mem = malloc((size_t)n * stack);
    double t0, t1, c0;
    long trips = 0;
    int i, bad = 0;

    *load = 0;
    if (!ks || !mem)
        return 0;
    for (i = 0; i < n; i++)
        bad |= koro_init(&ks[i], body, NULL, mem + (size_t)i * stack, stack);
    if (bad) {
        free(mem);
        free(ks);
        return 0;
    }
    for (i = 0; i < n; i++) /* start every thread outside the timing */
        bad |= koro_resume(&ks[i]);
    t0 = now();
    c0 = cpu();
    do {
        int r;

        for (r = 0; r < 100; r++)
            for (i = 0; i < n; i++)
                bad |= koro_resume(&ks[i]);
        trips += 100L * n;
        t1 = now();
    } while (t1 - t0 < min_seconds);
    *load = (cpu() - c0) / (t1 - t0);
    for (i = 0; i < n; i++)
        bad |= koro_fini(&ks[i]);
    free(mem);
    free(ks);
    return bad ? 0 : (double)trips / (t1 - t0);
}

/* The machine is shared and noisy: the reference and each coroutine
 * count are measured in turn, `reps` times over, and the best of each is
 * kept, so that a burst of foreign load hurts neither side alone. */
int
main(int argc, char **argv)
{
    static const int counts[] = {1, 32, 64, 128};
    enum { N = sizeof counts / sizeof counts[0] };
    double secs = argc > 1 ? atof(argv[1]) : 0.5;
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    double ref = 0, rr = 0, best[N] = {0}, load[N] = {0};
    int r;
    unsigned i;

    printf("backend: %s; best of %d runs of %.2f s each\n", koro_backend(),
           reps, secs);
    for (r = 0; r < reps; r++) {
        double x = koro_bench_sem_pingpong(secs);

        if (x > ref)
            ref = x;
        x = koro_bench_sem_roundrobin(32, secs);
        if (x > rr)
            rr = x;
        for (i = 0; i < N; i++) {
            double l = 0, y = run(counts[i], secs, &l);

            if (y > best[i]) {
                best[i] = y;
                load[i] = l;
            }
        }
    }
    printf("%-28s %10.0f round trips/s\n", "semaphore ping-pong (ref)", ref);
    printf("%-28s %10.0f round trips/s  %5.2fx ref  (context)\n",
           "semaphores, 32 threads rr", rr, rr / ref);
    for (i = 0; i < N; i++) {
        char label[64];

        snprintf(label, sizeof label, "threads, %d coroutines", counts[i]);
        printf("%-28s %10.0f round trips/s  %5.2fx ref  cpu %.2f s/s\n", label,
               best[i], best[i] / ref, load[i]);
    }
    return 0;
}
