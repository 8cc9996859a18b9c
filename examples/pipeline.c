/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* pipeline.c - producer / consumer pipeline: a producer emits numbers,
 * several workers square them in parallel (coroutines, one OS thread),
 * a consumer sums the results.  Buffered channels decouple the stages; the
 * producer closes its channel when done, the last worker to finish closes
 * the results channel, and the consumer stops when it is drained.
 *
 *   pipeline [N]   exit status 0 if the sum of squares of 1..N is right. */
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>

#define NWORKERS 4
/* Stack bytes per coroutine on top of what the library needs, which
 * depends on the backend (koro_stack_min(): tens of KiB where coroutines
 * are OS threads). */
#define STACK_EXTRA 16384

static koro_sched_t sched;
static koro_chan_t jobs, results;
static long long jobs_buf[8], results_buf[8];
static int workers_left = NWORKERS;
static long long n_items;

static void
producer(void *arg)
{
    long long i;

    (void)arg;
    for (i = 1; i <= n_items; i++)
        koro_chan_send(&jobs, &i);
    koro_chan_close(&jobs);
}

static void
worker(void *arg)
{
    long long v, sq;

    (void)arg;
    while (koro_chan_recv(&jobs, &v) == 0) {
        sq = v * v;
        koro_chan_send(&results, &sq);
    }
    if (--workers_left == 0)
        koro_chan_close(&results);
}

static void
consumer(void *arg)
{
    long long v;

    while (koro_chan_recv(&results, &v) == 0)
        *(long long *)arg += v;
}

/* main ends with exit(): under Emscripten a main that has switched to a
 * fiber loses its return value. */
int
main(int argc, char **argv)
{
    static koro_t ks[NWORKERS + 2];
    size_t size = koro_stack_min() + STACK_EXTRA;
    unsigned char *stacks = malloc((NWORKERS + 2) * size);
    long long sum = 0, want;
    int i, rc;

    if (!stacks)
        exit(1);
    n_items = argc > 1 ? atoll(argv[1]) : 10000;
    koro_sched_init(&sched);
    koro_chan_init(&jobs, jobs_buf, sizeof(long long), 8);
    koro_chan_init(&results, results_buf, sizeof(long long), 8);
    koro_init(&ks[0], producer, NULL, stacks, size);
    for (i = 1; i <= NWORKERS; i++)
        koro_init(&ks[i], worker, NULL, stacks + i * size, size);
    koro_init(&ks[NWORKERS + 1], consumer, &sum, stacks + (NWORKERS + 1) * size,
              size);
    for (i = 0; i < NWORKERS + 2; i++)
        koro_sched_spawn(&sched, &ks[i]);
    rc = koro_sched_run(&sched);
    want = n_items * (n_items + 1) * (2 * n_items + 1) / 6;
    printf("sum of squares 1..%lld = %lld (expected %lld)\n", n_items, sum,
           want);
    if (rc != 0)
        fprintf(stderr, "pipeline: %s\n", koro_strerror(rc));
    exit(rc == 0 && sum == want ? 0 : 1);
}
