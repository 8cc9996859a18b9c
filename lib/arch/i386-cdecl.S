/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* i386-cdecl.S - context switch for 32-bit x86 with the cdecl/System V
 * calling convention: Linux, the BSDs, Android, macOS and Windows (mingw).
 *
 * Callee-saved state: ebx, esi, edi, ebp, esp, the x87 control word and
 * the MXCSR control bits.  On Windows also the thread's SEH chain head
 * (fs:[0]) and the TIB stack fields StackBase (fs:[4]), StackLimit
 * (fs:[8]) and DeallocationStack (fs:[0xE0C]): the exception dispatcher
 * rejects handler records outside [StackLimit, StackBase), and the stack
 * probes and overflow handling of the OS read them.
 *
 * MXCSR: kept per coroutine, so code built with -msse2 -mfpmath=sse (and
 * glibc's fesetround, which sets both units) keeps its rounding mode per
 * coroutine even when this file is built for plain i686.  Only a CPU with
 * SSE has MXCSR (Pentium III, Athlon XP and later; not the i686-class
 * Pentium II, AMD Geode or Vortex86), so there are two switches:
 * koro__switch with MXCSR, koro__switch_x87 without.  The core calls one
 * or the other as koro__i386_sse says (lib/backend.h), which koro_init()
 * sets from CPUID before the first switch; -DKORO_I386_NO_SSE keeps it 0.
 * The MXCSR slot of a frame saved by koro__switch_x87 is never loaded.
 *
 * A suspended context is its stack pointer; the stack holds, low to high:
 *
 *     0  [Windows: SEH head, StackBase, StackLimit, DeallocationStack]
 *     +0 MXCSR (4 bytes), x87 CW (2 bytes), padding (2)
 *     +8 edi, esi, ebx, ebp
 *    +24 resume address
 *
 * The switch ends with pop + indirect jmp rather than ret, so the return
 * stack buffer is not trained on the other context's call site.
 */
#include "asm.h"

#if defined(_WIN32) || defined(__CYGWIN__)
#define KORO_TIB 1
#define KORO_TIB_SIZE 16
#else
#define KORO_TIB 0
#define KORO_TIB_SIZE 0
#endif
#define KORO_FRAME (KORO_TIB_SIZE + 28)

#if defined(__CET__) && (__CET__ & 1)
#define KORO_ENDBR endbr32
#define KORO_NOTRACK notrack
#else
#define KORO_ENDBR
#define KORO_NOTRACK
#endif

	.text

/* int koro__switch(koro_t *from, void *to), with from in eax and to in
 * edx (regparm(2), see lib/backend.h): the core's calls to it stay tail
 * calls.  Saves the context into from->koro_ctx_ (offset 0), resumes the
 * context to (a saved stack pointer); returns 0 in from's context when
 * something switches back to it.  MXCSR only if \sse.
 * (koro_share_fpenv is not offered on i386: lib/backend.h says why.) */
.macro KORO_SWITCH_BODY sse
	.cfi_startproc
	KORO_ENDBR
	pushl	%ebp
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %ebp, 0
	pushl	%ebx
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %ebx, 0
	pushl	%esi
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %esi, 0
	pushl	%edi
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %edi, 0
	subl	$(KORO_FRAME - 20), %esp
	.cfi_adjust_cfa_offset KORO_FRAME - 20
.if \sse
	stmxcsr	KORO_TIB_SIZE(%esp)
.endif
	fnstcw	KORO_TIB_SIZE + 4(%esp)
#if KORO_TIB
	movl	%fs:0, %ecx
	movl	%ecx, 0(%esp)
	movl	%fs:4, %ecx
	movl	%ecx, 4(%esp)
	movl	%fs:8, %ecx
	movl	%ecx, 8(%esp)
	movl	%fs:0xE0C, %ecx
	movl	%ecx, 12(%esp)
#endif
	movl	%esp, (%eax)
	movzwl	KORO_TIB_SIZE + 4(%esp), %eax
	/* Same frame layout on the other stack: the CFI stays valid. */
	movl	%edx, %esp
#if KORO_TIB
	movl	0(%esp), %ecx
	movl	%ecx, %fs:0
	movl	4(%esp), %ecx
	movl	%ecx, %fs:4
	movl	8(%esp), %ecx
	movl	%ecx, %fs:8
	movl	12(%esp), %ecx
	movl	%ecx, %fs:0xE0C
#endif
.if \sse
	ldmxcsr	KORO_TIB_SIZE(%esp)
.endif
	/* fldcw costs more than the compare; the words almost always agree. */
	cmpw	KORO_TIB_SIZE + 4(%esp), %ax
	je	1f
	fldcw	KORO_TIB_SIZE + 4(%esp)
1:
	addl	$(KORO_FRAME - 20), %esp
	.cfi_adjust_cfa_offset -(KORO_FRAME - 20)
	popl	%edi
	.cfi_adjust_cfa_offset -4
	.cfi_restore %edi
	popl	%esi
	.cfi_adjust_cfa_offset -4
	.cfi_restore %esi
	popl	%ebx
	.cfi_adjust_cfa_offset -4
	.cfi_restore %ebx
	popl	%ebp
	.cfi_adjust_cfa_offset -4
	.cfi_restore %ebp
	popl	%ecx
	.cfi_adjust_cfa_offset -4
	.cfi_register %eip, %ecx
	xorl	%eax, %eax
	KORO_NOTRACK jmp *%ecx
	.cfi_endproc
.endm

	.p2align 4
KORO_FUNC(koro__switch)
	KORO_SWITCH_BODY 1
KORO_END(koro__switch)

/* The same without MXCSR, for CPUs without SSE. */
	.p2align 4
KORO_FUNC(koro__switch_x87)
	KORO_SWITCH_BODY 0
KORO_END(koro__switch_x87)

/* void *koro__asm_prepare(void *top, koro_t *k, koro_fn fn, void *arg)
 * Builds the initial frame below top (16-byte aligned) so that the first
 * switch lands in koro__asm_start with ebx = k, esi = fn, edi = arg,
 * ebp = 0 and esp = top.  The new context inherits the creator's x87 CW,
 * as a new thread does, and its MXCSR, which koro__bk_init() stores in
 * the frame where the CPU has one.  On Windows it gets an empty SEH chain and
 * its own stack bounds.  Returns the context (the saved stack pointer). */
	.p2align 4
KORO_FUNC(koro__asm_prepare)
	.cfi_startproc
	KORO_ENDBR
	movl	4(%esp), %eax		/* top */
	subl	$KORO_FRAME, %eax
	movl	$0x1f80, KORO_TIB_SIZE(%eax)	/* MXCSR's default */
	fnstcw	KORO_TIB_SIZE + 4(%eax)
	movw	$0, KORO_TIB_SIZE + 6(%eax)
	movl	16(%esp), %ecx		/* arg */
	movl	%ecx, KORO_TIB_SIZE + 8(%eax)	/* edi */
	movl	12(%esp), %ecx		/* fn */
	movl	%ecx, KORO_TIB_SIZE + 12(%eax)	/* esi */
	movl	8(%esp), %ecx		/* k */
	movl	%ecx, KORO_TIB_SIZE + 16(%eax)	/* ebx */
	movl	$0, KORO_TIB_SIZE + 20(%eax)	/* ebp */
#if KORO_TIB
	movl	$-1, 0(%eax)		/* end of the SEH chain */
	movl	4(%esp), %edx
	movl	%edx, 4(%eax)		/* StackBase = top */
	movl	8(%ecx), %edx		/* k->koro_lo_ */
	movl	%edx, 8(%eax)		/* StackLimit */
	movl	%edx, 12(%eax)		/* DeallocationStack */
#endif
	/* The start routine's address, position-independently. */
	call	1f
1:	popl	%ecx
	leal	KORO_SYM(koro__asm_start) - 1b(%ecx), %ecx
	movl	%ecx, KORO_TIB_SIZE + 24(%eax)
	ret
	.cfi_endproc
KORO_END(koro__asm_prepare)

/* The bottom frame of every coroutine.  The return address is undefined,
 * so debuggers end the backtrace here instead of walking into garbage.
 * esp = top (16-byte aligned): the three arguments plus 4 bytes of padding
 * keep it aligned at the call, as gcc assumes on i386 Linux. */
	.p2align 4
KORO_LOCAL(koro__asm_start)
	.cfi_startproc
	.cfi_undefined %eip
	KORO_ENDBR
	subl	$4, %esp
	pushl	%edi
	pushl	%esi
	pushl	%ebx
	/* koro__entry is hidden: a direct call needs no GOT in ebx. */
	call	KORO_SYM(koro__entry)
	ud2
	.cfi_endproc
KORO_END(koro__asm_start)

#if defined(__ELF__)
	.section .note.GNU-stack,"",%progbits
#if defined(__CET__) && (__CET__ & 1)
/* IBT only: every indirect jump here is notrack, every entry has endbr32.
 * The switch does not maintain a shadow stack, so no SHSTK. */
	koro_gnu_property 0xc0000002, 1	/* X86_FEATURE_1_AND: IBT */
#endif
#endif
