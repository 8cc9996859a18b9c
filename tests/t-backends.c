/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* t-backends.c - properties the portable backends must keep: creation on
 * several OS threads at once (sjlj changes a process-wide signal action
 * while it creates), the caller's signal state left as it was, and a
 * check that a build asked to be fortified really is. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "tcase.h"

#if defined(_WIN32) || defined(__EMSCRIPTEN__)
/* POSIX signals, sigaltstack and threads: nothing here applies. */
void
t_backends(Suite *s)
{
    const char *why = "needs POSIX signals and threads (not on Windows or "
                      "Emscripten)";

    t_add(s, "create_on_many_threads", NULL, why);
    t_add(s, "signal_state_untouched", NULL, why);
    t_add(s, "sjlj_stack_min_holds_signal_frame", NULL, why);
    t_add(s, "fortify_in_force", NULL, why);
}
#else

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define TSTACK t_stack_size()

static volatile sig_atomic_t usr_hits[2];

static void
on_usr(int sig)
{
    usr_hits[sig == SIGUSR2]++;
}

/* ------------------------------------------------------------------ */
/* Several threads create and run coroutines at the same time. */

#define NTHREADS 4
#define NCORO 4
#define NROUNDS 150

/* A start line all workers pass together (macOS has no pthread_barrier_t). */
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start_cond = PTHREAD_COND_INITIALIZER;
static int start_count;

static void
start_line_wait(void)
{
    pthread_mutex_lock(&start_lock);
    if (++start_count == NTHREADS)
        pthread_cond_broadcast(&start_cond);
    while (start_count < NTHREADS)
        pthread_cond_wait(&start_cond, &start_lock);
    pthread_mutex_unlock(&start_lock);
}

struct worker {
    int id;
    int ok;       /* rounds whose results were all right */
    int sig_kept; /* its altstack and mask were left alone */
    unsigned char *mem;
};

static void
body_sum(void *arg)
{
    long *acc = arg;
    volatile long local = 0;
    int i;

    for (i = 1; i <= 5; i++) {
        local += i;
        *acc = local;
        koro_yield();
    }
    /* koro_self() is per thread even while other threads run theirs. */
    *acc = koro_self() ? local * 10 : -1;
}

static int
one_round(unsigned char *mem)
{
    koro_t ks[NCORO];
    long acc[NCORO];
    int i, live = NCORO, good = 1;

    for (i = 0; i < NCORO; i++) {
        acc[i] = 0;
        if (koro_init(&ks[i], body_sum, &acc[i], mem + i * TSTACK, TSTACK) != 0)
            return 0;
    }
    while (live > 0) {
        live = 0;
        for (i = 0; i < NCORO; i++) {
            if (koro_status(&ks[i]) == KORO_DEAD)
                continue;
            if (koro_resume(&ks[i]) != 0)
                return 0;
            live++;
        }
    }
    for (i = 0; i < NCORO; i++)
        good &= acc[i] == 150;
    return good;
}

static void *
worker_main(void *p)
{
    struct worker *w = p;
    unsigned char *own_alt = w->mem + NCORO * TSTACK;
    stack_t ss, now;
    sigset_t mask, now_mask;
    int r;

    /* Each thread has its own alternate stack and mask; worker 0 blocks
     * every signal, including the one sjlj uses to create. */
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = own_alt;
    ss.ss_size = TSTACK;
    sigaltstack(&ss, NULL);
    sigemptyset(&mask);
    if (w->id == 0)
        sigfillset(&mask);
    else
        sigaddset(&mask, SIGUSR1);
    pthread_sigmask(SIG_SETMASK, &mask, NULL);
    start_line_wait(); /* all create at the same time */
    for (r = 0; r < NROUNDS; r++)
        w->ok += one_round(w->mem);
    sigaltstack(NULL, &now);
    pthread_sigmask(SIG_SETMASK, NULL, &now_mask);
    w->sig_kept = now.ss_sp == own_alt && now.ss_size == TSTACK &&
                  sigismember(&now_mask, SIGUSR1) &&
                  sigismember(&now_mask, SIGUSR2) == (w->id == 0);
    return NULL;
}

