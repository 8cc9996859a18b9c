/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* guard.c - opt-in stack overflow protection: stacks mapped with a guard
 * page, and a fault handler that names the coroutine which ran into one.
 *
 * This is the one part of libkorutin that asks the system for memory, and
 * only when the caller asks for it.  The core calls nothing here: what it
 * needs (is this stack sealed?) it asks through a hook that
 * koro_stack_alloc() installs.
 */
#include "koro-int.h"
#include "sanitize.h" /* KORO_SAN_LO_RESERVE */

#include <stdint.h>
#include <string.h>

/* Emscripten has mmap() and mprotect(), but the latter does nothing: all
 * of its memory can be read and written, so it has no guard pages. */
#if defined(_WIN32)
#include <windows.h>
#define KORO_GUARD_WIN32 1
#elif defined(HAVE_SYS_MMAN_H) && defined(HAVE_MMAP) &&                        \
    defined(HAVE_MPROTECT) && !defined(__EMSCRIPTEN__)
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#define KORO_GUARD_MMAP 1
#if !defined(MAP_ANON) && defined(MAP_ANONYMOUS)
#define MAP_ANON MAP_ANONYMOUS
#endif
#endif

#ifdef KORO_VALGRIND
#include <valgrind/valgrind.h>
#endif

#if defined(HAVE_SIGACTION) && defined(HAVE_SIGALTSTACK) &&                    \
    !defined(_WIN32) && !defined(__EMSCRIPTEN__)
#include <signal.h>
#include <stdlib.h>
#define KORO_GUARD_SIGNALS 1
#endif

/* ------------------------------------------------------------------ */
/* Guarded stacks. */

static size_t
page_size(void)
{
#if defined(KORO_GUARD_WIN32)
    SYSTEM_INFO si;

    GetSystemInfo(&si);
    return si.dwPageSize;
#elif defined(KORO_GUARD_MMAP)
    long n = sysconf(_SC_PAGESIZE);

    return n > 0 ? (size_t)n : 4096;
#else
    return 4096;
#endif
}

/* The seal.  koro_stack_alloc() writes two words derived from the
 * stack's address at its start, past the sanitizers' record, where
 * koro_init() keeps nothing of its own (that is the canary's place or
 * below it).  koro_init() takes a stack that still carries them for one
 * right above a guard page, which is what koro_use_guard() would find,
 * without its system calls.  Derived from the address, so that a copy
 * elsewhere is no seal; a caller who writes over it only brings the
 * canary back. */

/* Where the seal lies: past the sanitizers' record. */
static unsigned char *
seal_at(const void *stack)
{
    return (unsigned char *)(uintptr_t)stack + KORO_SAN_LO_RESERVE;
}

static void
seal_value(const unsigned char *at, uintptr_t w[2])
{
    w[0] = (uintptr_t)at ^ (uintptr_t)0x6b6f726f5f677264ull;
    w[1] = ~(uintptr_t)at ^ (uintptr_t)0x7365616c65645f21ull;
}

static void
seal(void *stack)
{
    uintptr_t w[2];

    seal_value(seal_at(stack), w);
    memcpy(seal_at(stack), w, sizeof w);
}

static int
sealed(const void *stack)
{
    uintptr_t want[2];

    /* Every page size is a multiple of 4 KiB: most stacks stop here. */
    if ((uintptr_t)stack & 4095)
        return 0;
    seal_value(seal_at(stack), want);
    return memcmp(seal_at(stack), want, sizeof want) == 0;
}

/* size rounded up to whole pages, or 0 if that overflows (with the guard). */
static size_t
round_pages(size_t size, size_t page)
{
    size_t r = (size + page - 1) & ~(page - 1);

    if (r < size || r + page < r)
        return 0;
    return r;
}

KORO_API int
koro_stack_alloc(size_t size, void **stack, size_t *usable)
{
    size_t page = page_size(), len;
    unsigned char *base;

    if (!stack || !usable || size == 0)
        return KORO_EINVAL;
    if (size < koro_stack_min())
        return KORO_ESTACK;
    len = round_pages(size, page);
    if (!len)
        return KORO_EINVAL;
#if defined(KORO_GUARD_WIN32)
    {
        DWORD old;

        /* Run under wine only, not on Windows itself. */
        base = VirtualAlloc(NULL, len + page, MEM_RESERVE | MEM_COMMIT,
                            PAGE_READWRITE);
        if (!base)
            return KORO_ESYS;
        if (!VirtualProtect(base, page, PAGE_NOACCESS, &old)) {
            VirtualFree(base, 0, MEM_RELEASE);
            return KORO_ESYS;
        }
    }
#elif defined(KORO_GUARD_MMAP)
    {
        void *m = mmap(NULL, len + page, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANON, -1, 0);

        if (m == MAP_FAILED)
            return KORO_ESYS;
        base = m;
        /* Mapped writable first, then the low page closed: one mapping,
         * so koro_stack_free() needs nothing but the address and size. */
        if (mprotect(base, page, PROT_NONE) != 0) {
            munmap(base, len + page);
            return KORO_ESYS;
        }
    }
#else
    (void)base;
    return KORO_ENOSYS;
#endif
    /* Before the seal, so that koro_init() never misses one. */
    if (KORO_HOOK_GET(koro__sealed_hook) != sealed)
        KORO_HOOK_SET(koro__sealed_hook, sealed);
    seal(base + page);
    *stack = base + page;
    *usable = len;
    return 0;
}

