/* abi.h - which assembly file serves the ABI the compiler targets.
 *
 * The compiler's predefined macros are the truth about the ABI (they follow
 * -m32, -mthumb, -mabi=...), so both configure and the build ask this file
 * rather than parsing the host triplet alone.  Defines KORO_ABI (the name),
 * KORO_ABI_FILE (the file under lib/arch/) and KORO_ABI_<NAME> (for #if),
 * or leaves them undefined. */
#ifndef KORO_ARCH_ABI_H
#define KORO_ARCH_ABI_H

#if defined(__x86_64__) && !defined(__ILP32__) && !defined(_WIN64) &&       \
    !defined(__CYGWIN__)
#define KORO_ABI_X86_64_SYSV 1
#define KORO_ABI "x86_64-sysv"
#define KORO_ABI_FILE "x86_64-sysv.S"
/* AAPCS64 everywhere but Windows: there the TEB's stack bounds (x18) and
 * SEH unwind data would have to follow the switch, which is not done. */
#elif defined(__aarch64__) && !defined(__ILP32__) && !defined(_WIN32)
#define KORO_ABI_AARCH64_AAPCS 1
#define KORO_ABI "aarch64-aapcs"
#define KORO_ABI_FILE "aarch64-aapcs.S"
/* 32-bit AAPCS (EABI Linux/Android, iOS) in ARM or Thumb-2 state; Thumb-1
 * cannot reach r8-r11 with push/pop, ARMv4T cannot interwork with pop. */
#elif defined(__arm__) && !defined(_WIN32) &&                              \
    (defined(__ARM_EABI__) || defined(__APPLE__)) &&                        \
    (defined(__thumb2__) || !defined(__thumb__)) &&                         \
    (!defined(__ARM_ARCH) || __ARM_ARCH >= 5)
#define KORO_ABI_ARM_AAPCS 1
#define KORO_ABI "arm-aapcs"
#define KORO_ABI_FILE "arm-aapcs.S"
#endif

#endif /* KORO_ARCH_ABI_H */
