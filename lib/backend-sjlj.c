/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* backend-sjlj.c - the portable setjmp/longjmp backend.
 *
 * Switching is _setjmp() into the context we leave and _longjmp() to the
 * one we enter: no system call, since the underscore variants do not
 * save or restore the signal mask.  The hard part is the first entry of
 * a new context: C has no way to point a jmp_buf at another stack.  The
 * signal-stack trick (R. S. Engelschall, "Portable Multithreading",
 * USENIX 2000) lets the kernel do it: make the coroutine's stack the
 * alternate signal stack, deliver a signal whose handler runs there,
 * _setjmp() in the handler and return.  The handler's frame stays behind
 * on the coroutine's stack; the first switch _longjmp()s back into it and
 * the handler goes on to call koro__entry().
 *
 * Layout of a coroutine stack after koro__bk_init(), high to low:
 *
 *   struct koro_sjlj (jmp_buf, FP control, fn, arg)  <- k->koro_ctx_
 *   the dead signal frame the kernel left             (not usable)
 *   ---------------------------------------------------- k->koro_hi_
 *   the handler's frame: the saved context's stack   <- frame_low
 *   ... free stack for the coroutine's body ...
 *   the canary                                        <- k->koro_lo_
 */

/* Distribution build flags define _FORTIFY_SOURCE.  glibc then turns
 * longjmp and _longjmp into __longjmp_chk, which assumes a longjmp only
 * unwinds the stack it runs on: it aborts with "longjmp causes
 * uninitialized stack frame" when the target stack pointer lies below the
 * current one outside the signal stack - which is exactly what a switch to
 * another coroutine's stack looks like.  Switching stacks is the purpose
 * of this file, so it alone is built unfortified.  glibc reads the macro
 * in its first header, hence before every #include. */
#undef _FORTIFY_SOURCE

#include "backend.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef KORO_VALGRIND
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
#endif

/* The signal used to give birth to contexts.  Its disposition is changed
 * only for the few microseconds of a koro_init(), under a lock, and put
 * back afterwards. */
#ifndef KORO_SJLJ_SIGNAL
#define KORO_SJLJ_SIGNAL SIGUSR2
#endif

/* Stack the coroutine needs besides the signal frame: the handler's frame,
 * koro__entry(), a small body and its switch (cf. the asm backend's 512).
 * Instrumented builds need far more. */
#if defined(__SANITIZE_ADDRESS__)
#define KORO_SJLJ_ROOM 8192
#else
#define KORO_SJLJ_ROOM 1024
#endif

/* ------------------------------------------------------------------ */
/* Floating-point control state.  glibc's setjmp saves no FP state, yet
 * the rounding mode and exception masks belong to each coroutine (a
 * thread's own, as with the asm backend).  On x86 the control state is
 * the x87 control word and MXCSR, saved as the asm backend does;
 * fegetenv/fesetenv would do too, but the x87 environment instructions
 * they use are microcoded and cost more than the rest of the switch. */

#if (defined(__x86_64__) || defined(__i386__)) &&                              \
    (defined(__GNUC__) || defined(__clang__))
typedef struct {
    uint32_t mxcsr;
    uint16_t cw;
} koro_fp;

#if KORO_I386_MXCSR
unsigned char koro__i386_sse;
#define KORO_HAS_MXCSR KORO_I386_SSE
#else
#define KORO_HAS_MXCSR 1 /* x86-64 */
#endif

static inline void
fp_save(koro_fp *f)
{
    __asm__ volatile("fnstcw %0" : "=m"(f->cw));
    if (KORO_HAS_MXCSR)
        __asm__ volatile("stmxcsr %0" : "=m"(f->mxcsr));
}

static inline void
fp_load(const koro_fp *f)
{
    __asm__ volatile("fldcw %0" : : "m"(f->cw));
    if (KORO_HAS_MXCSR)
        __asm__ volatile("ldmxcsr %0" : : "m"(f->mxcsr));
}
#else
#include <fenv.h>
typedef fenv_t koro_fp;

