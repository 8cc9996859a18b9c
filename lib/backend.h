/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* backend.h - the one internal interface between the core and a backend.
 *
 * The core (core.c) owns the state machine, the checks and the current
 * coroutine pointer; a backend only knows how to start a context on a stack
 * and how to switch between two contexts.  Exactly one backend is linked
 * into a given library.  Everything here has hidden visibility.
 */
#ifndef KORO_BACKEND_H
#define KORO_BACKEND_H

#include "koro-int.h"

/* Prepare k so that the first koro__switch() into it calls
 * koro__entry(k, fn, arg) on its stack [k->koro_lo_, k->koro_hi_).  The
 * backend may carve its own state (a jmp_buf, a ucontext_t, hand-off
 * objects) from the top of that range, lowering k->koro_hi_, so that
 * koro_t keeps one size for every backend.  Returns 0 or a KORO_E* code. */
KORO_HIDDEN int koro__bk_init(koro_t *k, koro_fn fn, void *arg);

/* On 32-bit x86, cdecl passes arguments on the stack, and a function may
 * not tail-call one that takes more stack arguments than it was given:
 * koro_resume(k) would call koro__switch(from, to) and come back through
 * a ret that mispredicts in every switch.  regparm(2) passes from and to
 * in eax and edx, so the tail call
 * stays a jmp.  The switches in lib/arch and configure's probe assume it. */
#if defined(__i386__) && (defined(__GNUC__) || defined(__clang__))
#define KORO_SWITCH_CC __attribute__((regparm(2)))
#else
#define KORO_SWITCH_CC
#endif

/* Save the running context into `from` and continue `to`.  Returns 0 when
 * something switches back to `from`, or a negative KORO_E* code if the
 * switch could not happen (then `from` simply continues).  The core has
 * already updated the states and the current-coroutine pointer; a backend
 * whose contexts live on different OS threads must set koro__tls.cur again
 * after it wakes (see koro__set_cur()).
 *
 * The assembly switches take `to` as the context itself, the stack
 * pointer saved in its koro_ctx_, which the core reads before the call
 * (KORO_TO): one load inside the switch would serve both directions of a
 * round trip and stall on memory-dependence prediction (doc/design.md). */
#if defined(KORO_BK_ASM)
typedef void *koro__to_t;
#define KORO_TO(to) ((to)->koro_ctx_)
#else
typedef koro_t *koro__to_t;
#define KORO_TO(to) (to)
#endif
KORO_HIDDEN KORO_SWITCH_CC int koro__switch(koro_t *from, koro__to_t to);

/* A switch that saves from's floating-point control state only with
 * KORO_FP_SAVE in mode and loads to's only with KORO_FP_LOAD, for
 * coroutines that share their resumer's (koro_share_fpenv).  Backends
 * that can (KORO_BK_FPSHARE) provide it; elsewhere no coroutine shares,
 * mode is always both, and it is koro__switch(). */
#define KORO_FP_SAVE 1u
#define KORO_FP_LOAD 2u
#define KORO_FP_BOTH (KORO_FP_SAVE | KORO_FP_LOAD)
#if defined(KORO_BK_ASM)
#include "arch/abi.h"
/* Not i386: its switch is as able, but a marked coroutine is slower there
 * with many coroutines (doc/design.md). */
#if defined(KORO_ABI_X86_64_SYSV) || defined(KORO_ABI_X86_64_WIN64)
#define KORO_BK_FPSHARE 1
#endif
#endif
#ifdef KORO_BK_FPSHARE
/* _s saves only, _l loads only, _n does neither. */
KORO_HIDDEN KORO_SWITCH_CC int koro__switch_s(koro_t *from, koro__to_t to);
KORO_HIDDEN KORO_SWITCH_CC int koro__switch_l(koro_t *from, koro__to_t to);
KORO_HIDDEN KORO_SWITCH_CC int koro__switch_n(koro_t *from, koro__to_t to);
static inline int
koro__switch_fp(koro_t *from, koro_t *to, unsigned mode)
{
    switch (mode) {
    case KORO_FP_BOTH:
        return koro__switch(from, KORO_TO(to));
    case KORO_FP_SAVE:
        return koro__switch_s(from, KORO_TO(to));
    case KORO_FP_LOAD:
        return koro__switch_l(from, KORO_TO(to));
    default:
        return koro__switch_n(from, KORO_TO(to));
    }
}
#else
#define koro__switch_fp(from, to, mode)                                        \
    ((void)(mode), koro__switch((from), KORO_TO(to)))
