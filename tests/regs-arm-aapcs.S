/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* regs-arm-aapcs.S - see regs.S.  Checks r4-r11 (bits 0-7; r9 not on
 * iOS, where it is volatile) and, when VFP is there, d8-d15 (bits 8-15)
 * and the rounding mode in FPSCR (bit 16), which is set from the seed so
 * that two contexts usually differ.  VFP is there when the compiler
 * targets it (__ARM_FP) or, in a soft-float build on Linux, when AT_HWCAP
 * says so (the switch then saves it too).  ARM or Thumb-2. */
#include "asm.h"

	.syntax unified
#if defined(__thumb__)
	.thumb
#define KORO_THUMB_FUNC .thumb_func
#else
	.arm
#define KORO_THUMB_FUNC
#endif
#if defined(__ARM_FP)
#define T_VFP 1
#define T_VFP_RT 0
#elif defined(__linux__) && defined(__ELF__)
#define T_VFP 1
#define T_VFP_RT 1
	.fpu	vfpv2
#else
#define T_VFP 0
#define T_VFP_RT 0
#endif

/* Frame below the pushed r4-r11, lr: 8-byte aligned in total. */
#define T_SEED 0
#define T_FN 4
#define T_ARG 8
#define T_FPSCR 12
#define T_HAVE 16		/* nonzero: check VFP state */
#define T_DSAVE 20		/* the caller's d8-d15 */
#define T_SIZE 84

	.macro	koro_check reg, off, bit
	add	r2, r12, #\off
	cmp	\reg, r2
	it	ne
	orrne	r0, r0, #(1 << \bit)
	.endm
	/* Low word seed + off, high word its complement. */
	.macro	koro_check_d reg, off, bit
	vmov	r1, r3, \reg
	add	r2, r12, #\off
	cmp	r1, r2
	it	ne
	orrne	r0, r0, #(1 << \bit)
	mvn	r2, r2
	cmp	r3, r2
	it	ne
	orrne	r0, r0, #(1 << \bit)
	.endm
	.macro	koro_load_d reg, off
	add	r1, r0, #\off
	mvn	r2, r1
	vmov	\reg, r1, r2
	.endm

	.text
	.p2align 2
	.globl	KORO_SYM(koro_test_regs)
	KORO_THUMB_FUNC
KORO_SYM(koro_test_regs):
	push	{r4-r11, lr}
	sub	sp, sp, #T_SIZE
	str	r0, [sp, #T_SEED]
	str	r1, [sp, #T_FN]
	str	r2, [sp, #T_ARG]
#if T_VFP_RT
	mov	r0, #16			/* AT_HWCAP */
	bl	KORO_SYM(getauxval)
	and	r0, r0, #64		/* HWCAP_ARM_VFP */
#else
	mov	r0, #T_VFP
#endif
	str	r0, [sp, #T_HAVE]
#if T_VFP
	cmp	r0, #0
	beq	1f
	add	r1, sp, #T_DSAVE
	vstmia	r1, {d8-d15}
	vmrs	r1, fpscr
	str	r1, [sp, #T_FPSCR]
	ldr	r0, [sp, #T_SEED]
	/* FPSCR.RMode (bits 22-23) = (seed ^ seed >> 4) & 3 */
	eor	r2, r0, r0, lsr #4
	and	r2, r2, #3
	bic	r1, r1, #(3 << 22)
	orr	r1, r1, r2, lsl #22
	vmsr	fpscr, r1
	koro_load_d d8, 8
	koro_load_d d9, 9
	koro_load_d d10, 10
	koro_load_d d11, 11
	koro_load_d d12, 12
	koro_load_d d13, 13
	koro_load_d d14, 14
	koro_load_d d15, 15
1:
#endif
	ldr	r0, [sp, #T_SEED]
	mov	r4, r0
	add	r5, r0, #1
	add	r6, r0, #2
	add	r7, r0, #3
	add	r8, r0, #4
	add	r9, r0, #5
	add	r10, r0, #6
	add	r11, r0, #7
	ldr	r12, [sp, #T_FN]
	ldr	r0, [sp, #T_ARG]
	blx	r12
	ldr	r12, [sp, #T_SEED]
	mov	r0, #0
	koro_check r4, 0, 0
	koro_check r5, 1, 1
	koro_check r6, 2, 2
	koro_check r7, 3, 3
	koro_check r8, 4, 4
#if !defined(__APPLE__)
	koro_check r9, 5, 5
#endif
	koro_check r10, 6, 6
	koro_check r11, 7, 7
#if T_VFP
	ldr	r1, [sp, #T_HAVE]
	cmp	r1, #0
	beq	2f
	koro_check_d d8, 8, 8
	koro_check_d d9, 9, 9
	koro_check_d d10, 10, 10
	koro_check_d d11, 11, 11
	koro_check_d d12, 12, 12
	koro_check_d d13, 13, 13
	koro_check_d d14, 14, 14
	koro_check_d d15, 15, 15
	vmrs	r1, fpscr
	and	r1, r1, #(3 << 22)
	eor	r2, r12, r12, lsr #4
	and	r2, r2, #3
	cmp	r1, r2, lsl #22
	it	ne
	orrne	r0, r0, #(1 << 16)
	ldr	r1, [sp, #T_FPSCR]
	vmsr	fpscr, r1
	add	r1, sp, #T_DSAVE
	vldmia	r1, {d8-d15}
2:
#endif
	add	sp, sp, #T_SIZE
	pop	{r4-r11, pc}

#if defined(__ELF__)
	.section .note.GNU-stack,"",%progbits
#endif
