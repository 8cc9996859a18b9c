/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* sanitize.h - what the core tells AddressSanitizer, ThreadSanitizer and
 * Valgrind about coroutine stacks.  Included by core.c only (and, with
 * KORO_SAN_DETECT_ONLY defined, by the tests for the detection macros).
 *
 * A plain build compiles every hook below to nothing and KORO_SWITCH to a
 * direct (tail) call of koro__switch, so the hot path is unchanged.
 *
 * What the tools need:
 *
 *   ASan: __sanitizer_start_switch_fiber() right before a switch, naming
 *   the stack we go to; __sanitizer_finish_switch_fiber() first thing on
 *   that stack.  The fake-stack pointer (detect_stack_use_after_return)
 *   of the suspended side lives in a local of its own suspended frame;
 *   NULL is passed only by a coroutine leaving for good, which makes ASan
 *   drop its fake stack.  ASan learns the bounds of the thread's own stack
 *   from the first finish on a coroutine that root resumed.  Frames that
 *   never return (a dead or abandoned coroutine) leave their redzones
 *   poisoned, so the stack is unpoisoned at init, death and fini.
 *
 *   TSan: one fiber per coroutine (created at init, destroyed at death or
 *   fini), __tsan_switch_to_fiber() right before each switch; the root is
 *   whatever fiber the thread was running when it resumed a coroutine.
 *   Switching synchronises (flag 0): what one coroutine wrote before a
 *   switch is visible to the next without a race report.
 *
 *   Valgrind: VALGRIND_STACK_REGISTER for each coroutine stack at init,
 *   DEREGISTER at death or fini, so that memcheck takes a jump of the
 *   stack pointer into it for a switch and not for a huge frame.  Costs
 *   nothing on the hot path, so it is compiled in by default where
 *   valgrind/valgrind.h exists (configure --enable-valgrind).
 *
 * koro_t has no spare field, so the Valgrind stack id and the TSan fiber
 * live in a 16-byte record at the LOW end of the caller's stack, just
 * below the canary: koro_lo_ is raised by 16 and the record is found at
 * koro_lo_ - 16.  The low end, because koro_lo_ is the one bound that no
 * backend moves (they carve their state from the top, and the colour
 * offset moves the top too), and because a run-away stack has to break
 * the canary before it reaches the record.  Plain builds have no record.
 *
 * A backend whose contexts run on separate OS threads (threads) must be
 * compiled with -DKORO_BK_OS_THREADS: its "switch" is a hand-off between
 * real threads that the sanitizers already understand, so the fiber
 * annotations must be left out (a finish without a start on another
 * thread is an ASan error).  The stack registration and unpoisoning stay.
 */
#ifndef KORO_SANITIZE_H
#define KORO_SANITIZE_H

/* ---- Which tools the build is for ---------------------------------- */

#ifdef __has_feature
#define KORO__HAS_FEATURE(x) __has_feature(x)
#else
#define KORO__HAS_FEATURE(x) 0
#endif

#if defined(__SANITIZE_ADDRESS__) || KORO__HAS_FEATURE(address_sanitizer)
#define KORO_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__) || KORO__HAS_FEATURE(thread_sanitizer)
#define KORO_TSAN 1
#endif
#if defined(KORO_ASAN) || defined(KORO_TSAN)
#define KORO_SANITIZED 1
#endif

#ifndef KORO_SAN_DETECT_ONLY

#include "backend.h"

#include <stdint.h>

#ifdef KORO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef KORO_TSAN
#include <sanitizer/tsan_interface.h>
#endif
#ifdef KORO_VALGRIND
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
#endif

/* Fiber annotations: only for backends that switch stacks on one thread. */
#if defined(KORO_SANITIZED) && !defined(KORO_BK_OS_THREADS)
#define KORO_SAN_SWITCH 1
#endif

/* ---- The per-coroutine record below koro_lo_ ------------------------- */

#if defined(KORO_VALGRIND) || defined(KORO_TSAN)
#define KORO_HARD_SIZE 16
struct koro_hard {
    unsigned vg_id;   /* Valgrind stack id, 0 if none */
    void *tsan_fiber; /* TSan fiber, NULL if none */
};

static inline struct koro_hard *
koro__hard(const koro_t *k)
{
    return (struct koro_hard *)(void *)(k->koro_lo_ - KORO_HARD_SIZE);
}
#else
#define KORO_HARD_SIZE 0
#endif

/* Bytes koro_init() keeps below koro_lo_ for the record. */
#define KORO_SAN_LO_RESERVE KORO_HARD_SIZE

/* Stack bytes added to the backend's minimum: the record, and under a
 * sanitizer room for its instrumented frames and for the runtime's own
 * calls made on the coroutine's stack (ASan creates a coroutine's fake
 * stack lazily, from inside its first instrumented call, and that needs
 * several KiB; TSan's fiber switch and function entry hooks). */
#ifdef KORO_SANITIZED
#define KORO_SAN_STACK_EXTRA (KORO_HARD_SIZE + 8192)
#else
#define KORO_SAN_STACK_EXTRA KORO_HARD_SIZE
#endif