KORO_API int
koro_stack_free(void *stack, size_t size)
{
    size_t page = page_size(), len;

    if (!stack || size == 0 || ((uintptr_t)stack & (page - 1)))
        return KORO_EINVAL;
    len = round_pages(size, page);
    if (!len || (uintptr_t)stack < page)
        return KORO_EINVAL;
#if defined(KORO_GUARD_WIN32)
    (void)len;
    return VirtualFree((unsigned char *)stack - page, 0, MEM_RELEASE)
               ? 0
               : KORO_ESYS;
#elif defined(KORO_GUARD_MMAP)
    return munmap((unsigned char *)stack - page, len + page) == 0 ? 0
                                                                  : KORO_ESYS;
#else
    return KORO_ENOSYS;
#endif
}

/* ------------------------------------------------------------------ */
/* Trusting a guard page instead of the canary. */

/* 1 if the page at p is mapped but cannot be read (a guard page), 0 if it
 * can be read or is not mapped at all (a hole that anything may fill
 * later), or a negative error. */
static int
is_guard_page(const void *p, size_t page)
{
#if defined(__EMSCRIPTEN__)
    /* All of its memory can be read (see above). */
    (void)p;
    (void)page;
    return 0;
#elif defined(KORO_GUARD_WIN32)
    MEMORY_BASIC_INFORMATION mi;

    (void)page;
    if (!VirtualQuery(p, &mi, sizeof mi))
        return KORO_ESYS;
    if (mi.State == MEM_FREE)
        return 0;
    return mi.State == MEM_RESERVE ||
           (mi.Protect & (PAGE_NOACCESS | PAGE_GUARD)) != 0;
#elif defined(KORO_GUARD_MMAP)
    int fd[2], rc = KORO_ESYS;

    /* msync() fails with ENOMEM on an unmapped range; write() from an
     * unreadable buffer fails with EFAULT instead of faulting.  Neither
     * changes anything: the byte written goes into a private pipe.
     * Valgrind would report both arguments, which are odd on purpose. */
#ifdef KORO_VALGRIND
    VALGRIND_DISABLE_ERROR_REPORTING;
#endif
    if (msync((void *)(uintptr_t)p, page, MS_ASYNC) != 0) {
        if (errno == ENOMEM)
            rc = 0;
    } else if (pipe(fd) == 0) {
        rc = write(fd[1], p, 1) < 0 && errno == EFAULT;
        close(fd[0]);
        close(fd[1]);
    }
#ifdef KORO_VALGRIND
    VALGRIND_ENABLE_ERROR_REPORTING;
#endif
    return rc;
#else
    (void)p;
    (void)page;
    return KORO_ENOSYS;
#endif
}

KORO_API int
koro_use_guard(koro_t *k)
{
    size_t page = page_size();
    uintptr_t lo, base;
    int rc = koro__check_unstarted(k);

    if (rc < 0)
        return rc;
    /* koro_init() put the lowest usable byte at most KORO_LO_SLACK above
     * the start of the stack; a stack that starts at a page boundary, as
     * koro_stack_alloc()'s do, has that page's start as its own. */
    lo = (uintptr_t)k->koro_lo_;
    base = lo & ~(uintptr_t)(page - 1);
    if (lo - base > KORO_LO_SLACK || base < page)
        return KORO_EINVAL;
    rc = is_guard_page((const void *)(base - page), page);
    if (rc < 0)
        return rc;
    if (!rc)
        return KORO_EINVAL;
    k->koro_flags_ |= KORO_F_GUARDED;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The fault handler. */

#ifdef KORO_GUARD_SIGNALS

/* The alternate signal stack for threads that have none: mapped when
 * the thread installs the handler, with a guard page below it, and
 * unmapped when the thread exits where the C library can say so (see
 * altstack_key).  8 KiB holds the largest x86 signal frame without AMX
 * state (about 3 KiB with AVX-512) plus this handler's few hundred bytes;
 * more where the system's minimum signal stack asks for it. */
#define KORO_ALTSTACK_SIZE 8192
static struct sigaction old_segv, old_bus;
static volatile sig_atomic_t ours_segv, ours_bus;
/* Faults this far below koro_lo_ are overflows: the guard page lies right
 * below the caller's stack, and koro_lo_ up to KORO_LO_SLACK above it. */
static size_t fault_span;
static volatile char install_lock;

/* Only async-signal-safe calls: write() and abort(). */
static KORO_NORETURN void
report_overflow(const koro_t *k)
{
    koro__overflow_abort(k, "it ran into the guard page");
}

static void
on_fault(int sig, siginfo_t *si, void *uc)
{
    koro_t *k = koro__tls.cur;
    uintptr_t a = (uintptr_t)si->si_addr;

    (void)uc;
    if (k && k->koro_lo_) {
        uintptr_t lo = (uintptr_t)k->koro_lo_;

        if (a < lo && lo - a <= fault_span)
            report_overflow(k);
    }
    /* Not ours: put the previous disposition back and let the fault
     * happen again (returning re-runs the faulting instruction); a
     * signal that was sent, not caused, is raised again instead. */
    if (sig == SIGSEGV) {
        ours_segv = 0;
        sigaction(SIGSEGV, &old_segv, NULL);
    } else {
        ours_bus = 0;
        sigaction(SIGBUS, &old_bus, NULL);
    }
    if (si->si_code <= 0)
        raise(sig);
}

static int
take(int sig, struct sigaction *old, volatile sig_atomic_t *ours)
{
    struct sigaction sa;

    if (*ours)
        return 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, old) != 0)
        return KORO_ESYS;
    *ours = 1;
    return 0;
}

