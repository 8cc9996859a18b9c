/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* backend-emscripten.c - coroutines as Emscripten fibers.
 *
 * WebAssembly cannot switch stacks: its call stack is hidden from the
 * program.  Emscripten's fibers rely on Asyncify, a link-time rewrite
 * (-sASYNCIFY) that lets a running call chain save its wasm locals into a
 * buffer and return all the way out ("unwind"), and later be called again
 * and rebuild the same chain from that buffer ("rewind").  A fiber thus
 * needs two memories: the C stack (the shadow stack in linear memory for
 * address-taken locals, which never moves) and the Asyncify buffer.  Both
 * are carved from the caller's stack, with the emscripten_fiber_t, so
 * koro_t keeps its size and nothing is allocated:
 *
 *   koro_lo_                                         top of caller's memory
 *   | canary | C stack (grows down) | struct em | Asyncify data (grows up) |
 *                                   ^ koro_hi_ after koro__bk_init
 *
 * koro_hi_ is lowered to the top of the C stack, so the canary, the
 * watermark and koro_stack_bounds() all describe the C stack.  The C
 * stack's limit handed to Emscripten is koro_lo_ itself: Emscripten's own
 * stack cookie (-sSTACK_OVERFLOW_CHECK, default at -O0) is written at
 * limit + 4 .. limit + 12, inside the canary's 16 bytes but clear of its
 * first word, which is the one the core checks (uintptr_t is 4 bytes on
 * wasm32), and clear of the watermark above the canary.  Linking with
 * -sSTACK_OVERFLOW_CHECK=2 makes Emscripten check that limit on every
 * frame, so a C stack overflow aborts at once instead of at the next
 * switch's canary check.
 *
 * The Asyncify buffer sits above the fiber struct, not below it, on
 * purpose: Asyncify checks its bounds only when an unwind starts and ends,
 * and every saved frame reloads the write position from the header inside
 * emscripten_fiber_t.  Overflowing into that header would send the rest
 * of the unwind to random addresses and could defeat the final check;
 * overflowing past the top writes sequentially and always ends in a trap
 * ("unreachable") when the unwind completes, before anything resumes.
 *
 * Each switch unwinds and rewinds the whole call chain of both contexts
 * (the root's reaches back to main), so a round trip costs about a
 * microsecond under node, not nanoseconds, and deeper chains cost more.
 */
#include "backend.h"

#include <emscripten/fiber.h>
#include <stdlib.h>

#ifndef __EMSCRIPTEN__
#error "the emscripten backend needs Emscripten (emcc)"
#endif

/* The Asyncify buffer of each OS thread's own context.  Unwinding it saves
 * the frames between main() and the switch: a few hundred bytes in the
 * test suite; 16 KiB holds about 1000 frames at -O2, 500 at -O0 (then
 * Asyncify traps; tests/em-trap.c).  Static per thread, as the library
 * never allocates; -DKORO_EM_ROOT_ASYNCIFY=N changes it. */
#ifndef KORO_EM_ROOT_ASYNCIFY
#define KORO_EM_ROOT_ASYNCIFY 16384
#endif

/* The smallest Asyncify share of a coroutine's stack: koro__entry, the
 * body, koro_yield and the switch unwind into about 50 bytes at -O2 and
 * 100-200 at -O0; every further frame of the body adds 12-40. */
#define KORO_EM_ASYNCIFY_MIN 512

/* What lives at the top of the caller's stack. */
struct koro_em {
    emscripten_fiber_t fiber; /* first: koro_ctx_ points to both */
    koro_t *k;
    koro_fn fn;
    void *arg;
};

#define KORO_EM_TOP ((sizeof(struct koro_em) + 15) & ~(size_t)15)

struct koro_em_root {
    emscripten_fiber_t fiber;
    unsigned char asyncify[KORO_EM_ROOT_ASYNCIFY];
};

/* Large, but Emscripten has no static TLS to run out of: KORO_TLS_MODEL
 * is empty there. */
static KORO_TLS struct koro_em_root koro__em_root;

const char koro__bk_name[] = "emscripten";

/* The fiber's entry, called by Emscripten's runtime on the new C stack. */
static void
em_start(void *p)
{
    struct koro_em *em = p;

    koro__entry(em->k, em->fn, em->arg);
}

/* A quarter of what is left for Asyncify: its use grows with call depth
 * like the C stack's does. */
static size_t
asyncify_share(size_t avail)
{
    size_t n = (avail / 4) & ~(size_t)15;

    return n < KORO_EM_ASYNCIFY_MIN ? KORO_EM_ASYNCIFY_MIN : n;
}

int
koro__bk_init(koro_t *k, koro_fn fn, void *arg)
{
    unsigned char *top = k->koro_hi_;
    size_t async = asyncify_share((size_t)(top - k->koro_lo_) - KORO_EM_TOP);
    unsigned char *async_lo = top - async;
    struct koro_em *em = (struct koro_em *)(async_lo - KORO_EM_TOP);
    unsigned char *c_top = (unsigned char *)em;

    em->k = k;
    em->fn = fn;
    em->arg = arg;
    emscripten_fiber_init(&em->fiber, em_start, em, k->koro_lo_,
                          (size_t)(c_top - k->koro_lo_), async_lo, async);
    k->koro_ctx_ = &em->fiber;
    k->koro_hi_ = c_top;
    return 0;
}

/* The thread's own context gets its fiber the first time it switches away
 * (only the root is ever switched from with koro_ctx_ still NULL). */
static KORO_COLD emscripten_fiber_t *
root_fiber(koro_t *root)
{
    struct koro_em_root *r = &koro__em_root;

    emscripten_fiber_init_from_current_context(&r->fiber, r->asyncify,
                                               sizeof r->asyncify);
    root->koro_ctx_ = &r->fiber;
    return &r->fiber;
}

KORO_SWITCH_CC int
koro__switch(koro_t *from, koro_t *to)
{
    emscripten_fiber_t *f = from->koro_ctx_;

    if (KORO_UNLIKELY(!f))
        f = root_fiber(from);
    emscripten_fiber_swap(f, to->koro_ctx_);
    return 0;
}

void
koro__bk_exit(koro_t *self, koro_t *to)
{
    /* The unwind saves the dead fiber's frames into its own buffer, which
     * is still the coroutine's; nothing ever rewinds them. */
    emscripten_fiber_swap(self->koro_ctx_, to->koro_ctx_);
    abort(); /* a dead context is never switched to */
}

void
koro__bk_fini(koro_t *k)
{
    /* A suspended fiber is only bytes in the caller's memory (its saved
     * Asyncify data and C stack); the runtime holds nothing for it, so
     * nothing to release: it is simply never rewound. */
    (void)k;
}

unsigned char *
koro__bk_frame_low(const koro_t *k)
{
    /* Nothing is written on the C stack before the first switch. */
    return k->koro_hi_;
}

/* The fiber struct, the smallest Asyncify share, the canary and alignment
 * slack, and room on the C stack for koro__entry and a small body that
 * calls koro_yield() (unoptimised frames are the largest). */
size_t
koro__bk_stack_min(void)
{
    return 2048;
}
