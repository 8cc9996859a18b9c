/* arm-aapcs.S - context switch for the 32-bit Arm procedure call standard
 * (EABI Linux and Android, hard- and soft-float; iOS armv7), assembled in
 * ARM or Thumb-2 state, whichever the compiler targets.
 *
 * Callee-saved state per the ABI: r4-r11, sp, lr and, when the code may
 * use VFP (__ARM_FP, which soft-float "softfp" builds for a VFP CPU also
 * define), d8-d15 and FPSCR (rounding mode, flush-to-zero, default NaN).
 * r9 is volatile on iOS; saving it anyway costs nothing.  A suspended
 * context is its stack pointer; the stack holds, from low to high:
 *
 *     0  FPSCR (or padding without VFP)
 *     4  d8 - d15                    (VFP only)
 *     R  r4 r5 r6 r7 r8 r9 r10 r11   (R = 4, or 68 with VFP)
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
#else
#define KORO_VFP 0
#endif
#define KORO_R4 (4 + 64 * KORO_VFP)	/* offset of the r4 slot */
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

/* int koro__switch(koro_t *from, koro_t *to)
 * Saves the context into from->koro_ctx_ (offset 0), resumes to's; returns
 * 0 in from's context when something switches back to it. */
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
#else
	sub	sp, sp, #4
#endif
	KORO_EH(.pad #4)
	.cfi_def_cfa_offset KORO_FRAME
	mov	r3, sp
	str	r3, [r0]
	/* Same frame layout on the other stack: the CFI stays valid. */
	ldr	r3, [r1]
	mov	sp, r3
#if KORO_VFP
	pop	{r3}
	/* Writing FPSCR can stall the pipeline; contexts rarely differ. */
	cmp	r2, r3
	beq	1f
	vmsr	fpscr, r3
1:
	vpop	{d8-d15}
#else
	add	sp, sp, #4
#endif
	mov	r0, #0
	pop	{r4-r11, pc}
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
#endif
	bx	lr
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

#if defined(__ELF__)
	.section .note.GNU-stack,"",%progbits
#endif
