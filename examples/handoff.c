/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* handoff.c - OS threads hand results to a coroutine through a pipe.
 *
 * Worker threads compute, append each result to a queue under a mutex,
 * then write one byte to a pipe.  A coroutine waits on the pipe with
 * koro_read() while its scheduler's other coroutines run, then drains the
 * pipe and takes every queued result.  No wake-up is lost: a byte written
 * after the coroutine looked at the queue leaves the pipe readable, so it
 * looks again.  (On Linux an eventfd does the same with one counter.)
 *
 *   handoff [THREADS [RESULTS]]   default 4 threads, 1000 results each;
 *                                 exit status 0 if every result came. */
#include <korutin.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAXTHREADS 64
/* Stack bytes per coroutine on top of what the library needs, which
 * depends on the backend (koro_stack_min(): tens of KiB where coroutines
 * are OS threads). */
#define STACK_EXTRA 32768

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long *queue;
static size_t queued;
static int wake[2]; /* the pipe: workers write, the coroutine reads */
static int nthreads = 4, per = 1000;

static koro_sched_t sched;
static koro_t consumer_k, ticker_k;
static long sum, ticks;
static size_t taken;

static void *
work(void *arg)
{
    long id = (long)(intptr_t)arg, i;

    for (i = 0; i < per; i++) {
        long result = id * per + i; /* the "work" */

        pthread_mutex_lock(&lock);
        queue[queued++] = result;
        pthread_mutex_unlock(&lock);
        /* Publish first, then signal.  A full pipe already signals. */
        while (write(wake[1], "", 1) < 0 && errno == EINTR)
            ;
    }
    return NULL;
}

static void
consume(void *arg)
{
    size_t total = (size_t)nthreads * per, n, i;
    char drain[256];

    (void)arg;
    while (taken < total) {
        if (koro_read(wake[0], drain, sizeof drain, -1) <= 0)
            break;
        while (read(wake[0], drain, sizeof drain) > 0)
            ; /* empty the pipe before looking at the queue */
        pthread_mutex_lock(&lock);
        n = queued;
        pthread_mutex_unlock(&lock);
        for (i = taken; i < n; i++)
            sum += queue[i];
        taken = n;
    }
}

/* Another coroutine, to show that the scheduler keeps running the rest
 * while the consumer waits. */
static void
tick(void *arg)
{
    (void)arg;
    while (taken < (size_t)nthreads * per) {
        ticks++;
        koro_sleep(1000000);
    }
}

int
main(int argc, char **argv)
{
    pthread_t t[MAXTHREADS];
    size_t size = koro_stack_min() + STACK_EXTRA;
    unsigned char *stacks = malloc(2 * size);
    long i, total, want;
    int rc;

    if (argc > 1)
        nthreads = atoi(argv[1]);
    if (argc > 2)
        per = atoi(argv[2]);
    if (nthreads < 1 || nthreads > MAXTHREADS || per < 1) {
        fprintf(stderr, "usage: handoff [THREADS (1-%d) [RESULTS]]\n",
                MAXTHREADS);
        return 2;
    }
    total = (long)nthreads * per;
    queue = malloc(sizeof *queue * (size_t)total);
    if (!queue || !stacks || pipe(wake) != 0) {
        perror("handoff");
        return 1;
    }
    fcntl(wake[0], F_SETFL, O_NONBLOCK);
    fcntl(wake[1], F_SETFL, O_NONBLOCK);
    koro_sched_init(&sched);
    koro_init(&consumer_k, consume, NULL, stacks, size);
    koro_init(&ticker_k, tick, NULL, stacks + size, size);
    koro_sched_spawn(&sched, &consumer_k);
    koro_sched_spawn(&sched, &ticker_k);
    for (i = 0; i < nthreads; i++)
        if (pthread_create(&t[i], NULL, work, (void *)(intptr_t)i) != 0) {
            fprintf(stderr, "handoff: pthread_create failed\n");
            return 1;
        }
    rc = koro_sched_run(&sched);
    for (i = 0; i < nthreads; i++)
        pthread_join(t[i], NULL);
    want = total * (total - 1) / 2;
    printf("handoff: %zu of %ld results, sum %ld (want %ld), %ld ticks "
           "meanwhile\n",
           taken, total, sum, want, ticks);
    return rc != 0 || (long)taken != total || sum != want;
}
