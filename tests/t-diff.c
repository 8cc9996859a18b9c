/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* t-diff.c - what differs between backends (doc/backends.md): each case
 * runs under every backend and asserts what that backend documents. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "tcase.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#if !defined(_WIN32) && !defined(__EMSCRIPTEN__)
#include <pthread.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#define T_POSIX_PROCESS 1
#endif

/* Backends that run each coroutine on an OS thread of its own: its
 * thread-local storage and errno are its own, not its resumer's. */
static int
own_thread(void)
{
    return t_backend_is("threads") || t_backend_is("win32");
}

static unsigned char *stk;
#define STACK t_stack_size()

/* ------------------------------------------------------------------ */
/* Thread-local storage. */

static _Thread_local int tls_var;
static int tls_seen;

static void
body_tls(void *arg)
{
    (void)arg;
    tls_seen = tls_var; /* the resumer wrote 1 before the first resume */
    tls_var = 2;
    koro_yield();
    tls_seen = tls_var;
}

START_TEST(diff_tls)
{
    koro_t k;

    tls_var = 1;
    ck_assert_int_eq(koro_init(&k, body_tls, NULL, stk, STACK), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    if (own_thread()) {
        ck_assert_int_eq(tls_seen, 0); /* a new thread's copy */
        ck_assert_int_eq(tls_var, 1);
    } else {
        ck_assert_int_eq(tls_seen, 1);
        ck_assert_int_eq(tls_var, 2);
    }
    tls_var = 3;
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(tls_seen, own_thread() ? 2 : 3);
}
END_TEST

/* ------------------------------------------------------------------ */
/* errno: the thread's, so shared with the resumer unless the coroutine
 * has a thread of its own.  A switch itself never changes it. */

static int errno_seen;

static void
body_errno(void *arg)
{
    (void)arg;
    errno = EDOM;
    koro_yield();
    errno_seen = errno;
}

START_TEST(diff_errno)
{
    koro_t k;

    errno = 0;
    ck_assert_int_eq(koro_init(&k, body_errno, NULL, stk, STACK), 0);
    ck_assert_int_eq(errno, 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(errno, own_thread() ? 0 : EDOM);
    errno = ERANGE;
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(errno_seen, own_thread() ? EDOM : ERANGE);
    ck_assert_int_eq(errno, ERANGE);
}
END_TEST

#ifdef T_POSIX_PROCESS
/* ------------------------------------------------------------------ */
/* The signal mask: the thread's under asm and sjlj; saved and restored
 * with every context by ucontext (swapcontext); the coroutine thread's
 * own under threads. */

static int
own_sigmask(void)
{
    return t_backend_is("threads") || t_backend_is("ucontext");
}

static int blocked_in_coroutine;

static int
usr2_blocked(void)
{
    sigset_t cur;

    pthread_sigmask(SIG_SETMASK, NULL, &cur);
    return sigismember(&cur, SIGUSR2) == 1;
}

static void
body_sigmask(void *arg)
{
    sigset_t set;

    (void)arg;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    koro_yield();
    blocked_in_coroutine = usr2_blocked();
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

START_TEST(diff_sigmask)
{
    sigset_t orig, none;
    koro_t k;

    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, &orig);
    ck_assert_int_eq(koro_init(&k, body_sigmask, NULL, stk, STACK), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(usr2_blocked(), !own_sigmask());
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(koro_status(&k), KORO_DEAD);
    /* Its own mask kept the block; a shared one lost it to ours. */
    ck_assert_int_eq(blocked_in_coroutine, own_sigmask());
    pthread_sigmask(SIG_SETMASK, &orig, NULL);
}
END_TEST

/* A signal raised inside a coroutine is handled there, at once, on every
 * backend: koro_self() in the handler names it. */

static koro_t *volatile self_in_handler;
static volatile sig_atomic_t handled;

static void
on_usr1(int sig)
{
    (void)sig;
    self_in_handler = koro_self();
    handled = 1;
}

static void
body_raise(void *arg)
{
    (void)arg;
    raise(SIGUSR1);
    koro_yield();
}

START_TEST(diff_raise_in_coroutine)
{
    struct sigaction sa, old;
    koro_t k;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGUSR1, &sa, &old), 0);
    ck_assert_int_eq(koro_init(&k, body_raise, NULL, stk, STACK), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(handled, 1);
    ck_assert_ptr_eq(self_in_handler, &k);
    ck_assert_int_eq(koro_resume(&k), 0);
    sigaction(SIGUSR1, &old, NULL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* fork(): the child of a process with suspended coroutines.  A single
 * stack switch (asm, sjlj, ucontext) runs them in the child as in the
 * parent; under threads their threads are not in the child, and
 * koro_resume() says so with KORO_EFORKED.  The child has a deadline, so
 * a hang fails the case instead of blocking it. */

#define T_CHILD_DEADLINE 20 /* seconds */

static int fork_count;

static void
body_count(void *arg)
{
    (void)arg;
    for (;;) {
        fork_count++;
        koro_yield();
    }
}

/* In a child: die by SIGALRM after T_CHILD_DEADLINE seconds (whatever
 * handler the test runner installed for it is dropped). */
static void
child_deadline(void)
{
    sigset_t alrm;

    signal(SIGALRM, SIG_DFL);
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    pthread_sigmask(SIG_UNBLOCK, &alrm, NULL);
    alarm(T_CHILD_DEADLINE);
}

/* The child's exit status, or -1 if it did not exit. */
static int
child_status(pid_t pid)
{
    int st;

    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    if (WIFSIGNALED(st))
        fprintf(stderr, "child killed by signal %d%s\n", WTERMSIG(st),
                WTERMSIG(st) == SIGALRM ? " (hung)" : "");
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
child_resumes(koro_t *k)
{
    int rc;

    child_deadline();
    rc = koro_resume(k);
    if (t_backend_is("threads")) {
        if (rc != KORO_EFORKED || fork_count != 1 ||
            koro_status(k) != KORO_SUSPENDED)
            return 1;
        /* Nothing to end: its thread is the parent's. */
        if (koro_fini(k) != 0)
            return 2;
        return 0;
    }
    return rc == 0 && fork_count == 2 && koro_fini(k) == 0 ? 0 : 3;
}

START_TEST(diff_fork_suspended)
{
    static koro_t k;
    pid_t pid;

    fork_count = 0;
    ck_assert_int_eq(koro_init(&k, body_count, NULL, stk, STACK), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    fflush(NULL);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(child_resumes(&k));
    ck_assert_int_eq(child_status(pid), 0);
    /* The parent's coroutine is untouched. */
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(fork_count, 2);
    ck_assert_int_eq(koro_fini(&k), 0);
}
END_TEST

/* A coroutine initialised but not started before the fork runs in the
 * child on every backend.  (No other coroutine thread exists at the fork:
 * qemu-user cannot start a thread in the child of a multi-threaded
 * process.) */
START_TEST(diff_fork_unstarted)
{
    static koro_t k;
    pid_t pid;

    fork_count = 0;
    ck_assert_int_eq(koro_init(&k, body_count, NULL, stk, STACK), 0);
    fflush(NULL);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        child_deadline();
        _exit(koro_resume(&k) == 0 && fork_count == 1 && koro_resume(&k) == 0 &&
                      fork_count == 2 && koro_fini(&k) == 0
                  ? 0
                  : 1);
    }
    ck_assert_int_eq(child_status(pid), 0);
    ck_assert_int_eq(fork_count, 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(fork_count, 1);
    ck_assert_int_eq(koro_fini(&k), 0);
}
END_TEST

/* fork() inside a coroutine: the child continues in the coroutine.  Under
 * threads its resumer is not in the child, so a yield there fails with
 * KORO_EFORKED and the coroutine keeps running; elsewhere the yield goes
 * to the child's copy of the resumer. */

static pid_t forked_pid;
static int in_child;

static void
body_fork(void *arg)
{
    (void)arg;
    fflush(NULL);
    forked_pid = fork();
    if (forked_pid == 0) {
        int rc;

        in_child = 1;
        child_deadline();
        rc = koro_yield();
        if (t_backend_is("threads"))
            _exit(rc == KORO_EFORKED && koro_self() != NULL ? 0 : 5);
        /* Resumed by the child's copy of the test below. */
        _exit(rc == 0 ? 0 : 6);
    }
    koro_yield();
}

START_TEST(diff_fork_inside)
{
    koro_t k;

    in_child = 0;
    ck_assert_int_eq(koro_init(&k, body_fork, NULL, stk, STACK), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    if (in_child) {
        /* Only where the yield came back here: resume it to its exit. */
        koro_resume(&k);
        _exit(7);
    }
    ck_assert_int_gt(forked_pid, 0);
    ck_assert_int_eq(child_status(forked_pid), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(koro_status(&k), KORO_DEAD);
}
END_TEST
#endif /* T_POSIX_PROCESS */

/* ------------------------------------------------------------------ */
/* Allocation: none by koro_init() and by switches on every backend; under
 * threads the first resume creates the coroutine's thread, for which the
 * C library allocates (glibc: one calloc() for the thread's TLS vector). */

#define NALLOC 4

static void
body_yield3(void *arg)
{
    (void)arg;
    koro_yield();
    koro_yield();
    koro_yield();
}

static const char *
diff_malloc_skip(void)
{
    const char *why = malloc_skip();

    /* malloc_skip() turns threads away for the very reason measured here. */
    if (why && t_backend_is("threads") && strstr(why, "thread creation"))
        return NULL;
    return why;
}

START_TEST(diff_malloc)
{
    static koro_t ks[NALLOC];
    unsigned char *s = t_stacks(NALLOC);
    int i, at_init, at_first, later;

    /* Warm up what the runtime sets up lazily. */
    ck_assert_int_eq(koro_init(&ks[0], body_yield3, NULL, s, STACK), 0);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(koro_resume(&ks[0]), 0);
    nmallocs = 0;
    count_mallocs = 1;
    for (i = 0; i < NALLOC; i++)
        if (koro_init(&ks[i], body_yield3, NULL, s + i * STACK, STACK) != 0)
            nmallocs += 1000;
    at_init = nmallocs;
    nmallocs = 0;
    for (i = 0; i < NALLOC; i++)
        if (koro_resume(&ks[i]) != 0)
            nmallocs += 1000;
    at_first = nmallocs;
    nmallocs = 0;
    for (i = 0; i < NALLOC; i++)
        if (koro_resume(&ks[i]) != 0 || koro_resume(&ks[i]) != 0)
            nmallocs += 1000;
    later = nmallocs;
    count_mallocs = 0;
    for (i = 0; i < NALLOC; i++)
        ck_assert_int_eq(koro_fini(&ks[i]), 0);
    free(s);
    printf("diff_malloc: %s: %d at init, %d at first resume, %d later\n",
           koro_backend(), at_init, at_first, later);
    ck_assert_int_eq(at_init, 0);
    ck_assert_int_eq(later, 0);
    if (t_backend_is("threads")) {
        ck_assert_int_lt(at_first, 1000);
#ifdef __GLIBC__
        ck_assert_int_eq(at_first, NALLOC);
#endif
    } else {
        ck_assert_int_eq(at_first, 0);
    }
}
END_TEST

void
t_diff(Suite *s)
{
#ifdef T_POSIX_PROCESS
    const char *no_process = NULL;
#endif

    stk = t_stacks(1);
    T_ADD(s, diff_tls, NULL);
    T_ADD(s, diff_errno, NULL);
#ifdef T_POSIX_PROCESS
    T_ADD(s, diff_sigmask, NULL);
    T_ADD(s, diff_raise_in_coroutine, NULL);
    if (t_sanitized() && !strcmp(t_sanitized(), "ThreadSanitizer"))
        no_process = "ThreadSanitizer does not follow fork() with threads "
                     "running";
    T_ADD(s, diff_fork_suspended, no_process);
    T_ADD(s, diff_fork_unstarted, no_process);
    T_ADD(s, diff_fork_inside, no_process);
#else
    /* Named, so that nothing disappears silently (fn is never run). */
    t_add(s, "diff_sigmask", diff_tls, "no POSIX signal mask here");
    t_add(s, "diff_raise_in_coroutine", diff_tls, "no POSIX signals here");
    t_add(s, "diff_fork_suspended", diff_tls, "no fork() here");
    t_add(s, "diff_fork_unstarted", diff_tls, "no fork() here");
    t_add(s, "diff_fork_inside", diff_tls, "no fork() here");
#endif
    T_ADD(s, diff_malloc, diff_malloc_skip());
}
