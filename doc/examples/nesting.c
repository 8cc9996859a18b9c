/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* nesting.c - generators that resume generators.  numbers() yields 1, 2,
 * 3, ...; squares() resumes numbers() for each value and yields its
 * square; main() takes the first five squares from squares().  Exits 0
 * when main() got 1 4 9 16 25 and every status was as described. */
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>

/* Bytes per coroutine stack on top of what the library needs, which
 * depends on the backend (koro_stack_min(): tens of KiB where coroutines
 * are OS threads). */
#define STACK_EXTRA 16384

/* A generator: the coroutine and the place where it leaves its value. */
struct gen {
    koro_t k;
    long value;
};

static struct gen num, sq;
static int bad; /* counts the checks that failed */

/* Take the next value from g: resume it and read what it left. */
static long
next(struct gen *g)
{
    if (koro_resume(&g->k) != 0)
        bad++;
    return g->value;
}

static void
numbers(void *arg)
{
    struct gen *self = arg;
    long i;

    for (i = 1;; i++) {
        /* squares() resumed us and waits for us: it is "normal". */
        if (koro_status(&sq.k) != KORO_NORMAL || koro_self() != &self->k)
            bad++;
        /* It cannot be resumed while it waits for us. */
        if (koro_resume(&sq.k) != KORO_ENORMAL)
            bad++;
        self->value = i;
        koro_yield(); /* back to squares(), not to main() */
    }
}

static void
squares(void *arg)
{
    struct gen *self = arg;
    long v;

    for (;;) {
        v = next(&num);
        self->value = v * v;
        koro_yield(); /* back to main() */
    }
}

int
main(void)
{
    size_t size = koro_stack_min() + STACK_EXTRA;
    unsigned char *stacks = malloc(2 * size);
    long want[5] = {1, 4, 9, 16, 25}, v;
    int i;

    if (!stacks || koro_init(&num.k, numbers, &num, stacks, size) != 0 ||
        koro_init(&sq.k, squares, &sq, stacks + size, size) != 0)
        exit(1);
    for (i = 0; i < 5; i++) {
        v = next(&sq);
        printf("%ld\n", v);
        if (v != want[i])
            bad++;
    }
    /* Both generators are suspended in koro_yield() for ever.  Release
     * them before their stacks are used for anything else. */
    if (koro_status(&num.k) != KORO_SUSPENDED || koro_fini(&num.k) != 0 ||
        koro_fini(&sq.k) != 0)
        bad++;
    exit(bad == 0 ? 0 : 1);
}
