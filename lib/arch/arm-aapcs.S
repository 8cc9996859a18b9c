/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* arm-aapcs.S - context switch for the 32-bit Arm procedure call standard
 * (EABI Linux and Android, hard- and soft-float; iOS armv7), assembled in
 * ARM or Thumb-2 state, whichever the compiler targets.
 *
 * Callee-saved state per the ABI: r4-r11, sp, lr and, when the code may
 * use VFP (__ARM_FP, which soft-float "softfp" builds for a VFP CPU also
 * define), d8-d15 and FPSCR (rounding mode, flush-to-zero, default NaN).
 * r9 is volatile on iOS; saving it anyway costs nothing.
 *
 * A pure soft-float build (no __ARM_FP, e.g. Debian armel) on Linux may
 * still run on a CPU with VFP, where libc's fesetround() and objects
 * built with -mfloat-abi=softfp (link-compatible) use FPSCR and d8-d15.
 * There the switch asks koro__arm_vfp, which backend-asm.c sets from
 * AT_HWCAP before the first switch: 2 means save them too.  The frame has
 * the same size either way.
 *
 * A suspended context is its stack pointer; the stack holds, from low to
 * high:
 *
 *     0  FPSCR (or padding without VFP)
 *     4  d8 - d15                    (VFP or soft-float Linux only)
 *     R  r4 r5 r6 r7 r8 r9 r10 r11   (R = 4, or 68 with the d8-d15 area)
 *   R+32 lr: the resume address, bit 0 set for Thumb code
 *   R+36 (the stack pointer of the suspended context, 8-byte aligned)
 *
 * The switch ends with pop {..., pc}, which interworks (ARMv5T and later),
 * so ARM and Thumb callers and coroutines mix freely.
 */
#include "asm.h"

/* clang-format off */
	.syntax unified
#if defined(__thumb__)
	.thumb
#define KORO_THUMB_FUNC	.thumb_func
#define KORO_THUMB_BIT	1
#else
	.arm
#define KORO_THUMB_FUNC
#define KORO_THUMB_BIT	0
#endif

#if defined(__ARM_FP)
#define KORO_VFP 1
#define KORO_VFP_RT 0
#elif defined(__linux__) && defined(__ELF__)
#define KORO_VFP 0
#define KORO_VFP_RT 1			/* decided at run time */
	.fpu	vfpv2
#else
#define KORO_VFP 0
#define KORO_VFP_RT 0
#endif
#define KORO_R4 (4 + 64 * (KORO_VFP + KORO_VFP_RT)) /* the r4 slot */
#if defined(__thumb__)
#define KORO_PC_BIAS 4			/* what reading pc adds */
#else
#define KORO_PC_BIAS 8
#endif
#define KORO_FRAME (KORO_R4 + 36)

/* ARM EHABI unwind tables (what C++ exceptions and backtrace() use on ELF
 * EABI), next to the DWARF CFI that debuggers read. */
#if defined(__ARM_EABI__) && defined(__ELF__)
#define KORO_EH(...) __VA_ARGS__
	.cfi_sections .debug_frame
#else
#define KORO_EH(...)
#endif
/* clang-format on */

	.text

/* int koro__switch(koro_t *from, void *to)
 * Saves the context into from->koro_ctx_ (offset 0), resumes the context
 * to (a saved stack pointer); returns 0 in from's context when something
 * switches back to it. */
	.p2align 2
	KORO_THUMB_FUNC
KORO_FUNC(koro__switch)
	.cfi_startproc
	KORO_EH(.fnstart)
	push	{r4-r11, lr}
	KORO_EH(.save {r4-r11, lr})
	.cfi_def_cfa_offset 36
	.cfi_offset r4, -36
	.cfi_offset r5, -32
	.cfi_offset r6, -28
	.cfi_offset r7, -24
	.cfi_offset r8, -20
	.cfi_offset r9, -16
	.cfi_offset r10, -12
	.cfi_offset r11, -8
	.cfi_offset lr, -4
