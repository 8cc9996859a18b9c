/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* t-win.c - large frames on a coroutine stack, and the Windows-specific
 * per-context state of the asm switch: the TIB stack bounds, the SEH
 * chain head (32-bit) and table-based unwinding (64-bit). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "tcase.h"

#include <stdint.h>
#include <stdlib.h>

#if defined(_WIN32)
#include <windows.h>
#endif

#define BIG_LOCAL (64 * 1024)
/* 256 KiB, or room for the big frame above koro_stack_min() where that
 * is more (the threads backend under ThreadSanitizer). */
#define BIG_STACK (t_stack_at_least(256 * 1024 - 2 * BIG_LOCAL) + 2 * BIG_LOCAL)

static unsigned char *big_stack; /* BIG_STACK + 64 bytes, from t_win() */

/* ------------------------------------------------------------------ */
/* A 64 KiB local array: on Windows the compiler inserts a stack probe
 * (__chkstk / ___chkstk_ms) that touches every page on the way down. */

static unsigned __attribute__((noinline)) big_frame(unsigned seed)
{
    volatile unsigned char buf[BIG_LOCAL];
    unsigned sum = 0;
    size_t i;

    for (i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(seed + i);
    for (i = 0; i < sizeof buf; i += 4096)
        sum += buf[i];
    return sum + buf[sizeof buf - 1];
}

static unsigned big_frame_result[2];

static void
body_big(void *arg)
{
    (void)arg;
    big_frame_result[0] = big_frame(3);
    koro_yield();
    big_frame_result[1] = big_frame(3);
}

START_TEST(large_local_array)
{
    koro_t k;
    unsigned want = big_frame(3);

    ck_assert_int_eq(koro_init(&k, body_big, NULL, big_stack + 1, BIG_STACK),
                     0);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(koro_status(&k), KORO_DEAD);
    ck_assert_uint_eq(big_frame_result[0], want);
    ck_assert_uint_eq(big_frame_result[1], want);
}
END_TEST

#if defined(_WIN32)
/* ------------------------------------------------------------------ */
/* Inside a coroutine the TIB describes the coroutine's stack (and on
 * 32-bit it has an empty SEH chain); its resumer's values come back. */

struct tib_seen {
    void *base, *limit, *seh, *local;
    void *base2, *limit2;
};

static void
body_tib(void *arg)
{
    struct tib_seen *s = arg;
    NT_TIB *tib = (NT_TIB *)NtCurrentTeb();
    volatile int local = 0;

    s->base = tib->StackBase;
    s->limit = tib->StackLimit;
    s->seh = tib->ExceptionList;
    s->local = (void *)&local;
    koro_yield();
    tib = (NT_TIB *)NtCurrentTeb();
    s->base2 = tib->StackBase;
    s->limit2 = tib->StackLimit;
}

START_TEST(tib_follows_coroutine)
{
    NT_TIB *tib = (NT_TIB *)NtCurrentTeb();
    void *base = tib->StackBase, *limit = tib->StackLimit;
    void *seh = tib->ExceptionList;
    struct tib_seen s;
    void *lo, *hi;
    koro_t k;

    memset(&s, 0, sizeof s);
    ck_assert_int_eq(koro_init(&k, body_tib, &s, big_stack, BIG_STACK), 0);
    ck_assert_int_eq(koro_stack_bounds(&k, &lo, &hi), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_ptr_eq(tib->StackBase, base);
    ck_assert_ptr_eq(tib->StackLimit, limit);
    ck_assert_ptr_eq(tib->ExceptionList, seh);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_ptr_eq(tib->StackBase, base);
    ck_assert_ptr_eq(tib->StackLimit, limit);
    /* StackLimit is the bottom of the memory given to koro_init(), below
     * the canary that koro_stack_bounds() leaves out of its lo. */
    ck_assert((unsigned char *)s.limit >= big_stack && s.limit <= lo);
    ck_assert_ptr_eq(s.base, hi);
    ck_assert_ptr_eq(s.limit2, s.limit);
    ck_assert_ptr_eq(s.base2, hi);
    ck_assert((char *)s.local >= (char *)lo && (char *)s.local < (char *)hi);
#if defined(__i386__)
    ck_assert_ptr_eq(s.seh, (void *)-1); /* an empty chain of its own */
#endif
}
END_TEST
#endif

#if defined(_WIN64)
/* ------------------------------------------------------------------ */
/* The unwinder walks a coroutine's stack from the body to the start
 * routine and stops at its zero return address, never leaving the stack
 * (what exception dispatch and debuggers do). */

static int unwind_frames, unwind_ended, unwind_outside;

static void __attribute__((noinline)) unwind_walk(void *lo, void *hi)
{
    CONTEXT ctx;
    int n;

    RtlCaptureContext(&ctx);
    for (n = 0; n < 64 && ctx.Rip != 0; n++) {
        DWORD64 base;
        PRUNTIME_FUNCTION fe = RtlLookupFunctionEntry(ctx.Rip, &base, NULL);

        if (fe) {
            void *data;
            DWORD64 frame;

            RtlVirtualUnwind(UNW_FLAG_NHANDLER, base, ctx.Rip, fe, &ctx, &data,
                             &frame, NULL);
        } else { /* a leaf: the return address is at rsp */
            ctx.Rip = *(DWORD64 *)ctx.Rsp;
            ctx.Rsp += 8;
        }
        if (ctx.Rsp < (DWORD64)(uintptr_t)lo ||
            ctx.Rsp > (DWORD64)(uintptr_t)hi)
            unwind_outside++;
    }
    unwind_frames = n;
    unwind_ended = ctx.Rip == 0;
}

static void
body_unwind(void *arg)
{
    void *lo, *hi;

    koro_stack_bounds((koro_t *)arg, &lo, &hi);
    unwind_walk(lo, hi);
}

START_TEST(unwind_ends_at_coroutine_start)
{
    koro_t k;

    ck_assert_int_eq(koro_init(&k, body_unwind, &k, big_stack, BIG_STACK), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(unwind_ended, 1);
    ck_assert_int_ge(unwind_frames, 3); /* walk, body, koro__entry, ... */
    ck_assert_int_eq(unwind_outside, 0);
}
END_TEST
#endif

void
t_win(Suite *s)
{
#if defined(_WIN32)
    const char *tib_skip = NULL;

    if (!t_backend_is("asm"))
        tib_skip = "only the asm backend runs coroutines on their own stacks "
                   "(Win32 threads get OS-allocated stacks)";
#endif

    big_stack = malloc(BIG_STACK + 64);
    if (!big_stack)
        abort();

    T_ADD(s, large_local_array, NULL);
#if defined(_WIN32)
    T_ADD(s, tib_follows_coroutine, tib_skip);
#else
    t_add(s, "tib_follows_coroutine", NULL, "Windows only");
#endif
#if defined(_WIN64)
    T_ADD(s, unwind_ends_at_coroutine_start, tib_skip);
#else
    t_add(s, "unwind_ends_at_coroutine_start", NULL,
          "64-bit Windows only (table-based unwinding)");
#endif
}
