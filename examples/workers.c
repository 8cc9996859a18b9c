/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* workers.c - a worker pool: a boss fans jobs out to NWORKERS coroutines
 * over a channel, waits for all of them with a wait group, and cancels
 * the stragglers that are still busy at a deadline.  Every coroutine,
 * stack and channel is allocated here, none by the library.
 *
 *   workers        runs NJOBS jobs, some of which never finish on their
 *                  own; exit status 0 if exactly those were cancelled. */
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>

#define NWORKERS 8
#define NJOBS 40
/* Stack bytes per coroutine on top of what the library needs, which
 * depends on the backend (koro_stack_min(): tens of KiB where coroutines
 * are OS threads). */
#define STACK_EXTRA 32768
#define MS 1000000ull
#define DEADLINE (300 * MS) /* far more than the quick jobs need */

struct worker {
    koro_t k;
    int id;
    int busy;      /* the job it is working on, or -1 */
    int done;      /* jobs it finished */
    int cancelled; /* 1 if it was cancelled in a job */
};

static koro_sched_t sched;
static koro_chan_t jobs;
static int jobs_buf[4];
static koro_wg_t wg;
static struct worker workers[NWORKERS];
static koro_t boss_k;

/* Every 13th job hangs: it waits far longer than the deadline. */
static int
stuck(int job)
{
    return job % 13 == 7;
}

static void
worker(void *arg)
{
    struct worker *w = arg;
    int job, rc;

    while ((rc = koro_chan_recv(&jobs, &job)) == 0) {
        w->busy = job;
        rc = koro_sleep(stuck(job) ? 3600000 * MS : (uint64_t)(job % 3) * MS);
        w->busy = -1;
        if (rc == KORO_ECANCELED) {
            w->cancelled = 1;
            break;
        }
        w->done++;
    }
    /* Cleanup runs on every path: closed channel or cancellation. */
    koro_wg_done(&wg);
}

static void
boss(void *arg)
{
    int i, rc;

    (void)arg;
    for (i = 0; i < NJOBS; i++)
        if (koro_chan_send(&jobs, &i) != 0)
            abort();
    koro_chan_close(&jobs); /* workers leave their loop once it drains */
    rc = koro_wg_wait_timeout(&wg, DEADLINE);
    if (rc == KORO_ETIMEDOUT) {
        for (i = 0; i < NWORKERS; i++)
            if (workers[i].busy >= 0) {
                printf("deadline: cancelling worker %d (job %d)\n", i,
                       workers[i].busy);
                koro_cancel(&workers[i].k);
            }
        rc = koro_wg_wait(&wg); /* they unwind and call koro_wg_done */
    }
    if (rc != 0)
        abort();
}

int
main(void)
{
    size_t size = koro_stack_min() + STACK_EXTRA;
    unsigned char *stacks = malloc((NWORKERS + 1) * size);
    int i, done = 0, cancelled = 0, want = 0, rc;

    for (i = 0; i < NJOBS; i++)
        want += stuck(i);
    if (!stacks || koro_sched_init(&sched) || koro_wg_init(&wg) ||
        koro_chan_init(&jobs, jobs_buf, sizeof jobs_buf[0], 4))
        return 1;
    for (i = 0; i < NWORKERS; i++) {
        struct worker *w = &workers[i];

        w->id = i;
        w->busy = -1;
        if (koro_wg_add(&wg, 1) ||
            koro_init(&w->k, worker, w, stacks + i * size, size) ||
            koro_sched_spawn(&sched, &w->k))
            return 1;
    }
    if (koro_init(&boss_k, boss, NULL, stacks + NWORKERS * size, size) ||
        koro_sched_spawn(&sched, &boss_k))
        return 1;
    rc = koro_sched_run(&sched);
    if (rc != 0) {
        fprintf(stderr, "workers: koro_sched_run: %s\n", koro_strerror(rc));
        return 1;
    }
    for (i = 0; i < NWORKERS; i++) {
        done += workers[i].done;
        cancelled += workers[i].cancelled;
    }
    printf("workers: %d jobs, %d done, %d cancelled after the deadline\n",
           NJOBS, done, cancelled);
    return done + cancelled == NJOBS && cancelled == want ? 0 : 1;
}
