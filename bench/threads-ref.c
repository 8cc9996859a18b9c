/* threads-ref.c - a bare POSIX-semaphore ping-pong between two threads,
 * the floor any thread hand-off (the threads backend) is compared with. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "threads-ref.h"

#include <pthread.h>
#include <semaphore.h>
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