#endif

#if defined(KORO_BK_ASM) && defined(KORO_ABI_I386_CDECL)
/* i386: the switch with MXCSR where the CPU has SSE, else the one
 * without (lib/arch/i386-cdecl.S).  A predicted branch on a byte that
 * koro_init() set (none where the compiler assumes SSE: koro-int.h);
 * both calls stay tail calls. */
KORO_HIDDEN KORO_SWITCH_CC int koro__switch_x87(koro_t *from, koro__to_t to);
#define koro__switch(from, to)                                                 \
    (KORO_LIKELY(KORO_I386_SSE) ? koro__switch((from), (to))                   \
                                : koro__switch_x87((from), (to)))
#endif

/* Leave the finished coroutine `self` for `to`, never to come back. */
KORO_HIDDEN KORO_NORETURN void koro__bk_exit(koro_t *self, koro_t *to);

/* Release what the backend holds for the unfinished coroutine k (started or
 * not) so that its stack may be reused.  k is suspended.  */
KORO_HIDDEN void koro__bk_fini(koro_t *k);

/* The lowest byte of the unstarted coroutine k's stack that the backend
 * has written to (its initial frame); koro_watermark() fills below it. */
KORO_HIDDEN unsigned char *koro__bk_frame_low(const koro_t *k);

/* The smallest stack_size koro_init() accepts for this backend. */
KORO_HIDDEN size_t koro__bk_stack_min(void);

/* "asm x86_64-sysv", "sjlj", ... */
KORO_HIDDEN extern const char koro__bk_name[];

/* Provided by the core for the backends: run the body of k and leave it.
 * koro__entry(k, fn, arg) is koro__entry_begin(k), fn(arg), then
 * koro__entry_end(k); a start routine may make the three calls itself, so
 * that the body's frame sits at a place it chooses (x86_64-sysv.S). */
KORO_HIDDEN KORO_NORETURN void koro__entry(koro_t *k, koro_fn fn, void *arg);
KORO_HIDDEN void koro__entry_begin(koro_t *k);
KORO_HIDDEN KORO_NORETURN void koro__entry_end(koro_t *k);

/* For a backend's start routine written in C: mark the return address
 * undefined from here on, so that a debugger's backtrace inside a
 * coroutine ends in this function instead of walking into whatever lies
 * below it (the asm files do the same with .cfi_undefined).  Only when
 * the compiler emits CFI directives; elsewhere a no-op. */
#if defined(__GCC_HAVE_DWARF2_CFI_ASM) && defined(__x86_64__)
#define KORO_CFI_OUTERMOST() __asm__ volatile(".cfi_undefined rip")
#elif defined(__GCC_HAVE_DWARF2_CFI_ASM) && defined(__i386__)
#define KORO_CFI_OUTERMOST() __asm__ volatile(".cfi_undefined eip")
#elif defined(__GCC_HAVE_DWARF2_CFI_ASM) && defined(__aarch64__)
#define KORO_CFI_OUTERMOST() __asm__ volatile(".cfi_undefined x30")
#elif defined(__GCC_HAVE_DWARF2_CFI_ASM) && defined(__riscv)
#define KORO_CFI_OUTERMOST() __asm__ volatile(".cfi_undefined ra")
#else
#define KORO_CFI_OUTERMOST() ((void)0)
#endif

#endif /* KORO_BACKEND_H */