static inline void
fp_save(koro_fp *f)
{
    fegetenv(f);
}

static inline void
fp_load(const koro_fp *f)
{
    fesetenv(f);
}
#endif

/* ------------------------------------------------------------------ */
/* Contexts. */

struct koro_sjlj_ctx {
    jmp_buf jb;
    koro_fp fp;
};

/* What koro__bk_init() carves from the top of a coroutine's stack. */
struct koro_sjlj {
    struct koro_sjlj_ctx cx; /* first: koro_ctx_ points to both */
    koro_fn fn;
    void *arg;
    unsigned char *frame_low; /* lowest byte written while born */
};

const char koro__bk_name[] = "sjlj";

/* A context's registers: the first member of what koro__bk_init() carved
 * for a coroutine; for a thread's own context, the one that
 * koro__switch() put in its own frame when it left. */
static inline struct koro_sjlj_ctx *
cx_of(koro_t *k)
{
    return (struct koro_sjlj_ctx *)k->koro_ctx_;
}

/* GCC's -Wclobbered cannot see that f is never modified after _setjmp,
 * which is what C11 7.13.2.1 asks for a local to keep its value. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wclobbered"
#endif

/* What _setjmp() returns in koro__switch() when we come back: the
 * coroutine we resumed yielded, or it finished (then `to` is dead). */
#define KORO_SJLJ_BACK 1
#define KORO_SJLJ_DIED 2

#ifdef KORO_VALGRIND
/* The coroutine `dead` finished and its stack is the caller's again.  The
 * core told memcheck so at its death (sanitize.h), but glibc's _longjmp()
 * ran on that stack afterwards, and memcheck marks the bytes of the frames
 * it popped deeper than its 128-byte red zone as inaccessible: a later
 * memset() of the buffer would be an invalid write.  Now nothing runs
 * there any more. */
static KORO_NOINLINE void
vg_stack_returned(const koro_t *dead)
{
    VALGRIND_MAKE_MEM_DEFINED(dead->koro_lo_,
                              (size_t)(dead->koro_hi_ - dead->koro_lo_));
}
#endif

KORO_SWITCH_CC int
koro__switch(koro_t *from, koro_t *to)
{
    struct koro_sjlj_ctx *f;

    /* The thread's own context has no stack of ours to carve from, and a
     * jmp_buf is too big for the library's thread-local storage (which a
     * dlopen()ed library must fit in the C library's small static TLS
     * reserve): it lives in this frame, which stays until the thread is
     * switched back to.  Allocated here rather than in a function of its
     * own, whose extra frame ThreadSanitizer would count on the wrong
     * fiber's shadow stack. */
    if (!from->koro_lo_)
        from->koro_ctx_ = KORO_ALLOCA(sizeof(struct koro_sjlj_ctx));
    f = cx_of(from);
    fp_save(&f->fp);
    /* A switch on _setjmp() itself: one of the uses C allows. */
    switch (_setjmp(f->jb)) {
    case 0:
        _longjmp(cx_of(to)->jb, KORO_SJLJ_BACK);
#ifdef KORO_VALGRIND
    case KORO_SJLJ_DIED:
        vg_stack_returned(to);
        break;
#endif
    default:
        break;
    }
    /* Back in `from`: f and to were not modified after _setjmp, so they
     * are valid. */
    fp_load(&f->fp);
    return 0;
}

/* The dying coroutine's parent is suspended in koro__switch(parent, self)
 * (it resumed us): tell it that `self` died. */
void
koro__bk_exit(koro_t *self, koro_t *to)
{
    (void)self;
    _longjmp(cx_of(to)->jb, KORO_SJLJ_DIED);
}

void
koro__bk_fini(koro_t *k)
{
    (void)k; /* everything lives on the stack; nothing to release */
}

