/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* backend.c - which backend this libkorutin was built with.  Exits 0 when
 * koro_backend() names one of the known backends. */
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(void)
{
    static const char *const known[] = {"asm",     "sjlj",  "ucontext",
                                        "threads", "win32", "emscripten"};
    const char *b = koro_backend();
    size_t i, n;

    printf("backend: %s\nminimum stack: %lu bytes\n", b,
           (unsigned long)koro_stack_min());
    for (i = 0; i < sizeof known / sizeof known[0]; i++) {
        n = strlen(known[i]);
        /* The name comes first, then a space and details, if any. */
        if (strncmp(b, known[i], n) == 0 && (b[n] == '\0' || b[n] == ' '))
            exit(0);
    }
    exit(1);
}
