/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* bt-demo.c - a coroutine stopped three calls deep, for tests/gdb-bt.sh. */
#include "korutin.h"

#include <stdio.h>

void koro_bt_stop_here(void);

/* gdb breaks here; noinline keeps every frame visible. */
__attribute__((noinline)) void
koro_bt_stop_here(void)
{
    __asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void
descend(int n)
{
    if (n > 0)
        descend(n - 1);
    else
        koro_bt_stop_here();
    __asm__ volatile("" ::: "memory");
}

static void
body(void *arg)
{
    (void)arg;
    descend(3);
    koro_yield();
}

int
main(void)
{
    static unsigned char stack[65536];
    koro_t k;

    if (koro_init(&k, body, NULL, stack, sizeof stack) != 0)
        return 1;
    koro_resume(&k);
    koro_resume(&k);
    puts(koro_status(&k) == KORO_DEAD ? "ok" : "not dead");
    return 0;
}
