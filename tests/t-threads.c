/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* t-threads.c - coroutines and OS threads, under every backend: each OS
 * thread runs its own coroutines, and coroutines that are abandoned or
 * finished leave no thread behind (the threads backend runs one OS thread
 * per coroutine on the coroutine's own stack). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "tcase.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef HAVE_PTHREAD
#include <pthread.h>
#endif
#if defined(__linux__)
#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* Above koro_stack_min() everywhere (threads: 128 KiB on arm64 glibc),
 * or that minimum where it is more (threads under ThreadSanitizer). */
#define TSTACK t_stack_at_least(262144)
#define NTHREADS 8
#define NCORO 4
#define NROUNDS 200

/* ------------------------------------------------------------------ */
/* The number of OS threads of this process, or -1 if unknown here. */

static int
task_count_now(void)
{
#if defined(__linux__)
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
#else
    return -1;
#endif
}

/* A joined thread may still be listed for a moment while the kernel reaps
 * it; a leaked one stays.  Wait (boundedly) for the count to come down to
 * `want` and return what is seen last. */
static int
task_count_settles(int want)
{
    struct timespec ms = {0, 1000000};
    int i, n = task_count_now();

    for (i = 0; i < 2000 && n > want; i++) {
        nanosleep(&ms, NULL);
        n = task_count_now();
    }
    return n;
}

#if defined(__linux__) && defined(HAVE_PTHREAD) && defined(SYS_gettid)
static void *
tid_thread(void *arg)
{
    *(long *)arg = syscall(SYS_gettid);
    return NULL;
}
#endif

/* The count a case must come back to: this process's threads once one
 * plain thread has come and gone.  A runtime may start a helper thread
 * of its own at the first pthread_create() of a process (ThreadSanitizer
 * starts its background thread so, in each forked test process too);
 * that one is then part of the count and not taken for a leak.  The
 * plain thread is waited for by its id, as its entry may outlive
 * pthread_join() for a moment. */
static int
task_count_base(void)
{
#if defined(__linux__) && defined(HAVE_PTHREAD) && defined(SYS_gettid)
    struct timespec ms = {0, 1000000};
    pthread_t t;
    long tid = 0;
    char path[64];
    int i;

    if (pthread_create(&t, NULL, tid_thread, &tid) == 0 &&
        pthread_join(t, NULL) == 0 && tid > 0) {
        snprintf(path, sizeof path, "/proc/self/task/%ld", tid);
        for (i = 0; i < 2000 && access(path, F_OK) == 0; i++)
            nanosleep(&ms, NULL);
    }
#endif
    return task_count_now();
}

/* ------------------------------------------------------------------ */
/* Many OS threads, each with its own coroutines, all at once. */

#ifdef HAVE_PTHREAD
struct per_thread {
    koro_t ks[NCORO];
    long counts[NCORO];
    int errors;
    unsigned char *stacks;
};

struct coro_arg {
    struct per_thread *pt;
    int i;
};

static void
body_counter(void *arg)
{
    struct coro_arg *a = arg;
    int r;

    for (r = 0; r < NROUNDS; r++) {
        /* koro_self() is per OS thread: it must be this coroutine of this
         * thread, whatever the other threads run meanwhile. */
        if (koro_self() != &a->pt->ks[a->i])
            a->pt->errors++;
        a->pt->counts[a->i]++;
        if (koro_yield() != 0)
            a->pt->errors++;
    }
}

static void *
thread_main(void *arg)
{
    struct per_thread *pt = arg;
    struct coro_arg args[NCORO];
    int i, r;

    for (i = 0; i < NCORO; i++) {
        args[i].pt = pt;
        args[i].i = i;
        if (koro_init(&pt->ks[i], body_counter, &args[i],
                      pt->stacks + (size_t)i * TSTACK, TSTACK) != 0)
            pt->errors += 1000;
    }
    for (r = 0; r <= NROUNDS; r++)
        for (i = 0; i < NCORO; i++) {
            if (koro_resume(&pt->ks[i]) != 0)
                pt->errors++;
            if (koro_self() != NULL)
                pt->errors++;
        }
    for (i = 0; i < NCORO; i++)
        if (koro_status(&pt->ks[i]) != KORO_DEAD)
            pt->errors++;
    return NULL;
}
#endif

START_TEST(own_coroutines_per_os_thread)
{
#ifdef HAVE_PTHREAD
    static struct per_thread pts[NTHREADS];
    pthread_t th[NTHREADS];
    int t, i;

    for (t = 0; t < NTHREADS; t++) {
        memset(&pts[t], 0, sizeof pts[t]);
        pts[t].stacks = malloc((size_t)NCORO * TSTACK);
        ck_assert_ptr_nonnull(pts[t].stacks);
    }
    for (t = 0; t < NTHREADS; t++)
        ck_assert_int_eq(pthread_create(&th[t], NULL, thread_main, &pts[t]), 0);
    for (t = 0; t < NTHREADS; t++)
        ck_assert_int_eq(pthread_join(th[t], NULL), 0);
    for (t = 0; t < NTHREADS; t++) {
        ck_assert_int_eq(pts[t].errors, 0);
        for (i = 0; i < NCORO; i++)
            ck_assert_int_eq(pts[t].counts[i], NROUNDS);
        free(pts[t].stacks);
    }
    ck_assert_ptr_null(koro_self());
#endif
}
END_TEST

/* ------------------------------------------------------------------ */
/* koro_fini() of a suspended coroutine frees its stack at once: scribble
 * over it and start the next one there, many times, with no OS thread
 * left over. */

static unsigned char *reuse_stack; /* TSTACK bytes, from t_threads() */

static void
body_loop(void *arg)
{
    int local = 0;

    for (;;) {
        ++local;
        ++*(int *)arg;
        koro_yield();
        if (local > 1000000) /* never: the stack must not change under us */
            break;
    }
}

#define NREUSE 300

START_TEST(fini_suspended_reuse_no_leak)
{
    int base = task_count_base(), n = 0, round;
    koro_t k;

    for (round = 0; round < NREUSE; round++) {
        ck_assert_int_eq(koro_init(&k, body_loop, &n, reuse_stack, TSTACK), 0);
        ck_assert_int_eq(koro_resume(&k), 0);
        ck_assert_int_eq(koro_resume(&k), 0);
        ck_assert_int_eq(koro_status(&k), KORO_SUSPENDED);
        ck_assert_int_eq(koro_fini(&k), 0);
        memset(reuse_stack, 0xdb, TSTACK);
    }
    /* An unstarted coroutine can be finalised too. */
    ck_assert_int_eq(koro_init(&k, body_loop, &n, reuse_stack, TSTACK), 0);
    ck_assert_int_eq(koro_fini(&k), 0);
    ck_assert_int_eq(n, 2 * NREUSE);
    if (base > 0)
        ck_assert_int_eq(task_count_settles(base), base);
}
END_TEST

/* ------------------------------------------------------------------ */
/* A finished coroutine's stack is free as soon as koro_resume() returns:
 * reuse it immediately, while the dead coroutine still answers EDEAD. */

static void
body_short(void *arg)
{
    volatile unsigned char big[2048];

    big[0] = 1;
    big[sizeof big - 1] = 2;
    *(int *)arg += big[0] + big[sizeof big - 1];
}

START_TEST(dead_stack_reused_at_once)
{
    int base = task_count_base(), sum = 0, round;
    koro_t a, b;

    for (round = 0; round < NREUSE; round++) {
        ck_assert_int_eq(koro_init(&a, body_short, &sum, reuse_stack, TSTACK),
                         0);
        ck_assert_int_eq(koro_resume(&a), 0);
        ck_assert_int_eq(koro_status(&a), KORO_DEAD);
        memset(reuse_stack, 0x3c, TSTACK);
        ck_assert_int_eq(koro_resume(&a), KORO_EDEAD);
        /* A new coroutine on the same memory, left suspended and then
         * finalised, then the old one asked again. */
        ck_assert_int_eq(
            koro_init(&b, body_loop, &sum, reuse_stack + 8, TSTACK - 8), 0);
        ck_assert_int_eq(koro_resume(&b), 0);
        ck_assert_int_eq(koro_resume(&a), KORO_EDEAD);
        ck_assert_int_eq(koro_fini(&b), 0);
        ck_assert_int_eq(koro_fini(&a), 0);
    }
    ck_assert_int_eq(sum, 4 * NREUSE);
    if (base > 0)
        ck_assert_int_eq(task_count_settles(base), base);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Abandoned nested coroutines: a parent that resumed a child, both left
 * suspended, finalised child first or parent first. */

static koro_t outer, inner;
static unsigned char *nest_stack[2]; /* TSTACK bytes each, from t_threads() */

static void
body_inner(void *arg)
{
    (void)arg;
    for (;;)
        koro_yield();
}

static void
body_outer(void *arg)
{
    (void)arg;
    ck_assert_int_eq(koro_init(&inner, body_inner, NULL, nest_stack[1], TSTACK),
                     0);
    ck_assert_int_eq(koro_resume(&inner), 0);
    ck_assert_ptr_eq(koro_self(), &outer);
    koro_yield();
    ck_assert_int_eq(koro_resume(&inner), 0);
    koro_yield();
}

START_TEST(fini_nested_suspended)
{
    int base = task_count_base(), round;

    for (round = 0; round < 50; round++) {
        ck_assert_int_eq(
            koro_init(&outer, body_outer, NULL, nest_stack[0], TSTACK), 0);
        ck_assert_int_eq(koro_resume(&outer), 0);
        if (round & 1) {
            ck_assert_int_eq(koro_fini(&inner), 0);
            ck_assert_int_eq(koro_fini(&outer), 0);
        } else {
            ck_assert_int_eq(koro_resume(&outer), 0);
            ck_assert_int_eq(koro_fini(&outer), 0);
            ck_assert_int_eq(koro_status(&inner), KORO_SUSPENDED);
            ck_assert_int_eq(koro_fini(&inner), 0);
        }
        ck_assert_ptr_null(koro_self());
        memset(nest_stack[0], 0x77, TSTACK);
        memset(nest_stack[1], 0x77, TSTACK);
    }
    if (base > 0)
        ck_assert_int_eq(task_count_settles(base), base);
}
END_TEST

void
t_threads(Suite *s)
{
    reuse_stack = malloc(TSTACK);
    nest_stack[0] = malloc(TSTACK);
    nest_stack[1] = malloc(TSTACK);
    if (!reuse_stack || !nest_stack[0] || !nest_stack[1])
        abort();
    if (task_count_now() < 0)
        printf("NOTE: the no-thread-leak assertions are skipped: no "
               "/proc/self/task to count this process's threads here\n");
    T_ADD(s, own_coroutines_per_os_thread, T_NO_PTHREADS);
    T_ADD(s, fini_suspended_reuse_no_leak, NULL);
    T_ADD(s, dead_stack_reused_at_once, NULL);
    T_ADD(s, fini_nested_suspended, NULL);
}
