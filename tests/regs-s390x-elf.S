/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* regs-s390x-elf.S - see regs.S.  Checks r6-r13 (bits 0-7) and f8-f15
 * (bits 8-15, compared as 64-bit patterns).  r14 is the return address
 * and r15 the stack pointer: the call returning at all checks those. */
#include "asm.h"
	.text
	.p2align 4
	.globl	KORO_SYM(koro_test_regs)
	.type	KORO_SYM(koro_test_regs), @function
KORO_SYM(koro_test_regs):
	stmg	%r6, %r15, 48(%r15)
	lgr	%r1, %r15
	aghi	%r15, -232		/* save area, f8-f15, seed */
	stg	%r1, 0(%r15)
	.irp n, 8, 9, 10, 11, 12, 13, 14, 15
	std	%f\n, 160 + (\n - 8) * 8(%r15)
	.endr
	stg	%r2, 224(%r15)
	lgr	%r1, %r3
	lgr	%r5, %r2		/* seed */
	lghi	%r0, -1
	xgr	%r0, %r5		/* ~seed */
	.irp n, 8, 9, 10, 11, 12, 13, 14, 15
	lgr	%r3, %r0
	aghi	%r3, \n
	ldgr	%f\n, %r3
	.endr
	.irp n, 6, 7, 8, 9, 10, 11, 12, 13
	lgr	%r\n, %r5
	aghi	%r\n, \n
	.endr
	lgr	%r2, %r4
	basr	%r14, %r1
	lg	%r5, 224(%r15)
	lghi	%r0, -1
	xgr	%r0, %r5
	lghi	%r2, 0
	.irp n, 6, 7, 8, 9, 10, 11, 12, 13
	lgr	%r3, %r5
	aghi	%r3, \n
	cgr	%r\n, %r3
	je	1f
	oilf	%r2, 1 << (\n - 6)
1:
	.endr
	.irp n, 8, 9, 10, 11, 12, 13, 14, 15
	lgdr	%r4, %f\n
	lgr	%r3, %r0
	aghi	%r3, \n
	cgr	%r4, %r3
	je	1f
	oilf	%r2, 1 << \n
1:
	.endr
	lgfr	%r2, %r2
	.irp n, 8, 9, 10, 11, 12, 13, 14, 15
	ld	%f\n, 160 + (\n - 8) * 8(%r15)
	.endr
	aghi	%r15, 232
	lmg	%r6, %r15, 48(%r15)
	br	%r14
	.section .note.GNU-stack,"",@progbits
