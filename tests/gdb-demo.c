/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* gdb-demo.c - a scheduler whose coroutines are blocked in every kind of
 * wait when gdb stops in koro_gdb_stop_here(), for tests/gdb-koro.sh.
 * Afterwards it cancels them all and ends normally. */
#include "korutin.h"

#include <stdio.h>

#define N 8
#define STACK 65536

void koro_gdb_stop_here(void);

static koro_sched_t sched;
static koro_t ks[N];
static unsigned char stacks[N][STACK];
static koro_chan_t empty, other;
static koro_mutex_t mtx;
static koro_cond_t cond;
static koro_wg_t wg;
static volatile int spin = 1;

/* gdb breaks here; noinline keeps every frame visible. */
__attribute__((noinline)) void
koro_gdb_stop_here(void)
{
    __asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) int
receive_deep(int n)
{
    int v, rc;

    if (n > 0)
        rc = receive_deep(n - 1);
    else
        rc = koro_chan_recv(&empty, &v);
    __asm__ volatile("" ::: "memory");
    return rc;
}

static void
receiver(void *arg)
{
    (void)arg;
    receive_deep(2);
}

static void
sleeper(void *arg)
{
    (void)arg;
    koro_sleep(3600000000000ull);
}

static void
holder(void *arg)
{
    (void)arg;
    koro_mutex_lock(&mtx);
    koro_chan_recv(&other, NULL); /* holds the mutex while blocked */
    koro_mutex_unlock(&mtx);
}

static void
locker(void *arg)
{
    (void)arg;
    if (koro_mutex_lock(&mtx) == 0)
        koro_mutex_unlock(&mtx);
}

static void
waiter(void *arg)
{
    koro_mutex_t m;

    (void)arg;
    koro_mutex_init(&m);
    koro_mutex_lock(&m);
    koro_cond_wait(&cond, &m);
    koro_mutex_unlock(&m);
}

static void
grouper(void *arg)
{
    (void)arg;
    koro_wg_wait(&wg);
}

static void
yielder(void *arg)
{
    (void)arg;
    while (spin)
        koro_yield();
}

static void
stopper(void *arg)
{
    int i;

    (void)arg;
    koro_gdb_stop_here();
    spin = 0;
    for (i = 0; i < N - 1; i++)
        koro_cancel(&ks[i]);
}

int
main(void)
{
    static const struct {
        const char *name;
        koro_fn fn;
    } co[N] = {{"receiver", receiver}, {"sleeper", sleeper},
               {"holder", holder},     {"locker", locker},
               {"waiter", waiter},     {"grouper", grouper},
               {"yielder", yielder},   {"stopper", stopper}};
    int i, rc;

    koro_sched_init(&sched);
    koro_chan_init(&empty, NULL, sizeof(int), 0);
    koro_chan_init(&other, NULL, 0, 0);
    koro_mutex_init(&mtx);
    koro_cond_init(&cond);
    koro_wg_init(&wg);
    koro_wg_add(&wg, 1);
    for (i = 0; i < N; i++)
        if (koro_init(&ks[i], co[i].fn, NULL, stacks[i], STACK) ||
            koro_set_name(&ks[i], co[i].name) ||
            koro_sched_spawn(&sched, &ks[i]))
            return 1;
    rc = koro_sched_run(&sched);
    puts(rc == 0 ? "ok" : koro_strerror(rc));
    return rc != 0;
}
