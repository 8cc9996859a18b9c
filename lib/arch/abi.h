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
#elif defined(__x86_64__) && (defined(_WIN64) || defined(__CYGWIN__))
/* Microsoft x64: mingw-w64, Cygwin, clang for windows-msvc. */
#define KORO_ABI_X86_64_WIN64 1
#define KORO_ABI "x86_64-win64"
#define KORO_ABI_FILE "x86_64-win64.S"
#elif defined(__i386__)
/* cdecl: Linux, the BSDs, Android, macOS, and Windows (the file adds the
 * SEH chain and TIB fields for _WIN32 / __CYGWIN__). */
#define KORO_ABI_I386_CDECL 1
#define KORO_ABI "i386-cdecl"
#define KORO_ABI_FILE "i386-cdecl.S"
#endif

#endif /* KORO_ARCH_ABI_H */
