/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* s390x-elf.S - context switch for the s390x (z/Architecture) ELF ABI
 * (Linux on IBM Z).
 *
 * Saved registers per the "ELF Application Binary Interface s390x
 * Supplement" (register usage table): r6-r13, r15 (sp), f8-f15; r14 holds
 * the return address.  Its table says nothing of the floating-point
 * control register (FPC); the z/OS linkage convention keeps it across
 * calls except for the IEEE flags and DXC, and C11 gives the
 * floating-point environment thread storage duration.  libkorutin gives
 * each coroutine its own floating-point environment (as a thread has, and
 * as the x86-64 switch does with MXCSR), so the whole FPC is switched.
 *
 * No frame of our own: every caller provides a 160-byte register save
 * area at 0(r15) that belongs to the callee, and it has room for all of
 * it.  A suspended context is its r15, pointing at that area:
 *
 *     0  back chain (the caller's; left alone)
 *    16  f8 f9 f10 f11     48  r6 ... r14 (r14: resume address)
 *   120  FPC (4 bytes)    128  f12 f13 f14 f15
 */
#include "asm.h"

	.text

/* int koro__switch(koro_t *from, void *to)
 * Saves the context into from->koro_ctx_ (offset 0), resumes the context
 * to (a saved stack pointer); returns 0 in from's context when something
 * switches back to it. */
	.p2align 4
KORO_FUNC(koro__switch)
	.cfi_startproc
	stmg	%r6, %r14, 48(%r15)
	.cfi_offset %r6, 48 - 160
	.cfi_offset %r7, 56 - 160
	.cfi_offset %r8, 64 - 160
	.cfi_offset %r9, 72 - 160
	.cfi_offset %r10, 80 - 160
	.cfi_offset %r11, 88 - 160
	.cfi_offset %r12, 96 - 160
	.cfi_offset %r13, 104 - 160
	.cfi_offset %r14, 112 - 160
	std	%f8, 16(%r15)
	std	%f9, 24(%r15)
	std	%f10, 32(%r15)
	std	%f11, 40(%r15)
	std	%f12, 128(%r15)
	std	%f13, 136(%r15)
	std	%f14, 144(%r15)
	std	%f15, 152(%r15)
	stfpc	120(%r15)
	stg	%r15, 0(%r2)
	/* Same layout on the other stack: the CFI stays valid. */
	lgr	%r15, %r3
	lfpc	120(%r15)
	ld	%f8, 16(%r15)
	ld	%f9, 24(%r15)
	ld	%f10, 32(%r15)
	ld	%f11, 40(%r15)
	ld	%f12, 128(%r15)
	ld	%f13, 136(%r15)
	ld	%f14, 144(%r15)
	ld	%f15, 152(%r15)
	lmg	%r6, %r14, 48(%r15)
	lghi	%r2, 0
	br	%r14
	.cfi_endproc
KORO_END(koro__switch)

/* void *koro__asm_prepare(void *top, koro_t *k, koro_fn fn, void *arg)
 * Builds a save area at top - 160 (8-byte aligned, back chain 0) so that
 * the first switch lands in koro__asm_start with r6 = k, r7 = fn, r8 = arg
 * and r15 pointing at that area, which then serves as the register save
 * area koro__entry is owed.  The new context inherits the creator's FPC,
 * as a new thread does.  Returns the context. */
	.p2align 4
KORO_FUNC(koro__asm_prepare)
	.cfi_startproc
	aghi	%r2, -160
	lghi	%r0, 0
	stg	%r0, 0(%r2)
	stg	%r3, 48(%r2)
	stg	%r4, 56(%r2)
	stg	%r5, 64(%r2)
	larl	%r1, koro__asm_start
	stg	%r1, 112(%r2)
	stfpc	120(%r2)
	br	%r14
	.cfi_endproc
KORO_END(koro__asm_prepare)

/* The bottom frame of every coroutine.  The return address is undefined,
 * so debuggers end the backtrace here instead of walking into garbage. */
	.p2align 4
KORO_LOCAL(koro__asm_start)
	.cfi_startproc
	.cfi_undefined %r14
	lgr	%r2, %r6
	lgr	%r3, %r7
	lgr	%r4, %r8
	brasl	%r14, KORO_SYM(koro__entry)
	.short	0		/* koro__entry never returns: trap if it did */
	.cfi_endproc
KORO_END(koro__asm_start)

#if defined(__ELF__)
	.section .note.GNU-stack,"",@progbits
#endif
