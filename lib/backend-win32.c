/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* backend-win32.c - one Win32 thread per coroutine, for Windows targets
 * without an assembly switch (and without a pthreads guarantee).
 *
 * Exactly one of the threads involved runs at any time: a switch wakes the
 * target and puts the current thread to sleep, so the coroutine semantics
 * (and the thread-local current coroutine, set again on every wake-up)
 * are the same as with a real stack switch.  Slow by nature: a switch is
 * two kernel transitions.
 *
 * The one exception to "the coroutine runs on the caller's memory": a
 * Win32 thread cannot be given a stack (CreateThread has no counterpart of
 * pthread_attr_setstack, and moving a running thread onto other memory
 * would take the very assembly this backend exists to avoid).  So the
 * operating system allocates each coroutine's stack on our behalf, with
 * the caller's stack size as its reservation; the caller's stack memory
 * holds only the canary and the hand-off state below.  Consequences: a
 * pointer to a coroutine's local points into the OS stack (it still never
 * moves), and koro_watermark() / koro_stack_used() see no use.
 *
 * Hand-off: every context waits on its own koro_ctx_ word with
 * WaitOnAddress (Windows 8 and later): NULL means "wait", KORO_W32_GO
 * "run", KORO_W32_QUIT "exit the thread" (koro_fini of a suspended
 * coroutine).  No kernel object is needed except the thread itself, and
 * the root context of an OS thread needs nothing at all. */
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0602
#endif
#include "backend.h"

#include <windows.h>

#define KORO_W32_GO ((void *)1)
#define KORO_W32_QUIT ((void *)2)

/* Carved from the top of the caller's stack. */
struct koro_w32 {
    HANDLE thread;
    koro_fn fn;
    void *arg;
};

const char koro__bk_name[] = "win32 threads (OS-allocated stacks)";

static struct koro_w32 *
state(const koro_t *k)
{
    return (struct koro_w32 *)(void *)k->koro_hi_;
}

/* Release: everything the waker wrote (the core's bookkeeping) is seen by
 * the woken thread once it reads the flag with acquire. */
static void
give(koro_t *k, void *what)
{
    __atomic_store_n(&k->koro_ctx_, what, __ATOMIC_RELEASE);
    WakeByAddressSingle(&k->koro_ctx_);
}

/* Sleep until someone gives k the turn; returns what it was given. */
static void *
wait_turn(koro_t *k)
{
    void *none = NULL, *v;

    while (!(v = __atomic_load_n(&k->koro_ctx_, __ATOMIC_ACQUIRE)))
        WaitOnAddress(&k->koro_ctx_, &none, sizeof none, INFINITE);
    if (v == KORO_W32_QUIT)
        ExitThread(0); /* koro_fini(): leave without running the body on */
    koro__set_cur(k);
    return v;
}

static DWORD WINAPI
thread_main(void *p)
{
    koro_t *k = p;
    struct koro_w32 *w = state(k);

    wait_turn(k);
    koro__entry(k, w->fn, w->arg);
}

int
koro__bk_init(koro_t *k, koro_fn fn, void *arg)
{
    size_t size = (size_t)(k->koro_hi_ - k->koro_lo_);
    uintptr_t top = (uintptr_t)k->koro_hi_ - sizeof(struct koro_w32);
    struct koro_w32 *w;

    top &= ~(uintptr_t)15;
    if (top < (uintptr_t)k->koro_lo_ + KORO_CANARY_SIZE)
        return KORO_ESTACK;
    k->koro_hi_ = (unsigned char *)top;
    w = state(k);
    w->fn = fn;
    w->arg = arg;
    k->koro_ctx_ = NULL;
    /* The reservation matches what the caller meant to give; Windows
     * rounds it up to its allocation granularity (64 KiB). */
    w->thread = CreateThread(NULL, size, thread_main, k,
                             STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    return w->thread ? 0 : KORO_ESYS;
}

KORO_SWITCH_CC int
koro__switch(koro_t *from, koro_t *to)
{
    __atomic_store_n(&from->koro_ctx_, NULL, __ATOMIC_RELAXED);
    give(to, KORO_W32_GO);
    wait_turn(from);
    return 0;
}

void
koro__bk_exit(koro_t *self, koro_t *to)
{
    /* Once `to` runs, self and its stack memory are the caller's again:
     * touch nothing of them after giving the turn away. */
    CloseHandle(state(self)->thread);
    give(to, KORO_W32_GO);
    ExitThread(0);
}

void
koro__bk_fini(koro_t *k)
{
    struct koro_w32 *w = state(k);

    give(k, KORO_W32_QUIT);
    /* The caller may reuse the stack as soon as we return. */
    WaitForSingleObject(w->thread, INFINITE);
    CloseHandle(w->thread);
}

unsigned char *
koro__bk_frame_low(const koro_t *k)
{
    return k->koro_hi_;
}

size_t
koro__bk_stack_min(void)
{
    return 256;
}
