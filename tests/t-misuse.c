/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* t-misuse.c - misuse refused before it corrupts: objects still in use
 * are not re-initialised or resumed by hand, the canary covers all its
 * bytes and no byte of the usable stack, the wider zone, and the state
 * tag against random bytes. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "tcase.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#if defined(HAVE_UNISTD_H) && !defined(_WIN32) && !defined(__EMSCRIPTEN__)
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#define T_HAVE_FORK 1
#define T_NO_FORK NULL
#else
#define T_NO_FORK "no fork() here"
#endif
#if defined(__GNUC__) || defined(__clang__)
#define T_NOINLINE __attribute__((noinline))
#else
#define T_NOINLINE
#endif

#define NM 4
/* The stack of wide_zone_catches_sparse_frames (with room for its zone
 * above koro_stack_min()) and the room below it. */
#define SPARSE_STACK (t_stack_at_least(32 * 1024) + 16 * 1024)
#define SPARSE_BELOW (64 * 1024)
static unsigned char *mstk; /* NM stacks, allocated by t_misuse() */
#define MSTACK t_stack_size()
#define MSTK(i) (mstk + (size_t)(i)*MSTACK)
/* Room for a zone above koro_stack_min(): two of the stacks. */
#define ZSTACK (2 * MSTACK)
static koro_t mk[NM];
static koro_sched_t ms;
static koro_chan_t mc;

static void
body_nothing(void *arg)
{
    (void)arg;
}

static void
body_yield(void *arg)
{
    (void)arg;
    koro_yield();
}

/* ------------------------------------------------------------------ */
/* koro_init() of the running coroutine and of its ancestors. */

static int init_rc[2];

static void
body_init_inner(void *arg)
{
    /* arg: the outer coroutine, which resumed this one. */
    init_rc[1] = koro_init((koro_t *)arg, body_nothing, NULL, MSTK(2), MSTACK);
}

static void
body_init_outer(void *arg)
{
    (void)arg;
    init_rc[0] = koro_init(koro_self(), body_nothing, NULL, MSTK(2), MSTACK);
    ck_assert_int_eq(koro_status(koro_self()), KORO_RUNNING);
    ck_assert_int_eq(
        koro_init(&mk[1], body_init_inner, koro_self(), MSTK(1), MSTACK), 0);
    ck_assert_int_eq(koro_resume(&mk[1]), 0);
    ck_assert_int_eq(koro_status(&mk[1]), KORO_DEAD);
    koro_yield();
}

