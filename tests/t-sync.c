/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* t-sync.c - mutexes, condition variables, wait groups and cancellation:
 * FIFO order, no spurious wake-ups, timeouts, cancellation of every kind
 * of wait, fini of blocked waiters, no allocation. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "tcase.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#define NS 64 /* coroutines of the larger cases */
#define SSTACK t_stack_size()
#define SSTK(i) (ystk + (size_t)(i)*SSTACK)
#define MS 1000000u

static unsigned char *ystk; /* NS stacks, allocated by t_sync() */
static koro_t yk[NS];
static koro_sched_t ys;
static koro_mutex_t ym;
static koro_cond_t yc;
static koro_wg_t ywg;
static koro_chan_t ych;
static int ychbuf[4];

static char trace[512];
static int ntrace;

static void
mark(char c)
{
    if (ntrace < (int)sizeof trace - 1) {
        trace[ntrace++] = c;
        trace[ntrace] = '\0';
    }
}

static void
reset(void)
{
    ntrace = 0;
    trace[0] = '\0';
    ck_assert_int_eq(koro_sched_init(&ys), 0);
    ck_assert_int_eq(koro_mutex_init(&ym), 0);
    ck_assert_int_eq(koro_cond_init(&yc), 0);
    ck_assert_int_eq(koro_wg_init(&ywg), 0);
}

static void
spawn(int i, koro_fn fn, void *arg)
{
    ck_assert_int_eq(koro_init(&yk[i], fn, arg, SSTK(i), SSTACK), 0);
    ck_assert_int_eq(koro_sched_spawn(&ys, &yk[i]), 0);
}

static const char ids[] = "abcdefghijklmnopqrstuvwxyz";

/* ------------------------------------------------------------------ */
/* Mutex. */

