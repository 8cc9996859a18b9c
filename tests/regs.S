/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* regs.S - koro_test_regs() for the ABI the compiler targets, or nothing
 * (the register test then skips).
 *
 * int koro_test_regs(uintptr_t seed, void (*fn)(void *), void *arg)
 * loads every callee-saved register with a value derived from seed, calls
 * fn(arg), and returns a bit mask of the registers that no longer hold
 * their value (0: all survived).  The caller's registers are preserved. */
#include "abi.h"
#if defined(KORO_ABI_X86_64_SYSV)
#include "regs-x86_64-sysv.S"
#elif defined(KORO_ABI_RISCV64_LP64)
#include "regs-riscv64-lp64.S"
#elif defined(KORO_ABI_PPC64LE_ELFV2)
#include "regs-ppc64le-elfv2.S"
#elif defined(KORO_ABI_S390X_ELF)
#include "regs-s390x-elf.S"
#elif defined(KORO_ABI_MIPS64EL_N64)
#include "regs-mips64el-n64.S"
#elif defined(KORO_ABI_AARCH64_AAPCS)
#include "regs-aarch64-aapcs.S"
#elif defined(KORO_ABI_ARM_AAPCS)
#include "regs-arm-aapcs.S"
#elif defined(KORO_ABI_X86_64_WIN64)
#include "regs-x86_64-win64.S"
#elif defined(KORO_ABI_I386_CDECL)
#include "regs-i386-cdecl.S"
#endif
