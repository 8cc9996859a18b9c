/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* backend-asm.c - the assembly backend: the switch itself is koro__switch
 * in lib/arch/<cpu>-<abi>.S; this file only prepares new contexts. */
#include "backend.h"
#include "arch/abi.h"

#include <stdint.h>
#include <stdlib.h>

#ifndef KORO_ABI
#error "no assembly for this ABI: configure should have chosen another backend"
#endif

/* In the ABI file: build the first frame below top, return the context. */
KORO_HIDDEN void *koro__asm_prepare(void *top, koro_t *k, koro_fn fn,
                                    void *arg);

/* Per-ABI figures from abi.h, for ABIs whose switch frame is large
 * (ppc64le saves 18 GPRs, 18 FPRs and 12 vector registers):
 * KORO_ABI_STACK_MIN is koro__bk_stack_min(); KORO_ABI_FRAME_SKIP is how
 * many bytes at the bottom of the initial frame koro__asm_prepare() leaves
 * unwritten (registers whose first value a fresh context does not care
 * about), so the watermark may fill them. */
#ifndef KORO_ABI_STACK_MIN
#define KORO_ABI_STACK_MIN 512
#endif
#ifndef KORO_ABI_FRAME_SKIP
#define KORO_ABI_FRAME_SKIP 0
#endif

const char koro__bk_name[] = "asm " KORO_ABI;

#if defined(KORO_ABI_ARM_AAPCS) && !defined(__ARM_FP) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ARM_VFP
#define HWCAP_ARM_VFP 64
#endif
/* A soft-float build on a CPU with VFP: libc's fenv and softfp objects use
 * FPSCR and d8-d15, so lib/arch/arm-aapcs.S must switch them too.  Set
 * before the first switch can happen (a switch needs a coroutine); every
 * thread stores the same value. */
KORO_HIDDEN extern int koro__arm_vfp;

static void
koro__arm_vfp_probe(void)
{
    if (__atomic_load_n(&koro__arm_vfp, __ATOMIC_RELAXED) == 0)
        __atomic_store_n(&koro__arm_vfp,
                         (getauxval(AT_HWCAP) & HWCAP_ARM_VFP) ? 2 : 1,
                         __ATOMIC_RELAXED);
}
#else
static void
koro__arm_vfp_probe(void)
{
}
#endif

#ifdef KORO_ABI_I386_CDECL
unsigned char koro__i386_sse;

/* A new context starts with its creator's MXCSR, stored where
 * i386-cdecl.S's frame keeps it (after the Windows TIB fields). */
static void
koro__i386_prepare_mxcsr(void *ctx)
{
#if defined(_WIN32) || defined(__CYGWIN__)
    uint32_t *slot = (uint32_t *)ctx + 4;
#else
    uint32_t *slot = ctx;
#endif

    koro__i386_sse_probe();
    if (KORO_I386_SSE)
        __asm__ volatile("stmxcsr %0" : "=m"(*slot));
}
#else
static void
koro__i386_prepare_mxcsr(void *ctx)
{
    (void)ctx;
}
#endif

int
koro__bk_init(koro_t *k, koro_fn fn, void *arg)
{
    koro__arm_vfp_probe();
    k->koro_ctx_ = koro__asm_prepare(k->koro_hi_, k, fn, arg);
    koro__i386_prepare_mxcsr(k->koro_ctx_);
    return 0;
}

void
koro__bk_exit(koro_t *self, koro_t *to)
{
    /* Nothing of self is kept: load to's FP control state if it has one. */
    koro__switch_fp(self, to,
                    KORO_ST_FPSHARE(to->koro_state_) ? 0 : KORO_FP_LOAD);
    abort(); /* a dead context is never switched to */
}

void
koro__bk_fini(koro_t *k)
{
    (void)k; /* the stack holds everything; nothing to release */
}

unsigned char *
koro__bk_frame_low(const koro_t *k)
{
    return (unsigned char *)k->koro_ctx_ + KORO_ABI_FRAME_SKIP;
}

/* The initial frame (64 bytes on x86-64, up to 208 elsewhere; ppc64le's
 * is larger, see abi.h), koro__entry's frame, the canary, alignment slack
 * and room for a small body that calls koro_yield(): measured with
 * koro_stack_used() in the test suite. */
size_t
koro__bk_stack_min(void)
{
    return KORO_ABI_STACK_MIN; /* sanitizer builds: the core adds room */
}
