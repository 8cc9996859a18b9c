/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* core-only.c - a program that uses only the core (koro_init, koro_resume,
 * koro_yield), linked statically against the library's archive.
 * tests/core-layers.sh checks that nothing of the layers above the core
 * (scheduler, channels, guard pages and the overflow handler) came with
 * it: the core calls them only through hooks they install. */
#include "korutin.h"

#include <stdio.h>

static unsigned char stack[65536] __attribute__((aligned(64)));

static void
body(void *arg)
{
    int *v = arg;

    for (*v = 1; *v < 4; ++*v)
        koro_yield();
}

int
main(void)
{
    koro_t k;
    int v = 0, want = 1, rc;

    rc = koro_init(&k, body, &v, stack, sizeof stack);
    if (rc != 0) {
        printf("FAIL: koro_init: %d\n", rc);
        return 1;
    }
    while ((rc = koro_resume(&k)) == 0 && koro_status(&k) != KORO_DEAD) {
        if (v != want++) {
            printf("FAIL: the coroutine passed %d, not %d\n", v, want - 1);
            return 1;
        }
    }
    if (rc != 0 || v != 4) {
        printf("FAIL: resume %d, last value %d\n", rc, v);
        return 1;
    }
    puts("PASS: three round trips through the core alone");
    return 0;
}
