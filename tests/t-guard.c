/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* t-guard.c - guarded stacks, the overflow handler, and which checker
 * (sanitizer, Valgrind) the suite runs under. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "tcase.h"

#define KORO_SAN_DETECT_ONLY
#include "sanitize.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef KORO_VALGRIND
#include <valgrind/valgrind.h>
#endif
#if defined(__GNUC__) || defined(__clang__)
#define KORO_TEST_NOINLINE __attribute__((noinline))
#else
#define KORO_TEST_NOINLINE
#endif
#if defined(HAVE_UNISTD_H) && !defined(_WIN32)
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#define T_HAVE_FORK 1
#endif
#if defined(HAVE_SYS_MMAN_H) && !defined(_WIN32)
#include <sys/mman.h>
#endif

const char *
t_checker(void)
{
#if defined(KORO_ASAN)
    return "AddressSanitizer";
#elif defined(KORO_TSAN)
    return "ThreadSanitizer";
#else
    const char *pre = getenv("LD_PRELOAD");

#ifdef KORO_VALGRIND
    if (RUNNING_ON_VALGRIND)
        return "Valgrind";
#endif
    if (pre && strstr(pre, "vgpreload"))
        return "Valgrind";
    return NULL;
#endif
}

/* Why a test that faults on purpose cannot run here (NULL: it can). */
static const char *
fault_skip(int signal_handler)
{
#if defined(_WIN32) || defined(__EMSCRIPTEN__)
    (void)signal_handler;
    return "no guard-page fault handler on this platform";
#else
#if defined(KORO_ASAN)
    /* ASan's own SIGSEGV handler reports and exits (1) before the default
     * action could kill the process with SIGSEGV; our handler, installed
     * over it, still works. */
    if (!signal_handler)
        return "AddressSanitizer turns the expected SIGSEGV into a report";
#elif defined(KORO_TSAN)
    /* Its SIGSEGV handler reports and exits (66), like ASan's; a handler
     * of ours that runs on a fiber (a coroutine of a one-thread backend)
     * gets race reports.  The threads backend has no fibers: its reason
     * for the handler cases is the one below. */
    if (!signal_handler)
        return "ThreadSanitizer turns the expected SIGSEGV into a report";
    if (!t_backend_is("threads") && !t_backend_is("win32"))
        return "ThreadSanitizer reports races in a handler run on a fiber";
#else
    (void)signal_handler;
#endif
    if (t_checker() && strcmp(t_checker(), "Valgrind") == 0)
        return "Valgrind reports the deliberate invalid access";
    if (signal_handler && t_backend_is("win32"))
        return "each coroutine runs on an OS thread of its own, which has no "
               "alternate signal stack for the handler";
    return NULL;
#endif
}

/* Why koro_overflow_handler_install() cannot be called here, or NULL. */
static const char *
handler_skip(void)
{
#if defined(_WIN32) || defined(__EMSCRIPTEN__)
    return "no POSIX signals here (KORO_ENOSYS)";
#else
    return NULL;
#endif
}

/* Why koro_stack_alloc() cannot be used here, or NULL.  Emscripten's
 * mprotect() does nothing, so it has no guard pages to offer. */
#ifdef __EMSCRIPTEN__
#define T_NO_GUARD "no guard pages on this platform (KORO_ENOSYS)"
#else
#define T_NO_GUARD NULL
#endif

/* Sizes below koro_stack_min() (17 KiB and more under threads) are
 * raised to it. */
static size_t
at_least_min(size_t n)
{
    return n < koro_stack_min() ? koro_stack_min() : n;
}

/* ------------------------------------------------------------------ */
/* koro_stack_alloc / koro_stack_free. */