/* ---- Hooks called by core.c ------------------------------------------ */

/* [stack, stack + size) becomes a coroutine stack; nothing written yet.
 * Memory used as a stack before keeps the tools' marks of the frames that
 * lived on it (ASan's redzones of frames that never returned, memcheck's
 * "no access" for frames that did); the new coroutine starts afresh.  Its
 * own frames are marked again as it grows. */
static inline void
koro__san_prepare(void *stack, size_t size)
{
#ifdef KORO_ASAN
    ASAN_UNPOISON_MEMORY_REGION(stack, size);
#endif
#ifdef KORO_VALGRIND
    VALGRIND_MAKE_MEM_DEFINED(stack, size);
#endif
    (void)stack;
    (void)size;
}

/* k was set up on [stack, stack + size); register it. */
static inline void
koro__san_init(koro_t *k, void *stack, size_t size)
{
#if KORO_HARD_SIZE
    {
        struct koro_hard *h = koro__hard(k);

        h->vg_id = 0;
        h->tsan_fiber = NULL;
#ifdef KORO_VALGRIND
        h->vg_id = VALGRIND_STACK_REGISTER((unsigned char *)stack,
                                           (unsigned char *)stack + size);
#endif
#if defined(KORO_TSAN) && !defined(KORO_BK_OS_THREADS)
        h->tsan_fiber = __tsan_create_fiber(0);
#endif
    }
#endif
    (void)k;
    (void)stack;
    (void)size;
}

/* The coroutine k will never run again: unregister what still is.
 * `self` is non-zero when k itself calls this on its last lap (its stack
 * is still in use, so ASan's view of it is left to the resumer). */
static inline void
koro__san_release(koro_t *k, int self)
{
#if KORO_HARD_SIZE
    struct koro_hard *h = koro__hard(k);

#ifdef KORO_VALGRIND
    if (h->vg_id) {
        VALGRIND_STACK_DEREGISTER(h->vg_id);
        h->vg_id = 0;
        /* The memory is the caller's again (or, for `self`, about to be
         * left for good).  Memcheck marks the bytes of a returned frame
         * that lay deeper than its 128-byte red zone below the stack
         * pointer as inaccessible, and those marks would outlive the
         * stack: the caller's next memset() of its buffer would be an
         * invalid write.  Defined, as koro__san_prepare() leaves it. */
        VALGRIND_MAKE_MEM_DEFINED(k->koro_lo_ - KORO_HARD_SIZE,
                                  (size_t)(k->koro_hi_ - k->koro_lo_) +
                                      KORO_HARD_SIZE);
    }
#endif
#ifdef KORO_TSAN
    if (h->tsan_fiber && !self) {
        __tsan_destroy_fiber(h->tsan_fiber);
        h->tsan_fiber = NULL;
    }
#endif
#endif
#ifdef KORO_ASAN
    if (!self)
        ASAN_UNPOISON_MEMORY_REGION(k->koro_lo_ - KORO_HARD_SIZE,
                                    (size_t)(k->koro_hi_ - k->koro_lo_) +
                                        KORO_HARD_SIZE);
#endif
    (void)k;
    (void)self;
}

#ifdef KORO_SAN_SWITCH

/* The thread's own stack and fiber, learnt when it resumes a coroutine. */
struct koro_san_root {
    const void *bottom;
    size_t size;
    void *fiber;
};
static KORO_TLS struct koro_san_root koro__san_root KORO_TLS_MODEL;

#ifdef KORO_ASAN
/* Out of line so that the TLS address is computed afresh: after a switch
 * the coroutine may run on another thread than before it. */
static KORO_NOINLINE void
koro__san_root_bounds(const void *bottom, size_t size)
{
    koro__san_root.bottom = bottom;
    koro__san_root.size = size;
}
#endif

static inline void
koro__san_start(void **fake, const koro_t *to)
{
#ifdef KORO_ASAN
    if (to->koro_lo_)
        __sanitizer_start_switch_fiber(fake, to->koro_lo_ - KORO_HARD_SIZE,
                                       (size_t)(to->koro_hi_ - to->koro_lo_) +
                                           KORO_HARD_SIZE);
    else
        __sanitizer_start_switch_fiber(fake, koro__san_root.bottom,
                                       koro__san_root.size);
#endif
#ifdef KORO_TSAN
    __tsan_switch_to_fiber(
        to->koro_lo_ ? koro__hard(to)->tsan_fiber : koro__san_root.fiber, 0);
#endif
    (void)fake;
}

/* First thing on the stack we arrived on.  `from` is who switched to us
 * when it is known to be our resumer (NULL otherwise). */
static inline void
koro__san_finish(void *fake, const koro_t *from)
{
#ifdef KORO_ASAN
    const void *bottom;
    size_t size;

    __sanitizer_finish_switch_fiber(fake, &bottom, &size);
    if (from && !from->koro_lo_)
        koro__san_root_bounds(bottom, size);
#endif
    (void)fake;
    (void)from;
}