START_TEST(create_on_many_threads)
{
    pthread_t th[NTHREADS];
    struct worker w[NTHREADS];
    struct sigaction sa, now;
    int i, s;

    /* The program's own handlers must be in place again afterwards, and
     * must never have been called. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
    ck_assert_int_eq(sigaction(SIGUSR2, &sa, NULL), 0);
    usr_hits[0] = usr_hits[1] = 0;
    start_count = 0;
    for (i = 0; i < NTHREADS; i++) {
        w[i].id = i;
        w[i].ok = w[i].sig_kept = 0;
        w[i].mem = malloc((NCORO + 1) * TSTACK);
        ck_assert_ptr_nonnull(w[i].mem);
        ck_assert_int_eq(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (i = 0; i < NTHREADS; i++) {
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
        ck_assert_int_eq(w[i].ok, NROUNDS);
        ck_assert_int_eq(w[i].sig_kept, 1);
        free(w[i].mem);
    }
    for (s = 0; s < 2; s++) {
        ck_assert_int_eq(sigaction(s ? SIGUSR2 : SIGUSR1, NULL, &now), 0);
        ck_assert_ptr_eq((void *)now.sa_handler, (void *)on_usr);
    }
    ck_assert_int_eq(usr_hits[0] + usr_hits[1], 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* koro_init() leaves the program's signal actions, alternate stack and
 * mask as they were, and leaves no signal pending behind. */

static void
body_yield_once(void *arg)
{
    (void)arg;
    koro_yield();
}

START_TEST(signal_state_untouched)
{
    unsigned char *alt = t_stacks(4), *stacks = alt + TSTACK;
    struct sigaction sa, now;
    stack_t ss, now_ss;
    sigset_t mask, now_mask;
    koro_t k[3];
    int i, s;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
    ck_assert_int_eq(sigaction(SIGUSR2, &sa, NULL), 0);
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = alt;
    ss.ss_size = TSTACK;
    ck_assert_int_eq(sigaltstack(&ss, NULL), 0);
    sigemptyset(&mask);
    sigaddset(&mask, SIGHUP);
    ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, &mask, NULL), 0);
    usr_hits[0] = usr_hits[1] = 0;

    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(koro_init(&k[i], body_yield_once, NULL,
                                   stacks + i * TSTACK, TSTACK),
                         0);
        ck_assert_int_eq(koro_resume(&k[i]), 0);
    }
    for (s = 0; s < 2; s++) {
        ck_assert_int_eq(sigaction(s ? SIGUSR2 : SIGUSR1, NULL, &now), 0);
        ck_assert_ptr_eq((void *)now.sa_handler, (void *)on_usr);
    }
    ck_assert_int_eq(sigaltstack(NULL, &now_ss), 0);
    ck_assert_ptr_eq(now_ss.ss_sp, alt);
    ck_assert_uint_eq(now_ss.ss_size, TSTACK);
    ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, NULL, &now_mask), 0);
    ck_assert(sigismember(&now_mask, SIGHUP));
    ck_assert(!sigismember(&now_mask, SIGUSR1));
    ck_assert(!sigismember(&now_mask, SIGUSR2));
    /* Nothing was delivered to the program, nothing is left pending. */
    ck_assert_int_eq(usr_hits[0] + usr_hits[1], 0);
    raise(SIGUSR2);
    ck_assert_int_eq(usr_hits[1], 1);
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(koro_resume(&k[i]), 0);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    free(alt);
}
END_TEST

/* ------------------------------------------------------------------ */
/* sjlj: the smallest stack must hold the kernel's signal frame, which is
 * bigger than MINSIGSTKSZ says on CPUs with wide vector registers. */

START_TEST(sjlj_stack_min_holds_signal_frame)
{
    long frame = (long)MINSIGSTKSZ;
#ifdef _SC_MINSIGSTKSZ
    if (sysconf(_SC_MINSIGSTKSZ) > frame)
        frame = sysconf(_SC_MINSIGSTKSZ);
#endif
    ck_assert_uint_gt(koro_stack_min(), (size_t)frame);
}
END_TEST

/* ------------------------------------------------------------------ */
/* A run with distribution flags (-O2 -D_FORTIFY_SOURCE=2) only proves
 * something if fortification is really in force: a fortified memset past
 * the end of an 8-byte allocation aborts before writing.  (Unfortified,
 * the write stays inside glibc's smallest chunk, 24 usable bytes.) */

START_TEST(fortify_in_force)
{
    volatile size_t n = 16;
    char *p = malloc(8);

    ck_assert_ptr_nonnull(p);
#if !defined(__USE_FORTIFY_LEVEL) || __USE_FORTIFY_LEVEL < 1
    ck_abort_msg("_FORTIFY_SOURCE was requested but is not in force "
                 "(optimisation off?)");
#endif
    memset(p, 0, n); /* must abort here */
    ck_abort_msg("the fortified memset did not catch the overflow (%d)", p[0]);
}
END_TEST

static const char *
fortify_skip(void)
{
#if !defined(KORO_FORTIFY_REQUESTED)
    return "not asked for: configure with CFLAGS='-O2 -D_FORTIFY_SOURCE=2' "
           "to run the suite with distribution flags";
#elif !defined(__GLIBC__)
    return "the check is written for glibc's fortification";
#else
    return NULL;
#endif
}

void
t_backends(Suite *s)
{
    /* ASan unmaps a thread's alternate signal stack when the thread ends,
     * taking the one this case installs for its own. */
    T_ADD(s, create_on_many_threads,
          t_sanitized() && !strcmp(t_sanitized(), "AddressSanitizer")
              ? "AddressSanitizer unmaps the case's own sigaltstack at "
                "thread exit"
              : NULL);
    T_ADD(s, signal_state_untouched, NULL);
    T_ADD(s, sjlj_stack_min_holds_signal_frame,
          t_backend_is("sjlj") ? NULL : "only sjlj uses a signal stack");
    t_add_signal(s, "fortify_in_force", fortify_in_force, SIGABRT,
                 fortify_skip());
}
#endif /* !_WIN32 && !__EMSCRIPTEN__ */
