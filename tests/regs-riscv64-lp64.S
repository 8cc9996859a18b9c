/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* regs-riscv64-lp64.S - see regs.S.  Checks s0-s11 (bits 0-11) and
 * fs0-fs11 (bits 12-23, compared as 64-bit patterns). */
#include "asm.h"
	.text
	.p2align 2
	.globl	KORO_SYM(koro_test_regs)
	.type	KORO_SYM(koro_test_regs), %function
KORO_SYM(koro_test_regs):
	addi	sp, sp, -208
	sd	ra, 0(sp)
	sd	a0, 8(sp)		/* the seed */
	sd	s0, 16(sp)
	sd	s1, 24(sp)
	sd	s2, 32(sp)
	sd	s3, 40(sp)
	sd	s4, 48(sp)
	sd	s5, 56(sp)
	sd	s6, 64(sp)
	sd	s7, 72(sp)
	sd	s8, 80(sp)
	sd	s9, 88(sp)
	sd	s10, 96(sp)
	sd	s11, 104(sp)
	fsd	fs0, 112(sp)
	fsd	fs1, 120(sp)
	fsd	fs2, 128(sp)
	fsd	fs3, 136(sp)
	fsd	fs4, 144(sp)
	fsd	fs5, 152(sp)
	fsd	fs6, 160(sp)
	fsd	fs7, 168(sp)
	fsd	fs8, 176(sp)
	fsd	fs9, 184(sp)
	fsd	fs10, 192(sp)
	fsd	fs11, 200(sp)
	mv	t1, a1
	mv	a0, a2
	ld	t0, 8(sp)
	/* Integer value i: seed + i; FP value i: ~seed + i (bit pattern). */
	addi	s0, t0, 0
	addi	s1, t0, 1
	addi	s2, t0, 2
	addi	s3, t0, 3
	addi	s4, t0, 4
	addi	s5, t0, 5
	addi	s6, t0, 6
	addi	s7, t0, 7
	addi	s8, t0, 8
	addi	s9, t0, 9
	addi	s10, t0, 10
	addi	s11, t0, 11
	not	t0, t0
#define KORO_FSET(reg, i) addi t2, t0, i; fmv.d.x reg, t2
	KORO_FSET(fs0, 0)
	KORO_FSET(fs1, 1)
	KORO_FSET(fs2, 2)
	KORO_FSET(fs3, 3)
	KORO_FSET(fs4, 4)
	KORO_FSET(fs5, 5)
	KORO_FSET(fs6, 6)
	KORO_FSET(fs7, 7)
	KORO_FSET(fs8, 8)
	KORO_FSET(fs9, 9)
	KORO_FSET(fs10, 10)
	KORO_FSET(fs11, 11)
	jalr	t1
	ld	t0, 8(sp)
	li	a0, 0
	/* a0 |= (reg != seed + i) << bit */
#define KORO_CHECK(reg, i, bit) \
	addi t2, t0, i; xor t2, t2, reg; snez t2, t2; slli t2, t2, bit; or a0, a0, t2
	KORO_CHECK(s0, 0, 0)
	KORO_CHECK(s1, 1, 1)
	KORO_CHECK(s2, 2, 2)
	KORO_CHECK(s3, 3, 3)
	KORO_CHECK(s4, 4, 4)
	KORO_CHECK(s5, 5, 5)
	KORO_CHECK(s6, 6, 6)
	KORO_CHECK(s7, 7, 7)
	KORO_CHECK(s8, 8, 8)
	KORO_CHECK(s9, 9, 9)
	KORO_CHECK(s10, 10, 10)
	KORO_CHECK(s11, 11, 11)
	not	t0, t0
#define KORO_FCHECK(reg, i, bit) fmv.x.d t1, reg; KORO_CHECK(t1, i, bit)
	KORO_FCHECK(fs0, 0, 12)
	KORO_FCHECK(fs1, 1, 13)
	KORO_FCHECK(fs2, 2, 14)
	KORO_FCHECK(fs3, 3, 15)
	KORO_FCHECK(fs4, 4, 16)
	KORO_FCHECK(fs5, 5, 17)
	KORO_FCHECK(fs6, 6, 18)
	KORO_FCHECK(fs7, 7, 19)
	KORO_FCHECK(fs8, 8, 20)
	KORO_FCHECK(fs9, 9, 21)
	KORO_FCHECK(fs10, 10, 22)
	KORO_FCHECK(fs11, 11, 23)
	ld	ra, 0(sp)
	ld	s0, 16(sp)
	ld	s1, 24(sp)
	ld	s2, 32(sp)
	ld	s3, 40(sp)
	ld	s4, 48(sp)
	ld	s5, 56(sp)
	ld	s6, 64(sp)
	ld	s7, 72(sp)
	ld	s8, 80(sp)
	ld	s9, 88(sp)
	ld	s10, 96(sp)
	ld	s11, 104(sp)
	fld	fs0, 112(sp)
	fld	fs1, 120(sp)
	fld	fs2, 128(sp)
	fld	fs3, 136(sp)
	fld	fs4, 144(sp)
	fld	fs5, 152(sp)
	fld	fs6, 160(sp)
	fld	fs7, 168(sp)
	fld	fs8, 176(sp)
	fld	fs9, 184(sp)
	fld	fs10, 192(sp)
	fld	fs11, 200(sp)
	addi	sp, sp, 208
	ret
#if defined(__ELF__)
	.section .note.GNU-stack,"",%progbits
#endif