unsigned char *
koro__bk_frame_low(const koro_t *k)
{
    return ((const struct koro_sjlj *)k->koro_ctx_)->frame_low;
}

/* ------------------------------------------------------------------ */
/* Birth of a context. */

/* Valgrind builds signal frames of its own, which hold three copies of
 * its guest CPU state (the registers and memcheck's two shadows of them):
 * 3.7 KiB on amd64, more than the kernel's frame it stands for, and
 * sysconf() reports the emulated CPU's small one.  8 KiB leaves room for
 * the larger register files of other architectures. */
#define KORO_SJLJ_VG_FRAME 8192

/* The largest signal frame the kernel may push: fixed MINSIGSTKSZ is too
 * small where the CPU has big vector registers (e.g. 3.3 KiB on Linux with
 * AVX-512 against a MINSIGSTKSZ of 2 KiB); glibc 2.34+ and others tell the
 * truth through sysconf. */
static size_t
sig_frame_max(void)
{
    long n = (long)MINSIGSTKSZ;
#ifdef _SC_MINSIGSTKSZ
    long d = sysconf(_SC_MINSIGSTKSZ);

    if (d > n)
        n = d;
#endif
#ifdef KORO_VALGRIND
    if (RUNNING_ON_VALGRIND && n < KORO_SJLJ_VG_FRAME)
        n = KORO_SJLJ_VG_FRAME;
#endif
    return (size_t)n;
}

/* Hand-over between koro__bk_init() and the handler: the signal is
 * raised to the creating thread itself, so the handler finds its work
 * through that thread's own pointer.  The record lives in the creator's
 * frame, keeping the thread-local part to one pointer. */
struct birth {
    struct koro_sjlj *c; /* the context being born, NULL otherwise */
    uintptr_t lo, hi;    /* the alternate stack */
    uintptr_t frame_top; /* lowest address of the kernel's frame */
    int done, on_stack;
};
static KORO_TLS struct birth *birth_cur KORO_TLS_MODEL;

/* sigaction() is process-wide, so creations on different threads take
 * turns installing the handler; `saved` is the program's own action,
 * which the handler passes a stray signal on to. */
static pthread_mutex_t birth_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction saved;

/* The continuation of a born context, on its first switch.  A function of
 * its own, called after the _longjmp, so that the thread-local variable is
 * looked up afresh on the thread that runs it now. */
static KORO_NOINLINE KORO_NORETURN void
koro__sjlj_start(void)
{
    koro_t *k;
    struct koro_sjlj *c;

    /* Below lie the handler, the dead signal frame and, through the
     * registers saved in it, the creator's stack as it was at koro_init():
     * a debugger's backtrace must end here. */
    KORO_CFI_OUTERMOST();
    k = koro__tls.cur; /* the core set it before the switch */
    c = k->koro_ctx_;

    fp_load(&c->cx.fp);
    koro__entry(k, c->fn, c->arg);
}

/* A signal that is not ours arrived on some thread while our handler was
 * installed (e.g. kill() from another process): hand it to the program's
 * handler.  Default and ignore actions cannot be replayed and are
 * dropped, which only a koro_init() running at that moment can cause. */
static void
pass_on(int sig, siginfo_t *info, void *uc)
{
    if (saved.sa_flags & SA_SIGINFO)
        saved.sa_sigaction(sig, info, uc);
    else if (saved.sa_handler != SIG_DFL && saved.sa_handler != SIG_IGN)
        saved.sa_handler(sig);
}

