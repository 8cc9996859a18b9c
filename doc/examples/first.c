/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* first.c - a first coroutine: it counts to three, handing each number
 * back to main() with koro_yield().  Exits 0 when main() saw 1 2 3 and
 * the coroutine ended dead. */
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>

/* The coroutine's body: arg is whatever koro_init() was given. */
static void
count(void *arg)
{
    int *value = arg;
    int i;

    for (i = 1; i <= 3; i++) {
        *value = i;
        koro_yield(); /* back to main(), which resumed us */
    }
    /* Returning ends the coroutine: its status becomes KORO_DEAD. */
}

int
main(void)
{
    /* The stack the coroutine runs on: what the library needs, which
     * depends on the backend, and 16 KiB for count() and what it calls. */
    size_t size = koro_stack_min() + 16384;
    unsigned char *stack = malloc(size);
    koro_t k; /* describes the coroutine */
    int value = 0, sum = 0, rc;

    if (!stack)
        exit(1);
    rc = koro_init(&k, count, &value, stack, size);
    if (rc != 0) {
        fprintf(stderr, "koro_init: %s\n", koro_strerror(rc));
        exit(1);
    }
    /* Each koro_resume() runs count() until its next koro_yield() or
     * until it returns. */
    while (koro_resume(&k) == 0 && koro_status(&k) != KORO_DEAD) {
        printf("got %d\n", value);
        sum = sum * 10 + value;
    }
    /* A dead coroutine cannot be resumed again. */
    rc = koro_resume(&k);
    printf("resuming it again: %s\n", koro_strerror(rc));
    exit(sum == 123 && rc == KORO_EDEAD ? 0 : 1);
}
