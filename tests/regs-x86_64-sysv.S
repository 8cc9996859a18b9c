/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* regs-x86_64-sysv.S - see regs.S.  Checks rbx, rbp, r12-r15. */
#include "asm.h"
	.text
	.p2align 4
	.globl	KORO_SYM(koro_test_regs)
KORO_SYM(koro_test_regs):
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$24, %rsp		/* keeps the call aligned */
	movq	%rdi, (%rsp)
	movq	%rsi, %rax
	movq	%rdx, %rdi
	movq	(%rsp), %rbx
	leaq	1(%rbx), %rbp
	leaq	2(%rbx), %r12
	leaq	3(%rbx), %r13
	leaq	4(%rbx), %r14
	leaq	5(%rbx), %r15
	call	*%rax
	movq	(%rsp), %rdi
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	cmpq	%rdi, %rbx
	setne	%cl
	orl	%ecx, %eax
#define KORO_CHECK(reg, off, bit) \
	leaq off(%rdi), %rdx; xorl %ecx, %ecx; cmpq %rdx, reg; setne %cl; \
	shll $bit, %ecx; orl %ecx, %eax
	KORO_CHECK(%rbp, 1, 1)
	KORO_CHECK(%r12, 2, 2)
	KORO_CHECK(%r13, 3, 3)
	KORO_CHECK(%r14, 4, 4)
	KORO_CHECK(%r15, 5, 5)
	addq	$24, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
#if defined(__ELF__)
	.section .note.GNU-stack,"",%progbits
#endif
