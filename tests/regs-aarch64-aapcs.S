/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* regs-aarch64-aapcs.S - see regs.S.  Checks x19-x29 (bits 0-10),
 * d8-d15 (bits 11-18) and the rounding mode in FPCR (bit 19), which is
 * set from the seed so that two contexts usually differ. */
#include "asm.h"

/* The helper must carry the BTI note too, or linking it turns BTI off for
 * the test program and the switch's landing pads go untested. */
#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
#define KORO_BTI 1
#else
#define KORO_BTI 0
#endif

	.macro	koro_check reg, off, bit
	add	x10, x9, #\off
	cmp	\reg, x10
	cset	w11, ne
	orr	w0, w0, w11, lsl #\bit
	.endm
	.macro	koro_check_d reg, off, bit
	fmov	x12, \reg
	koro_check x12, \off, \bit
	.endm

	.text
	.p2align 4
	.globl	KORO_SYM(koro_test_regs)
KORO_SYM(koro_test_regs):
	hint	#34			/* bti c */
	stp	x29, x30, [sp, #-176]!
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	stp	d8, d9, [sp, #96]
	stp	d10, d11, [sp, #112]
	stp	d12, d13, [sp, #128]
	stp	d14, d15, [sp, #144]
	mrs	x9, fpcr
	stp	x9, x0, [sp, #160]
	/* FPCR.RMode (bits 22-23) = (seed ^ seed >> 4) & 3 */
	eor	x12, x0, x0, lsr #4
	and	x12, x12, #3
	bic	x9, x9, #(3 << 22)
	orr	x9, x9, x12, lsl #22
	msr	fpcr, x9
	mov	x10, x1
	mov	x11, x2
	mov	x19, x0
	add	x20, x0, #1
	add	x21, x0, #2
	add	x22, x0, #3
	add	x23, x0, #4
	add	x24, x0, #5
	add	x25, x0, #6
	add	x26, x0, #7
	add	x27, x0, #8
	add	x28, x0, #9
	add	x29, x0, #10
	add	x12, x0, #11
	fmov	d8, x12
	add	x12, x0, #12
	fmov	d9, x12
	add	x12, x0, #13
	fmov	d10, x12
	add	x12, x0, #14
	fmov	d11, x12
	add	x12, x0, #15
	fmov	d12, x12
	add	x12, x0, #16
	fmov	d13, x12
	add	x12, x0, #17
	fmov	d14, x12
	add	x12, x0, #18
	fmov	d15, x12
	mov	x0, x11
	blr	x10
	ldr	x9, [sp, #168]
	mov	w0, #0
	koro_check x19, 0, 0
	koro_check x20, 1, 1
	koro_check x21, 2, 2
	koro_check x22, 3, 3
	koro_check x23, 4, 4
	koro_check x24, 5, 5
	koro_check x25, 6, 6
	koro_check x26, 7, 7
	koro_check x27, 8, 8
	koro_check x28, 9, 9
	koro_check x29, 10, 10
	koro_check_d d8, 11, 11
	koro_check_d d9, 12, 12
	koro_check_d d10, 13, 13
	koro_check_d d11, 14, 14
	koro_check_d d12, 15, 15
	koro_check_d d13, 16, 16
	koro_check_d d14, 17, 17
	koro_check_d d15, 18, 18
	mrs	x12, fpcr
	and	x12, x12, #(3 << 22)
	eor	x10, x9, x9, lsr #4
	and	x10, x10, #3
	cmp	x12, x10, lsl #22
	cset	w11, ne
	orr	w0, w0, w11, lsl #19
	ldr	x9, [sp, #160]
	msr	fpcr, x9
	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	d8, d9, [sp, #96]
	ldp	d10, d11, [sp, #112]
	ldp	d12, d13, [sp, #128]
	ldp	d14, d15, [sp, #144]
	ldp	x29, x30, [sp], #176
	ret

#if defined(__ELF__)
	.section .note.GNU-stack,"",%progbits
#if KORO_BTI
	koro_gnu_property 0xc0000000, 1	/* AARCH64_FEATURE_1_AND: BTI */
#endif
#endif
