/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* aarch64-aapcs.S - context switch for the 64-bit Arm procedure call
 * standard (AAPCS64: Linux, Android, the BSDs, Apple arm64).
 *
 * Callee-saved state per the ABI: x19-x28, the frame pointer x29, the
 * link register x30, sp, the low 64 bits of v8-v15 (d8-d15) and FPCR
 * (rounding mode, flush-to-zero, trap enables).  x18 is the platform
 * register on Apple and Windows (and the shadow-call-stack pointer on
 * Android): it belongs to the thread, not to a context, so it is never
 * touched.  A suspended context is its stack pointer; the stack holds,
 * from low to high:
 *
 *     0  x19 x20 x21 x22 x23 x24 x25 x26 x27 x28
 *    80  x29, x30 (the resume address, signed when pac-ret is on)
 *    96  d8 - d15
 *   160  FPCR, padding
 *   176  (the stack pointer of the suspended context)
 *
 * The switch returns with `ret`: a return never needs a BTI landing pad
 * (unlike `br`, which would need `bti j` at every call site of the
 * switch, i.e. in C code we do not control).
 *
 * Pointer authentication (-mbranch-protection=pac-ret): the switch signs
 * its own x30 with paciasp against the SP at its entry and authenticates
 * the other context's x30 after restoring that context's SP, which is the
 * SP that context had at its entry.  So every saved resume address is
 * signed against the stack it belongs to; C code's own signatures are
 * never touched.  The initial frame signs the start address the same way
 * (pacia1716, modifier = the SP the first switch will restore).
 */
#include "asm.h"

/* clang-format off */
#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
#define KORO_BTI 1
#else
#define KORO_BTI 0
#endif
#if defined(__ARM_FEATURE_PAC_DEFAULT) && (__ARM_FEATURE_PAC_DEFAULT & 2)
#define KORO_PAC 1
/* B key.  Hint-space encodings run as NOPs on cores without PAuth. */
#define KORO_SIGN_LR	hint #27	/* pacibsp */
#define KORO_AUTH_LR	hint #31	/* autibsp */
#define KORO_SIGN_1716	hint #10	/* pacib1716 */
#elif defined(__ARM_FEATURE_PAC_DEFAULT) && (__ARM_FEATURE_PAC_DEFAULT & 1)
#define KORO_PAC 1
#define KORO_SIGN_LR	hint #25	/* paciasp */
#define KORO_AUTH_LR	hint #29	/* autiasp */
#define KORO_SIGN_1716	hint #8		/* pacia1716 */
#else
#define KORO_PAC 0
#endif
/* Landing pad for an indirect call (a veneer, a PLT, a function pointer).
 * paciasp/pacibsp is one already, so it replaces bti c when signing. */
#define KORO_BTI_C	hint #34	/* bti c */
/* clang-format on */

#define KORO_FRAME 176

	.text

/* int koro__switch(koro_t *from, void *to)
 * Saves the context into from->koro_ctx_ (offset 0), resumes the context
 * to (a saved stack pointer); returns 0 in from's context when something
 * switches back to it. */
	.p2align 4
KORO_FUNC(koro__switch)
	.cfi_startproc
#if KORO_PAC
	KORO_SIGN_LR
	.cfi_negate_ra_state
#else
	KORO_BTI_C
