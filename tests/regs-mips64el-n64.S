/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* regs-mips64el-n64.S - see regs.S.  Checks s0-s7 (bits 0-7), s8 (bit 8),
 * gp (bit 9) and $f24-$f31 (bits 10-17, compared as 64-bit patterns). */
#include "asm.h"
	.abicalls
	.text
	.set	reorder
	.p2align 3
	.globl	KORO_SYM(koro_test_regs)
	.ent	koro_test_regs
	.type	KORO_SYM(koro_test_regs), @function
KORO_SYM(koro_test_regs):
	.frame	$sp, 160, $31
	daddiu	$sp, $sp, -160
	.irp n, 16, 17, 18, 19, 20, 21, 22, 23
	sd	$\n, (\n - 16) * 8($sp)
	.endr
	sd	$30, 64($sp)
	sd	$28, 72($sp)
	sd	$31, 80($sp)
	sd	$4, 88($sp)		/* the seed */
	.irp n, 24, 25, 26, 27, 28, 29, 30, 31
	sdc1	$f\n, 96 + (\n - 24) * 8($sp)
	.endr
	move	$25, $5
	move	$12, $4			/* seed */
	nor	$13, $4, $0		/* ~seed */
	move	$4, $6
	.irp n, 24, 25, 26, 27, 28, 29, 30, 31
	daddiu	$14, $13, \n
	dmtc1	$14, $f\n
	.endr
	.irp n, 16, 17, 18, 19, 20, 21, 22, 23, 30, 28
	daddiu	$\n, $12, \n
	.endr
	jalr	$25
	ld	$12, 88($sp)
	nor	$13, $12, $0
	move	$2, $0
	/* v0 |= (reg != expected) << bit */
#define KORO_CHECK(reg, base, i, bit) \
	daddiu $14, base, i; xor $14, $14, reg; sltu $14, $0, $14; \
	dsll $14, $14, bit; or $2, $2, $14
	.irp n, 16, 17, 18, 19, 20, 21, 22, 23
	KORO_CHECK($\n, $12, \n, \n - 16)
	.endr
	KORO_CHECK($30, $12, 30, 8)
	KORO_CHECK($28, $12, 28, 9)
	.irp n, 24, 25, 26, 27, 28, 29, 30, 31
	dmfc1	$15, $f\n
	KORO_CHECK($15, $13, \n, \n - 14)
	.endr
	.irp n, 16, 17, 18, 19, 20, 21, 22, 23
	ld	$\n, (\n - 16) * 8($sp)
	.endr
	ld	$30, 64($sp)
	ld	$28, 72($sp)
	ld	$31, 80($sp)
	.irp n, 24, 25, 26, 27, 28, 29, 30, 31
	ldc1	$f\n, 96 + (\n - 24) * 8($sp)
	.endr
	daddiu	$sp, $sp, 160
	jr	$31
	.end	koro_test_regs
	.section .note.GNU-stack,"",%progbits