START_TEST(init_of_running_and_ancestor_refused)
{
    ck_assert_int_eq(koro_init(&mk[0], body_init_outer, NULL, MSTK(0), MSTACK),
                     0);
    ck_assert_int_eq(koro_resume(&mk[0]), 0);
    ck_assert_int_eq(init_rc[0], KORO_ERUNNING);
    ck_assert_int_eq(init_rc[1], KORO_ENORMAL);
    /* Nothing changed: it runs on to its end. */
    ck_assert_int_eq(koro_status(&mk[0]), KORO_SUSPENDED);
    ck_assert_int_eq(koro_resume(&mk[0]), 0);
    ck_assert_int_eq(koro_status(&mk[0]), KORO_DEAD);
    /* A dead one is set up afresh. */
    ck_assert_int_eq(koro_init(&mk[0], body_nothing, NULL, MSTK(0), MSTACK), 0);
    ck_assert_int_eq(koro_resume(&mk[0]), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Coroutines in a scheduler's hands. */

static int recv_rc, recv_val, busy_rc[4];

static void
body_recv(void *arg)
{
    (void)arg;
    recv_rc = koro_chan_recv(&mc, &recv_val);
}

/* A scheduled coroutine tries to run its queued sibling by hand. */
static void
body_resume_sibling(void *arg)
{
    busy_rc[0] = koro_resume((koro_t *)arg);
    busy_rc[1] = koro_init((koro_t *)arg, body_nothing, NULL, MSTK(3), MSTACK);
    busy_rc[2] = koro_sched_init(&ms);
    busy_rc[3] = koro_chan_init(&mc, NULL, sizeof(int), 0);
}

START_TEST(scheduled_coroutines_refused)
{
    int v = 42;

    recv_rc = recv_val = -100;
    ck_assert_int_eq(koro_chan_init(&mc, NULL, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_sched_init(&ms), 0);
    ck_assert_int_eq(koro_init(&mk[0], body_recv, NULL, MSTK(0), MSTACK), 0);
    ck_assert_int_eq(koro_sched_spawn(&ms, &mk[0]), 0);
    /* Queued, never run. */
    ck_assert_int_eq(koro_resume(&mk[0]), KORO_EBUSY);
    ck_assert_int_eq(koro_init(&mk[0], body_recv, NULL, MSTK(0), MSTACK),
                     KORO_EBUSY);
    ck_assert_int_eq(koro_sched_spawn(&ms, &mk[0]), KORO_EBUSY);
    ck_assert_int_eq(koro_sched_init(&ms), KORO_EBUSY); /* live coroutines */
    ck_assert_int_eq(koro_status(&mk[0]), KORO_SUSPENDED);
    /* Blocked in koro_chan_recv(). */
    ck_assert_int_eq(koro_sched_run(&ms), KORO_EDEADLK);
    ck_assert_int_eq(koro_resume(&mk[0]), KORO_EBUSY);
    ck_assert_int_eq(koro_init(&mk[0], body_recv, NULL, MSTK(0), MSTACK),
                     KORO_EBUSY);
    ck_assert_int_eq(koro_chan_init(&mc, NULL, sizeof(int), 0), KORO_EBUSY);
    ck_assert_int_eq(koro_sched_init(&ms), KORO_EBUSY);
    ck_assert_int_eq(recv_rc, -100);
    /* Woken, back on the run queue. */
    ck_assert_int_eq(koro_chan_try_send(&mc, &v), 0);
    ck_assert_int_eq(koro_resume(&mk[0]), KORO_EBUSY);
    ck_assert_int_eq(koro_init(&mk[0], body_recv, NULL, MSTK(0), MSTACK),
                     KORO_EBUSY);
    /* Nothing was disturbed: the receive completes as it should. */
    ck_assert_int_eq(koro_sched_run(&ms), 0);
    ck_assert_int_eq(recv_rc, 0);
    ck_assert_int_eq(recv_val, 42);
    ck_assert_int_eq(koro_status(&mk[0]), KORO_DEAD);
    /* Finished: everything may be set up again. */
    ck_assert_int_eq(koro_init(&mk[0], body_nothing, NULL, MSTK(0), MSTACK), 0);
    ck_assert_int_eq(koro_resume(&mk[0]), 0);
    ck_assert_int_eq(koro_sched_init(&ms), 0);
    ck_assert_int_eq(koro_chan_init(&mc, NULL, sizeof(int), 0), 0);
}
END_TEST

START_TEST(scheduled_coroutine_refuses_sibling)
{
    ck_assert_int_eq(koro_chan_init(&mc, NULL, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_sched_init(&ms), 0);
    ck_assert_int_eq(
        koro_init(&mk[0], body_resume_sibling, &mk[1], MSTK(0), MSTACK), 0);
    ck_assert_int_eq(koro_init(&mk[1], body_yield, NULL, MSTK(1), MSTACK), 0);
    ck_assert_int_eq(koro_sched_spawn(&ms, &mk[0]), 0);
    ck_assert_int_eq(koro_sched_spawn(&ms, &mk[1]), 0);
    ck_assert_int_eq(koro_sched_run(&ms), 0);
    ck_assert_int_eq(busy_rc[0], KORO_EBUSY);
    ck_assert_int_eq(busy_rc[1], KORO_EBUSY);
    ck_assert_int_eq(busy_rc[2], KORO_EBUSY); /* the running scheduler */
    ck_assert_int_eq(busy_rc[3], 0);          /* no waiters on it */
    ck_assert_int_eq(koro_status(&mk[1]), KORO_DEAD);
}
END_TEST

/* A yielded scheduled coroutine, re-initialised and re-spawned, made
 * koro_sched_run() fail with KORO_EDEAD before: now both are refused. */
static void
body_yield_then_respawn(void *arg)
{
    koro_t *other = (koro_t *)arg;

    busy_rc[0] = koro_init(other, body_nothing, NULL, MSTK(1), MSTACK);
    busy_rc[1] = koro_sched_spawn(&ms, other);
}

START_TEST(respawn_of_queued_refused)
{
    ck_assert_int_eq(koro_sched_init(&ms), 0);
    ck_assert_int_eq(koro_init(&mk[1], body_yield, NULL, MSTK(1), MSTACK), 0);
    ck_assert_int_eq(
        koro_init(&mk[0], body_yield_then_respawn, &mk[1], MSTK(0), MSTACK), 0);
    ck_assert_int_eq(koro_sched_spawn(&ms, &mk[1]), 0);
    ck_assert_int_eq(koro_sched_spawn(&ms, &mk[0]), 0);
    ck_assert_int_eq(koro_sched_run(&ms), 0);
    ck_assert_int_eq(busy_rc[0], KORO_EBUSY);
    ck_assert_int_eq(busy_rc[1], KORO_EBUSY);
    ck_assert_int_eq(koro_status(&mk[0]), KORO_DEAD);
    ck_assert_int_eq(koro_status(&mk[1]), KORO_DEAD);
}
END_TEST

/* koro_fini() takes a blocked coroutine out of the scheduler's hands:
 * then the coroutine, the channel and the scheduler may be reused. */
START_TEST(fini_releases_for_init)
{
    ck_assert_int_eq(koro_chan_init(&mc, NULL, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_sched_init(&ms), 0);
    ck_assert_int_eq(koro_init(&mk[0], body_recv, NULL, MSTK(0), MSTACK), 0);
    ck_assert_int_eq(koro_sched_spawn(&ms, &mk[0]), 0);
    ck_assert_int_eq(koro_sched_run(&ms), KORO_EDEADLK);
    ck_assert_int_eq(koro_fini(&mk[0]), 0);
    ck_assert_int_eq(koro_chan_init(&mc, NULL, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_sched_init(&ms), 0);
    ck_assert_int_eq(koro_init(&mk[0], body_nothing, NULL, MSTK(0), MSTACK), 0);
    ck_assert_int_eq(koro_resume(&mk[0]), 0);
    ck_assert_int_eq(koro_status(&mk[0]), KORO_DEAD);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The state tag against random bytes. */

static uint64_t
rng_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void
fill_random(void *p, size_t n, uint64_t *x)
{
    unsigned char *b = (unsigned char *)p;
    size_t i;

    for (i = 0; i < n; i += 8) {
        uint64_t r = rng_next(x);

        memcpy(b + i, &r, n - i < 8 ? n - i : 8);
    }
}

/* koro_status() takes at most 1 in 2^37 random koro_t for a coroutine
 * (see koro_status(3)): none of 10^6. */
START_TEST(random_bytes_not_a_coroutine)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    long i, accepted = 0;
    koro_t k;

    for (i = 0; i < 1000000; i++) {
        fill_random(&k, sizeof k, &x);
        if (koro_status(&k) >= 0)
            accepted++;
    }
    ck_assert_int_eq(accepted, 0);
}
END_TEST

/* Random bytes whose state word carries the tag still fail on the
 * bounds, and koro_init() sets up whatever it is given. */
START_TEST(random_bytes_initialise)
{
    uint64_t x = 12345;
    int i;
    koro_t k;

    for (i = 0; i < 1000; i++) {
        fill_random(&k, sizeof k, &x);
        ck_assert_int_eq(koro_init(&k, body_nothing, NULL, MSTK(0), MSTACK), 0);
        ck_assert_int_eq(koro_status(&k), KORO_SUSPENDED);
        ck_assert_int_eq(koro_fini(&k), 0);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* The canary and the checked zone. */

/* The lowest usable bytes are the coroutine's. */
static void
body_write_lo(void *arg)
{
    void *lo, *hi;

    (void)arg;
    ck_assert_int_eq(koro_stack_bounds(koro_self(), &lo, &hi), 0);
    memset(lo, 0x5a, 16);
    koro_yield();
    ck_assert_int_eq(((volatile unsigned char *)lo)[15], 0x5a);
}

START_TEST(stack_bounds_lo_is_usable)
{
    ck_assert_int_eq(koro_init(&mk[0], body_write_lo, NULL, MSTK(0), MSTACK),
                     0);
    ck_assert_int_eq(koro_resume(&mk[0]), 0);
    ck_assert_int_eq(koro_resume(&mk[0]), 0);
    ck_assert_int_eq(koro_status(&mk[0]), KORO_DEAD);
}
END_TEST

START_TEST(canary_size_errors)
{
    void *lo0, *lo, *hi;

    ck_assert_int_eq(koro_set_canary_size(NULL, 64), KORO_EINVAL);
    ck_assert_int_eq(koro_init(&mk[0], body_yield, NULL, MSTK(0), ZSTACK), 0);
    ck_assert_int_eq(koro_stack_bounds(&mk[0], &lo0, &hi), 0);
    ck_assert_int_eq(koro_set_canary_size(&mk[0], 65536), KORO_EINVAL);
    if (ZSTACK - 1024 <= 65520) /* else the stack holds the largest zone */
        ck_assert_int_eq(koro_set_canary_size(&mk[0], ZSTACK - 1024),
                         KORO_ESTACK);
    ck_assert_int_eq(koro_set_canary_size(&mk[0], 1000), 0);
    ck_assert_int_eq(koro_stack_bounds(&mk[0], &lo, &hi), 0);
    /* 1000 rounded up to 1008, less the 16 of the plain canary. */
    ck_assert_uint_eq((uintptr_t)lo - (uintptr_t)lo0, 1008 - 16);
    ck_assert_int_eq(koro_set_canary_size(&mk[0], 0), 0);
    ck_assert_int_eq(koro_stack_bounds(&mk[0], &lo, &hi), 0);
    ck_assert_ptr_eq(lo, lo0);
    ck_assert_int_eq(koro_set_canary_size(&mk[0], 4096), 0);
    ck_assert_int_eq(koro_resume(&mk[0]), 0);
    ck_assert_int_eq(koro_set_canary_size(&mk[0], 64), KORO_ESTARTED);
    ck_assert_int_eq(koro_resume(&mk[0]), 0);
    ck_assert_int_eq(koro_status(&mk[0]), KORO_DEAD);
}
END_TEST

/* A zone that nothing writes into raises nothing, on a plain stack and
 * on one from koro_stack_alloc() (whose guard would skip the canary),
 * and the watermark counts above it. */
static void
body_yield_thrice(void *arg)
{
    (void)arg;
    koro_yield();
    koro_yield();
    koro_yield();
}

START_TEST(zone_runs_clean)
{
    void *st = NULL, *lo0, *lo, *hi;
    size_t n = 0, used = 0;
    int round, rc;

    for (round = 0; round < 2; round++) {
        unsigned char *stack = MSTK(0);
        size_t size = ZSTACK;

        if (round == 1) {
            rc = koro_stack_alloc(ZSTACK, &st, &n);
            if (rc == KORO_ENOSYS)
                break; /* no guard pages here: the plain stack was enough */
            ck_assert_int_eq(rc, 0);
            stack = (unsigned char *)st;
            size = n;
        }
        ck_assert_int_eq(
            koro_init(&mk[0], body_yield_thrice, NULL, stack, size), 0);
        ck_assert_int_eq(koro_stack_bounds(&mk[0], &lo0, &hi), 0);
        ck_assert_int_eq(koro_set_canary_size(&mk[0], 512), 0);
        ck_assert_int_eq(koro_watermark(&mk[0]), 0);
        ck_assert_int_eq(koro_stack_bounds(&mk[0], &lo, &hi), 0);
        ck_assert_uint_ge((uintptr_t)lo, (uintptr_t)lo0 + 512 - 16);
        while (koro_status(&mk[0]) == KORO_SUSPENDED)
            ck_assert_int_eq(koro_resume(&mk[0]), 0);
        ck_assert_int_eq(koro_status(&mk[0]), KORO_DEAD);
        ck_assert_int_eq(koro_stack_used(&mk[0], &used), 0);
        ck_assert_uint_lt(used,
                          (size_t)((unsigned char *)hi - (unsigned char *)lo));
    }
    if (st)
        ck_assert_int_eq(koro_stack_free(st, n), 0);
}
END_TEST

#ifdef T_HAVE_FORK
/* Run fn in a child whose stderr is a pipe: its wait status, and what it
 * wrote in out. */
static int
run_child(void (*fn)(void), char *out, size_t n)
{
    int fd[2], status = 0;
    ssize_t r;
    size_t len = 0;
    pid_t pid;

    ck_assert_int_eq(pipe(fd), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        fn();
        _exit(3);
    }
    close(fd[1]);
    while (len < n - 1 && (r = read(fd[0], out + len, n - 1 - len)) > 0)
        len += (size_t)r;
    out[len] = '\0';
    close(fd[0]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

static void
assert_overflow_report(void (*fn)(void))
{
    char got[512];
    int status = run_child(fn, got, sizeof got);

    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
                  "child status %#x, stderr: %s", status, got);
    ck_assert_msg(strstr(got, "libkorutin: stack overflow in coroutine") &&
                      strstr(got, "its canary was overwritten"),
                  "stderr was: %s", got);
}

/* One byte among the canary's upper 8, the ones right below lo. */
static void
body_poke_canary_high(void *arg)
{
    void *lo, *hi;

    (void)arg;
    koro_stack_bounds(koro_self(), &lo, &hi);
    ((volatile unsigned char *)lo)[-3] ^= 1;
    koro_yield();
}

static void
child_poke_canary_high(void)
{
    if (koro_init(&mk[0], body_poke_canary_high, NULL, MSTK(0), MSTACK) == 0)
        koro_resume(&mk[0]); /* abort() in the yield */
}

START_TEST(canary_upper_bytes_checked)
{
    assert_overflow_report(child_poke_canary_high);
}
END_TEST

/* A recursion whose frames each hold a 1 KiB buffer of which only the
 * first bytes are written: the frames step over 16 bytes but not over a
 * 2 KiB zone.  The coroutine runs on the top part of a larger block, so
 * what it writes below its stack stays in memory the test owns. */
static unsigned char *sparse_block;
static uintptr_t sparse_stop;

static T_NOINLINE int
sparse_frame(int depth)
{
    volatile unsigned char buf[1024];

    buf[0] = (unsigned char)depth;
    buf[1] = 1;
    if ((uintptr_t)buf < sparse_stop || depth > 1000) {
        koro_yield(); /* the switch that checks */
        return buf[0];
    }
    return sparse_frame(depth + 1) + buf[1];
}

static void
body_sparse(void *arg)
{
    *(int *)arg = sparse_frame(0);
}

static void
child_sparse(void)
{
    static int sink;
    size_t size = SPARSE_STACK;
    void *lo, *hi;

    if (koro_init(&mk[0], body_sparse, &sink, sparse_block + SPARSE_BELOW,
                  size) != 0 ||
        koro_set_canary_size(&mk[0], 2048) != 0 ||
        koro_stack_bounds(&mk[0], &lo, &hi) != 0)
        _exit(4);
    /* Stop 8 KiB below the stack: well past the zone. */
    sparse_stop = (uintptr_t)lo - 2048 - 8192;
    koro_resume(&mk[0]); /* abort() in the deepest yield */
}

START_TEST(wide_zone_catches_sparse_frames)
{
    assert_overflow_report(child_sparse);
}
END_TEST

static const char *
sparse_skip(void)
{
    if (t_checker())
        return "the recursion writes below the coroutine's stack, which "
               "the sanitizers and Valgrind report themselves";
    if (t_backend_is("win32") || t_backend_is("emscripten"))
        return "the body does not run on the stack given to koro_init()";
    return T_NO_FORK;
}
#endif

void
t_misuse(Suite *s)
{
#ifdef T_HAVE_FORK
    size_t big = SPARSE_STACK + SPARSE_BELOW;

    sparse_block = t_stacks(big / t_stack_size() + 1);
#endif
    mstk = t_stacks(NM);
    T_ADD(s, init_of_running_and_ancestor_refused, NULL);
    T_ADD(s, scheduled_coroutines_refused, NULL);
    T_ADD(s, scheduled_coroutine_refuses_sibling, NULL);
    T_ADD(s, respawn_of_queued_refused, NULL);
    T_ADD(s, fini_releases_for_init, NULL);
    T_ADD(s, random_bytes_not_a_coroutine, NULL);
    T_ADD(s, random_bytes_initialise, NULL);
    T_ADD(s, stack_bounds_lo_is_usable, NULL);
    T_ADD(s, canary_size_errors, NULL);
    T_ADD(s, zone_runs_clean, NULL);
#ifdef T_HAVE_FORK
    T_ADD(s, canary_upper_bytes_checked, NULL);
    T_ADD(s, wide_zone_catches_sparse_frames, sparse_skip());
#else
    t_add(s, "canary_upper_bytes_checked", NULL, T_NO_FORK);
    t_add(s, "wide_zone_catches_sparse_frames", NULL, T_NO_FORK);
#endif
}
