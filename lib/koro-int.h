/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* koro-int.h - definitions shared by the library's own files only. */
#ifndef KORO_INT_H
#define KORO_INT_H

#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "korutin.h"

#if defined(__GNUC__) || defined(__clang__)
#define KORO_LIKELY(x) __builtin_expect(!!(x), 1)
#define KORO_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define KORO_NORETURN __attribute__((noreturn))
#define KORO_NOINLINE __attribute__((noinline))
#define KORO_COLD __attribute__((cold, noinline))
#else
#define KORO_LIKELY(x) (x)
#define KORO_UNLIKELY(x) (x)
#define KORO_NORETURN
#define KORO_NOINLINE
#define KORO_COLD
#endif

/* Stack memory that lives until the calling function returns. */
#if defined(__GNUC__) || defined(__clang__)
#define KORO_ALLOCA(n) __builtin_alloca(n)
#else
#include <alloca.h>
#define KORO_ALLOCA(n) alloca(n)
#endif

#if (defined(__GNUC__) || defined(__clang__)) && !defined(_WIN32) &&           \
    !defined(__CYGWIN__)
#define KORO_HIDDEN __attribute__((visibility("hidden")))
#else
#define KORO_HIDDEN
#endif

/* The thread-local storage keyword, found by configure.  In a shared
 * library the initial-exec model turns every access into one load instead
 * of a call to __tls_get_addr; the price is that a dlopen()ed libkorutin
 * needs static TLS space for its whole TLS block, of which the C library
 * keeps a few hundred bytes for such libraries.  So the library's
 * thread-local variables together stay within 128 bytes (a test checks
 * PT_TLS): anything bigger lives on a stack or is mapped on demand. */
#ifndef KORO_TLS
#define KORO_TLS _Thread_local
#endif
#if defined(KORO_TLS_IE) && !defined(_WIN32) && !defined(__EMSCRIPTEN__)
#define KORO_TLS_MODEL __attribute__((tls_model("initial-exec")))
#else
#define KORO_TLS_MODEL
#endif

/* i386: MXCSR, the SSE control register, is kept per coroutine where the
 * CPU has one: code built with -msse2 -mfpmath=sse, and glibc's
 * fesetround(), use it even where the library is built for plain i686.
 * i686-class CPUs without SSE (Pentium II, AMD Geode, Vortex86) have none,
 * and its instructions fault there.  koro__i386_sse is 1 where it exists:
 * each backend that switches MXCSR defines it and calls
 * koro__i386_sse_probe() from koro__bk_init(), so it is set before any
 * switch.  -DKORO_I386_NO_SSE keeps it 0.  KORO_I386_SSE is what the
 * switches test: a constant 1 where the compiler already assumes SSE
 * (-msse, -march=pentium3 and later), which then costs nothing. */
#if defined(__i386__) && (defined(__GNUC__) || defined(__clang__))
#define KORO_I386_MXCSR 1
#include <cpuid.h>
KORO_HIDDEN extern unsigned char koro__i386_sse;
#if defined(__SSE__) && !defined(KORO_I386_NO_SSE)
#define KORO_I386_SSE 1
#else
#define KORO_I386_SSE koro__i386_sse
#endif
static inline void
koro__i386_sse_probe(void)
{
#ifndef KORO_I386_NO_SSE
    static unsigned char probed; /* CPUID is slow in a virtual machine */
    unsigned a, b, c, d;

    if (__atomic_load_n(&probed, __ATOMIC_RELAXED))
        return;
    if (__get_cpuid(1, &a, &b, &c, &d) && (d & bit_SSE))
        __atomic_store_n(&koro__i386_sse, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&probed, 1, __ATOMIC_RELAXED);
#endif
}
#else
#define KORO_I386_MXCSR 0
#endif

/* koro_state_: the status (1 to 4) in the low 7 bits, three marks in bits
 * 7 to 9, and a tag in the 22 bits above, so that an uninitialised or
 * finalised koro_t is recognised instead of being run.  The fast paths
 * compare the whole word with one constant, so any mark sends a
 * coroutine to the general paths:
 * - KORO_ST_HOOK: it may switch in a thread that has a switch hook
 *   (koro_set_switch_hook): every running or normal coroutine of such a
 *   thread has it, so that its switches go where the hook is called.
 *   Cleared by the general paths once the thread has no hook;
 * - KORO_ST_FPSHARE: it has no floating-point control state of its own
 *   (koro_share_fpenv);
 * - KORO_ST_OWNED: it is suspended in the hands of a scheduler (queued,
 *   blocked or parked), which alone may resume it: koro_resume() and
 *   koro_init() refuse it with KORO_EBUSY.  Never set while it runs. */
#define KORO_TAG 0x9e3d5c00u
#define KORO_ST_MASK 0x7fu
#define KORO_ST_HOOK 0x80u
#define KORO_TAG_FPSHARE 0x100u
#define KORO_ST_OWNED 0x200u
#define KORO_ST(s) (KORO_TAG | (uint32_t)(s))
#define KORO_STF(s) (KORO_ST(s) | KORO_TAG_FPSHARE)
/* The tag, and a status from KORO_SUSPENDED to KORO_DEAD. */
#define KORO_ST_VALID(v)                                                       \
    ((((v) & ~(KORO_ST_HOOK | KORO_TAG_FPSHARE | KORO_ST_OWNED)) -             \
      KORO_ST(1)) < 4u)
