/* lazy-bind.c - a coroutine on a koro_stack_min() stack may make its very
 * first call into the shared libkorutin from inside the coroutine.
 *
 * A lazily bound call runs the dynamic linker's resolver on the caller's
 * stack, and glibc's saves the vector registers there (3.3 KiB with
 * AVX-512), more than such a stack holds.  korutin.h asks the compiler
 * for calls through the GOT, which the loader binds up front.  This
 * program is linked against the shared library with -z lazy; its only
 * call to koro_yield() is the coroutine's, so the call would be resolved
 * on the coroutine's stack if the header did not work.  Everything below
 * the coroutine's stack must stay untouched. */
#include "korutin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__ELF__) && defined(__has_attribute)
#if __has_attribute(noplt)
#define T_NOPLT 1
#endif
#endif

#define FILL 0x3c

static unsigned char mem[16384] __attribute__((aligned(64)));
static int steps;

static void
body(void *arg)
{
    (void)arg;
    steps++;
    koro_yield(); /* this program's first call of it */
    steps++;
}

int
main(void)
{
#ifndef T_NOPLT
    puts("SKIP: this compiler cannot ask for GOT-bound calls (no noplt "
         "attribute, or not ELF): link with -Wl,-z,now for small stacks");
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
    if (koro_resume(&k) != 0 || steps != 2 ||
        koro_status(&k) != KORO_DEAD) {
        puts("FAIL: the coroutine did not finish");
        return 1;
    }
    printf("PASS: the first koro_yield() on a %zu-byte stack stayed in it\n",
           min);
    return 0;
#endif
}
