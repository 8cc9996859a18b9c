/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* stacks.c - choosing and sizing stacks: the minimum, measuring what a
 * coroutine really uses with the watermark, and a stack with a guard page
 * from koro_stack_alloc().  Exits 0 when every step behaves as the
 * manual says. */
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>

/* Bytes per coroutine stack on top of what the library needs, which
 * depends on the backend (koro_stack_min(): tens of KiB where coroutines
 * are OS threads). */
#define STACK_EXTRA 16384

static int bad;
static char measured[] = "measured", guarded_name[] = "guarded";

/* The body to measure: formatting a line is what takes the stack. */
static void
work(void *arg)
{
    char line[128];

    snprintf(line, sizeof line, "%s: %d %.3f", (const char *)arg, 42, 3.14159);
    koro_yield();
}

static void
check(int rc, int want, const char *what)
{
    if (rc != want) {
        fprintf(stderr, "%s: %s (expected %s)\n", what, koro_strerror(rc),
                koro_strerror(want));
        bad++;
    }
}

int
main(void)
{
    size_t used, usable, min = koro_stack_min(), size = min + STACK_EXTRA;
    unsigned char *stack = malloc(size);
    koro_t k;
    void *lo, *hi, *guarded;
    int rc;

    if (!stack)
        exit(1);
    /* 1. The smallest stack koro_init() accepts. */
    printf("koro_stack_min() = %lu bytes\n", (unsigned long)min);
    check(koro_init(&k, work, measured, stack, min - 1), KORO_ESTACK,
          "too small");

    /* 2. Measure: mark the stack before the first resume, run the body,
     * then ask for the peak. */
    check(koro_init(&k, work, measured, stack, size), 0, "koro_init");
    check(koro_stack_bounds(&k, &lo, &hi), 0, "koro_stack_bounds");
    check(koro_watermark(&k), 0, "koro_watermark");
    check(koro_resume(&k), 0, "first resume");
    check(koro_resume(&k), 0, "second resume"); /* runs to the end */
    check(koro_stack_used(&k, &used), 0, "koro_stack_used");
    printf("usable %lu bytes, peak use %lu bytes\n",
           (unsigned long)((unsigned char *)hi - (unsigned char *)lo),
           (unsigned long)used);
    if (used == 0 || used > (size_t)((unsigned char *)hi - (unsigned char *)lo))
        bad++;
    /* Too late to mark a stack once the coroutine has run. */
    check(koro_watermark(&k), KORO_ESTARTED, "late watermark");

    /* 3. A stack above a guard page, overflows reported by name. */
    rc = koro_overflow_handler_install();
    if (rc != 0 && rc != KORO_ENOSYS)
        check(rc, 0, "koro_overflow_handler_install");
    rc = koro_stack_alloc(size, &guarded, &usable);
    if (rc == KORO_ENOSYS) {
        printf("no guard pages on this platform\n");
    } else {
        check(rc, 0, "koro_stack_alloc");
        if (rc == 0) {
            printf("guarded stack: asked %lu, usable %lu bytes\n",
                   (unsigned long)size, (unsigned long)usable);
            check(koro_init(&k, work, guarded_name, guarded, usable), 0,
                  "koro_init on the guarded stack");
            koro_set_name(&k, "guarded worker");
            check(koro_resume(&k), 0, "resume");
            check(koro_resume(&k), 0, "resume");
            if (koro_status(&k) != KORO_DEAD)
                bad++;
            check(koro_stack_free(guarded, usable), 0, "koro_stack_free");
        }
    }
    exit(bad == 0 ? 0 : 1);
}
