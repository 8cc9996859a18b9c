/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* cancel.c - a mutex handed over in FIFO order, wait groups, and a
 * coroutine waiting on a condition variable that never comes true,
 * cancelled by its boss.  Exits 0 when every call returned what it should. */
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>

/* Bytes per coroutine stack on top of what the library needs, which
 * depends on the backend (koro_stack_min(): tens of KiB where coroutines
 * are OS threads). */
#define STACK_EXTRA 16384
#define MS 1000000u

static koro_mutex_t m;
static koro_cond_t ready;
static koro_wg_t lockers, waiters;
static int go; /* the condition: never set */
static char order[8];
static int norder, bad;
static koro_t k[5]; /* boss, waiter, three lockers */
static unsigned char *stacks; /* one for each */
static size_t stack_size;

static void
report(const char *what, int rc, int want)
{
    printf("%-24s %s\n", what, koro_strerror(rc));
    bad += rc != want;
}

/* Takes the mutex twice, holding it across a yield each time. */
static void
locker(void *arg)
{
    int i;

    for (i = 0; i < 2; i++) {
        if (koro_mutex_lock(&m) != 0)
            break;
        order[norder++] = *(const char *)arg;
        koro_yield(); /* the others queue for the mutex meanwhile */
        koro_mutex_unlock(&m);
    }
    koro_wg_done(&lockers);
}

static void
waiter(void *arg)
{
    int rc = 0;

    (void)arg;
    koro_mutex_lock(&m);
    while (!go && rc == 0)
        rc = koro_cond_wait(&ready, &m);
    report("cond_wait returned:", rc, KORO_ECANCELED);
    /* m is held on every return of koro_cond_wait(). */
    report("unlock:", koro_mutex_unlock(&m), 0);
    /* Cancelled: blocking calls fail, even those that need not wait. */
    report("lock of a free mutex:", koro_mutex_lock(&m), KORO_ECANCELED);
    report("trylock:", koro_mutex_trylock(&m), 0);
    report("unlock:", koro_mutex_unlock(&m), 0);
    koro_wg_done(&waiters);
}

static void
boss(void *arg)
{
    static const char names[] = "abc";
    koro_sched_t *s = koro_sched_self();
    int i;

    (void)arg;
    /* Count the work before starting it. */
    koro_wg_add(&waiters, 1);
    bad += koro_init(&k[1], waiter, NULL, stacks + stack_size, stack_size) != 0;
    koro_sched_spawn(s, &k[1]);
    koro_wg_add(&lockers, 3);
    for (i = 0; i < 3; i++) {
        bad += koro_init(&k[2 + i], locker, (void *)&names[i],
                         stacks + (2 + i) * stack_size, stack_size) != 0;
        koro_sched_spawn(s, &k[2 + i]);
    }
    report("wait for the lockers:", koro_wg_wait(&lockers), 0);
    printf("%-24s %s\n", "they locked in order:", order);
    bad += norder != 6 || order[0] != 'a' || order[1] != 'b' ||
           order[2] != 'c' || order[3] != 'a' || order[4] != 'b' ||
           order[5] != 'c';

    report("waiter, 2 ms:", koro_wg_wait_timeout(&waiters, 2 * MS),
           KORO_ETIMEDOUT);
    report("unlock, not held:", koro_mutex_unlock(&m), KORO_EPERM);
    /* Hold m, so that the waiter has to wait to lock it again. */
    report("lock:", koro_mutex_lock(&m), 0);
    report("cancel the waiter:", koro_cancel(&k[1]), 0);
    report("cancel it again:", koro_cancel(&k[1]), 0);
    koro_yield(); /* it wakes, and queues for m */
    report("unlock, hand it over:", koro_mutex_unlock(&m), 0);
    report("wait for the waiter:", koro_wg_wait(&waiters), 0);
    report("cancel it, finished:", koro_cancel(&k[1]), KORO_EDEAD);
}

int
main(void)
{
    koro_sched_t sched;

    stack_size = koro_stack_min() + STACK_EXTRA;
    stacks = malloc(5 * stack_size);
    if (!stacks)
        exit(1);
    koro_mutex_init(&m);
    koro_cond_init(&ready);
    koro_wg_init(&lockers);
    koro_wg_init(&waiters);
    koro_sched_init(&sched);
    bad += koro_init(&k[0], boss, NULL, stacks, stack_size) != 0;
    koro_sched_spawn(&sched, &k[0]);
    report("koro_sched_run:", koro_sched_run(&sched), 0);
    exit(bad == 0 ? 0 : 1);
}
