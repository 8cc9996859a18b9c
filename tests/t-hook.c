/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* t-hook.c - the switch hook (koro_set_switch_hook): called with the
 * right from and to, in order, for every switch (resume, yield, return,
 * the scheduler's hand-offs and channel waits); unset stops it; each OS
 * thread has its own; a hook cannot switch; nothing is allocated. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "tcase.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef HAVE_PTHREAD
#include <pthread.h>
#endif

#define NK 4
#define HSTACK t_stack_size()
#define HSTK(i) (hstk + (size_t)(i)*HSTACK)

static unsigned char *hstk; /* NK stacks, allocated by t_hook() */
static koro_t hk[NK];

/* What the hook saw: the pairs, and the context it believes runs. */
#define NCALLS 256
struct call {
    koro_t *from, *to;
};
static struct call calls[NCALLS];
static int ncalls;
static koro_t *shadow; /* the last `to`: who runs now, per the hook */
static int bad_self;   /* koro_self() differed from `from` in the hook */
static int bad_stack;  /* the hook ran outside from's stack */
static int os_stacks;  /* win32: code runs on OS-allocated thread stacks */
static int bad_arg;
static int hook_arg_tag;

/* Where the hook runs: its frame, not a local, which ASan's
 * detect_stack_use_after_return would put on a fake stack elsewhere. */
#if defined(__GNUC__) || defined(__clang__)
#define HERE() __builtin_frame_address(0)
#else
#define HERE() ((void *)&here)
#endif

static void
record(koro_t *from, koro_t *to, void *arg)
{
    char here = 0;
    void *lo, *hi, *at = HERE();

    if (arg != &hook_arg_tag)
        bad_arg++;
    if (koro_self() != from || shadow != from)
        bad_self++;
    if (from && !os_stacks && koro_stack_bounds(from, &lo, &hi) == 0 &&
        (at < lo || at >= hi))
        bad_stack++;
    (void)here;
    if (ncalls < NCALLS) {
        calls[ncalls].from = from;
        calls[ncalls].to = to;
    }
    ncalls++;
    shadow = to;
}

static void
hook_on(void)
{
    ncalls = 0;
    shadow = koro_self();
    bad_self = bad_stack = bad_arg = 0;
    os_stacks = t_backend_is("win32");
    ck_assert_int_eq(koro_set_switch_hook(record, &hook_arg_tag, NULL, NULL),
                     0);
}

static void
hook_off(void)
{
    ck_assert_int_eq(koro_set_switch_hook(NULL, NULL, NULL, NULL), 0);
    ck_assert_int_eq(bad_self, 0);
    ck_assert_int_eq(bad_stack, 0);
    ck_assert_int_eq(bad_arg, 0);
}

static void
expect(const struct call *want, int n)
{
    int i;

    ck_assert_int_eq(ncalls, n);
    for (i = 0; i < n; i++) {
        ck_assert_msg(
            calls[i].from == want[i].from && calls[i].to == want[i].to,
            "call %d: (%p, %p), expected (%p, %p)", i, (void *)calls[i].from,
            (void *)calls[i].to, (void *)want[i].from, (void *)want[i].to);
    }
}

/* ------------------------------------------------------------------ */
/* The core's switches. */

static void
body_yield_twice(void *arg)
{
    (void)arg;
    koro_yield();
    koro_yield();
}

START_TEST(resume_yield_finish)
{
    koro_t *a = &hk[0];
    const struct call want[] = {{NULL, a}, {a, NULL}, {NULL, a},
                                {a, NULL}, {NULL, a}, {a, NULL}};

    ck_assert_int_eq(koro_init(a, body_yield_twice, NULL, HSTK(0), HSTACK), 0);
    hook_on();
    ck_assert_int_eq(koro_resume(a), 0);
    ck_assert_int_eq(koro_resume(a), 0);
    ck_assert_int_eq(koro_resume(a), 0); /* it returns */
    ck_assert_int_eq(koro_status(a), KORO_DEAD);
    /* A refused resume is no switch. */
    ck_assert_int_eq(koro_resume(a), KORO_EDEAD);
    hook_off();
    expect(want, 6);
}
END_TEST

/* a resumes b twice; b yields once and returns; a yields, then returns. */
static void
body_nest(void *arg)
{
    koro_t *b = arg;

    ck_assert_int_eq(koro_resume(b), 0);
    ck_assert_ptr_eq(koro_self(), shadow);
    ck_assert_int_eq(koro_resume(b), 0);
    ck_assert_ptr_eq(koro_self(), shadow);
    koro_yield();
}

static void
body_yield_once(void *arg)
{
    (void)arg;
    koro_yield();
}

START_TEST(nested_resume)
{
    koro_t *a = &hk[0], *b = &hk[1];
    const struct call want[] = {{NULL, a}, {a, b},    {b, a},    {a, b},
                                {b, a},    {a, NULL}, {NULL, a}, {a, NULL}};

    ck_assert_int_eq(koro_init(a, body_nest, b, HSTK(0), HSTACK), 0);
    ck_assert_int_eq(koro_init(b, body_yield_once, NULL, HSTK(1), HSTACK), 0);
    hook_on();
    ck_assert_int_eq(koro_resume(a), 0);
    ck_assert_int_eq(koro_status(b), KORO_DEAD);
    ck_assert_int_eq(koro_resume(a), 0);
    hook_off();
    expect(want, 8);
}
END_TEST

/* Set inside a coroutine: from then on its own switches are seen, and
 * so are those of the coroutine that resumed it (the hook is the whole
 * thread's); unset inside, nothing more. */
static void
body_sets_hook(void *arg)
{
    koro_t *b = arg;

    hook_on();
    ck_assert_int_eq(koro_resume(b), 0); /* b yields */
    ck_assert_int_eq(koro_resume(b), 0); /* b returns */
    koro_yield();
    ck_assert_int_eq(koro_set_switch_hook(NULL, NULL, NULL, NULL), 0);
    koro_yield();
}

static void
body_resume_thrice(void *arg)
{
    koro_t *a = arg;

    ck_assert_int_eq(koro_resume(a), 0);
    ck_assert_int_eq(koro_resume(a), 0);
    koro_yield();
    ck_assert_int_eq(koro_resume(a), 0);
}

START_TEST(set_inside_then_unset)
{
    koro_t *a = &hk[0], *b = &hk[1], *c = &hk[2];
    koro_switch_hook_fn fn;
    void *arg;
    const struct call want[] = {{a, b}, {b, a}, {a, b}, {b, a}, {a, c}, {c, a}};

    ck_assert_int_eq(koro_init(a, body_sets_hook, b, HSTK(0), HSTACK), 0);
    ck_assert_int_eq(koro_init(b, body_yield_once, NULL, HSTK(1), HSTACK), 0);
    ck_assert_int_eq(koro_init(c, body_resume_thrice, a, HSTK(2), HSTACK), 0);
    ncalls = 0;
    /* c resumes a, which sets the hook while c is its resumer, runs b to
     * its end and yields to c; c resumes a, which unsets the hook and
     * yields (unseen); c yields to the thread (unseen). */
    ck_assert_int_eq(koro_resume(c), 0);
    expect(want, 6);
    ck_assert_int_eq(bad_self + bad_stack + bad_arg, 0);
    ck_assert_int_eq(koro_status(a), KORO_SUSPENDED);
    ck_assert_int_eq(koro_status(b), KORO_DEAD);
    ck_assert_int_eq(koro_status(c), KORO_SUSPENDED);
    ck_assert_int_eq(koro_resume(c), 0); /* c resumes a: both return */
    ck_assert_int_eq(koro_status(a), KORO_DEAD);
    ck_assert_int_eq(koro_status(c), KORO_DEAD);
    ck_assert_int_eq(ncalls, 6);
    /* The hook replaced comes back to the caller. */
    ck_assert_int_eq(koro_set_switch_hook(record, &ncalls, &fn, &arg), 0);
    ck_assert_ptr_null((void *)fn);
    ck_assert_ptr_null(arg);
    ck_assert_int_eq(koro_set_switch_hook(NULL, NULL, &fn, &arg), 0);
    ck_assert_ptr_eq((void *)fn, (void *)record);
    ck_assert_ptr_eq(arg, &ncalls);
}
END_TEST

START_TEST(unset_stops_calls)
{
    koro_t *a = &hk[0];
    int i;

    ck_assert_int_eq(koro_init(a, body_yield_twice, NULL, HSTK(0), HSTACK), 0);
    hook_on();
    ck_assert_int_eq(koro_resume(a), 0);
    hook_off();
    ck_assert_int_eq(ncalls, 2);
    ck_assert_int_eq(koro_resume(a), 0);
    ck_assert_int_eq(koro_resume(a), 0);
    ck_assert_int_eq(koro_status(a), KORO_DEAD);
    ck_assert_int_eq(ncalls, 2);
    /* Once more, hooked and not, many times: the marks come and go. */
    for (i = 0; i < 100; i++) {
        ck_assert_int_eq(koro_init(a, body_yield_twice, NULL, HSTK(0), HSTACK),
                         0);
        if (i & 1)
            hook_on();
        ck_assert_int_eq(koro_resume(a), 0);
        if (i & 1)
            hook_off();
        ck_assert_int_eq(koro_resume(a), 0);
        if (i % 3 == 0)
            hook_on();
        ck_assert_int_eq(koro_resume(a), 0);
        ck_assert_int_eq(koro_status(a), KORO_DEAD);
        if (i % 3 == 0)
            hook_off();
        ck_assert_int_eq(ncalls, 2);
    }
}
END_TEST

/* A coroutine that shares its floating-point control state takes other
 * paths where the build supports that: seen all the same. */
START_TEST(fpshare_seen)
{
    koro_t *a = &hk[0];
    const struct call want[] = {{NULL, a}, {a, NULL}, {NULL, a},
                                {a, NULL}, {NULL, a}, {a, NULL}};
    int rc;

    ck_assert_int_eq(koro_init(a, body_yield_twice, NULL, HSTK(0), HSTACK), 0);
    rc = koro_share_fpenv(a);
    ck_assert(rc == 0 || rc == KORO_ENOSYS);
    hook_on();
    ck_assert_int_eq(koro_resume(a), 0);
    ck_assert_int_eq(koro_resume(a), 0);
    ck_assert_int_eq(koro_resume(a), 0);
    hook_off();
    expect(want, 6);
}
END_TEST

/* ------------------------------------------------------------------ */
/* A hook cannot switch. */

static int inner_resume_rc, inner_yield_rc, inner_calls;

static void
switching_hook(koro_t *from, koro_t *to, void *arg)
{
    (void)to;
    inner_calls++;
    inner_resume_rc = koro_resume(arg);
    inner_yield_rc = koro_yield();
    /* Not a switch: allowed, and the outer switch goes on. */
    if (from)
        ck_assert_int_eq(koro_status(from), KORO_RUNNING);
}

START_TEST(hook_cannot_switch)
{
    koro_t *a = &hk[0], *b = &hk[1];

    ck_assert_int_eq(koro_init(a, body_yield_once, NULL, HSTK(0), HSTACK), 0);
    ck_assert_int_eq(koro_init(b, body_yield_once, NULL, HSTK(1), HSTACK), 0);
    ck_assert_int_eq(koro_set_switch_hook(switching_hook, b, NULL, NULL), 0);
    inner_calls = 0;
    ck_assert_int_eq(koro_resume(a), 0); /* hook on the thread's level */
    ck_assert_int_eq(inner_calls, 2);
    /* The last call was a's yield, on a's stack. */
    ck_assert_int_eq(inner_resume_rc, KORO_EBUSY);
    ck_assert_int_eq(inner_yield_rc, KORO_EBUSY);
    ck_assert_int_eq(koro_resume(a), 0);
    ck_assert_int_eq(koro_set_switch_hook(NULL, NULL, NULL, NULL), 0);
    ck_assert_int_eq(inner_calls, 4);
    ck_assert_int_eq(koro_status(a), KORO_DEAD);
    ck_assert_int_eq(koro_status(b), KORO_SUSPENDED); /* never ran */
    ck_assert_int_eq(koro_resume(b), 0);
    ck_assert_int_eq(koro_resume(b), 0);
    ck_assert_int_eq(koro_status(b), KORO_DEAD);
}
END_TEST

static koro_sched_t hs;

static void
sleeping_hook(koro_t *from, koro_t *to, void *arg)
{
    (void)to;
    (void)arg;
    if (from)
        koro_sleep(1000); /* aborts: the scheduler cannot be refused */
}

START_TEST(hook_blocking_aborts)
{
    ck_assert_int_eq(koro_sched_init(&hs), 0);
    ck_assert_int_eq(koro_init(&hk[0], body_yield_once, NULL, HSTK(0), HSTACK),
                     0);
    ck_assert_int_eq(koro_sched_spawn(&hs, &hk[0]), 0);
    ck_assert_int_eq(koro_set_switch_hook(sleeping_hook, NULL, NULL, NULL), 0);
    koro_sched_run(&hs);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The scheduler's switches: yields through the loop, and the direct
 * hand-offs of coroutines that block on channels.  The hook's idea of
 * who runs must match koro_self() wherever the bodies look. */

static koro_chan_t ping, pong;
static int pingbuf[1], pongbuf[1];
static int shadow_wrong;

static void
check_shadow(void)
{
    if (koro_self() != shadow)
        shadow_wrong++;
}

static void
body_sched_yield(void *arg)
{
    (void)arg;
    check_shadow();
    koro_yield();
    check_shadow();
}

START_TEST(scheduler_yields)
{
    koro_t *a = &hk[0], *b = &hk[1];
    const struct call want[] = {{NULL, a}, {a, NULL}, {NULL, b}, {b, NULL},
                                {NULL, a}, {a, NULL}, {NULL, b}, {b, NULL}};

    shadow_wrong = 0;
    ck_assert_int_eq(koro_sched_init(&hs), 0);
    ck_assert_int_eq(koro_init(a, body_sched_yield, NULL, HSTK(0), HSTACK), 0);
    ck_assert_int_eq(koro_init(b, body_sched_yield, NULL, HSTK(1), HSTACK), 0);
    ck_assert_int_eq(koro_sched_spawn(&hs, a), 0);
    ck_assert_int_eq(koro_sched_spawn(&hs, b), 0);
    hook_on();
    ck_assert_int_eq(koro_sched_run(&hs), 0);
    hook_off();
    expect(want, 8);
    ck_assert_int_eq(shadow_wrong, 0);
}
END_TEST

#define ROUNDS 20

/* No ck_assert in the bodies: Check allocates for every assertion, and
 * no_malloc_hooked counts the allocations while they run. */
static int pp_wrong;

static void
body_pinger(void *arg)
{
    int i, v;

    (void)arg;
    for (i = 0; i < ROUNDS; i++) {
        pp_wrong += koro_chan_send(&ping, &i) != 0;
        check_shadow();
        pp_wrong += koro_chan_recv(&pong, &v) != 0 || v != i;
        check_shadow();
    }
}

static void
body_ponger(void *arg)
{
    int i, v;

    (void)arg;
    for (i = 0; i < ROUNDS; i++) {
        pp_wrong += koro_chan_recv(&ping, &v) != 0;
        check_shadow();
        pp_wrong += koro_chan_send(&pong, &v) != 0;
        check_shadow();
    }
}

static void
pp_setup(void)
{
    koro_t *a = &hk[0], *b = &hk[1];

    shadow_wrong = pp_wrong = 0;
    ck_assert_int_eq(koro_sched_init(&hs), 0);
    ck_assert_int_eq(koro_chan_init(&ping, pingbuf, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_chan_init(&pong, pongbuf, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_init(a, body_pinger, NULL, HSTK(0), HSTACK), 0);
    ck_assert_int_eq(koro_init(b, body_ponger, NULL, HSTK(1), HSTACK), 0);
    ck_assert_int_eq(koro_sched_spawn(&hs, a), 0);
    ck_assert_int_eq(koro_sched_spawn(&hs, b), 0);
    ncalls = 0;
    shadow = NULL;
    bad_self = bad_stack = bad_arg = 0;
    os_stacks = t_backend_is("win32");
}

static int
pp_run(void)
{
    int rc;

    koro_set_switch_hook(record, &hook_arg_tag, NULL, NULL);
    rc = koro_sched_run(&hs);
    koro_set_switch_hook(NULL, NULL, NULL, NULL);
    return rc;
}

/* Returns the number of direct hand-offs between the two. */
static int
pp_verify(void)
{
    int i, direct = 0;

    ck_assert_int_eq(pp_wrong, 0);
    ck_assert_int_eq(shadow_wrong, 0);
    ck_assert_int_eq(bad_self + bad_stack + bad_arg, 0);
    ck_assert_int_le(ncalls, NCALLS);
    /* A chain: each switch leaves the context the previous one entered,
     * from the thread and back to it. */
    ck_assert_ptr_null(calls[0].from);
    ck_assert_ptr_null(calls[ncalls - 1].to);
    for (i = 0; i < ncalls; i++) {
        ck_assert_ptr_ne(calls[i].from, calls[i].to);
        if (i > 0)
            ck_assert_ptr_eq(calls[i].from, calls[i - 1].to);
        if (calls[i].from && calls[i].to)
            direct++;
    }
    ck_assert_int_eq(koro_status(&hk[0]), KORO_DEAD);
    ck_assert_int_eq(koro_status(&hk[1]), KORO_DEAD);
    return direct;
}

START_TEST(channel_blocking)
{
    pp_setup();
    ck_assert_int_eq(pp_run(), 0);
    /* Blocked coroutines hand the processor to each other directly: the
     * hook sees those switches too. */
    ck_assert_int_gt(pp_verify(), ROUNDS);
}
END_TEST

START_TEST(no_malloc_hooked)
{
    int rc;

    pp_setup(); /* warm up */
    ck_assert_int_eq(pp_run(), 0);
    pp_verify();
    pp_setup();
    nmallocs = 0;
    count_mallocs = 1;
    rc = pp_run();
    count_mallocs = 0;
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(nmallocs, 0);
    pp_verify();
}
END_TEST

/* ------------------------------------------------------------------ */
/* Each OS thread has its own hook. */

#ifdef HAVE_PTHREAD
struct per_thread {
    unsigned char *stack;
    int hooked;
    int count; /* the hook's calls (its argument) */
    int prev_was_null;
    int ok;
};

static void
count_hook(koro_t *from, koro_t *to, void *arg)
{
    (void)from;
    (void)to;
    ++*(int *)arg;
}

static void
body_yield_many(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < 50; i++)
        koro_yield();
}

static void *
thread_main(void *arg)
{
    struct per_thread *pt = arg;
    koro_switch_hook_fn prev = count_hook;
    koro_t k;
    int i, rc = 0;

    if (pt->hooked) {
        koro_set_switch_hook(count_hook, &pt->count, &prev, NULL);
        pt->prev_was_null = prev == NULL;
    }
    for (i = 0; i < 5 && rc == 0; i++) {
        rc = koro_init(&k, body_yield_many, NULL, pt->stack, HSTACK);
        while (rc == 0 && koro_status(&k) != KORO_DEAD)
            rc = koro_resume(&k);
    }
    pt->ok = rc == 0;
    if (pt->hooked)
        koro_set_switch_hook(NULL, NULL, NULL, NULL);
    return NULL;
}

START_TEST(per_thread)
{
    struct per_thread pt[4];
    pthread_t th[4];
    int i, main_count = 0;

    /* This thread's hook is not the others'. */
    ck_assert_int_eq(koro_set_switch_hook(count_hook, &main_count, NULL, NULL),
                     0);
    for (i = 0; i < 4; i++) {
        pt[i].stack = HSTK(i);
        pt[i].hooked = i & 1;
        pt[i].count = 0;
        pt[i].prev_was_null = 0;
        pt[i].ok = 0;
        ck_assert_int_eq(pthread_create(&th[i], NULL, thread_main, &pt[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
        ck_assert_int_eq(pt[i].ok, 1);
        /* 5 coroutines of 51 resumes and 51 yields or returns. */
        ck_assert_int_eq(pt[i].count, pt[i].hooked ? 5 * 102 : 0);
        if (pt[i].hooked)
            ck_assert_int_eq(pt[i].prev_was_null, 1);
    }
    ck_assert_int_eq(koro_set_switch_hook(NULL, NULL, NULL, NULL), 0);
    ck_assert_int_eq(main_count, 0);
}
END_TEST
#endif

void
t_hook(Suite *s)
{
    hstk = t_stacks(NK);
    T_ADD(s, resume_yield_finish, NULL);
    T_ADD(s, nested_resume, NULL);
    T_ADD(s, set_inside_then_unset, NULL);
    T_ADD(s, unset_stops_calls, NULL);
    T_ADD(s, fpshare_seen, NULL);
    T_ADD(s, hook_cannot_switch, NULL);
    t_add_signal(s, "hook_blocking_aborts", hook_blocking_aborts, SIGABRT,
                 NULL);
    T_ADD(s, scheduler_yields, NULL);
    T_ADD(s, channel_blocking, NULL);
    T_ADD(s, no_malloc_hooked, malloc_skip());
#ifdef HAVE_PTHREAD
    T_ADD(s, per_thread, T_NO_PTHREADS);
#endif
}
