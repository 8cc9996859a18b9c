/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* t-sched.c - the scheduler: order, spawning, sleeping, deadlock, fini of
 * blocked coroutines, misuse, several threads, no allocation. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "tcase.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef HAVE_PTHREAD_CREATE
#include <pthread.h>
#endif

#define NK 8
#define SSTACK t_stack_size()
#define SSTK(i) (sstk + (size_t)(i)*SSTACK)

static unsigned char *sstk; /* NK stacks, allocated by t_sched() */
static koro_t sk[NK];
static koro_sched_t sched;

static char trace[256];
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
spawn(koro_sched_t *s, int i, koro_fn fn, void *arg)
{
    ck_assert_int_eq(koro_init(&sk[i], fn, arg, SSTK(i), SSTACK), 0);
    ck_assert_int_eq(koro_sched_spawn(s, &sk[i]), 0);
}

/* ------------------------------------------------------------------ */

static void
body_round_robin(void *arg)
{
    int i;

    for (i = 0; i < 4; i++) {
        mark(*(char *)arg);
        ck_assert_int_eq(koro_yield(), 0);
    }
}

START_TEST(fifo_and_fair)
{
    static char ids[3] = {'a', 'b', 'c'};
    int i;

    ntrace = 0;
    ck_assert_int_eq(koro_sched_init(&sched), 0);
    ck_assert_int_eq(koro_sched_run(&sched), 0); /* nothing to do */
    for (i = 0; i < 3; i++)
        spawn(&sched, i, body_round_robin, &ids[i]);
    ck_assert_int_eq(koro_sched_run(&sched), 0);
    ck_assert_str_eq(trace, "abcabcabcabc");
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(koro_status(&sk[i]), KORO_DEAD);
}
END_TEST

/* ------------------------------------------------------------------ */

static void
body_child(void *arg)
{
    mark(*(char *)arg);
    koro_yield();
    mark((char)(*(char *)arg - 'a' + 'A'));
}

static void
body_parent(void *arg)
{
    static char ids[2] = {'x', 'y'};

    (void)arg;
    ck_assert_ptr_eq(koro_sched_self(), &sched);
    mark('p');
    spawn(&sched, 1, body_child, &ids[0]);
    spawn(&sched, 2, body_child, &ids[1]);
    mark('q');
    koro_yield();
    mark('r');
}

START_TEST(spawn_from_inside)
{
    ntrace = 0;
    ck_assert_ptr_null(koro_sched_self());
    ck_assert_int_eq(koro_sched_init(&sched), 0);
    spawn(&sched, 0, body_parent, NULL);
    ck_assert_int_eq(koro_sched_run(&sched), 0);
    /* The children join the back of the queue, behind their parent. */
    ck_assert_str_eq(trace, "pqxyrXY");
}
END_TEST

/* ------------------------------------------------------------------ */

struct sleeper {
    uint64_t ns, slept;
    char id;
};

static void
body_sleep(void *arg)
{
    struct sleeper *sl = arg;
    uint64_t t0 = t_now_ns();

    ck_assert_int_eq(koro_sleep(sl->ns), 0);
    sl->slept = t_now_ns() - t0;
    mark(sl->id);
}

START_TEST(sleep_wakes_in_deadline_order)
{
    /* 100 ms apart: each deadline counts from the moment its coroutine
     * first runs, which under the threads backend on a loaded machine can
     * be several milliseconds after the previous one. */
    static struct sleeper sl[4] = {{220000000, 0, 'c'},
                                   {20000000, 0, 'a'},
                                   {120000000, 0, 'b'},
                                   {0, 0, '0'}};
    int i;

    ntrace = 0;
    ck_assert_int_eq(koro_sched_init(&sched), 0);
    for (i = 0; i < 4; i++)
        spawn(&sched, i, body_sleep, &sl[i]);
    ck_assert_int_eq(koro_sched_run(&sched), 0);
    ck_assert_str_eq(trace, "0abc");
    for (i = 0; i < 3; i++)
        ck_assert_uint_ge(sl[i].slept, sl[i].ns); /* never early */
}
END_TEST