#define KORO_ST_STATUS(v) ((int)((v)&KORO_ST_MASK))
#define KORO_ST_FPSHARE(v) (((v)&KORO_TAG_FPSHARE) != 0)

/* Set k's status, keeping its tag and marks. */
static inline void
koro__set_status(koro_t *k, int s)
{
    k->koro_state_ = (k->koro_state_ & ~KORO_ST_MASK) | (uint32_t)s;
}

#ifdef KORO_VALGRIND
#include <valgrind/memcheck.h>
#endif

/* Before a caller's object that may never have been written is looked at
 * (koro_init() and the like read it to refuse one still in use): tell
 * Valgrind that its bytes, whatever they hold, are meant to be read. */
static inline void
koro__reading_garbage(const void *p, size_t n)
{
#ifdef KORO_VALGRIND
    VALGRIND_MAKE_MEM_DEFINED(p, n);
#else
    (void)p;
    (void)n;
#endif
}

/* Whether k looks like a koro_t that koro_init() set up: the tag and a
 * status, and the stack bounds koro_init() leaves (16-byte aligned, lo
 * below hi).  Random bytes pass with a chance of about 2^-37 (2^-28 for
 * the state word, 2^-9 for the bounds). */
static inline int
koro__valid(const koro_t *k)
{
    uintptr_t lo = (uintptr_t)k->koro_lo_, hi = (uintptr_t)k->koro_hi_;

    return KORO_ST_VALID(k->koro_state_) && lo && lo < hi && !((lo | hi) & 15u);
}

/* koro_flags_ bits owned by the core; bits 16-31 belong to the scheduler. */
#define KORO_F_STARTED 0x1u   /* has run (koro__entry was entered) */
#define KORO_F_WATERMARK 0x2u /* the stack was filled with the pattern */
#define KORO_F_GUARDED 0x4u   /* above a guard page: no canary (guard.c) */
#define KORO_F_ZONE 0x8u      /* a wider zone is checked (clears GUARDED) */
/* Bits 4-15: the size of a wider checked zone (koro_set_canary_size), in
 * 16-byte units, so that flags & KORO_F_ZONE_MASK is its size in bytes;
 * 0 for the plain canary. */
#define KORO_F_ZONE_SHIFT 4
#define KORO_F_ZONE_MASK 0xfff0u
#define KORO_F_SCHED_MASK 0xffff0000u

/* The canary at the low end of every coroutine stack, checked on every
 * switch away from the coroutine.  Derived from its address so that a stack
 * copied to another place is not taken for a healthy one. */
#define KORO_CANARY_SIZE 16
#define KORO_ZONE_MAX ((size_t)(KORO_F_ZONE_MASK >> KORO_F_ZONE_SHIFT) * 16)

/* The size of the checked bytes at the low end of k's stack. */
static inline size_t
koro__zone_size(const koro_t *k)
{
    uint32_t f = k->koro_flags_;

    if (f & KORO_F_ZONE)
        return f & KORO_F_ZONE_MASK;
    return f & KORO_F_GUARDED ? 0 : KORO_CANARY_SIZE;
}

/* The lowest byte of k's stack that the coroutine may use: above the
 * canary or the zone. */
static inline unsigned char *
koro__usable_lo(const koro_t *k)
{
    return k->koro_lo_ + koro__zone_size(k);
}

/* Cache colouring (core.c): koro_init() moves a stack's top down and its
 * canary up by whole 64-byte lines, (KORO_COLOURS - 1) lines in all. */
#define KORO_COLOURS 16
/* How far above the start of the caller's stack koro_lo_ may lie: the
 * colour, plus alignment and the sanitizers' record (sanitize.h). */
#define KORO_LO_SLACK ((KORO_COLOURS - 1) * 64 + 64 + 64)
#define KORO_WATERMARK_BYTE 0xa5

/* Per-OS-thread state. */
struct koro_tls {
    /* The context of the thread's own stack.  First, so that its address
     * is the block's, which costs one instruction less to compute. */
    koro_t root;
    koro_t *cur; /* the running coroutine, NULL at the thread's own level */
    /* koro_init(): the cache colour of the next stack (core.c). */
    unsigned colour;
    /* The switch hook is running: a switch now is refused (core.c). */
    unsigned in_hook;
};
/* The switch hook of koro_set_switch_hook() and its argument live in two
 * fields of the root context that a thread's own context never uses (it
 * is never queued nor owned by a scheduler), so that they cost no TLS.
 * Under a backend that runs coroutines on OS threads of their own, the
 * hook of the thread whose root context heads the chain of resumers
 * counts (core.c, thread_of()).  KORO_HOOK_WORD is non-zero when there
 * is a hook (the fast path ORs it with cur). */
