/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* koro-plugin.c - a plugin linked with libkorutin, loaded by
 * tests/dlopen-plugin (tests/dlopen-host.c) with dlopen(): libkorutin
 * arrives as the plugin's dependency.  plugin_run() runs `ncoro`
 * coroutines on koro_stack_min() stacks through `rounds` round trips and
 * checks every value they pass; 0, or -1 with the reason in `why`. */
#include "korutin.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int plugin_run(unsigned ncoro, unsigned rounds, char *why, size_t n);

struct co {
    koro_t k;
    unsigned id, rounds;
    unsigned long out;
};

static void
body(void *arg)
{
    struct co *c = arg;
    unsigned i;

    for (i = 0; i < c->rounds; i++) {
        c->out = (unsigned long)c->id * 1000000ul + i;
        if (koro_yield() != 0) {
            c->out = ~0ul;
            return;
        }
    }
    c->out = (unsigned long)c->id * 1000000ul + c->rounds;
}

int
plugin_run(unsigned ncoro, unsigned rounds, char *why, size_t n)
{
    size_t size = koro_stack_min();
    struct co *co = calloc(ncoro, sizeof *co);
    unsigned char *mem = malloc(size * ncoro + 64);
    unsigned char *base =
        (unsigned char *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
    unsigned i, r;
    int rc = -1, e;

    if (!co || !mem) {
        snprintf(why, n, "out of memory");
        goto out;
    }
    for (i = 0; i < ncoro; i++) {
        co[i].id = i + 1;
        co[i].rounds = rounds;
        e = koro_init(&co[i].k, body, &co[i], base + i * size, size);
        if (e != 0) {
            snprintf(why, n, "koro_init: %s", koro_strerror(e));
            goto out;
        }
    }
    for (r = 0; r <= rounds; r++)
        for (i = 0; i < ncoro; i++) {
            e = koro_resume(&co[i].k);
            if (e != 0 || co[i].out != co[i].id * 1000000ul + r) {
                snprintf(why, n, "round %u coroutine %u: resume %d, value %lu",
                         r, i, e, co[i].out);
                goto out;
            }
        }
    for (i = 0; i < ncoro; i++)
        if (koro_status(&co[i].k) != KORO_DEAD) {
            snprintf(why, n, "coroutine %u did not finish", i);
            goto out;
        }
    rc = 0;
out:
    free(mem);
    free(co);
    return rc;
}