#endif
	sub	sp, sp, #KORO_FRAME
	.cfi_def_cfa_offset KORO_FRAME
	stp	x19, x20, [sp, #0]
	stp	x21, x22, [sp, #16]
	stp	x23, x24, [sp, #32]
	stp	x25, x26, [sp, #48]
	stp	x27, x28, [sp, #64]
	stp	x29, x30, [sp, #80]
	.cfi_offset x19, -176
	.cfi_offset x20, -168
	.cfi_offset x21, -160
	.cfi_offset x22, -152
	.cfi_offset x23, -144
	.cfi_offset x24, -136
	.cfi_offset x25, -128
	.cfi_offset x26, -120
	.cfi_offset x27, -112
	.cfi_offset x28, -104
	.cfi_offset x29, -96
	.cfi_offset x30, -88
	stp	d8, d9, [sp, #96]
	stp	d10, d11, [sp, #112]
	stp	d12, d13, [sp, #128]
	stp	d14, d15, [sp, #144]
	.cfi_offset d8, -80
	.cfi_offset d9, -72
	.cfi_offset d10, -64
	.cfi_offset d11, -56
	.cfi_offset d12, -48
	.cfi_offset d13, -40
	.cfi_offset d14, -32
	.cfi_offset d15, -24
	mrs	x9, fpcr
	str	x9, [sp, #160]
	mov	x10, sp
	str	x10, [x0]
	/* Same frame layout on the other stack: the CFI stays valid. */
	mov	sp, x1
	ldr	x10, [sp, #160]
	/* Writing FPCR can stall the pipeline; contexts rarely differ. */
	cmp	x9, x10
	b.eq	1f
	msr	fpcr, x10
1:
	ldp	d8, d9, [sp, #96]
	ldp	d10, d11, [sp, #112]
	ldp	d12, d13, [sp, #128]
	ldp	d14, d15, [sp, #144]
	ldp	x19, x20, [sp, #0]
	ldp	x21, x22, [sp, #16]
	ldp	x23, x24, [sp, #32]
	ldp	x25, x26, [sp, #48]
	ldp	x27, x28, [sp, #64]
	ldp	x29, x30, [sp, #80]
	add	sp, sp, #KORO_FRAME
	.cfi_def_cfa_offset 0
	.cfi_restore x19
	.cfi_restore x20
	.cfi_restore x21
	.cfi_restore x22
	.cfi_restore x23
	.cfi_restore x24
	.cfi_restore x25
	.cfi_restore x26
	.cfi_restore x27
	.cfi_restore x28
	.cfi_restore x29
	.cfi_restore x30
	.cfi_restore d8
	.cfi_restore d9
	.cfi_restore d10
	.cfi_restore d11
	.cfi_restore d12
	.cfi_restore d13
	.cfi_restore d14
	.cfi_restore d15
#if KORO_PAC
	KORO_AUTH_LR
	.cfi_negate_ra_state
#endif
	mov	w0, #0
	ret
	.cfi_endproc
KORO_END(koro__switch)

/* void *koro__asm_prepare(void *top, koro_t *k, koro_fn fn, void *arg)
 * Builds the initial frame below top (16-byte aligned) so that the first
 * switch lands in koro__asm_start with x19 = k, x20 = fn, x21 = arg,
 * x29 = 0 (the end of the frame-pointer chain) and sp = top.  The new
 * context inherits the creator's FPCR, as a new thread does.  Returns the
 * context (the saved stack pointer). */
	.p2align 4
KORO_FUNC(koro__asm_prepare)
	.cfi_startproc
	KORO_BTI_C
	mov	x16, x0
	sub	x0, x0, #KORO_FRAME
	stp	x1, x2, [x0, #0]
	stp	x3, xzr, [x0, #16]
	stp	xzr, xzr, [x0, #32]
	stp	xzr, xzr, [x0, #48]
	stp	xzr, xzr, [x0, #64]
	adr	x17, KORO_SYM(koro__asm_start)
#if KORO_PAC
	KORO_SIGN_1716		/* x17 signed with modifier x16 = top */
#endif
	stp	xzr, x17, [x0, #80]
	stp	xzr, xzr, [x0, #96]
	stp	xzr, xzr, [x0, #112]
	stp	xzr, xzr, [x0, #128]
	stp	xzr, xzr, [x0, #144]
	mrs	x9, fpcr
	stp	x9, xzr, [x0, #160]
	ret
	.cfi_endproc
KORO_END(koro__asm_prepare)

/* The bottom frame of every coroutine, entered by the `ret` of the first
 * switch (so no landing pad is needed; bti j only documents that this is a
 * jump target and is a NOP without BTI).  The return address is
 * undefined, so debuggers end the backtrace here instead of walking into
 * garbage. */
	.p2align 4
KORO_LOCAL(koro__asm_start)
	.cfi_startproc
	.cfi_undefined x30
	hint	#36		/* bti j */
	mov	x0, x19
	mov	x1, x20
	mov	x2, x21
	bl	KORO_SYM(koro__entry)
	brk	#0x3c		/* koro__entry never returns */
	.cfi_endproc
KORO_END(koro__asm_start)

#if defined(__ELF__)
	.section .note.GNU-stack,"",%progbits
#if KORO_BTI || KORO_PAC
/* Claim what this file honours, so that linking it does not turn BTI off
 * for the whole program: every function starts with a landing pad, and
 * the saved resume addresses are signed when pac-ret is on. */
	koro_gnu_property 0xc0000000, (KORO_BTI * 1) | (KORO_PAC * 2) /* AARCH64_FEATURE_1_AND: BTI, PAC */
#endif
#endif