#define KORO_HOOK_WORD(t) ((uintptr_t)(t)->root.koro_next_)
#define KORO_HOOK_FN(t) ((koro_switch_hook_fn)KORO_HOOK_WORD(t))
#define KORO_HOOK_SET_FN(t, fn)                                                \
    ((t)->root.koro_next_ = (koro_t *)(uintptr_t)(fn))
#define KORO_HOOK_ARG(t) ((t)->root.koro_sched_)
#if defined(KORO_TLS_PE) && defined(_WIN32)
/* GCC for mingw implements __thread with emutls: a call per access, and
 * a malloc() per thread on first use.  Instead koro__tls_pe is placed in
 * the image's PE TLS template (the .tls$ sections), which the loader
 * copies for every thread, and reached the way MSVC and clang compile a
 * thread-local: this image's block is ThreadLocalStoragePointer
 * [_tls_index] (TEB offset 0x58 on x64, 0x2c on x86) and the variable
 * sits at its section-relative (SECREL) offset in it.  _tls_index and the
 * TLS directory come from the mingw CRT (tlssup.o).  The asm is volatile
 * because a backend may wake up on another OS thread. */
KORO_HIDDEN extern struct koro_tls koro__tls_pe;
static inline struct koro_tls *
koro__tls_get(void)
{
    struct koro_tls *p;

#if defined(__x86_64__)
    __asm__ volatile("movl _tls_index(%%rip), %%eax\n\t"
                     "movq %%gs:0x58, %0\n\t"
                     "movq (%0,%%rax,8), %0\n\t"
                     "leaq koro__tls_pe@SECREL32(%0), %0"
                     : "=r"(p)
                     :
                     : "rax");
#elif defined(__i386__)
    __asm__ volatile("movl __tls_index, %%eax\n\t"
                     "movl %%fs:0x2c, %0\n\t"
                     "movl (%0,%%eax,4), %0\n\t"
                     "leal _koro__tls_pe@SECREL32(%0), %0"
                     : "=r"(p)
                     :
                     : "eax");
#else
#error "KORO_TLS_PE: no TLS accessor for this CPU"
#endif
    return p;
}
#define koro__tls (*koro__tls_get())
#define KORO_TLS_DEFINE                                                        \
    __attribute__((section(".tls$KORO"))) struct koro_tls koro__tls_pe
#else
KORO_HIDDEN extern KORO_TLS struct koro_tls koro__tls KORO_TLS_MODEL;
#define KORO_TLS_DEFINE KORO_TLS struct koro_tls koro__tls KORO_TLS_MODEL
#endif

/* A backend whose contexts run on separate OS threads calls this once it
 * has woken up as `self` (see backend.h). */
static inline void
koro__set_cur(koro_t *self)
{
    koro__tls.cur = self->koro_lo_ ? self : NULL;
}

/* Write a diagnostic to standard error without stdio (sys.c). */
KORO_HIDDEN void koro__write_stderr(const char *buf, size_t len);

/* Report "stack overflow in coroutine ..." with k's name and range and
 * `what` happened, then abort; async-signal-safe (sys.c). */
KORO_HIDDEN KORO_NORETURN void koro__overflow_abort(const koro_t *k,
                                                    const char *what);

/* For the calls allowed only between koro_init() and the first resume:
 * 0, KORO_EINVAL or KORO_ESTARTED (core.c). */
KORO_HIDDEN int koro__check_unstarted(const koro_t *k);

/* Hooks (defined in core.c): the core never names a function of the
 * layers above it (scheduler, channels, guard); where it must let one of
 * them act, that layer installs a hook first.  Set and read with relaxed
 * atomics, since several threads may install the same one; never on the
 * switch path. */
#if defined(__GNUC__) || defined(__clang__)
#define KORO_HOOK_GET(h) __atomic_load_n(&(h), __ATOMIC_RELAXED)
#define KORO_HOOK_SET(h, v) __atomic_store_n(&(h), (v), __ATOMIC_RELAXED)
#else
#define KORO_HOOK_GET(h) (h)
#define KORO_HOOK_SET(h, v) ((h) = (v))
#endif

/* koro_fini(k) calls it first: a layer that keeps coroutines on lists of
 * its own unlinks k (the scheduler installs koro__sched_forget). */
KORO_HIDDEN extern void (*koro__fini_hook)(koro_t *k);

/* koro_init() asks it whether `stack` is the start of one that
 * koro_stack_alloc() mapped above a guard page and that still carries
 * the seal it wrote; koro_stack_alloc() installs it before the first
 * seal (guard.c). */
KORO_HIDDEN extern int (*koro__sealed_hook)(const void *stack);

/* The size of the alternate signal stack that the overflow handler needs,
 * once koro_overflow_handler_install() has run (0 before): a backend whose
 * coroutines run on OS threads of their own gives each one that much. */
KORO_HIDDEN extern size_t koro__sigstack_size;

/* Implemented by the core for the scheduler (core.c): a direct hand-off
 * from the running coroutine to another suspended, started one under the
 * same resumer (or back to the resumer), and the release of a coroutine
 * that died after such a hand-off. */
KORO_HIDDEN int koro__transfer(koro_t *self, koro_t *to);
KORO_HIDDEN void koro__reap(koro_t *k);

#endif /* KORO_INT_H */
