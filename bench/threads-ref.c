/* threads-ref.c - a bare POSIX-semaphore ping-pong between two threads,
 * the floor any thread hand-off (the threads backend) is compared with. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "threads-ref.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <time.h>

struct pingpong {
    sem_t ping, pong;
    volatile int stop;
};

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *
ponger(void *arg)
{
    struct pingpong *p = arg;

    for (;;) {
        sem_wait(&p->ping);
        if (p->stop)
            break;
        sem_post(&p->pong);
    }
    return NULL;
}

double
koro_bench_sem_pingpong(double min_seconds)
{
    struct pingpong p;
    pthread_t t;
    double t0, t1 = 0;
    long n = 0, batch = 1000, i;

    p.stop = 0;
    if (sem_init(&p.ping, 0, 0) != 0)
        return 0;
    if (sem_init(&p.pong, 0, 0) != 0) {
        sem_destroy(&p.ping);
        return 0;
    }
    if (pthread_create(&t, NULL, ponger, &p) != 0) {
        sem_destroy(&p.ping);
        sem_destroy(&p.pong);
        return 0;
    }
    t0 = now();
    do {
        for (i = 0; i < batch; i++) {
            sem_post(&p.ping);
            sem_wait(&p.pong);
        }
        n += batch;
        t1 = now();
    } while (t1 - t0 < min_seconds);
    p.stop = 1;
    sem_post(&p.ping);
    pthread_join(t, NULL);
    sem_destroy(&p.ping);
    sem_destroy(&p.pong);
    return (double)n / (t1 - t0);
}

/* The same hand-off among n threads in turn (main wakes thread i and
 * waits for it, like koro_resume() of n coroutines under the threads
 * backend with one semaphore per thread): for context only, since a
 * kernel wakes a thread that slept through n - 1 others more slowly than
 * one of a pair that it keeps together. */
struct rr_slot {
    sem_t go;
    sem_t *back;
    volatile int *stop;
};

static void *
rr_worker(void *arg)
{
    struct rr_slot *s = arg;

    for (;;) {
        sem_wait(&s->go);
        if (*s->stop)
            break;
        sem_post(s->back);
    }
    return NULL;
}

double
koro_bench_sem_roundrobin(int n, double min_seconds)
{
    struct rr_slot *slots = calloc((size_t)n, sizeof *slots);
    pthread_t *th = calloc((size_t)n, sizeof *th);
    sem_t back;
    volatile int stop = 0;
    double t0, t1 = 0, rate = 0;
    long trips = 0;
    int i, made = 0;

    if (!slots || !th || sem_init(&back, 0, 0) != 0)
        goto out;
    for (made = 0; made < n; made++) {
        slots[made].back = &back;
        slots[made].stop = &stop;
        if (sem_init(&slots[made].go, 0, 0) != 0)
            break;
        if (pthread_create(&th[made], NULL, rr_worker, &slots[made]) != 0) {
            sem_destroy(&slots[made].go);
            break;
        }
    }
    if (made == n) {
        t0 = now();
        do {
            for (i = 0; i < n; i++) {
                sem_post(&slots[i].go);
                sem_wait(&back);
            }
            trips += n;
            t1 = now();
        } while (t1 - t0 < min_seconds);
        rate = (double)trips / (t1 - t0);
    }
    stop = 1;
    for (i = 0; i < made; i++) {
        sem_post(&slots[i].go);
        pthread_join(th[i], NULL);
        sem_destroy(&slots[i].go);
    }
    sem_destroy(&back);
out:
    free(slots);
    free(th);
    return rate;
}