START_TEST(mutex_misuse)
{
    koro_mutex_t raw;

    memset(&raw, 0x5a, sizeof raw);
    ck_assert_int_eq(koro_mutex_init(NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_mutex_lock(NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_mutex_trylock(&raw), KORO_EINVAL);
    ck_assert_int_eq(koro_mutex_unlock(&raw), KORO_EINVAL);
    ck_assert_int_eq(koro_mutex_init(&ym), 0);
    /* Outside any coroutine: the thread is one more owner. */
    ck_assert_int_eq(koro_mutex_unlock(&ym), KORO_EPERM);
    ck_assert_int_eq(koro_mutex_trylock(&ym), 0);
    ck_assert_int_eq(koro_mutex_trylock(&ym), KORO_EAGAIN);
    ck_assert_int_eq(koro_mutex_lock(&ym), KORO_EDEADLK);
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
    ck_assert_int_eq(koro_mutex_unlock(&ym), KORO_EPERM);
    ck_assert_int_eq(koro_mutex_lock(&ym), 0); /* free: no need to wait */
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
}
END_TEST

static void
body_hold(void *arg)
{
    (void)arg;
    ck_assert_int_eq(koro_mutex_lock(&ym), 0);
    mark('h');
    koro_yield();
    /* main tried to unlock it meanwhile and was refused */
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
}

START_TEST(mutex_owner_checked)
{
    reset();
    /* Not scheduled: run by hand until it yields holding the mutex. */
    ck_assert_int_eq(koro_init(&yk[0], body_hold, NULL, SSTK(0), SSTACK), 0);
    ck_assert_int_eq(koro_resume(&yk[0]), 0);
    ck_assert_str_eq(trace, "h");
    ck_assert_int_eq(koro_mutex_unlock(&ym), KORO_EPERM);
    ck_assert_int_eq(koro_mutex_trylock(&ym), KORO_EAGAIN);
    /* Blocking from main would have to wait. */
    ck_assert_int_eq(koro_mutex_lock(&ym), KORO_ENOSCHED);
    ck_assert_int_eq(koro_resume(&yk[0]), 0);
    ck_assert_int_eq(koro_status(&yk[0]), KORO_DEAD);
    ck_assert_int_eq(koro_mutex_trylock(&ym), 0);
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
}
END_TEST

static void
body_fifo(void *arg)
{
    int r;

    for (r = 0; r < 4; r++) {
        ck_assert_int_eq(koro_mutex_lock(&ym), 0);
        mark(*(const char *)arg);
        /* Hold it across a yield so that the others queue up. */
        ck_assert_int_eq(koro_yield(), 0);
        ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
        if (arg == &ids[2])
            ck_assert_int_eq(koro_mutex_unlock(&ym), KORO_EPERM);
    }
}

START_TEST(mutex_fifo_no_barging)
{
    int i;

    reset();
    for (i = 0; i < 6; i++)
        spawn(i, body_fifo, (void *)&ids[i]);
    ck_assert_int_eq(koro_sched_run(&ys), 0);
    /* Each unlocker re-locks at once, but queues behind the others. */
    ck_assert_str_eq(trace, "abcdefabcdefabcdefabcdef");
    ck_assert_int_eq(koro_mutex_trylock(&ym), 0);
}
END_TEST

/* Each unlock finds the others queued and hands the mutex to the first;
 * the unlocker's lock at once queues it behind them, and the processor
 * goes straight to the new owner. */
static void
body_direct(void *arg)
{
    int r;

    ck_assert_int_eq(koro_mutex_lock(&ym), 0);
    if (arg == &ids[0])
        ck_assert_int_eq(koro_yield(), 0); /* the others queue */
    for (r = 0; r < 5; r++) {
        mark(*(const char *)arg);
        ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
        ck_assert_int_eq(koro_mutex_unlock(&ym), KORO_EPERM);
        ck_assert_int_eq(koro_mutex_lock(&ym), 0);
        ck_assert_int_eq(koro_mutex_trylock(&ym), KORO_EAGAIN);
    }
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
}

START_TEST(mutex_handoff_direct)
{
    int i, rc;

    reset();
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(
            koro_init(&yk[i], body_direct, (void *)&ids[i], SSTK(i), SSTACK),
            0);
    /* Switches to and from a coroutine that shares its floating-point
     * state, and one with a wider checked zone, take other paths. */
    rc = koro_share_fpenv(&yk[1]);
    ck_assert(rc == 0 || rc == KORO_ENOSYS);
    ck_assert_int_eq(koro_set_canary_size(&yk[2], 256), 0);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(koro_sched_spawn(&ys, &yk[i]), 0);
    ck_assert_int_eq(koro_sched_run(&ys), 0);
    ck_assert_str_eq(trace, "abcdabcdabcdabcdabcd");
    ck_assert_int_eq(koro_mutex_trylock(&ym), 0);
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
}
END_TEST

/* A cancelled coroutine's lock fails at once, free mutex or its own;
 * trylock and unlock keep working. */
static void
body_lock_cancelled(void *arg)
{
    (void)arg;
    ck_assert_int_eq(koro_cancel(koro_self()), 0);
    ck_assert_int_eq(koro_mutex_lock(&ym), KORO_ECANCELED);
    ck_assert_int_eq(koro_mutex_unlock(&ym), KORO_EPERM);
    ck_assert_int_eq(koro_mutex_trylock(&ym), 0);
    ck_assert_int_eq(koro_mutex_lock(&ym), KORO_ECANCELED);
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
    mark('c');
}

START_TEST(mutex_lock_cancelled)
{
    reset();
    spawn(0, body_lock_cancelled, NULL);
    ck_assert_int_eq(koro_sched_run(&ys), 0);
    ck_assert_str_eq(trace, "c");
    ck_assert_int_eq(koro_mutex_lock(&ym), 0);
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Condition variable. */

static int cv_woken;

static void
body_cv_waiter(void *arg)
{
    ck_assert_int_eq(koro_mutex_lock(&ym), 0);
    ck_assert_int_eq(koro_cond_wait(&yc, &ym), 0);
    cv_woken++;
    mark(*(const char *)arg);
    /* Held on return. */
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
}

static void
body_cv_signaller(void *arg)
{
    int i, n = *(int *)arg;

    for (i = 0; i < n; i++) {
        int before = cv_woken;

        ck_assert_int_eq(koro_mutex_lock(&ym), 0);
        ck_assert_int_eq(koro_cond_signal(&yc), 0);
        mark('s');
        ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
        /* Let everyone runnable run: exactly one waiter woke. */
        ck_assert_int_eq(koro_sleep(0), 0);
        ck_assert_int_eq(koro_sleep(0), 0);
        ck_assert_int_eq(cv_woken, before + 1);
    }
}

START_TEST(cond_signal_one_by_one)
{
    int i, n = 5;

    reset();
    cv_woken = 0;
    /* A signal without waiters is not remembered. */
    ck_assert_int_eq(koro_cond_signal(&yc), 0);
    for (i = 0; i < n; i++)
        spawn(i, body_cv_waiter, (void *)&ids[i]);
    spawn(n, body_cv_signaller, &n);
    ck_assert_int_eq(koro_sched_run(&ys), 0);
    ck_assert_int_eq(cv_woken, n);
    /* FIFO: waiters woke in the order they began to wait. */
    ck_assert_str_eq(trace, "sasbscsdse");
}
END_TEST

static void
body_bc_waiter(void *arg)
{
    (void)arg;
    ck_assert_int_eq(koro_mutex_lock(&ym), 0);
    ck_assert_int_eq(koro_cond_wait(&yc, &ym), 0);
    cv_woken++;
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
}

static void
body_bc(void *arg)
{
    (void)arg;
    /* Spawned last: every waiter is waiting. */
    ck_assert_int_eq(cv_woken, 0);
    ck_assert_int_eq(koro_mutex_lock(&ym), 0);
    ck_assert_int_eq(koro_cond_broadcast(&yc), 0);
    ck_assert_int_eq(koro_cond_broadcast(&yc), 0); /* nobody left */
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
}

START_TEST(cond_broadcast_many)
{
    int i, n = NS - 1;

    reset();
    cv_woken = 0;
    for (i = 0; i < n; i++)
        spawn(i, body_bc_waiter, NULL);
    spawn(n, body_bc, &n);
    ck_assert_int_eq(koro_sched_run(&ys), 0);
    ck_assert_int_eq(cv_woken, n);
    ck_assert_int_eq(koro_cond_signal(NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_cond_broadcast(NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_cond_init(NULL), KORO_EINVAL);
}
END_TEST

static void
body_cv_timeout(void *arg)
{
    (void)arg;
    ck_assert_int_eq(koro_cond_wait(&yc, &ym), KORO_EPERM);
    ck_assert_int_eq(koro_mutex_lock(&ym), 0);
    ck_assert_int_eq(koro_cond_wait_timeout(&yc, &ym, 0), KORO_ETIMEDOUT);
    ck_assert_int_eq(koro_cond_wait_timeout(&yc, &ym, MS), KORO_ETIMEDOUT);
    mark('t');
    /* Held again although another coroutine took it meanwhile. */
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
    ck_assert_int_eq(koro_cond_wait(NULL, &ym), KORO_EINVAL);
}

static void
body_cv_taker(void *arg)
{
    (void)arg;
    /* Takes the mutex while the waiter waits, and holds it past the
     * waiter's deadline: the waiter must wait for it. */
    ck_assert_int_eq(koro_mutex_lock(&ym), 0);
    ck_assert_int_eq(koro_sleep(3 * MS), 0);
    mark('u');
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
}

START_TEST(cond_timeout_relocks)
{
    reset();
    spawn(0, body_cv_timeout, NULL);
    spawn(1, body_cv_taker, NULL);
    ck_assert_int_eq(koro_sched_run(&ys), 0);
    ck_assert_str_eq(trace, "ut");
    ck_assert_int_eq(koro_mutex_trylock(&ym), 0);
    ck_assert_int_eq(koro_cond_wait(&yc, &ym), KORO_ENOSCHED);
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Wait group. */

static int wg_left;

static void
body_wg_worker(void *arg)
{
    int i, n = (int)(uintptr_t)arg;

    for (i = 0; i < n % 7; i++)
        ck_assert_int_eq(koro_sleep(n % 3 ? 0 : 1000), 0);
    wg_left--;
    ck_assert_int_eq(koro_wg_done(&ywg), 0);
}

static void
body_wg_waiter(void *arg)
{
    (void)arg;
    ck_assert_int_eq(koro_wg_wait_timeout(&ywg, 1000), KORO_ETIMEDOUT);
    ck_assert_int_eq(koro_wg_wait(&ywg), 0);
    ck_assert_int_eq(wg_left, 0);
    mark('w');
    ck_assert_int_eq(koro_wg_wait(&ywg), 0); /* 0: at once */
}

START_TEST(wg_many)
{
    int i, nw = NS - 3;

    reset();
    ck_assert_int_eq(koro_wg_wait(&ywg), 0); /* count 0: from anywhere */
    ck_assert_int_eq(koro_wg_add(&ywg, nw), 0);
    ck_assert_int_eq(koro_wg_wait(&ywg), KORO_ENOSCHED);
    ck_assert_int_eq(koro_wg_wait_timeout(&ywg, 0), KORO_ETIMEDOUT);
    wg_left = nw;
    spawn(0, body_wg_waiter, NULL);
    spawn(1, body_wg_waiter, NULL);
    for (i = 0; i < nw; i++)
        spawn(i + 2, body_wg_worker, (void *)(uintptr_t)i);
    ck_assert_int_eq(koro_sched_run(&ys), 0);
    ck_assert_str_eq(trace, "ww");
}
END_TEST

START_TEST(wg_misuse)
{
    koro_wg_t raw;

    memset(&raw, 0, sizeof raw);
    ck_assert_int_eq(koro_wg_init(NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_wg_add(&raw, 1), KORO_EINVAL);
    ck_assert_int_eq(koro_wg_wait(&raw), KORO_EINVAL);
    ck_assert_int_eq(koro_wg_done(NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_wg_init(&ywg), 0);
    ck_assert_int_eq(koro_wg_done(&ywg), KORO_EINVAL);
    ck_assert_int_eq(koro_wg_add(&ywg, 2), 0);
    ck_assert_int_eq(koro_wg_add(&ywg, -3), KORO_EINVAL);
    ck_assert_int_eq(koro_wg_add(&ywg, LONG_MIN), KORO_EINVAL);
    ck_assert_int_eq(koro_wg_add(&ywg, LONG_MAX), KORO_EINVAL);
    ck_assert_int_eq(koro_wg_add(&ywg, -2), 0); /* unchanged before */
    ck_assert_int_eq(koro_wg_add(&ywg, LONG_MAX), 0);
    ck_assert_int_eq(koro_wg_add(&ywg, 1), KORO_EINVAL);
    ck_assert_int_eq(koro_wg_add(&ywg, -LONG_MAX), 0);
    ck_assert_int_eq(koro_wg_wait(&ywg), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Cancellation of each kind of wait.  The victim blocks, a second
 * coroutine cancels it; the victim's call returns KORO_ECANCELED, every
 * later blocking call too, the non-blocking ones keep working, and the
 * object it waited on holds no trace of it. */

enum {
    W_RECV,
    W_SEND,
    W_RECV_TIMED,
    W_SELECT,
    W_SLEEP,
    W_LOCK,
    W_COND,
    W_COND_TIMED,
    W_WG,
    W_WG_TIMED,
    W_KINDS
};

static int victim_rc, victim_kind;

static void
body_victim(void *arg)
{
    int v = 7;
    struct koro_sel cs[2] = {{&ych, KORO_SEL_RECV, &v, 0, NULL, NULL, NULL},
                             {NULL, KORO_SEL_SEND, &v, 0, NULL, NULL, NULL}};

    (void)arg;
    mark('v');
    switch (victim_kind) {
    case W_RECV:
        victim_rc = koro_chan_recv(&ych, &v);
        break;
    case W_SEND:
        while (koro_chan_try_send(&ych, &v) == 0)
            ;
        victim_rc = koro_chan_send(&ych, &v);
        break;
    case W_RECV_TIMED:
        victim_rc = koro_chan_recv_timeout(&ych, &v, 1000000 * MS);
        break;
    case W_SELECT:
        victim_rc = koro_select(cs, 2, -1);
        break;
    case W_SLEEP:
        victim_rc = koro_sleep(1000000 * MS);
        break;
    case W_LOCK:
        victim_rc = koro_mutex_lock(&ym);
        break;
    case W_COND:
    case W_COND_TIMED:
        ck_assert_int_eq(koro_mutex_lock(&ym), 0);
        victim_rc = victim_kind == W_COND
                        ? koro_cond_wait(&yc, &ym)
                        : koro_cond_wait_timeout(&yc, &ym, 1000000 * MS);
        /* Held again on return. */
        ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
        break;
    case W_WG:
        victim_rc = koro_wg_wait(&ywg);
        break;
    case W_WG_TIMED:
        victim_rc = koro_wg_wait_timeout(&ywg, 1000000 * MS);
        break;
    }
    mark('r');
    /* Every blocking call fails at once from now on, even one that
     * could complete without waiting... */
    ck_assert_int_eq(
        koro_chan_try_send(&ych, &v) == 0 || koro_chan_len(&ych) == 4, 1);
    ck_assert_int_eq(koro_chan_recv(&ych, &v), KORO_ECANCELED);
    ck_assert_int_eq(koro_chan_recv_timeout(&ych, &v, MS), KORO_ECANCELED);
    ck_assert_int_eq(koro_chan_send(&ych, &v), KORO_ECANCELED);
    ck_assert_int_eq(koro_select(cs, 1, MS), KORO_ECANCELED);
    ck_assert_int_eq(koro_sleep(0), KORO_ECANCELED);
    ck_assert_int_eq(koro_sleep(MS), KORO_ECANCELED);
    ck_assert_int_eq(koro_wg_wait(&ywg), KORO_ECANCELED);
    ck_assert_int_eq(koro_mutex_lock(&ym), KORO_ECANCELED);
    /* ... the non-blocking ones keep working. */
    ck_assert_int_eq(koro_chan_try_recv(&ych, &v), 0);
    ck_assert_int_eq(koro_chan_recv_timeout(&ych, &v, 0) == 0 ||
                         koro_chan_len(&ych) == 0,
                     1);
    ck_assert_int_eq(koro_select(cs, 2, 0) >= 0 || koro_chan_len(&ych) == 0, 1);
    if (koro_mutex_trylock(&ym) == 0) {
        ck_assert_int_eq(koro_cond_wait(&yc, &ym), KORO_ECANCELED);
        ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
    }
    ck_assert_int_eq(koro_yield(), 0);
    ck_assert_int_eq(koro_cancel(koro_self()), 0);
    mark('e');
}

static void
body_canceller(void *arg)
{
    koro_t *v = arg;

    mark('c');
    ck_assert_int_eq(koro_cancel(v), 0);
    ck_assert_int_eq(koro_cancel(v), 0); /* twice: nothing more */
}

static void
check_cancel_kind(int kind)
{
    int v = 0;

    reset();
    ck_assert_int_eq(koro_chan_init(&ych, ychbuf, sizeof(int), 4), 0);
    victim_kind = kind;
    victim_rc = 12345;
    if (kind == W_LOCK)
        ck_assert_int_eq(koro_mutex_trylock(&ym), 0); /* main holds it */
    if (kind == W_WG || kind == W_WG_TIMED)
        ck_assert_int_eq(koro_wg_add(&ywg, 1), 0);
    spawn(0, body_victim, NULL);
    spawn(1, body_canceller, &yk[0]);
    ck_assert_int_eq(koro_sched_run(&ys), 0);
    ck_assert_int_eq(victim_rc, KORO_ECANCELED);
    ck_assert_str_eq(trace, "vcre");
    ck_assert_int_eq(koro_cancel(&yk[0]), KORO_EDEAD);
    /* No trace of the victim left on what it waited on. */
    ck_assert_ptr_null(ych.koro_recvq_[0]);
    ck_assert_ptr_null(ych.koro_sendq_[0]);
    while (koro_chan_try_recv(&ych, &v) == 0)
        ;
    ck_assert_int_eq(koro_chan_try_send(&ych, &v), 0);
    switch (kind) {
    case W_LOCK:
        ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
        ck_assert_int_eq(koro_mutex_unlock(&ym), KORO_EPERM);
        break;
    case W_WG:
    case W_WG_TIMED:
        ck_assert_int_eq(koro_wg_done(&ywg), 0);
        break;
    default:
        break;
    }
    ck_assert_int_eq(koro_mutex_trylock(&ym), 0);
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
    ck_assert_int_eq(koro_cond_signal(&yc), 0);
    /* The scheduler holds no timer of the victim's, no blocked record. */
    ck_assert_ptr_null(ys.koro_timers_);
    ck_assert_ptr_null(ys.koro_blocked_);
}

START_TEST(cancel_each_wait)
{
    check_cancel_kind(_i);
}
END_TEST

/* A runnable coroutine (and one cancelled before it runs) learns of the
 * cancel at its next blocking call; koro_yield() keeps working. */
static void
body_runnable(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < 3; i++) {
        mark('y');
        ck_assert_int_eq(koro_yield(), 0);
    }
    ck_assert_int_eq(koro_sleep(MS), KORO_ECANCELED);
    mark('x');
}

static void
body_cancel_runnable(void *arg)
{
    (void)arg;
    mark('c');
    ck_assert_int_eq(koro_status(&yk[0]), KORO_SUSPENDED);
    ck_assert_int_eq(koro_cancel(&yk[0]), 0);
}

START_TEST(cancel_runnable)
{
    reset();
    spawn(0, body_runnable, NULL);
    spawn(1, body_cancel_runnable, NULL);
    ck_assert_int_eq(koro_sched_run(&ys), 0);
    ck_assert_str_eq(trace, "ycyyx");
    /* Cancelled before it was spawned: starts cancelled. */
    reset();
    ck_assert_int_eq(koro_init(&yk[0], body_runnable, NULL, SSTK(0), SSTACK),
                     0);
    ck_assert_int_eq(koro_cancel(&yk[0]), 0);
    ck_assert_int_eq(koro_sched_spawn(&ys, &yk[0]), 0);
    ck_assert_int_eq(koro_sched_run(&ys), 0);
    ck_assert_str_eq(trace, "yyyx");
    ck_assert_int_eq(koro_cancel(NULL), KORO_EINVAL);
}
END_TEST

/* A coroutine cancelled in koro_cond_wait() while another holds the
 * mutex returns only once it has the mutex again; one cancelled while it
 * re-locks after a signal keeps waiting for the mutex and returns 0. */
static void
body_cv_cancel_victim(void *arg)
{
    int want = *(int *)arg;

    ck_assert_int_eq(koro_mutex_lock(&ym), 0);
    ck_assert_int_eq(koro_cond_wait(&yc, &ym), want);
    mark('v');
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
}

static void
body_cv_cancel_holder(void *arg)
{
    int signal = *(int *)arg;

    ck_assert_int_eq(koro_mutex_lock(&ym), 0);
    if (signal) {
        /* The victim wakes and queues for the mutex; cancel it there. */
        ck_assert_int_eq(koro_cond_signal(&yc), 0);
        ck_assert_int_eq(koro_sleep(0), 0);
        ck_assert_int_eq(koro_cancel(&yk[0]), 0);
    } else {
        /* Cancel it in the wait; it wakes and queues for the mutex. */
        ck_assert_int_eq(koro_cancel(&yk[0]), 0);
        ck_assert_int_eq(koro_sleep(0), 0);
    }
    ck_assert_int_eq(koro_sleep(0), 0);
    mark('u');
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
}

START_TEST(cancel_cond_relocks)
{
    int want = KORO_ECANCELED, signal = 0;

    reset();
    spawn(0, body_cv_cancel_victim, &want);
    spawn(1, body_cv_cancel_holder, &signal);
    ck_assert_int_eq(koro_sched_run(&ys), 0);
    ck_assert_str_eq(trace, "uv");

    want = 0;
    signal = 1;
    reset();
    spawn(0, body_cv_cancel_victim, &want);
    spawn(1, body_cv_cancel_holder, &signal);
    ck_assert_int_eq(koro_sched_run(&ys), 0);
    ck_assert_str_eq(trace, "uv");
}
END_TEST

/* Cancel and timer due at about the same time: the call returns one of
 * the two, and the coroutine is cancelled afterwards either way.  A
 * coroutine that is not cancelled still times out. */
static int race_rc[2], race_mode;

static void
body_race_victim(void *arg)
{
    int v, i = (int)(uintptr_t)arg;

    race_rc[i] = koro_chan_recv_timeout(&ych, &v, MS);
    if (i == 1) {
        ck_assert_int_eq(koro_sleep(1), 0);
        return;
    }
    while (koro_sleep(1) == 0) /* until the cancel, whenever it came */
        ;
    ck_assert_int_eq(koro_sleep(1), KORO_ECANCELED);
}

static void
body_race_canceller(void *arg)
{
    uint64_t t0 = t_now_ns();

    (void)arg;
    /* Wait until the victim's deadline has passed, without letting the
     * scheduler's clock check run first (so its timer may not have fired
     * yet) or with it (the timer fired): both orders occur. */
    if (race_mode)
        ck_assert_int_eq(koro_sleep(MS), 0);
    else
        while (t_now_ns() - t0 < MS)
            ;
    ck_assert_int_eq(koro_cancel(&yk[0]), 0);
}

START_TEST(cancel_races_timeout)
{
    int rep, seen_timeout = 0, seen_cancel = 0;

    for (rep = 0; rep < 8; rep++) {
        reset();
        race_mode = rep & 1;
        ck_assert_int_eq(koro_chan_init(&ych, NULL, sizeof(int), 0), 0);
        race_rc[0] = race_rc[1] = 0;
        spawn(0, body_race_victim, (void *)(uintptr_t)0);
        spawn(1, body_race_victim, (void *)(uintptr_t)1);
        spawn(2, body_race_canceller, NULL);
        ck_assert_int_eq(koro_sched_run(&ys), 0);
        ck_assert(race_rc[0] == KORO_ETIMEDOUT || race_rc[0] == KORO_ECANCELED);
        seen_timeout += race_rc[0] == KORO_ETIMEDOUT;
        seen_cancel += race_rc[0] == KORO_ECANCELED;
        ck_assert_int_eq(race_rc[1], KORO_ETIMEDOUT);
        ck_assert_ptr_null(ys.koro_timers_);
        ck_assert_int_eq(koro_chan_try_send(&ych, &rep), KORO_EAGAIN);
    }
    /* The cancel came first when the canceller did not let the
     * scheduler look at the clock, the timer when it slept. */
    ck_assert_int_eq(seen_timeout, 4);
    ck_assert_int_eq(seen_cancel, 4);
}
END_TEST

/* From outside any coroutine, after koro_sched_run() reported that all
 * that is left is blocked for ever: cancelling them lets them finish. */
static int stuck_rc[4];

static void
body_stuck(void *arg)
{
    int i = (int)(uintptr_t)arg, v = 0;

    switch (i) {
    case 0:
        stuck_rc[i] = koro_chan_recv(&ych, &v);
        break;
    case 1:
        stuck_rc[i] = koro_mutex_lock(&ym);
        break;
    case 2:
        ck_assert_int_eq(koro_mutex_trylock(&ym), KORO_EAGAIN);
        stuck_rc[i] = koro_wg_wait(&ywg);
        break;
    default:
        stuck_rc[i] = koro_select(NULL, 0, -1);
        break;
    }
}

START_TEST(cancel_after_deadlock)
{
    int i;

    reset();
    ck_assert_int_eq(koro_chan_init(&ych, NULL, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_mutex_trylock(&ym), 0); /* main holds it */
    ck_assert_int_eq(koro_wg_add(&ywg, 1), 0);
    for (i = 0; i < 4; i++)
        spawn(i, body_stuck, (void *)(uintptr_t)i);
    ck_assert_int_eq(koro_sched_run(&ys), KORO_EDEADLK);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(koro_cancel(&yk[i]), 0);
    ck_assert_int_eq(koro_sched_run(&ys), 0);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(stuck_rc[i], KORO_ECANCELED);
    ck_assert_ptr_null(ys.koro_blocked_);
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
    ck_assert_int_eq(koro_wg_done(&ywg), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* koro_fini() of coroutines blocked in each primitive. */

static void
body_fini_lock(void *arg)
{
    (void)arg;
    koro_mutex_lock(&ym);
    ck_abort_msg("not reached");
}

static void
body_fini_cond(void *arg)
{
    (void)arg;
    ck_assert_int_eq(koro_mutex_lock(&ym), 0);
    koro_cond_wait(&yc, &ym);
    ck_abort_msg("not reached");
}

static void
body_fini_wg(void *arg)
{
    if (arg)
        koro_wg_wait_timeout(&ywg, (uint64_t)1000000 * MS);
    else
        koro_wg_wait(&ywg);
    ck_abort_msg("not reached");
}

static void
body_fini_finisher(void *arg)
{
    (void)arg;
    /* A coroutine may fini a blocked sibling; its timer goes too. */
    ck_assert_ptr_nonnull(ys.koro_timers_);
    ck_assert_int_eq(koro_fini(&yk[5]), 0);
    ck_assert_ptr_null(ys.koro_timers_);
}

START_TEST(fini_of_blocked_waiters)
{
    int i;

    reset();
    ck_assert_int_eq(koro_wg_add(&ywg, 1), 0);
    spawn(0, body_fini_cond, NULL);
    spawn(1, body_fini_cond, NULL);
    spawn(2, body_fini_wg, NULL);
    spawn(5, body_fini_wg, &ywg);
    spawn(6, body_fini_finisher, NULL);
    ck_assert_int_eq(koro_sched_run(&ys), KORO_EDEADLK);
    /* Both wait on the cond; take the mutex, wake the second. */
    ck_assert_int_eq(koro_mutex_trylock(&ym), 0);
    spawn(3, body_fini_lock, NULL);
    spawn(4, body_fini_lock, NULL);
    ck_assert_int_eq(koro_sched_run(&ys), KORO_EDEADLK); /* 3, 4 block */
    ck_assert_ptr_nonnull(ys.koro_blocked_);
    ck_assert_int_eq(koro_cond_broadcast(&yc), 0);
    /* Now 0 and 1 are runnable and will queue for the mutex. */
    ck_assert_int_eq(koro_sched_run(&ys), KORO_EDEADLK);
    ck_assert_int_eq(koro_fini(&yk[3]), 0);
    ck_assert_int_eq(koro_fini(&yk[1]), 0);
    ck_assert_int_eq(koro_fini(&yk[2]), 0);
    /* Left: 4 then 0 waiting for the mutex.  Fini them too, after the
     * hand-off to 4 made it runnable. */
    ck_assert_int_eq(koro_mutex_unlock(&ym), 0);
    ck_assert_int_eq(koro_mutex_unlock(&ym), KORO_EPERM);
    ck_assert_int_eq(koro_fini(&yk[0]), 0);
    ck_assert_int_eq(koro_fini(&yk[4]), 0);
    ck_assert_int_eq(koro_sched_run(&ys), 0);
    /* Nothing stale: the queues are empty, no timer is left. */
    ck_assert_ptr_null(ys.koro_timers_);
    ck_assert_ptr_null(ys.koro_blocked_);
    ck_assert_ptr_null(ym.koro_waitq_[0]);
    ck_assert_ptr_null(yc.koro_waitq_[0]);
    ck_assert_ptr_null(ywg.koro_waitq_[0]);
    ck_assert_int_eq(koro_wg_done(&ywg), 0);
    ck_assert_int_eq(koro_cond_broadcast(&yc), 0);
    for (i = 0; i < 5; i++)
        ck_assert_int_eq(koro_status(&yk[i]), KORO_EINVAL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Zero allocation: no ck_assert between the counting marks (Check's
 * passing asserts allocate). */

static void
body_alloc(void *arg)
{
    int i, id = (int)(uintptr_t)arg;

    for (i = 0; i < 50; i++) {
        if (koro_mutex_lock(&ym) != 0)
            nmallocs += 1000;
        if (id == 0 && koro_cond_wait_timeout(&yc, &ym, 1000) < 0)
            koro_cond_broadcast(&yc);
        else
            koro_cond_signal(&yc);
        koro_yield();
        koro_mutex_unlock(&ym);
    }
    koro_wg_done(&ywg);
    if (id == 3)
        koro_sleep((uint64_t)1000000 * MS); /* cancelled */
}

static void
body_alloc_main(void *arg)
{
    (void)arg;
    if (koro_wg_wait(&ywg) != 0)
        nmallocs += 1000;
    koro_cancel(&yk[3]);
}

START_TEST(no_malloc_in_sync)
{
    int rep, i;

    for (rep = 0; rep < 2; rep++) {
        reset();
        ck_assert_int_eq(koro_wg_add(&ywg, 4), 0);
        for (i = 0; i < 4; i++)
            ck_assert_int_eq(koro_init(&yk[i], body_alloc, (void *)(uintptr_t)i,
                                       SSTK(i), SSTACK),
                             0);
        ck_assert_int_eq(
            koro_init(&yk[4], body_alloc_main, NULL, SSTK(4), SSTACK), 0);
        nmallocs = 0;
        count_mallocs = 1;
        for (i = 0; i < 5; i++)
            if (koro_sched_spawn(&ys, &yk[i]) != 0)
                nmallocs += 1000;
        if (koro_sched_run(&ys) != 0)
            nmallocs += 1000;
        count_mallocs = 0;
        ck_assert_int_eq(nmallocs, 0);
    }
}
END_TEST

void
t_sync(Suite *s)
{
    TCase *tc;

    ystk = t_stacks(NS);
    T_ADD(s, mutex_misuse, NULL);
    T_ADD(s, mutex_owner_checked, NULL);
    T_ADD(s, mutex_fifo_no_barging, NULL);
    T_ADD(s, mutex_handoff_direct, NULL);
    T_ADD(s, mutex_lock_cancelled, NULL);
    T_ADD(s, cond_signal_one_by_one, NULL);
    T_ADD(s, cond_broadcast_many, NULL);
    T_ADD(s, cond_timeout_relocks, NULL);
    T_ADD(s, wg_many, NULL);
    T_ADD(s, wg_misuse, NULL);
    tc = tcase_create("cancel_each_wait");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, cancel_each_wait, 0, W_KINDS);
    suite_add_tcase(s, tc);
    T_ADD(s, cancel_runnable, NULL);
    T_ADD(s, cancel_cond_relocks, NULL);
    T_ADD(s, cancel_races_timeout, NULL);
    T_ADD(s, cancel_after_deadlock, NULL);
    T_ADD(s, fini_of_blocked_waiters, NULL);
    T_ADD(s, no_malloc_in_sync, malloc_skip());
}
