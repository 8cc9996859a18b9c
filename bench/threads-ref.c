/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* threads-ref.c - semaphore hand-offs between OS threads, the floor any
 * thread hand-off (the threads backend) is compared with. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "threads-ref.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <time.h>

struct slot {
    sem_t go;
    struct koro_sem_ring *ring;
    pthread_t thread;
};

struct koro_sem_ring {
    sem_t back;
    int n;
    volatile int stop; /* read by a worker only after its sem_wait() */
    struct slot slot[];
};

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
wait_sem(sem_t *s)
{
    while (sem_wait(s) != 0 && errno == EINTR)
        ;
}

static void *
worker(void *arg)
{
    struct slot *s = arg;

    for (;;) {
        wait_sem(&s->go);
        if (s->ring->stop)
            break;
        sem_post(&s->ring->back);
    }
    return NULL;
}

static void
one_round(struct koro_sem_ring *r)
{
    int i;

    for (i = 0; i < r->n; i++) {
        sem_post(&r->slot[i].go);
        wait_sem(&r->back);
    }
}

static void
close_first(struct koro_sem_ring *r, int made)
{
    int i;

    r->stop = 1;
    for (i = 0; i < made; i++) {
        sem_post(&r->slot[i].go);
        pthread_join(r->slot[i].thread, NULL);
        sem_destroy(&r->slot[i].go);
    }
    sem_destroy(&r->back);
    free(r);
}

struct koro_sem_ring *
koro_sem_ring_open(int n)
{
    struct koro_sem_ring *r;
    int made;

    if (n < 1)
        return NULL;
    r = calloc(1, sizeof *r + (size_t)n * sizeof r->slot[0]);
    if (!r)
        return NULL;
    r->n = n;
    if (sem_init(&r->back, 0, 0) != 0) {
        free(r);
        return NULL;
    }
    for (made = 0; made < n; made++) {
        struct slot *s = &r->slot[made];

        s->ring = r;
        if (sem_init(&s->go, 0, 0) != 0)
            break;
        if (pthread_create(&s->thread, NULL, worker, s) != 0) {
            sem_destroy(&s->go);
            break;
        }
    }
    if (made < n) {
        close_first(r, made);
        return NULL;
    }
    one_round(r); /* every thread has run: started, stack touched */
    return r;
}

double
koro_sem_ring_run(struct koro_sem_ring *r, double seconds)
{
    double t0, t1;
    long trips = 0;

    t0 = now();
    do {
        one_round(r);
        trips += r->n;
        t1 = now();
    } while (t1 - t0 < seconds);
    return (double)trips / (t1 - t0);
}

void
koro_sem_ring_close(struct koro_sem_ring *r)
{
    if (r)
        close_first(r, r->n);
}