static void
on_birth_signal(int sig, siginfo_t *info, void *uc)
{
    struct birth *b = birth_cur;
    struct koro_sjlj *c = b ? b->c : NULL;
    /* Where this frame is.  Not the address of a local: ASan's
     * detect_stack_use_after_return moves address-taken locals to a fake
     * stack on the heap. */
#if defined(__GNUC__) || defined(__clang__)
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
#else
    uintptr_t here = (uintptr_t)&b;
#endif

    if (!c) {
        pass_on(sig, info, uc);
        return;
    }
    b->c = NULL;
    b->done = 1;
    /* Not on the coroutine's stack: give up rather than save a context
     * that points into the creator's stack. */
    b->on_stack = here > b->lo && here < b->hi;
    if (!b->on_stack)
        return;
    /* The kernel's frame (siginfo and ucontext among it) lies above the
     * handler's frame; once this returns, it is dead. */
    b->frame_top =
        (uintptr_t)info < (uintptr_t)uc ? (uintptr_t)info : (uintptr_t)uc;
    if (_setjmp(c->cx.jb) == 0)
        return; /* to koro__bk_init(); this frame stays on the stack */
    koro__sjlj_start();
}

#ifdef KORO_VALGRIND
/* Valgrind (3.19 at least) emulates sigaltstack() and keeps the address
 * and size of a stack when it is disabled.  It then refuses sigaltstack()
 * with EPERM while the stack pointer lies in that range - as it does when
 * a coroutine born there creates another one - and still delivers
 * SA_ONSTACK handlers there.  So, before the program's disabled state is
 * put back, the record is moved onto memory that nobody runs on: the
 * library's read-only code, so that a handler delivered there by that bug
 * faults at once instead of overwriting a coroutine's stack.  (Outside
 * Valgrind the kernel forgets a disabled stack; nothing to do.) */
static void
vg_park_altstack(const stack_t *old_ss)
{
    stack_t park;

    if (!RUNNING_ON_VALGRIND || !(old_ss->ss_flags & SS_DISABLE))
        return;
    memset(&park, 0, sizeof park);
    park.ss_sp = (void *)(uintptr_t)&koro__bk_stack_min;
    park.ss_size = sig_frame_max();
    sigaltstack(&park, NULL);
}
#else
#define vg_park_altstack(old_ss) ((void)0)
#endif

/* Run the handler once on [lo, lo + size).  Every signal is blocked
 * meanwhile: another handler running on this alternate stack (one the
 * program installed with SA_ONSTACK) would overwrite the saved frame. */
static int
give_birth(struct birth *b, struct koro_sjlj *c, unsigned char *lo, size_t size)
{
    struct sigaction sa;
    stack_t ss, old_ss;
    sigset_t all, old_mask, wait_mask;
    int rc = KORO_ESYS, err, saved_errno = errno;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_birth_signal;
    sa.sa_flags = SA_ONSTACK | SA_SIGINFO;
    sigfillset(&sa.sa_mask);
    sigfillset(&all);
    wait_mask = all;
    sigdelset(&wait_mask, KORO_SJLJ_SIGNAL);
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = lo;
    ss.ss_size = size;

    if (pthread_sigmask(SIG_BLOCK, &all, &old_mask) != 0)
        return KORO_ESYS;
    if (sigaltstack(&ss, &old_ss) != 0) {
        err = errno;
        pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
        return err == ENOMEM ? KORO_ESTACK : KORO_ESYS;
    }
    b->c = c;
    b->lo = (uintptr_t)lo;
    b->hi = (uintptr_t)lo + size;
    b->done = b->on_stack = 0;
    b->frame_top = b->hi;
    birth_cur = b;
    pthread_mutex_lock(&birth_lock);
    if (sigaction(KORO_SJLJ_SIGNAL, &sa, &saved) == 0) {
        /* Blocked, so it stays pending until sigsuspend() lets exactly
         * this signal in. */
        if (raise(KORO_SJLJ_SIGNAL) == 0)
            sigsuspend(&wait_mask); /* returns after the handler ran */
        sigaction(KORO_SJLJ_SIGNAL, &saved, NULL);
        if (b->done && b->on_stack)
            rc = 0;
    }
    pthread_mutex_unlock(&birth_lock);
    b->c = NULL;
    birth_cur = NULL;
    /* The kernel no longer counts us on the alternate stack (the handler
     * returned), so the program's own one can be put back. */
    vg_park_altstack(&old_ss);
    sigaltstack(&old_ss, NULL);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    /* sigsuspend() always fails with EINTR: koro_init() leaves errno be. */
    errno = saved_errno;
    return rc;
}