/* A sleeper among busy coroutines is still woken (the scheduler looks at
 * the clock while others are runnable). */
static volatile int stop_spinning;

static void
body_spin(void *arg)
{
    long *n = arg;

    while (!stop_spinning) {
        ++*n;
        koro_yield();
    }
}

static void
body_sleep_then_stop(void *arg)
{
    (void)arg;
    ck_assert_int_eq(koro_sleep(2000000), 0);
    stop_spinning = 1;
}

START_TEST(sleep_among_busy)
{
    long n = 0;

    stop_spinning = 0;
    ck_assert_int_eq(koro_sched_init(&sched), 0);
    spawn(&sched, 0, body_spin, &n);
    spawn(&sched, 1, body_sleep_then_stop, NULL);
    ck_assert_int_eq(koro_sched_run(&sched), 0);
    ck_assert_int_eq(stop_spinning, 1);
    ck_assert_int_gt(n, 0);
}
END_TEST

/* ------------------------------------------------------------------ */

static koro_chan_t dch;

static void
body_recv_one(void *arg)
{
    int v = -1;

    *(int *)arg = koro_chan_recv(&dch, &v);
    if (*(int *)arg == 0)
        *(int *)arg = v;
}

START_TEST(deadlock_detected)
{
    int got[2] = {-100, -100}, v = 7;

    ck_assert_int_eq(koro_chan_init(&dch, NULL, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_sched_init(&sched), 0);
    spawn(&sched, 0, body_recv_one, &got[0]);
    spawn(&sched, 1, body_recv_one, &got[1]);
    ck_assert_int_eq(koro_sched_run(&sched), KORO_EDEADLK);
    ck_assert_int_eq(koro_status(&sk[0]), KORO_SUSPENDED);
    ck_assert_int_eq(koro_status(&sk[1]), KORO_SUSPENDED);
    /* Non-blocking calls from main may wake them; run picks them up. */
    ck_assert_int_eq(koro_chan_try_send(&dch, &v), 0);
    ck_assert_int_eq(koro_chan_try_send(&dch, &v), 0);
    ck_assert_int_eq(koro_chan_try_send(&dch, &v), KORO_EAGAIN);
    ck_assert_int_eq(koro_sched_run(&sched), 0);
    ck_assert_int_eq(got[0], 7);
    ck_assert_int_eq(got[1], 7);

    spawn(&sched, 0, body_recv_one, &got[0]);
    ck_assert_int_eq(koro_sched_run(&sched), KORO_EDEADLK);
    ck_assert_int_eq(koro_chan_close(&dch), 0);
    ck_assert_int_eq(koro_sched_run(&sched), 0);
    ck_assert_int_eq(got[0], KORO_ECLOSED);
}
END_TEST

/* select on nothing blocks for ever: also a deadlock. */
static void
body_select_nothing(void *arg)
{
    *(int *)arg = koro_select(NULL, 0, -1);
}

START_TEST(empty_select_deadlocks)
{
    int rc = 1;

    ck_assert_int_eq(koro_sched_init(&sched), 0);
    spawn(&sched, 0, body_select_nothing, &rc);
    ck_assert_int_eq(koro_sched_run(&sched), KORO_EDEADLK);
    ck_assert_int_eq(rc, 1);
    ck_assert_int_eq(koro_fini(&sk[0]), 0);
    ck_assert_int_eq(koro_sched_run(&sched), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* koro_fini() of blocked coroutines unlinks their wait records. */

static koro_chan_t fa, fb;
static char zid[1] = {'z'};
static int fbuf[1];

static void
body_block_recv(void *arg)
{
    int v;

    (void)arg;
    koro_chan_recv(&fa, &v);
    ck_abort_msg("finalised coroutine resumed");
}

static void
body_block_send(void *arg)
{
    int v = 5;

    (void)arg;
    koro_chan_send(&fb, &v); /* fb is full */
    ck_abort_msg("finalised coroutine resumed");
}

static void
body_block_select(void *arg)
{
    int x, y = 1;
    struct koro_sel cs[2] = {{&fa, KORO_SEL_RECV, &x, 0, NULL, NULL, NULL},
                             {&fb, KORO_SEL_SEND, &y, 0, NULL, NULL, NULL}};

    (void)arg;
    koro_select(cs, 2, 60 * (int64_t)1000000000);
    ck_abort_msg("finalised coroutine resumed");
}

static void
body_block_sleep(void *arg)
{
    (void)arg;
    koro_sleep(60 * (uint64_t)1000000000);
    ck_abort_msg("finalised coroutine resumed");
}

static void
body_killer(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(koro_status(&sk[i]), KORO_SUSPENDED);
        ck_assert_int_eq(koro_fini(&sk[i]), 0);
    }
    /* fini of one still waiting in the run queue. */
    ck_assert_int_eq(koro_fini(&sk[5]), 0);
}

START_TEST(fini_of_blocked)
{
    int v = 1, i;

    ck_assert_int_eq(koro_chan_init(&fa, NULL, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_chan_init(&fb, fbuf, sizeof(int), 1), 0);
    ck_assert_int_eq(koro_chan_try_send(&fb, &v), 0);
    ck_assert_int_eq(koro_sched_init(&sched), 0);
    spawn(&sched, 0, body_block_recv, NULL);
    spawn(&sched, 1, body_block_send, NULL);
    spawn(&sched, 2, body_block_select, NULL);
    spawn(&sched, 3, body_block_sleep, NULL);
    spawn(&sched, 4, body_killer, NULL);
    spawn(&sched, 5, body_round_robin, zid);
    /* Returns at once: no 60 s timer is left behind. */
    ck_assert_int_eq(koro_sched_run(&sched), 0);
    for (i = 0; i < 4; i++)
        memset(SSTK(i), 0xdd, SSTACK); /* the stacks are free again */
    /* Nothing waits on the channels any more. */
    ck_assert_int_eq(koro_chan_try_send(&fa, &v), KORO_EAGAIN);
    ck_assert_int_eq(koro_chan_try_recv(&fb, &v), 0);
    ck_assert_int_eq(koro_chan_try_recv(&fb, &v), KORO_EAGAIN);
    ck_assert_int_eq(koro_chan_close(&fa), 0);
    ck_assert_int_eq(koro_chan_close(&fb), 0);

    /* And from main after a deadlock. */
    ck_assert_int_eq(koro_chan_init(&fa, NULL, sizeof(int), 0), 0);
    spawn(&sched, 0, body_block_recv, NULL);
    spawn(&sched, 1, body_block_recv, NULL);
    ck_assert_int_eq(koro_sched_run(&sched), KORO_EDEADLK);
    ck_assert_int_eq(koro_fini(&sk[0]), 0);
    memset(SSTK(0), 0xdd, SSTACK);
    ck_assert_int_eq(koro_fini(&sk[1]), 0);
    memset(SSTK(1), 0xdd, SSTACK);
    ck_assert_int_eq(koro_sched_run(&sched), 0);
    ck_assert_int_eq(koro_chan_try_send(&fa, &v), KORO_EAGAIN);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Misuse. */

static koro_t nested;
static int nested_rc[6];
static koro_chan_t ech;

static void
body_nested(void *arg)
{
    int v = 0;
    struct koro_sel c = {&ech, KORO_SEL_RECV, &v, 0, NULL, NULL, NULL};

    (void)arg;
    ck_assert_ptr_null(koro_sched_self());
    nested_rc[0] = koro_sleep(1);
    nested_rc[1] = koro_chan_recv(&ech, &v);
    nested_rc[2] = koro_select(&c, 1, -1);
    nested_rc[3] = koro_chan_recv_timeout(&ech, &v, 1000);
    nested_rc[4] = koro_chan_try_recv(&ech, &v);
    nested_rc[5] = koro_sched_run(&sched);
}

static void
body_resumes_nested(void *arg)
{
    (void)arg;
    ck_assert_int_eq(koro_init(&nested, body_nested, NULL, SSTK(1), SSTACK), 0);
    ck_assert_int_eq(koro_resume(&nested), 0);
    ck_assert_int_eq(koro_status(&nested), KORO_DEAD);
}

static void
noop(void *arg)
{
    (void)arg;
}

START_TEST(sched_misuse)
{
    koro_sched_t junk;
    koro_t k;
    int v = 0, i;
    struct koro_sel c = {&ech, KORO_SEL_RECV, &v, 0, NULL, NULL, NULL};

    memset(&junk, 0x5a, sizeof junk);
    ck_assert_int_eq(koro_sched_init(NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_sched_run(NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_sched_run(&junk), KORO_EINVAL);
    ck_assert_int_eq(koro_sched_init(&sched), 0);
    ck_assert_int_eq(koro_sched_spawn(&sched, NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_init(&k, noop, NULL, SSTK(0), SSTACK), 0);
    ck_assert_int_eq(koro_sched_spawn(NULL, &k), KORO_EINVAL);
    ck_assert_int_eq(koro_sched_spawn(&junk, &k), KORO_EINVAL);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(koro_sched_spawn(&sched, &k), KORO_ESTARTED);
    ck_assert_int_eq(koro_init(&k, noop, NULL, SSTK(0), SSTACK), 0);
    ck_assert_int_eq(koro_sched_spawn(&sched, &k), 0);
    ck_assert_int_eq(koro_sched_spawn(&sched, &k), KORO_EBUSY);
    ck_assert_int_eq(koro_sched_run(&sched), 0);

    /* Blocking calls where nothing can block. */
    ck_assert_int_eq(koro_chan_init(&ech, NULL, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_sleep(1), KORO_ENOSCHED);
    ck_assert_int_eq(koro_chan_recv(&ech, &v), KORO_ENOSCHED);
    ck_assert_int_eq(koro_chan_send(&ech, &v), KORO_ENOSCHED);
    ck_assert_int_eq(koro_chan_recv_timeout(&ech, &v, 1000), KORO_ENOSCHED);
    ck_assert_int_eq(koro_chan_send_timeout(&ech, &v, 0), KORO_ETIMEDOUT);
    ck_assert_int_eq(koro_select(&c, 1, -1), KORO_ENOSCHED);
    ck_assert_int_eq(koro_select(&c, 1, 5), KORO_ENOSCHED);
    ck_assert_int_eq(koro_select(&c, 1, 0), KORO_EAGAIN);
    ck_assert_int_eq(koro_select(NULL, 0, 0), KORO_EAGAIN);

    /* ... and from a coroutine the scheduler did not start. */
    spawn(&sched, 0, body_resumes_nested, NULL);
    ck_assert_int_eq(koro_sched_run(&sched), 0);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(nested_rc[i], KORO_ENOSCHED);
    ck_assert_int_eq(nested_rc[4], KORO_EAGAIN);
    ck_assert_int_eq(nested_rc[5], KORO_EBUSY); /* s is already running */
}
END_TEST

/* ------------------------------------------------------------------ */
/* No allocation in the scheduler and the channels. */

static koro_chan_t mch;

static void
body_alloc_send(void *arg)
{
    int i;

    (void)arg;
    /* No ck_assert in here: Check's passing asserts allocate. */
    for (i = 0; i < 200; i++)
        if (koro_chan_send(&mch, &i) != 0)
            nmallocs += 1000;
    koro_sleep(1000);
    koro_chan_close(&mch);
}

static void
body_alloc_recv(void *arg)
{
    int v, n = 0, other = 0;
    struct koro_sel cs[2] = {
        {&mch, KORO_SEL_RECV, &v, 0, NULL, NULL, NULL},
        {&dch, KORO_SEL_RECV, &other, 0, NULL, NULL, NULL}};

    while (koro_select(cs, 2, 1000000000) == 0 && cs[0].result == 0)
        n++;
    *(int *)arg = n;
}

START_TEST(no_malloc_in_sched)
{
    int n = 0, rep;
    int buf[4];

    for (rep = 0; rep < 2; rep++) {
        /* The first round warms up lazy runtime state (TLS, clock). */
        ck_assert_int_eq(koro_chan_init(&mch, buf, sizeof(int), 4 * rep), 0);
        ck_assert_int_eq(koro_chan_init(&dch, NULL, sizeof(int), 0), 0);
        ck_assert_int_eq(koro_sched_init(&sched), 0);
        nmallocs = 0;
        count_mallocs = 1;
        if (koro_init(&sk[0], body_alloc_recv, &n, SSTK(0), SSTACK) ||
            koro_init(&sk[1], body_alloc_send, NULL, SSTK(1), SSTACK) ||
            koro_sched_spawn(&sched, &sk[0]) ||
            koro_sched_spawn(&sched, &sk[1]) || koro_sched_run(&sched) != 0)
            nmallocs += 1000;
        count_mallocs = 0;
        ck_assert_int_eq(nmallocs, 0);
        ck_assert_int_eq(n, 200);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Several OS threads, each with its own scheduler and channels. */

#ifdef HAVE_PTHREAD_CREATE
struct tworld {
    koro_sched_t s;
    koro_chan_t ping, pong;
    koro_t k[2];
    unsigned char *stk; /* two stacks */
    long sum;
    int rc;
};

static void
body_pinger(void *arg)
{
    struct tworld *w = arg;
    long i, v;

    for (i = 0; i < 20000; i++) {
        ck_assert_int_eq(koro_chan_send(&w->ping, &i), 0);
        ck_assert_int_eq(koro_chan_recv(&w->pong, &v), 0);
        ck_assert_int_eq(v, i + 1);
        w->sum += v;
    }
    koro_chan_close(&w->ping);
}

static void
body_ponger(void *arg)
{
    struct tworld *w = arg;
    long v;

    while (koro_chan_recv(&w->ping, &v) == 0) {
        ck_assert_ptr_eq(koro_sched_self(), &w->s);
        v++;
        ck_assert_int_eq(koro_chan_send(&w->pong, &v), 0);
    }
}

static void *
thread_world(void *arg)
{
    struct tworld *w = arg;

    koro_sched_init(&w->s);
    koro_chan_init(&w->ping, NULL, sizeof(long), 0);
    koro_chan_init(&w->pong, NULL, sizeof(long), 0);
    if (koro_init(&w->k[0], body_pinger, w, w->stk, t_stack_size()) ||
        koro_init(&w->k[1], body_ponger, w, w->stk + t_stack_size(),
                  t_stack_size()) ||
        koro_sched_spawn(&w->s, &w->k[0]) ||
        koro_sched_spawn(&w->s, &w->k[1])) {
        w->rc = -1000;
        return NULL;
    }
    w->rc = koro_sched_run(&w->s);
    return NULL;
}

START_TEST(schedulers_on_threads)
{
    static struct tworld w[3];
    pthread_t th[3];
    int i;

    memset(w, 0, sizeof w);
    for (i = 0; i < 3; i++) {
        w[i].stk = t_stacks(2);
        ck_assert_int_eq(pthread_create(&th[i], NULL, thread_world, &w[i]), 0);
    }
    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
        ck_assert_int_eq(w[i].rc, 0);
        ck_assert_int_eq(w[i].sum, 20000L * 20001 / 2);
        free(w[i].stk);
    }
}
END_TEST
#endif

void
t_sched(Suite *s)
{
    sstk = t_stacks(NK);
    T_ADD(s, fifo_and_fair, NULL);
    T_ADD(s, spawn_from_inside, NULL);
    T_ADD(s, sleep_wakes_in_deadline_order, NULL);
    T_ADD(s, sleep_among_busy, NULL);
    T_ADD(s, deadlock_detected, NULL);
    T_ADD(s, empty_select_deadlocks, NULL);
    T_ADD(s, fini_of_blocked, NULL);
    T_ADD(s, sched_misuse, NULL);
    T_ADD(s, no_malloc_in_sched, malloc_skip());
#ifdef HAVE_PTHREAD_CREATE
    T_ADD(s, schedulers_on_threads, T_NO_OS_THREADS);
#else
    t_add(s, "schedulers_on_threads", NULL, "no pthread_create here");
#endif
}