#if KORO_VFP
	vpush	{d8-d15}
	KORO_EH(.vsave {d8-d15})
	.cfi_def_cfa_offset 100
	.cfi_offset d8, -100
	.cfi_offset d9, -92
	.cfi_offset d10, -84
	.cfi_offset d11, -76
	.cfi_offset d12, -68
	.cfi_offset d13, -60
	.cfi_offset d14, -52
	.cfi_offset d15, -44
	vmrs	r2, fpscr
	push	{r2}
	KORO_EH(.pad #4)
#elif KORO_VFP_RT
	/* r12 = koro__arm_vfp, kept for the restore half. */
	ldr	r12, 6f
5:	add	r12, pc
	ldr	r12, [r12]
	cmp	r12, #2
	bne	1f
	vpush	{d8-d15}
	vmrs	r2, fpscr
	push	{r2}
	b	2f
1:	sub	sp, sp, #68
2:
	/* Unwinders must not run VFP code on a CPU that may lack it. */
	KORO_EH(.pad #68)
#else
	sub	sp, sp, #4
	KORO_EH(.pad #4)
#endif
	.cfi_def_cfa_offset KORO_FRAME
	mov	r3, sp
	str	r3, [r0]
	/* Same frame layout on the other stack: the CFI stays valid. */
	mov	sp, r1
#if KORO_VFP
	pop	{r3}
	/* Writing FPSCR can stall the pipeline; contexts rarely differ. */
	cmp	r2, r3
	beq	1f
	vmsr	fpscr, r3
1:
	vpop	{d8-d15}
#elif KORO_VFP_RT
	cmp	r12, #2
	bne	3f
	pop	{r3}
	cmp	r2, r3
	beq	4f
	vmsr	fpscr, r3
4:	vpop	{d8-d15}
	b	7f
3:	add	sp, sp, #68
7:
#else
	add	sp, sp, #4
#endif
	mov	r0, #0
	pop	{r4-r11, pc}
#if KORO_VFP_RT
	.p2align 2
6:	.word	KORO_SYM(koro__arm_vfp) - (5b + KORO_PC_BIAS)
#endif
	KORO_EH(.fnend)
	.cfi_endproc
KORO_END(koro__switch)

/* void *koro__asm_prepare(void *top, koro_t *k, koro_fn fn, void *arg)
 * Builds the initial frame below top (16-byte aligned) so that the first
 * switch lands in koro__asm_start with r4 = k, r5 = fn, r6 = arg,
 * r7 = r11 = 0 (the end of the frame-pointer chain in Thumb and ARM code)
 * and sp = top.  The new context inherits the creator's FPSCR, as a new
 * thread does.  Returns the context (the saved stack pointer). */
	.p2align 2
	KORO_THUMB_FUNC
KORO_FUNC(koro__asm_prepare)
	.cfi_startproc
	KORO_EH(.fnstart)
	sub	r0, r0, #KORO_FRAME
	str	r1, [r0, #KORO_R4]
	str	r2, [r0, #KORO_R4 + 4]
	str	r3, [r0, #KORO_R4 + 8]
	mov	r1, #0
	mov	r2, r0			/* zero FPSCR/padding and d8-d15 */
	add	r3, r0, #KORO_R4
1:	str	r1, [r2], #4
	cmp	r2, r3
	bne	1b
	add	r2, r0, #KORO_R4 + 12	/* zero r7-r11 */
	add	r3, r0, #KORO_FRAME - 4
2:	str	r1, [r2], #4
	cmp	r2, r3
	bne	2b
	adr	r2, KORO_SYM(koro__asm_start)
#if KORO_THUMB_BIT
	orr	r2, r2, #1		/* pop {pc} enters it in Thumb state */
#endif
	str	r2, [r3]
#if KORO_VFP
	vmrs	r1, fpscr
	str	r1, [r0]
#elif KORO_VFP_RT
	ldr	r12, 6f
5:	add	r12, pc
	ldr	r12, [r12]
	cmp	r12, #2
	bne	1f
	vmrs	r1, fpscr
	str	r1, [r0]
1:
#endif
	bx	lr
#if KORO_VFP_RT
	.p2align 2
6:	.word	KORO_SYM(koro__arm_vfp) - (5b + KORO_PC_BIAS)
#endif
	KORO_EH(.fnend)
	.cfi_endproc
KORO_END(koro__asm_prepare)

/* The bottom frame of every coroutine.  The return address is undefined
 * (and EHABI says cannot-unwind), so debuggers and unwinders end the
 * backtrace here instead of walking into garbage. */
	.p2align 2
	KORO_THUMB_FUNC
KORO_LOCAL(koro__asm_start)
	.cfi_startproc
	.cfi_undefined lr
	KORO_EH(.fnstart)
	KORO_EH(.cantunwind)
	mov	r0, r4
	mov	r1, r5
	mov	r2, r6
	bl	KORO_SYM(koro__entry)
	udf	#60			/* koro__entry never returns */
	KORO_EH(.fnend)
	.cfi_endproc
KORO_END(koro__asm_start)

#if KORO_VFP_RT
/* 0: not known yet, 1: no VFP, 2: VFP (set by backend-asm.c). */
	.data
	.p2align 2
	.globl	koro__arm_vfp
	.hidden	koro__arm_vfp
	.type	koro__arm_vfp, %object
	.size	koro__arm_vfp, 4
koro__arm_vfp:
	.long	0
#endif

#if defined(__ELF__)
	.section .note.GNU-stack,"",%progbits
#endif
