/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* regs-x86_64-win64.S - see regs.S.  Checks rbx, rbp, rdi, rsi, r12-r15
 * (bits 0-7) and all 128 bits of xmm6-xmm15 (bits 8-17): each xmm gets a
 * value in its low half and the complement in its high half.
 * int koro_test_regs(uintptr_t seed, void (*fn)(void *), void *arg)
 * arrives in rcx, rdx, r8. */
#include "asm.h"
	.text
	.p2align 4
	.globl	KORO_SYM(koro_test_regs)
	.def	KORO_SYM(koro_test_regs); .scl 2; .type 32; .endef
KORO_SYM(koro_test_regs):
	pushq	%rbp
	pushq	%rbx
	pushq	%rdi
	pushq	%rsi
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	/* shadow space [0,32), seed at 32, xmm6-15 saved at [48,208). */
	subq	$216, %rsp
	movaps	%xmm6, 48(%rsp)
	movaps	%xmm7, 64(%rsp)
	movaps	%xmm8, 80(%rsp)
	movaps	%xmm9, 96(%rsp)
	movaps	%xmm10, 112(%rsp)
	movaps	%xmm11, 128(%rsp)
	movaps	%xmm12, 144(%rsp)
	movaps	%xmm13, 160(%rsp)
	movaps	%xmm14, 176(%rsp)
	movaps	%xmm15, 192(%rsp)
	movq	%rcx, 32(%rsp)
	movq	%rdx, %rax
	movq	%r8, %rcx
	movq	32(%rsp), %rbx
	leaq	1(%rbx), %rbp
	leaq	2(%rbx), %rdi
	leaq	3(%rbx), %rsi
	leaq	4(%rbx), %r12
	leaq	5(%rbx), %r13
	leaq	6(%rbx), %r14
	leaq	7(%rbx), %r15
	leaq	16(%rbx), %rdx
	movq	%rdx, %xmm6
	notq	%rdx
	movq	%rdx, %xmm0
	punpcklqdq	%xmm0, %xmm6
	leaq	17(%rbx), %rdx
	movq	%rdx, %xmm7
	notq	%rdx
	movq	%rdx, %xmm0
	punpcklqdq	%xmm0, %xmm7
	leaq	18(%rbx), %rdx
	movq	%rdx, %xmm8
	notq	%rdx
	movq	%rdx, %xmm0
	punpcklqdq	%xmm0, %xmm8
	leaq	19(%rbx), %rdx
	movq	%rdx, %xmm9
	notq	%rdx
	movq	%rdx, %xmm0
	punpcklqdq	%xmm0, %xmm9
	leaq	20(%rbx), %rdx
	movq	%rdx, %xmm10
	notq	%rdx
	movq	%rdx, %xmm0
	punpcklqdq	%xmm0, %xmm10
	leaq	21(%rbx), %rdx
	movq	%rdx, %xmm11
	notq	%rdx
	movq	%rdx, %xmm0
	punpcklqdq	%xmm0, %xmm11
	leaq	22(%rbx), %rdx
	movq	%rdx, %xmm12
	notq	%rdx
	movq	%rdx, %xmm0
	punpcklqdq	%xmm0, %xmm12
	leaq	23(%rbx), %rdx
	movq	%rdx, %xmm13
	notq	%rdx
	movq	%rdx, %xmm0
	punpcklqdq	%xmm0, %xmm13
	leaq	24(%rbx), %rdx
	movq	%rdx, %xmm14
	notq	%rdx
	movq	%rdx, %xmm0
	punpcklqdq	%xmm0, %xmm14
	leaq	25(%rbx), %rdx
	movq	%rdx, %xmm15
	notq	%rdx
	movq	%rdx, %xmm0
	punpcklqdq	%xmm0, %xmm15
	call	*%rax
	movq	32(%rsp), %r10
	xorl	%eax, %eax
	leaq	0(%r10), %rdx
	xorl	%ecx, %ecx
	cmpq	%rdx, %rbx
	setne	%cl
	shll	$0, %ecx
	orl	%ecx, %eax
	leaq	1(%r10), %rdx
	xorl	%ecx, %ecx
	cmpq	%rdx, %rbp
	setne	%cl
	shll	$1, %ecx
	orl	%ecx, %eax
	leaq	2(%r10), %rdx
	xorl	%ecx, %ecx
	cmpq	%rdx, %rdi
	setne	%cl
	shll	$2, %ecx
	orl	%ecx, %eax
	leaq	3(%r10), %rdx
	xorl	%ecx, %ecx
	cmpq	%rdx, %rsi
	setne	%cl
	shll	$3, %ecx
	orl	%ecx, %eax
	leaq	4(%r10), %rdx
	xorl	%ecx, %ecx
	cmpq	%rdx, %r12
	setne	%cl
	shll	$4, %ecx
	orl	%ecx, %eax
	leaq	5(%r10), %rdx
	xorl	%ecx, %ecx
	cmpq	%rdx, %r13
	setne	%cl
	shll	$5, %ecx
	orl	%ecx, %eax
	leaq	6(%r10), %rdx
	xorl	%ecx, %ecx
	cmpq	%rdx, %r14
	setne	%cl
	shll	$6, %ecx
	orl	%ecx, %eax
	leaq	7(%r10), %rdx
	xorl	%ecx, %ecx
	cmpq	%rdx, %r15
	setne	%cl
	shll	$7, %ecx
	orl	%ecx, %eax
	leaq	16(%r10), %rdx
	movq	%rdx, %xmm0
	notq	%rdx
	movq	%rdx, %xmm1
	punpcklqdq	%xmm1, %xmm0
	pcmpeqb	%xmm6, %xmm0
	pmovmskb	%xmm0, %edx
	xorl	%ecx, %ecx
	cmpl	$0xffff, %edx
	setne	%cl
	shll	$8, %ecx
	orl	%ecx, %eax
	leaq	17(%r10), %rdx
	movq	%rdx, %xmm0
	notq	%rdx
	movq	%rdx, %xmm1
	punpcklqdq	%xmm1, %xmm0
	pcmpeqb	%xmm7, %xmm0
	pmovmskb	%xmm0, %edx
	xorl	%ecx, %ecx
	cmpl	$0xffff, %edx
	setne	%cl
	shll	$9, %ecx
	orl	%ecx, %eax
	leaq	18(%r10), %rdx
	movq	%rdx, %xmm0
	notq	%rdx
	movq	%rdx, %xmm1
	punpcklqdq	%xmm1, %xmm0
	pcmpeqb	%xmm8, %xmm0
	pmovmskb	%xmm0, %edx
	xorl	%ecx, %ecx
	cmpl	$0xffff, %edx
	setne	%cl
	shll	$10, %ecx
	orl	%ecx, %eax
	leaq	19(%r10), %rdx
	movq	%rdx, %xmm0
	notq	%rdx
	movq	%rdx, %xmm1
	punpcklqdq	%xmm1, %xmm0
	pcmpeqb	%xmm9, %xmm0
	pmovmskb	%xmm0, %edx
	xorl	%ecx, %ecx
	cmpl	$0xffff, %edx
	setne	%cl
	shll	$11, %ecx
	orl	%ecx, %eax
	leaq	20(%r10), %rdx
	movq	%rdx, %xmm0
	notq	%rdx
	movq	%rdx, %xmm1
	punpcklqdq	%xmm1, %xmm0
	pcmpeqb	%xmm10, %xmm0
	pmovmskb	%xmm0, %edx
	xorl	%ecx, %ecx
	cmpl	$0xffff, %edx
	setne	%cl
	shll	$12, %ecx
	orl	%ecx, %eax
	leaq	21(%r10), %rdx
	movq	%rdx, %xmm0
	notq	%rdx
	movq	%rdx, %xmm1
	punpcklqdq	%xmm1, %xmm0
	pcmpeqb	%xmm11, %xmm0
	pmovmskb	%xmm0, %edx
	xorl	%ecx, %ecx
	cmpl	$0xffff, %edx
	setne	%cl
	shll	$13, %ecx
	orl	%ecx, %eax
	leaq	22(%r10), %rdx
	movq	%rdx, %xmm0
	notq	%rdx
	movq	%rdx, %xmm1
	punpcklqdq	%xmm1, %xmm0
	pcmpeqb	%xmm12, %xmm0
	pmovmskb	%xmm0, %edx
	xorl	%ecx, %ecx
	cmpl	$0xffff, %edx
	setne	%cl
	shll	$14, %ecx
	orl	%ecx, %eax
	leaq	23(%r10), %rdx
	movq	%rdx, %xmm0
	notq	%rdx
	movq	%rdx, %xmm1
	punpcklqdq	%xmm1, %xmm0
	pcmpeqb	%xmm13, %xmm0
	pmovmskb	%xmm0, %edx
	xorl	%ecx, %ecx
	cmpl	$0xffff, %edx
	setne	%cl
	shll	$15, %ecx
	orl	%ecx, %eax
	leaq	24(%r10), %rdx
	movq	%rdx, %xmm0
	notq	%rdx
	movq	%rdx, %xmm1
	punpcklqdq	%xmm1, %xmm0
	pcmpeqb	%xmm14, %xmm0
	pmovmskb	%xmm0, %edx
	xorl	%ecx, %ecx
	cmpl	$0xffff, %edx
	setne	%cl
	shll	$16, %ecx
	orl	%ecx, %eax
	leaq	25(%r10), %rdx
	movq	%rdx, %xmm0
	notq	%rdx
	movq	%rdx, %xmm1
	punpcklqdq	%xmm1, %xmm0
	pcmpeqb	%xmm15, %xmm0
	pmovmskb	%xmm0, %edx
	xorl	%ecx, %ecx
	cmpl	$0xffff, %edx
	setne	%cl
	shll	$17, %ecx
	orl	%ecx, %eax
	movaps	48(%rsp), %xmm6
	movaps	64(%rsp), %xmm7
	movaps	80(%rsp), %xmm8
	movaps	96(%rsp), %xmm9
	movaps	112(%rsp), %xmm10
	movaps	128(%rsp), %xmm11
	movaps	144(%rsp), %xmm12
	movaps	160(%rsp), %xmm13
	movaps	176(%rsp), %xmm14
	movaps	192(%rsp), %xmm15
	addq	$216, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rsi
	popq	%rdi
	popq	%rbx
	popq	%rbp
	ret
