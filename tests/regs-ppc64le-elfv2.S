/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* regs-ppc64le-elfv2.S - see regs.S.  Checks r14-r31 (bits 0-17),
 * f14-f31 (bit 18, any of them; compared as 64-bit patterns), v20-v31
 * (bits 19-30) and the fields cr2-cr4 (bit 31). */
#include "asm.h"
#define G 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
#define V 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.abiversion 2
	.text
	.p2align 4
	.globl	KORO_SYM(koro_test_regs)
	.type	KORO_SYM(koro_test_regs), @function
KORO_SYM(koro_test_regs):
	mflr	%r0
	std	%r0, 16(%r1)
	mfcr	%r12
	stw	%r12, 8(%r1)
	stdu	%r1, -560(%r1)
	/* 24: TOC save, 32: seed, 48: scratch, 64: r14-r31, 208: f14-f31,
	 * 352: v20-v31 */
	std	%r3, 32(%r1)
	.irp n, G
	std	%r\n, 64 + (\n - 14) * 8(%r1)
	stfd	%f\n, 208 + (\n - 14) * 8(%r1)
	.endr
	addi	%r8, %r1, 352
	.irp n, V
	stvx	%v\n, 0, %r8
	addi	%r8, %r8, 16
	.endr
	std	%r2, 24(%r1)
	mr	%r12, %r4
	mtctr	%r12
	mr	%r3, %r5
	/* r(14+i) = seed + i, f(14+i) = ~seed + i, v(n) = {seed + n, ~seed - n},
	 * cr2-cr4 from the seed's low 12 bits. */
	ld	%r11, 32(%r1)
	not	%r10, %r11
	.irp n, G
	addi	%r9, %r10, \n - 14
	std	%r9, 48(%r1)
	lfd	%f\n, 48(%r1)
	.endr
	addi	%r8, %r1, 48
	.irp n, V
	addi	%r9, %r11, \n
	std	%r9, 48(%r1)
	addi	%r9, %r10, -\n
	std	%r9, 56(%r1)
	lvx	%v\n, 0, %r8
	.endr
	rlwinm	%r9, %r11, 12, 8, 19
	xoris	%r9, %r9, 0x00a5
	xori	%r9, %r9, 0xc000
	mtcrf	0x38, %r9
	.irp n, G
	addi	%r\n, %r11, \n - 14
	.endr
	bctrl
	ld	%r2, 24(%r1)
	mfcr	%r7
	li	%r3, 0
	ld	%r11, 32(%r1)
	not	%r10, %r11
	.irp n, G
	addi	%r9, %r11, \n - 14
	cmpd	%r\n, %r9
	beq	1f
	li	%r9, 1
	sldi	%r9, %r9, \n - 14
	or	%r3, %r3, %r9
1:
	.endr
	.irp n, G
	stfd	%f\n, 48(%r1)
	ld	%r8, 48(%r1)
	addi	%r9, %r10, \n - 14
	cmpd	%r8, %r9
	beq	1f
	oris	%r3, %r3, 0x0004
1:
	.endr
	.irp n, V
	addi	%r8, %r1, 48
	stvx	%v\n, 0, %r8
	ld	%r8, 48(%r1)
	addi	%r9, %r11, \n
	cmpd	%r8, %r9
	bne	2f
	ld	%r8, 56(%r1)
	addi	%r9, %r10, -\n
	cmpd	%r8, %r9
	beq	1f
2:	li	%r9, 1
	sldi	%r9, %r9, \n - 1
	or	%r3, %r3, %r9
1:
	.endr
	rlwinm	%r8, %r7, 0, 8, 19
	rlwinm	%r9, %r11, 12, 8, 19
	xoris	%r9, %r9, 0x00a5
	xori	%r9, %r9, 0xc000
	cmpw	%r8, %r9
	beq	1f
	oris	%r3, %r3, 0x8000
1:	extsw	%r3, %r3
	.irp n, G
	ld	%r\n, 64 + (\n - 14) * 8(%r1)
	lfd	%f\n, 208 + (\n - 14) * 8(%r1)
	.endr
	addi	%r8, %r1, 352
	.irp n, V
	lvx	%v\n, 0, %r8
	addi	%r8, %r8, 16
	.endr
	addi	%r1, %r1, 560
	ld	%r0, 16(%r1)
	mtlr	%r0
	lwz	%r12, 8(%r1)
	mtcrf	0x38, %r12
	blr
	.section .note.GNU-stack,"",@progbits
