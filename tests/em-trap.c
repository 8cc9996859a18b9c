/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* em-trap.c - overflows under the emscripten backend must kill the
 * program with a diagnostic, never go on silently.  One case per run,
 * named by argv[1]; tests/em-trap.sh runs each and reads the outcome:
 *   ok        a coroutine yields from a moderate depth; exits 0
 *   canary    a coroutine smashes its canary, then yields: the core's
 *             "stack overflow in coroutine" report, then abort
 *   root      main resumes a coroutine from so deep that the thread's own
 *             Asyncify buffer overflows: Asyncify traps ("unreachable")
 *   deep      a coroutine on a minimum stack yields from ever deeper
 *             recursion: whichever of its C stack or its Asyncify share
 *             overflows first must be reported
 */
#include "korutin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Memory below the coroutine stacks, so that an overflow that escapes
 * them lands here and not in the runtime's data. */
static unsigned char slack[1 << 16];
static unsigned char stk[1 << 16];

static int __attribute__((noinline)) descend(int n)
{
    volatile int here = n;

    if (n == 0) {
        koro_yield();
        return 0;
    }
    return descend(n - 1) + here;
}

static void
body_depth(void *arg)
{
    *(int *)arg = descend(*(int *)arg);
}

static void
body_smash(void *arg)
{
    void *lo, *hi;

    /* The canary lies just below the lowest usable byte. */
    koro_stack_bounds((koro_t *)arg, &lo, &hi);
    memset((unsigned char *)lo - 4, 0, 4);
    koro_yield();
}

static void
body_yield(void *arg)
{
    (void)arg;
    koro_yield();
}

static int __attribute__((noinline)) resume_from_depth(koro_t *k, int n)
{
    volatile int here = n;

    if (n == 0)
        return koro_resume(k);
    return resume_from_depth(k, n - 1) + here;
}

int
main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    koro_t k;
    int n;

    (void)slack;
    if (strcmp(what, "ok") == 0) {
        n = 20;
        koro_init(&k, body_depth, &n, stk, sizeof stk);
        koro_resume(&k);
        koro_resume(&k);
        printf("ok: %d\n", n);
        exit(n == 210 ? 0 : 1);
    }
    if (strcmp(what, "canary") == 0) {
        koro_init(&k, body_smash, &k, stk, sizeof stk);
        koro_resume(&k);
    } else if (strcmp(what, "root") == 0) {
        koro_init(&k, body_yield, NULL, stk, sizeof stk);
        resume_from_depth(&k, argc > 2 ? atoi(argv[2]) : 2500);
    } else if (strcmp(what, "deep") == 0) {
        for (n = 8; n < 100000; n *= 2) {
            int depth = n;

            koro_init(&k, body_depth, &depth, stk + sizeof stk / 2,
                      koro_stack_min());
            koro_resume(&k);
            koro_resume(&k);
        }
    } else {
        fprintf(stderr, "usage: em-trap ok|canary|root|deep\n");
        exit(2);
    }
    printf("survived: %s\n", what);
    exit(0);
}