/* Call, here on the creator's stack, the library functions that the
 * coroutine's stack will be the first to call: with lazy binding, the
 * first call of each runs the dynamic linker's resolver, which saves the
 * vector registers on the stack (KiBs with AVX-512) - more than a small
 * stack has below the signal frame.  (_longjmp is first called by a
 * resume from the thread's own stack.) */
static KORO_NOINLINE void
warm_up(struct koro_sjlj_ctx *cx)
{
    jmp_buf jb;

    fp_load(&cx->fp); /* the FP state just saved: no change */
    if (_setjmp(jb) != 0)
        abort(); /* nothing jumps here */
}

/* The lowest byte in [lo, hi) that no longer holds the watermark byte it
 * was filled with.  A byte that was rewritten with that same value is
 * missed, which is harmless: the watermark rewrites it identically. */
static unsigned char *
lowest_written(unsigned char *lo, unsigned char *hi)
{
    while (lo < hi && *lo == KORO_WATERMARK_BYTE)
        lo++;
    return lo;
}

int
koro__bk_init(koro_t *k, koro_fn fn, void *arg)
{
    uintptr_t top = (uintptr_t)k->koro_hi_;
    struct koro_sjlj *c =
        (struct koro_sjlj *)((top - sizeof *c) & ~(uintptr_t)15);
    unsigned char *lo = k->koro_lo_, *hi = (unsigned char *)c, *win;
    size_t frame = sig_frame_max();
    struct birth b;
    int rc;

    if ((uintptr_t)c <= (uintptr_t)lo ||
        (size_t)(hi - lo) < frame + KORO_SJLJ_ROOM + KORO_CANARY_SIZE)
        return KORO_ESTACK;
    c->fn = fn;
    c->arg = arg;
#if KORO_I386_MXCSR
    koro__i386_sse_probe();
#endif
    fp_save(&c->cx.fp); /* a new context starts with its creator's */
    warm_up(&c->cx);
    /* Mark where the handler may write, to measure its frame afterwards. */
    win = hi - frame - KORO_SJLJ_ROOM;
    memset(win, KORO_WATERMARK_BYTE, (size_t)(hi - win));
    rc = give_birth(&b, c, lo + KORO_CANARY_SIZE,
                    (size_t)(hi - lo) - KORO_CANARY_SIZE);
    if (rc < 0)
        return rc;
#ifdef KORO_VALGRIND
    /* The handler returned, so memcheck has marked its frame and the
     * signal frame above it inaccessible, as dead stack.  The frame lives
     * on: the first switch jumps back into it.  Its bytes are the ones
     * the handler wrote (and the watermark) and keep their meaning. */
    VALGRIND_MAKE_MEM_DEFINED(win, (size_t)(hi - win));
#endif
    c->frame_low = lowest_written(win, hi);
    k->koro_ctx_ = c;
    /* The dead signal frame is not the coroutine's to use: leave it out,
     * so that koro_stack_used() counts the coroutine's own stack only. */
    if (b.frame_top > (uintptr_t)c->frame_low && b.frame_top < (uintptr_t)hi)
        hi = (unsigned char *)(b.frame_top & ~(uintptr_t)15);
    k->koro_hi_ = hi;
    return 0;
}

/* The signal frame, the state carved above it, the room, and what the
 * core's alignment and cache colouring (up to 1/16 of the size) take. */
size_t
koro__bk_stack_min(void)
{
    size_t need = sig_frame_max() + KORO_SJLJ_ROOM + KORO_CANARY_SIZE +
                  sizeof(struct koro_sjlj) + 64;

    need += need / 15 + 32;
    return (need + 63) & ~(size_t)63;
}
