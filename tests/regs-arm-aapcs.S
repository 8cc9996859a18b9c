/* regs-arm-aapcs.S - see regs.S.  Checks r4-r11 (bits 0-7; r9 not on
 * iOS, where it is volatile) and, with VFP, d8-d15 (bits 8-15) and the
 * rounding mode in FPSCR (bit 16), which is set from the seed so that two
 * contexts usually differ.  ARM or Thumb-2, as the compiler targets. */
#include "asm.h"

	.syntax unified
#if defined(__thumb__)
	.thumb
#define KORO_THUMB_FUNC .thumb_func
#else
	.arm
#define KORO_THUMB_FUNC
#endif

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
#if defined(__ARM_FP)
	vpush	{d8-d15}
#endif
	sub	sp, sp, #12		/* seed, FPSCR, padding: 8-byte aligned */
	str	r0, [sp]
	mov	r12, r1
	mov	r3, r2
#if defined(__ARM_FP)
	vmrs	r1, fpscr
	str	r1, [sp, #4]
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
#endif
	mov	r4, r0
	add	r5, r0, #1
	add	r6, r0, #2
	add	r7, r0, #3
	add	r8, r0, #4
	add	r9, r0, #5
	add	r10, r0, #6
	add	r11, r0, #7
	mov	r0, r3
	blx	r12
	ldr	r12, [sp]
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
#if defined(__ARM_FP)
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
	ldr	r1, [sp, #4]
	vmsr	fpscr, r1
#endif
	add	sp, sp, #12
#if defined(__ARM_FP)
	vpop	{d8-d15}
#endif
	pop	{r4-r11, pc}

#if defined(__ELF__)
	.section .note.GNU-stack,"",%progbits
#endif
