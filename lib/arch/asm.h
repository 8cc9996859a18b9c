/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* asm.h - symbol and section boilerplate shared by the lib/arch files.
 *
 * KORO_FUNC(name) opens a global function with hidden visibility (it is
 * internal to libkorutin), KORO_LOCAL(name) a file-local one, KORO_END(name)
 * closes either; KORO_SYM(name) is the assembler-level name.  KORO_SEP
 * separates statements inside a macro (";" in GNU as, "%%" for Apple
 * arm64, where ";" starts a comment). */
#ifndef KORO_ARCH_ASM_H
#define KORO_ARCH_ASM_H

/* clang-format off */
#if defined(__APPLE__) && defined(__aarch64__)
#define KORO_SEP %%
#else
#define KORO_SEP ;
#endif

#if defined(__APPLE__)
#define KORO_SYM(x) _##x
#define KORO_FUNC(x) .globl KORO_SYM(x) KORO_SEP .private_extern KORO_SYM(x) KORO_SEP KORO_SYM(x):
#define KORO_LOCAL(x) KORO_SYM(x):
#define KORO_END(x)
#elif defined(_WIN32) || defined(__CYGWIN__)
#if defined(__i386__)
#define KORO_SYM(x) _##x
#else
#define KORO_SYM(x) x
#endif
/* COFF needs a function type or calls through it break (mingw). */
#define KORO_FUNC(x) .globl KORO_SYM(x) KORO_SEP .def KORO_SYM(x) KORO_SEP .scl 2 KORO_SEP .type 32 KORO_SEP .endef KORO_SEP KORO_SYM(x):
#define KORO_LOCAL(x) .def KORO_SYM(x) KORO_SEP .scl 3 KORO_SEP .type 32 KORO_SEP .endef KORO_SEP KORO_SYM(x):
#define KORO_END(x)
#else /* ELF */
#define KORO_SYM(x) x
#define KORO_FUNC(x) .globl x KORO_SEP .hidden x KORO_SEP .type x, %function KORO_SEP x:
#define KORO_LOCAL(x) .type x, %function KORO_SEP x:
#define KORO_END(x) .size x, .-x
#endif
/* clang-format on */

/* koro_gnu_property TYPE, VALUE: a GNU property note with one 4-byte
 * property (the IBT/BTI/PAC feature bits), padded as the ELF class wants:
 * 8-byte alignment on 64-bit targets, 4 on 32-bit ones.  The linker ANDs
 * these notes across objects, so every file must state what it honours. */
#if defined(__ELF__)
#if defined(__LP64__) || defined(_LP64)
#define KORO_NOTE_ALIGN 3
#define KORO_NOTE_PAD 4
#else
#define KORO_NOTE_ALIGN 2
#define KORO_NOTE_PAD 0
#endif
/* clang-format off */
	.macro koro_gnu_property type, value
	.pushsection .note.gnu.property,"a"
	.p2align KORO_NOTE_ALIGN
	.long	4			/* name size */
	.long	12 + KORO_NOTE_PAD	/* descriptor size */
	.long	5			/* NT_GNU_PROPERTY_TYPE_0 */
	.asciz	"GNU"
	.long	\type
	.long	4
	.long	\value
	.p2align KORO_NOTE_ALIGN
	.popsection
	.endm
/* clang-format on */
#endif

#endif /* KORO_ARCH_ASM_H */
