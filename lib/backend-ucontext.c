/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* backend-ucontext.c - the POSIX ucontext backend: makecontext() starts a
 * context on the coroutine's stack, swapcontext() switches.
 *
 * Portable wherever the (obsolescent, POSIX.1-2008 removed them)
 * functions still work, and slow: swapcontext() saves and restores the
 * signal mask, a system call per switch.  It also saves the FP control
 * state, so rounding modes stay per coroutine without our help; except
 * MXCSR on i386, where glibc's swapcontext() keeps only the x87
 * environment: koro__switch() keeps it around the call there.
 *
 * The ucontext_t (about 1 KiB on x86-64 glibc) is carved from the top of
 * the coroutine's stack, so koro_t keeps its size. */
#include "backend.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

/* What koro__uc_start() needs besides k, which it finds elsewhere. */
struct koro_uc {
    ucontext_t uc; /* first: koro_ctx_ points to both */
    koro_fn fn;
    void *arg;
    unsigned char *frame_low; /* lowest byte makecontext() wrote */
};

/* makecontext() writes the initial frame within this many bytes below the
 * stack top (a few words on glibc); koro__bk_init() measures it. */
#define KORO_UC_WINDOW 512

/* Stack for the body besides the initial frame: koro__entry(), a small
 * body and its swapcontext(). */
#if defined(__SANITIZE_ADDRESS__)
#define KORO_UC_ROOM 8192
#else
#define KORO_UC_ROOM 1024
#endif

const char koro__bk_name[] = "ucontext";

/* A context's ucontext_t: the first member of what koro__bk_init()
 * carved for a coroutine; for a thread's own context, the one that
 * koro__switch() put in its own frame when it left. */
static inline ucontext_t *
uc_of(koro_t *k)
{
    return (ucontext_t *)k->koro_ctx_;
}

#if KORO_I386_MXCSR
unsigned char koro__i386_sse;
#endif

KORO_SWITCH_CC int
koro__switch(koro_t *from, koro_t *to)
{
    int rc;
#if KORO_I386_MXCSR
    uint32_t mxcsr;
#endif

    /* The thread's own context has no stack of ours to carve from, and a
     * ucontext_t is too big for the library's thread-local storage (which
     * a dlopen()ed library must fit in the C library's small static TLS
     * reserve): it lives in this frame, which stays until the thread is
     * switched back to.  Allocated here rather than in a function of its
     * own, whose extra frame ThreadSanitizer would count on the wrong
     * fiber's shadow stack. */
    if (!from->koro_lo_)
        from->koro_ctx_ = KORO_ALLOCA(sizeof(ucontext_t));
#if KORO_I386_MXCSR
    if (KORO_I386_SSE)
        __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
#endif
    rc = swapcontext(uc_of(from), uc_of(to));
#if KORO_I386_MXCSR
    if (KORO_I386_SSE)
        __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
#endif
    return rc == 0 ? 0 : KORO_ESYS;
}

/* swapcontext() rather than setcontext(): saving into the dead context is
 * useless but harmless, and swapcontext() was already called (and, with
 * lazy binding, resolved) by the first resume on a thread's own stack.  A
 * first setcontext() call here would run the dynamic linker's resolver,
 * which saves the vector registers (KiBs with AVX-512), on this stack. */
void
koro__bk_exit(koro_t *self, koro_t *to)
{
    swapcontext(uc_of(self), uc_of(to));
    abort(); /* a dead context is never switched to */
}

void
koro__bk_fini(koro_t *k)
{
    (void)k; /* everything lives on the stack; nothing to release */
}

unsigned char *
koro__bk_frame_low(const koro_t *k)
{
    return ((const struct koro_uc *)k->koro_ctx_)->frame_low;
}

/* The first function of every context.  makecontext() can pass only int
 * arguments, and a pointer does not fit an int on LP64; rather than split
 * it, take k from the thread-local current coroutine, which the core sets
 * to k just before the first switch into it. */
static void
koro__uc_start(void)
{
    koro_t *k;
    struct koro_uc *c;

    /* A debugger's backtrace ends here, not in the C library's frame
     * below, which not every libc marks as the outermost. */
    KORO_CFI_OUTERMOST();
    k = koro__tls.cur;
    c = k->koro_ctx_;

    koro__entry(k, c->fn, c->arg);
}

int
koro__bk_init(koro_t *k, koro_fn fn, void *arg)
{
    uintptr_t top = (uintptr_t)k->koro_hi_;
    struct koro_uc *c = (struct koro_uc *)((top - sizeof *c) & ~(uintptr_t)15);
    unsigned char *lo = k->koro_lo_, *hi = (unsigned char *)c, *p;

    if ((uintptr_t)c <= (uintptr_t)lo ||
        (size_t)(hi - lo) < KORO_UC_WINDOW + KORO_UC_ROOM + KORO_CANARY_SIZE)
        return KORO_ESTACK;
#if KORO_I386_MXCSR
    koro__i386_sse_probe();
#endif
    /* Starts with the creator's FP control state and signal mask. */
    if (getcontext(&c->uc) != 0)
        return KORO_ESYS;
    c->uc.uc_link = NULL; /* koro__uc_start() never returns */
    c->uc.uc_stack.ss_sp = lo + KORO_CANARY_SIZE;
    c->uc.uc_stack.ss_size = (size_t)(hi - lo) - KORO_CANARY_SIZE;
    c->uc.uc_stack.ss_flags = 0;
    c->fn = fn;
    c->arg = arg;
    /* Fill the top with the watermark byte to find the lowest byte that
     * makecontext() writes (the watermark must start below it).  A byte
     * rewritten with that same value is harmless to miss. */
    p = hi - KORO_UC_WINDOW;
    memset(p, KORO_WATERMARK_BYTE, KORO_UC_WINDOW);
    makecontext(&c->uc, koro__uc_start, 0);
    while (p < hi && *p == KORO_WATERMARK_BYTE)
        p++;
    c->frame_low = p;
    k->koro_ctx_ = c;
    k->koro_hi_ = hi;
    return 0;
}

/* The carved state, the window, the room, and what the core's alignment
 * and cache colouring (up to 1/16 of the size) take. */
size_t
koro__bk_stack_min(void)
{
    size_t need = sizeof(struct koro_uc) + 16 + KORO_UC_WINDOW + KORO_UC_ROOM +
                  KORO_CANARY_SIZE;

    need += need / 15 + 32;
    return (need + 63) & ~(size_t)63;
}
