/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* ppc64le-elfv2.S - context switch for the 64-bit PowerPC ELFv2 ABI
 * (little-endian Linux, FreeBSD powerpc64le).
 *
 * Nonvolatile state per the ELFv2 ABI (OpenPOWER "64-Bit ELF V2 ABI",
 * 2.2.1.1 Register Roles): r1 (sp), r2 (TOC), r14-r31, f14-f31,
 * v20-v31, cr2-cr4, and VRSAVE (a nonvolatile 32-bit register in the
 * 64-bit PowerPC ELF ABI 1.9 that ELFv2 descends from; switched here so
 * that no ELFv2 reading of it can be violated).  Every
 * ELFv2 little-endian CPU has VMX (the baseline is POWER8), so v20-v31 are
 * always saved.  The FPSCR is "limited-access": its rounding mode and
 * exception enable fields must survive a call unless the function exists
 * to change them.  libkorutin gives each coroutine its own floating-point
 * environment (like a thread, and like the x86-64 switch with MXCSR), so
 * the FPSCR is switched; it is written only when the two differ, because
 * mtfsf is expensive.
 *
 * A suspended context is its stack pointer r1, pointing at this frame
 * (528 bytes, 16-byte aligned, back chain at 0):
 *
 *     0  back chain        8  padding
 *    16  v20 ... v31     208  f14 ... f31     352  r17 ... r31
 *   472  r14 r15 r16     496  r2 (TOC)        504  resume address (lr)
 *   512  FPSCR           520  CR (word)       524  VRSAVE (word)
 *
 * koro__asm_prepare() writes only the slots from 472 up
 * (KORO_ABI_FRAME_SKIP in abi.h): the rest are registers whose first
 * value a fresh context does not care about.
 *
 * The TOC: koro__switch is hidden and only called from libkorutin's own
 * C code, through the local entry, so r2 is libkorutin's TOC on entry and
 * on return; it is saved and restored anyway, so a caller that reached
 * the switch through another module's stub (which keeps the caller's TOC
 * in the caller's own frame at 24(r1), a slot this code never touches)
 * still gets its r2 back.  The switch leaves with r12 = the resume address
 * so that the start routine can derive its TOC from its own address, the
 * way a global entry point does.
 */
#include "asm.h"

#define KORO_FRAME 528

	.abiversion 2
	.text

/* int koro__switch(koro_t *from, void *to)
 * Saves the context into from->koro_ctx_ (offset 0), resumes the context
 * to (a saved stack pointer); returns 0 in from's context when something
 * switches back to it. */
	.p2align 4
KORO_FUNC(koro__switch)
	.cfi_startproc
	mflr	%r0
	.cfi_register 65, 0
	stdu	%r1, -KORO_FRAME(%r1)
	.cfi_adjust_cfa_offset KORO_FRAME
	std	%r0, 504(%r1)
	.cfi_offset 65, 504 - KORO_FRAME
	mfcr	%r12
	mfvrsave %r11
	std	%r2, 496(%r1)
	stw	%r12, 520(%r1)
	stw	%r11, 524(%r1)
	mffs	%f0
	stfd	%f0, 512(%r1)
	.irp n, 14, 15, 16
	std	%r\n, 472 + (\n - 14) * 8(%r1)
	.endr
	.irp n, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	std	%r\n, 352 + (\n - 17) * 8(%r1)
	.endr
	.irp n, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	stfd	%f\n, 208 + (\n - 14) * 8(%r1)
	.endr
	addi	%r11, %r1, 16
	.irp n, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	stvx	%v\n, 0, %r11
	addi	%r11, %r11, 16
	.endr
	ld	%r10, 512(%r1)		/* our FPSCR, to compare below */
	std	%r1, 0(%r3)
	/* Same frame layout on the other stack: the CFI stays valid. */
	mr	%r1, %r4
	ld	%r9, 512(%r1)
	cmpd	%r9, %r10
	beq	1f
	lfd	%f0, 512(%r1)
	mtfsf	0xff, %f0
1:
	addi	%r11, %r1, 16
	.irp n, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	lvx	%v\n, 0, %r11
	addi	%r11, %r11, 16
	.endr
	.irp n, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	lfd	%f\n, 208 + (\n - 14) * 8(%r1)
	.endr
	.irp n, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	ld	%r\n, 352 + (\n - 17) * 8(%r1)
	.endr
	.irp n, 14, 15, 16
	ld	%r\n, 472 + (\n - 14) * 8(%r1)
	.endr
	lwz	%r12, 520(%r1)
	lwz	%r11, 524(%r1)
	ld	%r0, 504(%r1)
	ld	%r2, 496(%r1)
	mtcrf	0x38, %r12		/* cr2, cr3, cr4 only */
	mtvrsave %r11
	mtlr	%r0
	.cfi_restore 65
	mr	%r12, %r0
	addi	%r1, %r1, KORO_FRAME
	.cfi_adjust_cfa_offset -KORO_FRAME
	li	%r3, 0
	blr
	.cfi_endproc
KORO_END(koro__switch)

/* void *koro__asm_prepare(void *top, koro_t *k, koro_fn fn, void *arg)
 * Builds, below top (16-byte aligned), the start routine's frame: the
 * ELFv2 minimum of 32 bytes with a zero back chain, which ends unwinders
 * that follow back chains; and below it a switch frame that lands in
 * koro__asm_start with r14 = k, r15 = fn, r16 = arg.  The new context
 * inherits the creator's FPSCR, CR and VRSAVE, as a new thread does.
 * Returns the context. */
	.p2align 4
KORO_FUNC(koro__asm_prepare)
	.cfi_startproc
	addi	%r7, %r3, -32
	li	%r0, 0
	std	%r0, 0(%r7)
	std	%r0, 16(%r7)
	addi	%r3, %r7, -KORO_FRAME
	std	%r4, 472(%r3)
	std	%r5, 480(%r3)
	std	%r6, 488(%r3)
	std	%r2, 496(%r3)
	mflr	%r0
	bcl	20, 31, 1f		/* our own address, without the TOC */
1:	mflr	%r8
	mtlr	%r0
	addis	%r8, %r8, (koro__asm_start - 1b)@ha
	addi	%r8, %r8, (koro__asm_start - 1b)@l
	std	%r8, 504(%r3)
	mffs	%f0
	stfd	%f0, 512(%r3)
	mfcr	%r9
	stw	%r9, 520(%r3)
	mfvrsave %r9
	stw	%r9, 524(%r3)
	blr
	.cfi_endproc
KORO_END(koro__asm_prepare)

/* The bottom frame of every coroutine, entered from the switch with
 * r12 = its own address, like a global entry point, and r1 = the 32-byte
 * start frame.  The return address is undefined, so debuggers end the
 * backtrace here instead of walking into garbage. */
	.p2align 4
KORO_LOCAL(koro__asm_start)
	.cfi_startproc
	.cfi_undefined 65
	addis	%r2, %r12, (.TOC. - koro__asm_start)@ha
	addi	%r2, %r2, (.TOC. - koro__asm_start)@l
	mr	%r3, %r14
	mr	%r4, %r15
	mr	%r5, %r16
	bl	KORO_SYM(koro__entry)
	nop
	trap
	.cfi_endproc
KORO_END(koro__asm_start)

#if defined(__ELF__)
	.section .note.GNU-stack,"",@progbits
#endif
