/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* x86_64-win64.S - context switch for the Microsoft x64 calling
 * convention (Windows with mingw-w64 or clang, Cygwin).
 *
 * Callee-saved state per the ABI: rbx, rbp, rdi, rsi, r12-r15, rsp,
 * xmm6-xmm15 (all 128 bits), the MXCSR control bits and the x87 control
 * word.  Per context we also keep the TIB's StackBase (gs:[8]),
 * StackLimit (gs:[0x10]) and DeallocationStack (gs:[0x1478]): the SEH
 * unwinder rejects frames outside [StackLimit, StackBase), MSVC's
 * __chkstk probes down from StackLimit, and stack overflow handling uses
 * DeallocationStack.  A suspended context is its stack pointer; the stack
 * holds, from low to high:
 *
 *     0  xmm6 ... xmm15
 *   160  MXCSR (4 bytes), x87 CW (2 bytes), padding (2)
 *   168  StackBase, StackLimit, DeallocationStack, padding
 *   200  r15, r14, r13, r12, rsi, rdi, rbx, rbp
 *   264  resume address
 *
 * The switch ends with pop + indirect jmp instead of ret: the return
 * stack buffer would predict a return to the other context's call site.
 */
#include "asm.h"

	.text

/* One switch, the body of int koro__switch(koro_t *from, void *to) (rcx,
 * rdx) and its variants: saves the context into from->koro_ctx_ (offset
 * 0), resumes the context to (a saved stack pointer); returns 0 in from's
 * context when something switches back to it.  MXCSR and the x87 CW are
 * stored only if \save and loaded only if \load: contexts marked with
 * koro_share_fpenv have no FP control state of their own, and stmxcsr is
 * the dearest instruction of a switch; a slot that was not stored is
 * never loaded, because only contexts with their own state are loaded.
 * The unwind info describes the prologue; the layout is the same on every
 * context's stack, so it stays true after the stack pointer changes. */
.macro KORO_SWITCH_BODY name, save, load
	.seh_proc \name
	pushq	%rbp
	.seh_pushreg %rbp
	pushq	%rbx
	.seh_pushreg %rbx
	pushq	%rdi
	.seh_pushreg %rdi
	pushq	%rsi
	.seh_pushreg %rsi
	pushq	%r12
	.seh_pushreg %r12
	pushq	%r13
	.seh_pushreg %r13
	pushq	%r14
	.seh_pushreg %r14
	pushq	%r15
	.seh_pushreg %r15
	leaq	-200(%rsp), %rsp
	.seh_stackalloc 200
	movaps	%xmm6, 0(%rsp)
	.seh_savexmm %xmm6, 0
	movaps	%xmm7, 16(%rsp)
	.seh_savexmm %xmm7, 16
	movaps	%xmm8, 32(%rsp)
	.seh_savexmm %xmm8, 32
	movaps	%xmm9, 48(%rsp)
	.seh_savexmm %xmm9, 48
	movaps	%xmm10, 64(%rsp)
	.seh_savexmm %xmm10, 64
	movaps	%xmm11, 80(%rsp)
	.seh_savexmm %xmm11, 80
	movaps	%xmm12, 96(%rsp)
	.seh_savexmm %xmm12, 96
	movaps	%xmm13, 112(%rsp)
	.seh_savexmm %xmm13, 112
	movaps	%xmm14, 128(%rsp)
	.seh_savexmm %xmm14, 128
	movaps	%xmm15, 144(%rsp)
	.seh_savexmm %xmm15, 144
	.seh_endprologue
.if \save
	stmxcsr	160(%rsp)
	fnstcw	164(%rsp)
.endif
.if \save && \load
	movzwl	164(%rsp), %r8d
.endif
	movq	%gs:0x8, %rax
	movq	%rax, 168(%rsp)
	movq	%gs:0x10, %rax
	movq	%rax, 176(%rsp)
	movq	%gs:0x1478, %rax
	movq	%rax, 184(%rsp)
	movq	%rsp, (%rcx)

	movq	%rdx, %rsp
	movq	168(%rsp), %rax
	movq	%rax, %gs:0x8
	movq	176(%rsp), %rax
	movq	%rax, %gs:0x10
	movq	184(%rsp), %rax
	movq	%rax, %gs:0x1478
.if \load
	ldmxcsr	160(%rsp)
.endif
.if \save && \load
	/* fldcw costs more than the compare; the words almost always agree. */
	cmpw	164(%rsp), %r8w
	je	1f
	fldcw	164(%rsp)
1:
.elseif \load
	fldcw	164(%rsp)