START_TEST(stack_alloc_errors)
{
    void *s;
    size_t n;

    ck_assert_int_eq(koro_stack_alloc(65536, NULL, &n), KORO_EINVAL);
    ck_assert_int_eq(koro_stack_alloc(65536, &s, NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_stack_alloc(0, &s, &n), KORO_EINVAL);
    ck_assert_int_eq(koro_stack_alloc(koro_stack_min() - 1, &s, &n),
                     KORO_ESTACK);
    ck_assert_int_eq(koro_stack_alloc(SIZE_MAX, &s, &n), KORO_EINVAL);
    /* Half the address space cannot be mapped on 64-bit targets; on
     * 32-bit ones 2 GiB sometimes can, so there the case proves nothing. */
    if (sizeof(size_t) >= 8)
        ck_assert_int_eq(koro_stack_alloc(SIZE_MAX / 2, &s, &n), KORO_ESYS);
    ck_assert_int_eq(koro_stack_free(NULL, 65536), KORO_EINVAL);
    if (T_NO_GUARD) {
        ck_assert_int_eq(koro_stack_alloc(t_stack_size(), &s, &n), KORO_ENOSYS);
        return;
    }
    ck_assert_int_eq(koro_stack_alloc(t_stack_size(), &s, &n), 0);
    ck_assert_int_eq(koro_stack_free(s, 0), KORO_EINVAL);
    ck_assert_int_eq(koro_stack_free((char *)s + 16, n), KORO_EINVAL);
    ck_assert_int_eq(koro_stack_free(s, SIZE_MAX), KORO_EINVAL);
    ck_assert_int_eq(koro_stack_free(s, n), 0);
}
END_TEST

static void
body_fill(void *arg)
{
    volatile unsigned char buf[4096];
    size_t i;

    for (i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)i;
    *(int *)arg = buf[77];
    koro_yield();
}

START_TEST(stack_alloc_runs_coroutine)
{
    void *s;
    size_t n;
    koro_t k;
    int got = 0;

    ck_assert_int_eq(koro_stack_alloc(at_least_min(10000), &s, &n), 0);
    ck_assert_uint_ge(n, 10000);
    ck_assert_uint_lt(n, at_least_min(10000) + 65536);
    ck_assert_uint_eq((uintptr_t)s % 4096, 0);
    memset(s, 0x5a, n); /* every usable byte is writable */
    ck_assert_int_eq(koro_init(&k, body_fill, &got, s, n), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(got, 77);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(koro_status(&k), KORO_DEAD);
    ck_assert_int_eq(koro_stack_free(s, 10000), 0); /* requested size */
    ck_assert_int_eq(koro_stack_alloc(at_least_min(10000), &s, &n), 0);
    ck_assert_int_eq(koro_stack_free(s, n), 0); /* or the usable size */
}
END_TEST

/* The byte just below the usable range is not accessible. */
START_TEST(guard_page_faults)
{
    void *s;
    size_t n;

    ck_assert_int_eq(koro_stack_alloc(t_stack_size(), &s, &n), 0);
    ((volatile unsigned char *)s)[-1] = 1; /* SIGSEGV */
}
END_TEST

/* ------------------------------------------------------------------ */
/* koro_use_guard. */

static void
body_yield_twice(void *arg)
{
    (void)arg;
    koro_yield();
    koro_yield();
}

/* The system's page size (Windows: 4 KiB). */
static size_t
page_size(void)
{
#ifdef T_HAVE_FORK
    long n = sysconf(_SC_PAGESIZE);

    return n > 0 ? (size_t)n : 4096;
#else
    return 4096;
#endif
}

START_TEST(use_guard_errors)
{
    void *s;
    size_t n, page = page_size();
    koro_t k;

    ck_assert_int_eq(koro_use_guard(NULL), KORO_EINVAL);
    memset(&k, 0, sizeof k);
    ck_assert_int_eq(koro_use_guard(&k), KORO_EINVAL); /* not initialised */
    ck_assert_int_eq(koro_stack_alloc(at_least_min(16384) + 2 * page, &s, &n),
                     0);
    /* Right above the guard page. */
    ck_assert_int_eq(koro_init(&k, body_yield_twice, NULL, s, n), 0);
    ck_assert_int_eq(koro_use_guard(&k), 0);
    ck_assert_int_eq(koro_use_guard(&k), 0); /* idempotent */
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(koro_use_guard(&k), KORO_ESTARTED);
    ck_assert_int_eq(koro_fini(&k), 0);
    /* Half a page above it: the bytes between are nobody's stack. */
    ck_assert_int_eq(koro_init(&k, body_yield_twice, NULL, (char *)s + page / 2,
                               n - page / 2),
                     0);
    ck_assert_int_eq(koro_use_guard(&k), KORO_EINVAL);
    ck_assert_int_eq(koro_fini(&k), 0);
    /* A page above it: the page below the stack is readable memory. */
    ck_assert_int_eq(
        koro_init(&k, body_yield_twice, NULL, (char *)s + page, n - page), 0);
    ck_assert_int_eq(koro_use_guard(&k), KORO_EINVAL);
    ck_assert_int_eq(koro_fini(&k), 0);
    ck_assert_int_eq(koro_stack_free(s, n), 0);
}
END_TEST

/* A stack of the caller's, wherever it came from, has no guard page of
 * ours below it: readable memory, or none at all (Emscripten). */
START_TEST(use_guard_refuses_plain_stack)
{
    unsigned char *stk = t_stacks(2) + t_stack_size();
    koro_t k;

    ck_assert_int_eq(koro_init(&k, body_yield_twice, NULL, stk, t_stack_size()),
                     0);
    ck_assert_int_eq(koro_use_guard(&k), KORO_EINVAL);
    ck_assert_int_eq(koro_fini(&k), 0);
    free(stk - t_stack_size());
}
END_TEST

#if defined(T_HAVE_FORK) && defined(HAVE_SYS_MMAN_H) && !defined(__EMSCRIPTEN__)
#define T_HOLE_TEST 1
#if !defined(MAP_ANON) && defined(MAP_ANONYMOUS)
#define MAP_ANON MAP_ANONYMOUS
#endif

/* Why a hole in the address space cannot be told from a guard page here
 * (NULL: it can).  koro_use_guard() relies on msync() failing with ENOMEM
 * on an unmapped page; qemu-user reserves a 32-bit guest's whole address
 * space, so there a page the guest unmapped is still mapped in the host. */
static const char *
hole_skip(void)
{
    size_t page = page_size();
    char *m;
    int seen;

#ifndef KORO_VALGRIND
    if (t_checker() && strcmp(t_checker(), "Valgrind") == 0)
        return "Valgrind reports the probe of an unmapped page (configure "
               "--enable-valgrind to silence it)";
#endif
    m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1,
             0);
    if (m == MAP_FAILED)
        return "mmap() failed";
    munmap(m, page);
#ifdef KORO_VALGRIND
    VALGRIND_DISABLE_ERROR_REPORTING; /* the unmapped page, on purpose */
#endif
    seen = msync(m, page, MS_ASYNC) != 0 && errno == ENOMEM;
#ifdef KORO_VALGRIND
    VALGRIND_ENABLE_ERROR_REPORTING;
#endif
    munmap(m + page, page);
    return seen ? NULL
                : "msync() does not fail on an unmapped page here (qemu-user "
                  "with a 32-bit guest keeps its whole address space mapped)";
}

/* A hole in the address space below the stack is no guard: anything may
 * be mapped there later. */
START_TEST(use_guard_refuses_hole)
{
    void *s;
    size_t n, page = page_size();
    koro_t k;

    ck_assert_int_eq(koro_stack_alloc(at_least_min(16384), &s, &n), 0);
    ck_assert_int_eq(munmap((char *)s - page, page), 0);
    ck_assert_int_eq(koro_init(&k, body_yield_twice, NULL, s, n), 0);
    ck_assert_int_eq(koro_use_guard(&k), KORO_EINVAL);
    ck_assert_int_eq(koro_fini(&k), 0);
    ck_assert_int_eq(munmap(s, n), 0);
}
END_TEST
#endif

/* A marked coroutine no longer checks the canary: overwriting it, which
 * aborts an unmarked one (t-core's overflow_is_detected), goes unseen. */
static void
body_smash_own(void *arg)
{
    void *lo, *hi;

    ck_assert_int_eq(koro_stack_bounds(koro_self(), &lo, &hi), 0);
    memset(lo, 0, 8);
    *(int *)arg = ((volatile unsigned char *)lo)[7] == 0;
    koro_yield();
}

/* The seal koro_stack_alloc() writes at the start of a stack, and with
 * it koro_init()'s trust in the guard page, is gone once the caller writes
 * over those bytes. */
static void
wipe_seal(void *s)
{
    memset(s, 0, 64);
}

START_TEST(use_guard_skips_canary)
{
    void *s;
    size_t n;
    koro_t k;
    int smashed = 0;

    ck_assert_int_eq(koro_stack_alloc(at_least_min(16384), &s, &n), 0);
    wipe_seal(s);
    ck_assert_int_eq(koro_init(&k, body_smash_own, &smashed, s, n), 0);
    ck_assert_int_eq(koro_use_guard(&k), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(smashed, 1);
    ck_assert_int_eq(koro_status(&k), KORO_SUSPENDED);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(koro_status(&k), KORO_DEAD);
    ck_assert_int_eq(koro_stack_free(s, n), 0);
}
END_TEST

/* koro_init() knows koro_stack_alloc()'s stacks by their seal: no call
 * needed, and a stack used before is still known.  (Writing over the
 * canary's place, as body_smash_own does, may write over the seal too:
 * it is the same place in one colour out of 16.) */
START_TEST(stack_alloc_skips_canary)
{
    void *s;
    size_t n;
    koro_t k;
    int smashed = 0, round;

    ck_assert_int_eq(koro_stack_alloc(at_least_min(16384), &s, &n), 0);
    for (round = 0; round < 20; round++) {
        ck_assert_int_eq(koro_init(&k, body_yield_twice, NULL, s, n), 0);
        ck_assert_int_eq(koro_resume(&k), 0);
        ck_assert_int_eq(koro_fini(&k), 0);
    }
    ck_assert_int_eq(koro_init(&k, body_smash_own, &smashed, s, n), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(smashed, 1);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(koro_status(&k), KORO_DEAD);
    ck_assert_int_eq(koro_stack_free(s, n), 0);
}
END_TEST

/* Write into the canary, the 16 bytes below the usable stack. */
static void
body_smash_canary(void *arg)
{
    void *lo, *hi;

    (void)arg;
    ck_assert_int_eq(koro_stack_bounds(koro_self(), &lo, &hi), 0);
    memset((char *)lo - 16, 0, 8);
    koro_yield();
}

/* Smash the canary of a coroutine on s: abort() in its first yield. */
static void
smash_on(void *s, size_t n)
{
    static koro_t k;

    ck_assert_int_eq(koro_init(&k, body_smash_canary, NULL, s, n), 0);
    koro_resume(&k); /* SIGABRT */
}

/* Without the seal the canary is back, */
START_TEST(wiped_seal_keeps_canary)
{
    void *s;
    size_t n;

    ck_assert_int_eq(koro_stack_alloc(at_least_min(16384), &s, &n), 0);
    wipe_seal(s);
    smash_on(s, n);
}
END_TEST

/* and a seal copied to another stack is none. */
START_TEST(moved_seal_keeps_canary)
{
    void *s, *t;
    size_t n, m;

    ck_assert_int_eq(koro_stack_alloc(at_least_min(16384), &s, &n), 0);
    ck_assert_int_eq(koro_stack_alloc(at_least_min(16384), &t, &m), 0);
    memcpy(t, s, 64);
    smash_on(t, m);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The overflow handler. */

static volatile int never;

static KORO_TEST_NOINLINE unsigned
recurse(volatile unsigned char *up, unsigned depth)
{
    volatile unsigned char pad[200];

    pad[0] = (unsigned char)depth;
    pad[1] = up ? up[0] : 0;
    if (never)
        return pad[1];
    return recurse(pad, depth + 1) + pad[1]; /* not a tail call */
}

static void
body_recurse(void *arg)
{
    (void)arg;
    recurse(NULL, 0);
}

static koro_t deep;

/* Map a guarded stack and prepare `deep` to overflow it. */
static void
prepare_deep(void)
{
    void *s;
    size_t n;

    /* Under threads, the coroutine's thread takes its alternate signal
     * stack (8 KiB or more) from the top of a stack that has room for it
     * besides koro_stack_min(). */
    ck_assert_int_eq(koro_stack_alloc(at_least_min(16384) + 32768, &s, &n), 0);
    ck_assert_int_eq(koro_init(&deep, body_recurse, NULL, s, n), 0);
    ck_assert_int_eq(koro_set_name(&deep, "deep"), 0);
}

START_TEST(overflow_handler_aborts)
{
    prepare_deep();
    ck_assert_int_eq(koro_overflow_handler_install(), 0);
    ck_assert_int_eq(koro_overflow_handler_install(), 0); /* idempotent */
    koro_resume(&deep);                                   /* SIGABRT */
}
END_TEST

/* The same with koro_use_guard(): the guard page alone stops it. */
START_TEST(use_guard_overflow_aborts)
{
    prepare_deep();
    ck_assert_int_eq(koro_use_guard(&deep), 0);
    ck_assert_int_eq(koro_overflow_handler_install(), 0);
    koro_resume(&deep); /* SIGABRT */
}
END_TEST

/* Outside any coroutine the handler steps aside: still SIGSEGV. */
START_TEST(overflow_handler_passes_other_faults)
{
    void *s;
    size_t n;

    ck_assert_int_eq(koro_overflow_handler_install(), 0);
    ck_assert_int_eq(koro_stack_alloc(t_stack_size(), &s, &n), 0);
    ((volatile unsigned char *)s)[-1] = 1; /* SIGSEGV */
}
END_TEST

/* With the handler installed, coroutines on koro_stack_min() stacks, too
 * small to lend an alternate signal stack under threads, still run. */
static void
body_count(void *arg)
{
    int *n = arg;

    /* No Check calls here: they need more than koro_stack_min(). */
    for (*n = 0; *n < 3; ++*n)
        if (koro_yield() != 0)
            *n = 100;
}

START_TEST(overflow_handler_keeps_min_stacks)
{
    size_t size = koro_stack_min();
    unsigned char *mem = malloc(size + 64);
    unsigned char *st =
        (unsigned char *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
    koro_t k;
    int n = -1, i;

    ck_assert_ptr_nonnull(mem);
    ck_assert_int_eq(koro_overflow_handler_install(), 0);
    ck_assert_int_eq(koro_init(&k, body_count, &n, st, size), 0);
    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(koro_resume(&k), 0);
        ck_assert_int_eq(n, i);
    }
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(koro_status(&k), KORO_DEAD);
    free(mem);
}
END_TEST

#if defined(HAVE_PTHREAD) && defined(HAVE_SYS_MMAN_H) && !defined(_WIN32) &&   \
    !defined(__EMSCRIPTEN__)
#include <pthread.h>
#define T_ALTSTACK_THREAD 1
/* The alternate stack the handler mapped for a thread that had none is
 * unmapped when that thread exits. */
static void *
install_in_thread(void *arg)
{
    void **sp = arg;
    stack_t ss;

    *sp = NULL;
    if (koro_overflow_handler_install() == 0 && sigaltstack(NULL, &ss) == 0 &&
        !(ss.ss_flags & SS_DISABLE))
        *sp = ss.ss_sp;
    return NULL;
}

START_TEST(handler_altstack_unmapped_at_thread_exit)
{
    long page = sysconf(_SC_PAGESIZE);
    void *sp;
    pthread_t t;
    int rc, err;

    ck_assert_int_eq(pthread_create(&t, NULL, install_in_thread, &sp), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_ptr_nonnull(sp);
    /* msync() fails with ENOMEM on a range that is not mapped (which
     * Valgrind would report). */
#ifdef KORO_VALGRIND
    VALGRIND_DISABLE_ERROR_REPORTING;
#endif
    errno = 0;
    rc = msync(sp, (size_t)page, MS_ASYNC);
    err = errno;
#ifdef KORO_VALGRIND
    VALGRIND_ENABLE_ERROR_REPORTING;
#endif
    ck_assert_int_eq(rc, -1);
    ck_assert_int_eq(err, ENOMEM);
}
END_TEST

/* The test tells an unmapped page by msync(), as use_guard_refuses_hole
 * does. */
static const char *
altstack_skip(void)
{
    const char *why = handler_skip();

#ifdef T_HOLE_TEST
    if (!why)
        why = hole_skip();
#endif
    return why;
}
#endif

#ifdef T_HAVE_FORK
/* Run the overflow in a child whose stderr is a pipe; check the text. */
START_TEST(overflow_message_names_coroutine)
{
    int fd[2], status = 0;
    char got[512], want[256];
    void *lo, *hi;
    ssize_t n, len = 0;
    pid_t pid;

    prepare_deep();
    ck_assert_int_eq(koro_stack_bounds(&deep, &lo, &hi), 0);
    snprintf(want, sizeof want,
             "libkorutin: stack overflow in coroutine 0x%0*" PRIxPTR
             " \"deep\", stack [0x%0*" PRIxPTR ", 0x%0*" PRIxPTR ")",
             (int)sizeof(uintptr_t) * 2, (uintptr_t)&deep,
             (int)sizeof(uintptr_t) * 2, (uintptr_t)lo,
             (int)sizeof(uintptr_t) * 2, (uintptr_t)hi);
    ck_assert_int_eq(pipe(fd), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        if (koro_overflow_handler_install() == 0)
            koro_resume(&deep);
        _exit(3);
    }
    close(fd[1]);
    while (len < (ssize_t)sizeof got - 1 &&
           (n = read(fd[0], got + len, sizeof got - 1 - (size_t)len)) > 0)
        len += n;
    got[len] = '\0';
    close(fd[0]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status));
    ck_assert_int_eq(WTERMSIG(status), SIGABRT);
    ck_assert_msg(strstr(got, want) != NULL, "stderr was: %s\nwanted: %s", got,
                  want);
}
END_TEST
#endif

void
t_guard(Suite *s)
{
    T_ADD(s, stack_alloc_errors, NULL);
    T_ADD(s, stack_alloc_runs_coroutine, T_NO_GUARD);
    T_ADD(s, use_guard_errors, T_NO_GUARD);
    T_ADD(s, use_guard_refuses_plain_stack, NULL);
#ifdef T_HOLE_TEST
    T_ADD(s, use_guard_refuses_hole, hole_skip());
#else
    t_add(s, "use_guard_refuses_hole", NULL, "no munmap() here");
#endif
    T_ADD(s, use_guard_skips_canary, T_NO_GUARD);
    T_ADD(s, stack_alloc_skips_canary, T_NO_GUARD);
    t_add_signal(s, "wiped_seal_keeps_canary", wiped_seal_keeps_canary, SIGABRT,
                 T_NO_GUARD);
    t_add_signal(s, "moved_seal_keeps_canary", moved_seal_keeps_canary, SIGABRT,
                 T_NO_GUARD);
    t_add_signal(s, "guard_page_faults", guard_page_faults, SIGSEGV,
                 fault_skip(0));
    t_add_signal(s, "overflow_handler_aborts", overflow_handler_aborts, SIGABRT,
                 fault_skip(1));
    t_add_signal(s, "use_guard_overflow_aborts", use_guard_overflow_aborts,
                 SIGABRT, fault_skip(1));
    t_add_signal(s, "overflow_handler_passes_other_faults",
                 overflow_handler_passes_other_faults, SIGSEGV, fault_skip(0));
    T_ADD(s, overflow_handler_keeps_min_stacks, handler_skip());
#ifdef T_ALTSTACK_THREAD
    T_ADD(s, handler_altstack_unmapped_at_thread_exit, altstack_skip());
#else
    t_add(s, "handler_altstack_unmapped_at_thread_exit", NULL,
          "no POSIX threads or mmap() here");
#endif
#ifdef T_HAVE_FORK
    T_ADD(s, overflow_message_names_coroutine, fault_skip(1));
#else
    t_add(s, "overflow_message_names_coroutine", NULL, "no fork() here");
#endif
}
