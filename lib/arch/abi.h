/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* abi.h - which assembly file serves the ABI the compiler targets.
 *
 * The compiler's predefined macros are the truth about the ABI (they follow
 * -m32, -mthumb, -mabi=...), so both configure and the build ask this file
 * rather than parsing the host triplet alone.  Defines KORO_ABI (the name),
 * KORO_ABI_FILE (the file under lib/arch/) and KORO_ABI_<NAME> (for #if),
 * or leaves them undefined. */
#ifndef KORO_ARCH_ABI_H
#define KORO_ARCH_ABI_H

#if defined(__x86_64__) && !defined(__ILP32__) && !defined(_WIN64) &&          \
    !defined(__CYGWIN__)
#define KORO_ABI_X86_64_SYSV 1
#define KORO_ABI "x86_64-sysv"
#define KORO_ABI_FILE "x86_64-sysv.S"
#elif defined(__riscv) && __riscv_xlen == 64 &&                                \
    defined(__riscv_float_abi_double)
#define KORO_ABI_RISCV64_LP64 1
#define KORO_ABI "riscv64-lp64"
#define KORO_ABI_FILE "riscv64-lp64.S"
/* GCC ignores the noplt attribute here (korutin.h), so a program's first
 * call of koro_yield() from a coroutine may run glibc's lazy resolver on
 * the coroutine's stack: 816 bytes at the peak under qemu (240 when
 * bound up front).  1 KiB holds it. */
#define KORO_ABI_STACK_MIN 1008 /* + the core's 16-byte record: 1 KiB */
#elif defined(__powerpc64__) && defined(_CALL_ELF) && _CALL_ELF == 2 &&        \
    defined(__LITTLE_ENDIAN__)
#define KORO_ABI_PPC64LE_ELFV2 1
#define KORO_ABI "ppc64le-elfv2"
#define KORO_ABI_FILE "ppc64le-elfv2.S"
/* A 528-byte switch frame (18 GPRs, 18 FPRs, 12 vector registers): a body
 * calling koro_yield() peaks at 688 bytes at -O2 and 816 at -O0, and
 * prepare leaves the frame's low 472 bytes alone (see the .S file).
 * glibc's lazy resolver takes 992 (GCC ignores noplt here): a program
 * linked against the shared library needs -Wl,-z,now for such stacks. */
#define KORO_ABI_STACK_MIN 1008 /* + the core's 16-byte record: 1 KiB */
#define KORO_ABI_FRAME_SKIP 472
#elif defined(__s390x__)
#define KORO_ABI_S390X_ELF 1
#define KORO_ABI "s390x-elf"
#define KORO_ABI_FILE "s390x-elf.S"
/* Every C frame carries a 160-byte register save area: a body calling
 * koro_yield() peaks at 464 bytes at -O2 and 904 at -O0.  glibc's lazy
 * resolver takes 1592 (GCC ignores noplt here): a program linked against
 * the shared library needs -Wl,-z,now for such stacks. */
#define KORO_ABI_STACK_MIN 1008 /* + the core's 16-byte record: 1 KiB */
#elif defined(__mips64) && defined(_MIPS_SIM) && _MIPS_SIM == _ABI64 &&        \
    defined(__MIPSEL__) && defined(__mips_hard_float)
#define KORO_ABI_MIPS64EL_N64 1
#define KORO_ABI "mips64el-n64"
#define KORO_ABI_FILE "mips64el-n64.S"
/* GCC ignores the noplt attribute here (korutin.h), so a program's first
 * call of koro_yield() from a coroutine may run glibc's lazy resolver on
 * the coroutine's stack: 888 bytes at the peak under qemu (320 when
 * bound up front).  1 KiB holds it. */
#define KORO_ABI_STACK_MIN 1008 /* + the core's 16-byte record: 1 KiB */
/* AAPCS64 everywhere but Windows: there the TEB's stack bounds (x18) and
 * SEH unwind data would have to follow the switch, which is not done. */
#elif defined(__aarch64__) && !defined(__ILP32__) && !defined(_WIN32)
#define KORO_ABI_AARCH64_AAPCS 1
#define KORO_ABI "aarch64-aapcs"
#define KORO_ABI_FILE "aarch64-aapcs.S"
/* 32-bit AAPCS (EABI Linux/Android, iOS) in ARM or Thumb-2 state; Thumb-1
 * cannot reach r8-r11 with push/pop, ARMv4T cannot interwork with pop. */
#elif defined(__arm__) && !defined(_WIN32) &&                                  \
    (defined(__ARM_EABI__) || defined(__APPLE__)) &&                           \
    (defined(__thumb2__) || !defined(__thumb__)) &&                            \
    (!defined(__ARM_ARCH) || __ARM_ARCH >= 5)
#define KORO_ABI_ARM_AAPCS 1
#define KORO_ABI "arm-aapcs"
#define KORO_ABI_FILE "arm-aapcs.S"
/* GCC ignores the noplt attribute here (korutin.h), so a program's first
 * call of koro_yield() from a coroutine may run glibc's lazy resolver on
 * the coroutine's stack: 472 bytes at the peak under qemu (168 when
 * bound up front).  1 KiB holds it. */
#define KORO_ABI_STACK_MIN 1008 /* + the core's 16-byte record: 1 KiB */
#elif defined(__x86_64__) && (defined(_WIN64) || defined(__CYGWIN__))
/* Microsoft x64: mingw-w64, Cygwin, clang for windows-msvc. */
#define KORO_ABI_X86_64_WIN64 1
#define KORO_ABI "x86_64-win64"
#define KORO_ABI_FILE "x86_64-win64.S"
/* The switch frame alone holds ten 16-byte xmm registers, and every call
 * reserves 32 bytes of shadow space: a body using a channel needs more
 * than 512 bytes. */
#define KORO_ABI_STACK_MIN 1024
#elif defined(__i386__)
/* cdecl: Linux, the BSDs, Android, macOS, and Windows (the file adds the
 * SEH chain and TIB fields for _WIN32 / __CYGWIN__). */
#define KORO_ABI_I386_CDECL 1
#define KORO_ABI "i386-cdecl"
#define KORO_ABI_FILE "i386-cdecl.S"
#endif

#endif /* KORO_ARCH_ABI_H */
