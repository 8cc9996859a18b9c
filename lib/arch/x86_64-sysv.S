/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* x86_64-sysv.S - context switch for the x86-64 System V ABI (Linux, the
 * BSDs, macOS, Android).
 *
 * Callee-saved state per the ABI: rbx, rbp, r12-r15, rsp, the MXCSR
 * control bits and the x87 control word.  A suspended context is its stack
 * pointer; the stack holds, from low to high:
 *
 *     0  MXCSR (4 bytes), x87 CW (2 bytes), padding
 *     8  r15, r14, r13, r12, rbx, rbp
 *    56  resume address
 *
 * The switch ends with pop + indirect jmp instead of ret: the return stack
 * buffer would predict a return to the call site of the *other* context,
 * and a mispredicted ret costs more than the whole switch.
 */
#include "asm.h"

#if defined(__CET__) && (__CET__ & 1)
#define KORO_ENDBR endbr64
#define KORO_NOTRACK notrack
#else
#define KORO_ENDBR
#define KORO_NOTRACK
#endif

	.text

/* The two halves of every switch: push the callee-saved registers and
 * make room for the FP control slot; pop them, pop the resume address and
 * jump there (returning 0 in the context we arrive in).  No $-immediates
 * in macros: Apple's assembler reads $8 there as a macro argument. */
.macro KORO_SAVE_FRAME
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbp, 0
	pushq	%rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbx, 0
	pushq	%r12
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r12, 0
	pushq	%r13
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r13, 0
	pushq	%r14
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r14, 0
	pushq	%r15
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r15, 0
	leaq	-8(%rsp), %rsp
	.cfi_adjust_cfa_offset 8
.endm

.macro KORO_LOAD_FRAME_AND_GO
	leaq	8(%rsp), %rsp
	.cfi_adjust_cfa_offset -8
	popq	%r15
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r15
	popq	%r14
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r14
	popq	%r13
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r13
	popq	%r12
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r12
	popq	%rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	popq	%rbp
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbp
	popq	%rcx
	.cfi_adjust_cfa_offset -8
	.cfi_register %rip, %rcx
	xorl	%eax, %eax
	KORO_NOTRACK jmpq *%rcx
.endm

/* One switch: save the frame into from->koro_ctx_ (offset 0), continue
 * the context to (the saved stack pointer, which the core read from the
 * target's koro_ctx_), and return 0 in from's context when something
 * switches back to it.
 * MXCSR and the x87 CW are stored only if \save and loaded only if \load:
 * contexts marked with koro_share_fpenv have no FP control state of their
 * own.  stmxcsr is the dearest instruction of a switch (microcoded: one
 * per ~17 cycles here), so a round trip into such a coroutine and back
 * pays one instead of two.  The frame has the same layout either way; a
 * slot that was not stored is never loaded, because only contexts with
 * their own state are loaded. */
.macro KORO_SWITCH_BODY save, load
	.cfi_startproc
	KORO_ENDBR
	KORO_SAVE_FRAME
.if \save
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
.endif
.if \save && \load
	movzwl	4(%rsp), %eax
.endif
	movq	%rsp, (%rdi)
	/* Same frame layout on the other stack: the CFI stays valid. */
	movq	%rsi, %rsp
.if \load
	ldmxcsr	(%rsp)
.endif
.if \save && \load
	/* fldcw costs more than the compare, and two contexts' x87 control
	 * words almost always agree. */
	cmpw	4(%rsp), %ax
	je	1f
	fldcw	4(%rsp)
1:
.elseif \load
	fldcw	4(%rsp)
.endif
	KORO_LOAD_FRAME_AND_GO
	.cfi_endproc
.endm

/* int koro__switch(koro_t *from, void *to), and for koro_share_fpenv:
 * into a marked context (_s), out of one (_l), between two (_n). */
	.p2align 4
KORO_FUNC(koro__switch)
	KORO_SWITCH_BODY 1, 1
KORO_END(koro__switch)

	.p2align 4
KORO_FUNC(koro__switch_s)
	KORO_SWITCH_BODY 1, 0
KORO_END(koro__switch_s)

	.p2align 4
KORO_FUNC(koro__switch_l)
	KORO_SWITCH_BODY 0, 1
KORO_END(koro__switch_l)

	.p2align 4
KORO_FUNC(koro__switch_n)
	KORO_SWITCH_BODY 0, 0
KORO_END(koro__switch_n)

/* void *koro__asm_prepare(void *top, koro_t *k, koro_fn fn, void *arg)
 * Builds the initial frame below top (16-byte aligned) so that the first
 * switch lands in koro__asm_start with r12 = k, r13 = fn, r14 = arg and
 * rsp at 16 bytes above a multiple of 64 (top lowered by up to 48 bytes).
 * The start routine calls fn there, so a body whose frame is 16 bytes
 * (its return address and one saved register: what a loop around
 * koro_yield() compiles to) calls koro_yield() with rsp a multiple of 64,
 * and every switch saves and loads its 64-byte frame in one cache line
 * instead of two (doc/design.md).  The new context inherits
 * the creator's MXCSR and x87 CW, as a new thread does.  Returns the
 * context (the saved stack pointer). */
	.p2align 4
KORO_FUNC(koro__asm_prepare)
	.cfi_startproc
	KORO_ENDBR
	leaq	-16(%rdi), %rax
	andq	$-64, %rax
	leaq	-48(%rax), %rax		/* the frame: top' - 64 */
	stmxcsr	(%rax)
	fnstcw	4(%rax)
	movw	$0, 6(%rax)
	movq	$0, 8(%rax)
	movq	%rcx, 16(%rax)
	movq	%rdx, 24(%rax)
	movq	%rsi, 32(%rax)
	movq	$0, 40(%rax)
	movq	$0, 48(%rax)
	leaq	KORO_SYM(koro__asm_start)(%rip), %rdx
	movq	%rdx, 56(%rax)
	ret
	.cfi_endproc
KORO_END(koro__asm_prepare)

/* The bottom frame of every coroutine: koro__entry(k, fn, arg) spelled
 * out, so that fn's frame sits where koro__asm_prepare put it instead of
 * below a compiler-chosen one.  The return address is undefined, so
 * debuggers end the backtrace here instead of walking into garbage. */
	.p2align 4
KORO_LOCAL(koro__asm_start)
	.cfi_startproc
	.cfi_undefined %rip
	KORO_ENDBR
	movq	%r12, %rdi
	call	KORO_SYM(koro__entry_begin)
	movq	%r14, %rdi
	call	*%r13
	movq	%r12, %rdi
	call	KORO_SYM(koro__entry_end)
	ud2
	.cfi_endproc
KORO_END(koro__asm_start)

#if defined(__ELF__)
	.section .note.GNU-stack,"",%progbits
#if defined(__CET__) && (__CET__ & 1)
/* Claim IBT only: every indirect jump here is notrack and every entry has
 * endbr64.  The switch does not maintain a shadow stack, so no SHSTK. */
	koro_gnu_property 0xc0000002, 1	/* X86_FEATURE_1_AND: IBT */
#endif
#endif