.endif
	movaps	0(%rsp), %xmm6
	movaps	16(%rsp), %xmm7
	movaps	32(%rsp), %xmm8
	movaps	48(%rsp), %xmm9
	movaps	64(%rsp), %xmm10
	movaps	80(%rsp), %xmm11
	movaps	96(%rsp), %xmm12
	movaps	112(%rsp), %xmm13
	movaps	128(%rsp), %xmm14
	movaps	144(%rsp), %xmm15
	leaq	200(%rsp), %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rsi
	popq	%rdi
	popq	%rbx
	popq	%rbp
	popq	%rcx
	xorl	%eax, %eax
	jmpq	*%rcx
	.seh_endproc
.endm

/* int koro__switch(koro_t *from, void *to), and for koro_share_fpenv:
 * into a marked context (_s), out of one (_l), between two (_n). */
	.p2align 4
KORO_FUNC(koro__switch)
	KORO_SWITCH_BODY KORO_SYM(koro__switch), 1, 1
KORO_END(koro__switch)

	.p2align 4
KORO_FUNC(koro__switch_s)
	KORO_SWITCH_BODY KORO_SYM(koro__switch_s), 1, 0
KORO_END(koro__switch_s)

	.p2align 4
KORO_FUNC(koro__switch_l)
	KORO_SWITCH_BODY KORO_SYM(koro__switch_l), 0, 1
KORO_END(koro__switch_l)

	.p2align 4
KORO_FUNC(koro__switch_n)
	KORO_SWITCH_BODY KORO_SYM(koro__switch_n), 0, 0
KORO_END(koro__switch_n)

/* void *koro__asm_prepare(void *top, koro_t *k, koro_fn fn, void *arg)
 * (rcx, rdx, r8, r9).  Builds the initial frame below top (16-byte
 * aligned) so that the first switch lands in koro__asm_start with r12 = k,
 * r13 = fn, r14 = arg and rsp = top - 16, where a zero return address
 * ends every unwind.  The new context inherits the creator's MXCSR and x87
 * CW, as a new thread does, and gets its own stack bounds in the TIB.
 * Returns the context (the saved stack pointer, top - 288). */
	.p2align 4
KORO_FUNC(koro__asm_prepare)
	.seh_proc KORO_SYM(koro__asm_prepare)
	.seh_endprologue
	leaq	-288(%rcx), %rax
	xorps	%xmm0, %xmm0
	movaps	%xmm0, 0(%rax)
	movaps	%xmm0, 16(%rax)
	movaps	%xmm0, 32(%rax)
	movaps	%xmm0, 48(%rax)
	movaps	%xmm0, 64(%rax)
	movaps	%xmm0, 80(%rax)
	movaps	%xmm0, 96(%rax)
	movaps	%xmm0, 112(%rax)
	movaps	%xmm0, 128(%rax)
	movaps	%xmm0, 144(%rax)
	stmxcsr	160(%rax)
	fnstcw	164(%rax)
	movw	$0, 166(%rax)
	movq	%rcx, 168(%rax)		/* StackBase = top */
	movq	16(%rdx), %r10		/* k->koro_lo_ */
	movq	%r10, 176(%rax)		/* StackLimit */
	movq	%r10, 184(%rax)		/* DeallocationStack */
	movq	$0, 192(%rax)
	movq	$0, 200(%rax)		/* r15 */
	movq	%r9, 208(%rax)		/* r14 = arg */
	movq	%r8, 216(%rax)		/* r13 = fn */
	movq	%rdx, 224(%rax)		/* r12 = k */
	movq	$0, 232(%rax)		/* rsi */
	movq	$0, 240(%rax)		/* rdi */
	movq	$0, 248(%rax)		/* rbx */
	movq	$0, 256(%rax)		/* rbp */
	leaq	KORO_SYM(koro__asm_start)(%rip), %r10
	movq	%r10, 264(%rax)
	movq	$0, 272(%rax)		/* the start routine's "return address" */
	movq	$0, 280(%rax)
	ret
	.seh_endproc
KORO_END(koro__asm_prepare)

/* The bottom frame of every coroutine, entered with rsp = top - 16 and a
 * zero "return address" at [rsp]: its unwind info (32 bytes allocated)
 * leads the unwinder to that zero, where a backtrace or an exception
 * search ends.  The 32 bytes are koro__entry's shadow space. */
	.p2align 4
KORO_LOCAL(koro__asm_start)
	.seh_proc KORO_SYM(koro__asm_start)
	subq	$32, %rsp
	.seh_stackalloc 32
	.seh_endprologue
	movq	%r12, %rcx
	movq	%r13, %rdx
	movq	%r14, %r8
	call	KORO_SYM(koro__entry)
	ud2
	.seh_endproc
KORO_END(koro__asm_start)
