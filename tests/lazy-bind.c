/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* lazy-bind.c - a coroutine on a koro_stack_min() stack may make its very
 * first call into the shared libkorutin from inside the coroutine.
 *
 * A lazily bound call runs the dynamic linker's resolver on the caller's
 * stack, and glibc's saves the vector registers there (3.3 KiB with
 * AVX-512), more than such a stack holds.  korutin.h asks the compiler
 * for calls through the GOT, which the loader binds up front; where GCC
 * ignores that (riscv64, mips64el, arm), koro_stack_min() leaves room for
 * the resolver (lib/arch/abi.h).  This program is linked against the
 * shared library with -z lazy; its only call to koro_yield() is the
 * coroutine's, so the call is resolved on the coroutine's stack unless
 * the header worked.  Everything below the coroutine's stack must stay
 * untouched. */
#include "korutin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__ELF__) && defined(__has_attribute)
#if __has_attribute(noplt)
#define T_NOPLT 1
#endif
#endif

/* Where neither holds: documented (koro_stack_min(3), doc/design.md). */
#if !defined(__ELF__)
#define T_SKIP "no lazily bound PLT entries on this platform"
#elif defined(__powerpc64__) || defined(__s390x__)
#define T_SKIP                                                                 \
    "glibc's lazy resolver needs more than koro_stack_min() here (1 KiB) "     \
    "and GCC ignores noplt: link with -Wl,-z,now for small stacks"
#elif (defined(__x86_64__) || defined(__i386__) || defined(__aarch64__)) &&    \
    !defined(T_NOPLT)
#define T_SKIP                                                                 \
    "this compiler has no noplt attribute (korutin.h): link with "             \
    "-Wl,-z,now for small stacks"
#endif

#ifndef T_SKIP
#define FILL 0x3c

static unsigned char mem[65536] __attribute__((aligned(64)));
static int steps;

static void
body(void *arg)
{
    (void)arg;
    steps++;
    koro_yield(); /* this program's first call of it */
    steps++;
}
#endif

int
main(void)
{
#ifdef T_SKIP
    puts("SKIP: " T_SKIP);
    return 77;
#else
    size_t min = koro_stack_min(), below = sizeof mem - min, i;
    koro_t k;

    if (min > sizeof mem / 2) {
        printf("SKIP: koro_stack_min() is %zu bytes here\n", min);
        return 77;
    }
    if (getenv("LD_BIND_NOW"))
        puts("note: LD_BIND_NOW is set, so nothing is bound lazily");
    memset(mem, FILL, below);
    if (koro_init(&k, body, NULL, mem + below, min) != 0 ||
        koro_resume(&k) != 0 || steps != 1) {
        puts("FAIL: the coroutine did not run to its first yield");
        return 1;
    }
    for (i = 0; i < below && mem[i] == FILL; i++)
        ;
    if (i < below) {
        printf("FAIL: the first koro_yield() wrote %zu bytes below the "
               "coroutine's %zu-byte stack\n",
               below - i, min);
        return 1;
    }
    if (koro_resume(&k) != 0 || steps != 2 || koro_status(&k) != KORO_DEAD) {
        puts("FAIL: the coroutine did not finish");
        return 1;
    }
    printf("PASS: the first koro_yield() on a %zu-byte stack stayed in it\n",
           min);
    return 0;
#endif
}
