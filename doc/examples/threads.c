/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* threads.c - several OS threads, each running its own scheduler with its
 * own coroutines and channels.  Each thread sums the squares of its share
 * of 1..N through a producer and a consumer coroutine; the threads report
 * through a mutex-protected total and through pthread_join().  Exits 0
 * when the total is right, 77 when this system cannot start threads. */
#include <korutin.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define NTHREADS 4
#define N 1000
/* Bytes per coroutine stack on top of what the library needs, which
 * depends on the backend (koro_stack_min(): tens of KiB where coroutines
 * are OS threads). */
#define STACK_EXTRA 16384

/* Everything one thread's coroutines use: nothing here is shared with
 * another thread. */
struct share {
    long first, last; /* the numbers this thread squares */
    long sum;         /* its result */
    koro_sched_t sched;
    koro_chan_t chan;
    long buf[8];
    koro_t prod, cons;
};

/* Shared between the threads, so protected by an OS lock. */
static pthread_mutex_t total_lock = PTHREAD_MUTEX_INITIALIZER;
static long total;

static void
producer(void *arg)
{
    struct share *s = arg;
    long i;

    for (i = s->first; i <= s->last; i++)
        koro_chan_send(&s->chan, &i);
    koro_chan_close(&s->chan);
}

static void
consumer(void *arg)
{
    struct share *s = arg;
    long v;

    while (koro_chan_recv(&s->chan, &v) == 0)
        s->sum += v * v;
    /* An OS lock is fine inside a coroutine as long as it is not held
     * across a switch (a yield or a blocking koro_* call). */
    pthread_mutex_lock(&total_lock);
    total += s->sum;
    pthread_mutex_unlock(&total_lock);
}

static void *
thread_main(void *arg)
{
    struct share *s = arg;
    size_t size = koro_stack_min() + STACK_EXTRA;
    unsigned char *stacks = malloc(2 * size);

    koro_sched_init(&s->sched);
    koro_chan_init(&s->chan, s->buf, sizeof(long), 8);
    if (!stacks || koro_init(&s->prod, producer, s, stacks, size) != 0 ||
        koro_init(&s->cons, consumer, s, stacks + size, size) != 0) {
        s->sum = -1;
        free(stacks);
        return NULL;
    }
    koro_sched_spawn(&s->sched, &s->prod);
    koro_sched_spawn(&s->sched, &s->cons);
    if (koro_sched_run(&s->sched) != 0)
        s->sum = -1;
    free(stacks); /* both coroutines have finished */
    return NULL;
}

int
main(void)
{
    static struct share shares[NTHREADS];
    pthread_t tid[NTHREADS];
    long joined = 0, want = (long)N * (N + 1) * (2 * N + 1) / 6;
    int i, started = 0, rc = 0;

    for (i = 0; i < NTHREADS; i++) {
        shares[i].first = (long)i * N / NTHREADS + 1;
        shares[i].last = (long)(i + 1) * N / NTHREADS;
        rc = pthread_create(&tid[i], NULL, thread_main, &shares[i]);
        if (rc != 0)
            break;
        started++;
    }
    for (i = 0; i < started; i++) {
        pthread_join(tid[i], NULL);
        joined += shares[i].sum; /* safe to read: the thread has ended */
    }
    if (started < NTHREADS) {
        printf("SKIP: pthread_create failed (error %d)\n", rc);
        exit(77);
    }
    printf("sum of squares 1..%d: %ld (%ld by way of the lock)\n", N, joined,
           total);
    exit(joined == want && total == want ? 0 : 1);
}