/* koro_resume's switch: from resumes to; back when to yields or dies. */
static inline int
koro__san_switch_resume(koro_t *from, koro_t *to, unsigned fp)
{
    void *fake = NULL;
    int rc;

#ifdef KORO_TSAN
    if (!from->koro_lo_)
        koro__san_root.fiber = __tsan_get_current_fiber();
#endif
    koro__san_start(&fake, to);
    rc = koro__switch_fp(from, to, fp);
    koro__san_finish(fake, NULL);
    if (to->koro_state_ == KORO_ST(KORO_DEAD))
        koro__san_release(to, 0);
    return rc;
}

/* A switch away from a running coroutine `from`: koro_yield's (back to
 * its resumer `to`) or koro__transfer's (to a sibling under the same
 * resumer, or to that resumer).  Back when resumed again: after a yield
 * by from->koro_parent_, whose bounds the tools learn here; after a
 * transfer by whoever transfers or resumes to us, not necessarily our
 * resumer, so nothing is learnt (koro__san_enter did that). */
static inline int
koro__san_switch_away(koro_t *from, koro_t *to, int learn_resumer, unsigned fp)
{
    void *fake = NULL;
    int rc;

    koro__san_start(&fake, to);
    rc = koro__switch_fp(from, to, fp);
    koro__san_finish(fake, learn_resumer ? from->koro_parent_ : NULL);
    return rc;
}

/* koro__entry, first thing: arrived on a fresh stack from k's resumer. */
static inline void
koro__san_enter(koro_t *k)
{
    koro__san_finish(NULL, k->koro_parent_);
}

/* koro__entry, last thing: leave k's stack for good (no fake stack kept). */
static inline void
koro__san_exit(koro_t *k, koro_t *to)
{
    koro__san_release(k, 1);
    koro__san_start(NULL, to);
}

#define KORO_SWITCH_RESUME_FP(from, to, fp)                                    \
    koro__san_switch_resume((from), (to), (fp))
#define KORO_SWITCH_YIELD_FP(from, to, fp)                                     \
    koro__san_switch_away((from), (to), 1, (fp))
#define KORO_SWITCH_TRANSFER_FP(from, to, fp)                                  \
    koro__san_switch_away((from), (to), 0, (fp))
#define KORO_SWITCH_RESUME(from, to)                                           \
    KORO_SWITCH_RESUME_FP((from), (to), KORO_FP_BOTH)
#define KORO_SWITCH_YIELD(from, to)                                            \
    KORO_SWITCH_YIELD_FP((from), (to), KORO_FP_BOTH)

#else /* !KORO_SAN_SWITCH: the plain, flat path */

#define KORO_SWITCH_RESUME(from, to) koro__switch((from), KORO_TO(to))
#define KORO_SWITCH_YIELD(from, to) koro__switch((from), KORO_TO(to))
#define KORO_SWITCH_RESUME_FP(from, to, fp) koro__switch_fp((from), (to), (fp))
#define KORO_SWITCH_YIELD_FP(from, to, fp) koro__switch_fp((from), (to), (fp))
#define KORO_SWITCH_TRANSFER_FP(from, to, fp)                                  \
    koro__switch_fp((from), (to), (fp))

static inline void
koro__san_enter(koro_t *k)
{
    (void)k;
}

static inline void
koro__san_exit(koro_t *k, koro_t *to)
{
    (void)to;
    koro__san_release(k, 1);
}

#endif /* KORO_SAN_SWITCH */

/* Reading a suspended coroutine's stack below its stack pointer
 * (koro_stack_used) touches dead frames: ASan may still have their
 * redzones poisoned, memcheck has marked them inaccessible.  The scan is
 * ours, not the user's, so exempt it. */
#ifdef KORO_ASAN
#define KORO_NO_SANITIZE_ADDRESS __attribute__((no_sanitize_address))
#else
#define KORO_NO_SANITIZE_ADDRESS
#endif

/* The first byte in [p, end) that is not `b`: the watermark scan of
 * koro_stack_used.  Under Valgrind it also runs with address errors off
 * for the range, and compares laundered copies: memcheck knows the bytes
 * a frame covered but never wrote (padding) as undefined although they
 * still hold the pattern, and comparing them is not a bug. */
static inline KORO_NO_SANITIZE_ADDRESS const unsigned char *
koro__san_scan(const unsigned char *p, const unsigned char *end,
               unsigned char b)
{
#ifdef KORO_VALGRIND
    if (RUNNING_ON_VALGRIND) {
        const unsigned char *lo = p;
        volatile unsigned char c;

        VALGRIND_DISABLE_ADDR_ERROR_REPORTING_IN_RANGE(lo, end - lo);
        for (; p < end; p++) {
            c = *p;
            VALGRIND_MAKE_MEM_DEFINED(&c, 1);
            if (c != b)
                break;
        }
        VALGRIND_ENABLE_ADDR_ERROR_REPORTING_IN_RANGE(lo, end - lo);
        return p;
    }
#endif
    while (p < end && *p == b)
        p++;
    return p;
}

#endif /* !KORO_SAN_DETECT_ONLY */
#endif /* KORO_SANITIZE_H */
