/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* riscv64-lp64.S - context switch for the RISC-V LP64D calling convention
 * (Linux, the BSDs).  abi.h picks it for LP64D only; the FP parts are
 * guarded by __riscv_flen all the same.
 *
 * Callee-saved state per the psABI (riscv-cc.adoc, "Register
 * Convention"): sp, s0-s11 and fs0-fs11 (the D registers, preserved when
 * FLEN >= 64).  ra is the return address; gp and tp are not allocatable and
 * never touched.  A suspended context is its stack pointer; the stack
 * holds, from low to high (208 bytes, a multiple of 16):
 *
 *     0  ra (resume address)
 *     8  s0 ... s11
 *   104  fs0 ... fs11
 *   200  fcsr (4 bytes), padding
 *
 * fcsr: the psABI does not list it as callee-saved; it says fcsr "must
 * have thread storage duration in accordance with C11 section 7.6", i.e.
 * the floating-point environment belongs to the thread, not the call.
 * libkorutin gives each coroutine its own floating-point environment, as
 * C11 gives each thread one (and as the x86-64 switch does with MXCSR), so
 * fesetround() inside a coroutine never leaks into its resumer: the whole
 * fcsr (frm and fflags) is switched.  Two CSR accesses per switch.
 */
#include "asm.h"

#if __riscv_flen >= 64
#define KORO_FSAVE(r, off) fsd r, off(sp)
#define KORO_FLOAD(r, off) fld r, off(sp)
#else
#define KORO_FSAVE(r, off)
#define KORO_FLOAD(r, off)
#endif

#define KORO_FRAME 208

	.text

/* int koro__switch(koro_t *from, void *to)
 * Saves the context into from->koro_ctx_ (offset 0), resumes the context
 * to (a saved stack pointer); returns 0 in from's context when something
 * switches back to it. */
	.p2align 2
KORO_FUNC(koro__switch)
	.cfi_startproc
	addi	sp, sp, -KORO_FRAME
	.cfi_adjust_cfa_offset KORO_FRAME
	sd	ra, 0(sp)
	.cfi_rel_offset ra, 0
	sd	s0, 8(sp)
	.cfi_rel_offset s0, 8
	sd	s1, 16(sp)
	.cfi_rel_offset s1, 16
	sd	s2, 24(sp)
	sd	s3, 32(sp)
	sd	s4, 40(sp)
	sd	s5, 48(sp)
	sd	s6, 56(sp)
	sd	s7, 64(sp)
	sd	s8, 72(sp)
	sd	s9, 80(sp)
	sd	s10, 88(sp)
	sd	s11, 96(sp)
	KORO_FSAVE(fs0, 104)
	KORO_FSAVE(fs1, 112)
	KORO_FSAVE(fs2, 120)
	KORO_FSAVE(fs3, 128)
	KORO_FSAVE(fs4, 136)
	KORO_FSAVE(fs5, 144)
	KORO_FSAVE(fs6, 152)
	KORO_FSAVE(fs7, 160)
	KORO_FSAVE(fs8, 168)
	KORO_FSAVE(fs9, 176)
	KORO_FSAVE(fs10, 184)
	KORO_FSAVE(fs11, 192)
#if __riscv_flen >= 32
	frcsr	t0
	sw	t0, 200(sp)
#endif
	sd	sp, 0(a0)
	/* Same frame layout on the other stack: the CFI stays valid. */
	mv	sp, a1
#if __riscv_flen >= 32
	lw	t0, 200(sp)
	fscsr	t0
#endif
	KORO_FLOAD(fs0, 104)
	KORO_FLOAD(fs1, 112)
	KORO_FLOAD(fs2, 120)
	KORO_FLOAD(fs3, 128)
	KORO_FLOAD(fs4, 136)
	KORO_FLOAD(fs5, 144)
	KORO_FLOAD(fs6, 152)
	KORO_FLOAD(fs7, 160)
	KORO_FLOAD(fs8, 168)
	KORO_FLOAD(fs9, 176)
	KORO_FLOAD(fs10, 184)
	KORO_FLOAD(fs11, 192)
	ld	s11, 96(sp)
	ld	s10, 88(sp)
	ld	s9, 80(sp)
	ld	s8, 72(sp)
	ld	s7, 64(sp)
	ld	s6, 56(sp)
	ld	s5, 48(sp)
	ld	s4, 40(sp)
	ld	s3, 32(sp)
	ld	s2, 24(sp)
	ld	s1, 16(sp)
	.cfi_restore s1
	ld	s0, 8(sp)
	.cfi_restore s0
	ld	ra, 0(sp)
	.cfi_restore ra
	addi	sp, sp, KORO_FRAME
	.cfi_adjust_cfa_offset -KORO_FRAME
	li	a0, 0
	ret
	.cfi_endproc
KORO_END(koro__switch)

/* void *koro__asm_prepare(void *top, koro_t *k, koro_fn fn, void *arg)
 * Builds the initial frame below top (16-byte aligned) so that the first
 * switch lands in koro__asm_start with s0 = k, s1 = fn, s2 = arg and
 * sp = top, which is 16-byte aligned as the psABI wants at a call.  The
 * new context inherits the creator's fcsr, as a new thread does.  Only the
 * slots the start needs are written: the other registers of a fresh
 * context hold nothing anyone reads.  Returns the context. */
	.p2align 2
KORO_FUNC(koro__asm_prepare)
	.cfi_startproc
	addi	a0, a0, -KORO_FRAME
	lla	t0, koro__asm_start
	sd	t0, 0(a0)
	sd	a1, 8(a0)
	sd	a2, 16(a0)
	sd	a3, 24(a0)
#if __riscv_flen >= 32
	frcsr	t0
	sw	t0, 200(a0)
#endif
	ret
	.cfi_endproc
KORO_END(koro__asm_prepare)

/* The bottom frame of every coroutine.  The return address is undefined,
 * so debuggers end the backtrace here instead of walking into garbage. */
	.p2align 2
KORO_LOCAL(koro__asm_start)
	.cfi_startproc
	.cfi_undefined ra
	mv	a0, s0
	mv	a1, s1
	mv	a2, s2
	call	KORO_SYM(koro__entry)
	unimp
	.cfi_endproc
KORO_END(koro__asm_start)

#if defined(__ELF__)
	.section .note.GNU-stack,"",%progbits
#endif
