/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* regs-i386-cdecl.S - see regs.S.  Checks ebx, esi, edi, ebp (i386 has
 * no callee-saved FP registers; the FP control words have their own
 * tests). */
#include "asm.h"
	.text
	.p2align 4
	.globl	KORO_SYM(koro_test_regs)
KORO_SYM(koro_test_regs):
	pushl	%ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	/* 16 bytes pushed + return address: 12 more keep the call aligned
	 * while passing one argument. */
	subl	$12, %esp
	movl	40(%esp), %eax		/* arg */
	movl	%eax, (%esp)
	movl	32(%esp), %ebx		/* seed */
	leal	1(%ebx), %ebp
	leal	2(%ebx), %esi
	leal	3(%ebx), %edi
	call	*36(%esp)		/* fn */
	movl	32(%esp), %edx
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	cmpl	%edx, %ebx
	setne	%cl
	orl	%ecx, %eax
#define KORO_CHECK(reg, off, bit) \
	leal off(%edx), %ecx; cmpl %ecx, reg; movl $0, %ecx; setne %cl; \
	shll $bit, %ecx; orl %ecx, %eax
	KORO_CHECK(%ebp, 1, 1)
	KORO_CHECK(%esi, 2, 2)
	KORO_CHECK(%edi, 3, 3)
	addl	$12, %esp
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret
#if defined(__ELF__)
	.section .note.GNU-stack,"",%progbits
#endif
