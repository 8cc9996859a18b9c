/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* mips64el-n64.S - context switch for the MIPS n64 ABI (64-bit Linux,
 * little- or big-endian: nothing here depends on the byte order).
 *
 * Callee-saved state in n64 (MIPSpro N32/N64 ABI handbook; GCC's
 * mips.h): $16-$23 (s0-s7), $30 (s8/fp), $28 (gp: callee-saved in n64,
 * unlike o32), $29 (sp) and $f24-$f31 (all eight, 64-bit FPRs); $31 (ra)
 * is the return address.  The FCSR (rounding mode, enables, flags) is not
 * on that list; C11 gives the floating-point environment thread storage
 * duration, and libkorutin gives each coroutine its own, as a thread has
 * one (and as the x86-64 switch does with MXCSR), so the FCSR is switched.
 *
 * A suspended context is its stack pointer; the stack holds, from low to
 * high (160 bytes, a multiple of 16):
 *
 *     0  s0 ... s7     64  s8     72  gp     80  ra (resume address)
 *    88  FCSR (4 bytes), padding   96  $f24 ... $f31
 *
 * The switch leaves with $25 (t9) = the resume address: the start routine
 * is reached like a PIC function and derives its gp from it.
 */
#include "asm.h"

#define KORO_FRAME 160

	.abicalls
	.text
	.set	reorder

/* int koro__switch(koro_t *from, void *to)
 * Saves the context into from->koro_ctx_ (offset 0), resumes the context
 * to (a saved stack pointer); returns 0 in from's context when something
 * switches back to it. */
	.p2align 3
	.ent	koro__switch
KORO_FUNC(koro__switch)
	.frame	$sp, KORO_FRAME, $31
	.cfi_startproc
	daddiu	$sp, $sp, -KORO_FRAME
	.cfi_adjust_cfa_offset KORO_FRAME
	.irp n, 16, 17, 18, 19, 20, 21, 22, 23
	sd	$\n, (\n - 16) * 8($sp)
	.endr
	sd	$30, 64($sp)
	sd	$28, 72($sp)
	sd	$31, 80($sp)
	.cfi_rel_offset $31, 80
	cfc1	$12, $31
	sw	$12, 88($sp)
	.irp n, 24, 25, 26, 27, 28, 29, 30, 31
	sdc1	$f\n, 96 + (\n - 24) * 8($sp)
	.endr
	sd	$sp, 0($4)
	/* Same frame layout on the other stack: the CFI stays valid. */
	move	$sp, $5
	lw	$12, 88($sp)
	ctc1	$12, $31
	.irp n, 24, 25, 26, 27, 28, 29, 30, 31
	ldc1	$f\n, 96 + (\n - 24) * 8($sp)
	.endr
	.irp n, 16, 17, 18, 19, 20, 21, 22, 23
	ld	$\n, (\n - 16) * 8($sp)
	.endr
	ld	$30, 64($sp)
	ld	$28, 72($sp)
	ld	$31, 80($sp)
	.cfi_restore $31
	move	$2, $0
	move	$25, $31
	.set	noreorder
	jr	$31
	daddiu	$sp, $sp, KORO_FRAME	/* in the delay slot */
	.set	reorder
	.cfi_adjust_cfa_offset -KORO_FRAME
	.cfi_endproc
	.end	koro__switch
KORO_END(koro__switch)

/* void *koro__asm_prepare(void *top, koro_t *k, koro_fn fn, void *arg)
 * Builds the initial frame below top (16-byte aligned) so that the first
 * switch lands in koro__asm_start with s0 = k, s1 = fn, s2 = arg and
 * sp = top, 16-byte aligned as n64 wants at a call.  The new context
 * inherits the creator's FCSR, as a new thread does.  Returns the
 * context. */
	.p2align 3
	.ent	koro__asm_prepare
KORO_FUNC(koro__asm_prepare)
	.frame	$sp, 0, $31
	.cfi_startproc
	daddiu	$2, $4, -KORO_FRAME
	sd	$5, 0($2)
	sd	$6, 8($2)
	sd	$7, 16($2)
	sd	$28, 72($2)
	cfc1	$12, $31
	sw	$12, 88($2)
	/* The start routine's address, pc-relative: no GOT, no gp needed. */
	move	$13, $31
	.set	noreorder
	bal	1f
	nop
1:	.set	reorder
	daddiu	$3, $31, koro__asm_start - 1b
	move	$31, $13
	sd	$3, 80($2)
	jr	$31
	.cfi_endproc
	.end	koro__asm_prepare
KORO_END(koro__asm_prepare)

/* The bottom frame of every coroutine, entered with t9 = its address like
 * any PIC function.  The return address is undefined, so debuggers end
 * the backtrace here instead of walking into garbage. */
	.p2align 3
	.ent	koro__asm_start
KORO_LOCAL(koro__asm_start)
	.frame	$sp, 0, $31
	.cfi_startproc
	.cfi_undefined $31
	.cpsetup $25, $24, koro__asm_start
	move	$4, $16
	move	$5, $17
	move	$6, $18
	dla	$25, KORO_SYM(koro__entry)	/* PIC callees want t9 = entry */
	jalr	$25
	break
	.cfi_endproc
	.end	koro__asm_start
KORO_END(koro__asm_start)

#if defined(__ELF__)
	.section .note.GNU-stack,"",%progbits
#endif