/* The size of the alternate stack to map, without its guard page. */
static size_t
altstack_size(size_t page)
{
    size_t n = KORO_ALTSTACK_SIZE;
#ifdef _SC_MINSIGSTKSZ
    long need = sysconf(_SC_MINSIGSTKSZ);

    if (need > 0 && (size_t)need + 2048 > n)
        n = (size_t)need + 2048;
#endif
    return (n + page - 1) & ~(page - 1);
}

#if defined(KORO_GUARD_MMAP) && defined(__GNUC__) && !defined(__APPLE__)
/* Referenced weakly, so that the library needs no thread library of its
 * own: where pthread_key_create() is not linked in, a thread's mapping
 * stays until the process exits. */
#pragma weak pthread_key_create
#pragma weak pthread_setspecific
#include <pthread.h>
#define KORO_ALTSTACK_KEY 1
static pthread_key_t altstack_key;
static int altstack_key_state; /* 0 not yet, 1 made, -1 unavailable */

/* At thread exit: take the thread's mapped stack down, unless a signal
 * handler runs on it right now. */
static void
altstack_release(void *p)
{
    stack_t cur, off;
    size_t page = page_size();

    if (sigaltstack(NULL, &cur) != 0)
        return;
    if (cur.ss_sp == p) {
        if (cur.ss_flags & SS_ONSTACK)
            return;
        memset(&off, 0, sizeof off);
        off.ss_flags = SS_DISABLE;
        if (sigaltstack(&off, NULL) != 0)
            return;
    }
    munmap((unsigned char *)p - page, altstack_size(page) + page);
}
#endif

/* Give the calling thread an alternate signal stack if it has none. */
static int
ensure_altstack(void)
{
    stack_t cur, ss;

    if (sigaltstack(NULL, &cur) != 0)
        return KORO_ESYS;
    if (!(cur.ss_flags & SS_DISABLE))
        return 0; /* the thread has its own */
#if defined(KORO_GUARD_MMAP)
    {
        size_t page = page_size(), n = altstack_size(page);
        unsigned char *m = mmap(NULL, n + page, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANON, -1, 0);

        if (m == MAP_FAILED)
            return KORO_ESYS;
        /* The guard page: a handler that overflows faults at once. */
        if (mprotect(m, page, PROT_NONE) != 0) {
            munmap(m, n + page);
            return KORO_ESYS;
        }
        memset(&ss, 0, sizeof ss);
        ss.ss_sp = m + page;
        ss.ss_size = n;
        if (sigaltstack(&ss, NULL) != 0) {
            munmap(m, n + page);
            return KORO_ESYS;
        }
#ifdef KORO_ALTSTACK_KEY
        if (altstack_key_state > 0)
            pthread_setspecific(altstack_key, ss.ss_sp);
#endif
        return 0;
    }
#else
    (void)ss;
    return KORO_ENOSYS;
#endif
}

KORO_API int
koro_overflow_handler_install(void)
{
    int rc;

    /* The handlers are process-wide; install them once, under a lock so
     * that two threads cannot save each other's handler as "previous". */
    while (__atomic_test_and_set(&install_lock, __ATOMIC_ACQUIRE))
        ;
#ifdef KORO_ALTSTACK_KEY
    if (altstack_key_state == 0)
        altstack_key_state =
            pthread_key_create &&
                    pthread_key_create(&altstack_key, altstack_release) == 0
                ? 1
                : -1;
#endif
    fault_span = page_size() + KORO_LO_SLACK;
    rc = ensure_altstack();
    if (rc == 0)
        rc = take(SIGSEGV, &old_segv, &ours_segv);
    if (rc == 0)
        rc = take(SIGBUS, &old_bus, &ours_bus);
    /* For the coroutines that run on OS threads of their own. */
    if (rc == 0)
        KORO_HOOK_SET(koro__sigstack_size, altstack_size(page_size()));
    __atomic_clear(&install_lock, __ATOMIC_RELEASE);
    return rc;
}

#else /* !KORO_GUARD_SIGNALS */

KORO_API int
koro_overflow_handler_install(void)
{
    return KORO_ENOSYS;
}

#endif
