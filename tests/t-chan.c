/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* t-chan.c - channels and select: ordering, close, timeouts, fairness,
 * hand-off, errors, and 100 000 coroutines talking over channels. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "tcase.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NC 12
#define CSTACK t_stack_size()

static unsigned char *cstk; /* NC stacks, allocated by t_chan() */
static koro_t ck[NC];
static koro_sched_t cs;

static void
spawn(int i, koro_fn fn, void *arg)
{
    ck_assert_int_eq(
        koro_init(&ck[i], fn, arg, cstk + (size_t)i * CSTACK, CSTACK), 0);
    ck_assert_int_eq(koro_sched_spawn(&cs, &ck[i]), 0);
}

/* ------------------------------------------------------------------ */
/* Values arrive in order, over rendezvous and buffered channels. */

static koro_chan_t ch;
static int ring[8];
static int got[64], ngot;

static void
body_send_n(void *arg)
{
    int i, n = *(int *)arg;

    for (i = 0; i < n; i++)
        ck_assert_int_eq(koro_chan_send(&ch, &i), 0);
    ck_assert_int_eq(koro_chan_close(&ch), 0);
}

static void
body_recv_all(void *arg)
{
    int v;

    (void)arg;
    while (koro_chan_recv(&ch, &v) == 0)
        got[ngot++] = v;
}

START_TEST(in_order)
{
    int cap, n = 50, i;

    for (cap = 0; cap <= 8; cap += 3) {
        ngot = 0;
        ck_assert_int_eq(koro_chan_init(&ch, ring, sizeof(int), (size_t)cap),
                         0);
        ck_assert_int_eq(koro_sched_init(&cs), 0);
        spawn(0, body_recv_all, NULL);
        spawn(1, body_send_n, &n);
        ck_assert_int_eq(koro_sched_run(&cs), 0);
        ck_assert_int_eq(ngot, n);
        for (i = 0; i < n; i++)
            ck_assert_int_eq(got[i], i);
    }
}
END_TEST

/* A send to a waiting receiver goes straight to it (even from main). */
static void
body_recv_once(void *arg)
{
    int v = -1;

    ck_assert_int_eq(koro_chan_recv(&ch, &v), 0);
    *(int *)arg = v;
}

START_TEST(hand_off_to_waiting_receiver)
{
    int v = 42, out = 0;

    ck_assert_int_eq(koro_chan_init(&ch, NULL, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_sched_init(&cs), 0);
    ck_assert_int_eq(koro_chan_try_send(&ch, &v), KORO_EAGAIN);
    spawn(0, body_recv_once, &out);
    ck_assert_int_eq(koro_sched_run(&cs), KORO_EDEADLK);
    ck_assert_int_eq(koro_chan_try_send(&ch, &v), 0);
    ck_assert_int_eq(koro_chan_len(&ch), 0);
    ck_assert_int_eq(koro_sched_run(&cs), 0);
    ck_assert_int_eq(out, 42);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Blocked receivers and senders are served first come, first served. */

static int order[NC];

static void
body_recv_idx(void *arg)
{
    int v = -1;

    ck_assert_int_eq(koro_chan_recv(&ch, &v), 0);
    order[(int *)arg - order] = v;
}

static void
body_send_seq(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < 5; i++)
        ck_assert_int_eq(koro_chan_send(&ch, &i), 0);
}

static int sendv[NC];

static void
body_send_one(void *arg)
{
    ck_assert_int_eq(koro_chan_send(&ch, arg), 0);
}

static void
body_recv_seq(void *arg)
{
    int i, n = *(int *)arg;

    for (i = 0; i < n; i++)
        ck_assert_int_eq(koro_chan_recv(&ch, &got[i]), 0);
}

START_TEST(waiters_fifo)
{
    int i, n, cap;

    /* Receivers 0..4 block in that order; they get 0..4. */
    ck_assert_int_eq(koro_chan_init(&ch, NULL, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_sched_init(&cs), 0);
    for (i = 0; i < 5; i++)
        spawn(i, body_recv_idx, &order[i]);
    spawn(5, body_send_seq, NULL);
    ck_assert_int_eq(koro_sched_run(&cs), 0);
    for (i = 0; i < 5; i++)
        ck_assert_int_eq(order[i], i);

    /* Senders block in order behind a full buffer (or none). */
    for (cap = 0; cap <= 2; cap += 2) {
        ck_assert_int_eq(koro_chan_init(&ch, ring, sizeof(int), (size_t)cap),
                         0);
        for (i = 0; i < cap; i++)
            ck_assert_int_eq(koro_chan_try_send(&ch, &i), 0);
        for (i = 0; i < 5; i++) {
            sendv[i] = 100 + i;
            spawn(i, body_send_one, &sendv[i]);
        }
        n = 5 + cap;
        spawn(5, body_recv_seq, &n);
        ck_assert_int_eq(koro_sched_run(&cs), 0);
        for (i = 0; i < cap; i++)
            ck_assert_int_eq(got[i], i);
        for (i = 0; i < 5; i++)
            ck_assert_int_eq(got[cap + i], 100 + i);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Close wakes every waiter; buffered values are still delivered. */

static koro_chan_t ch2;
static int ring2[1];
static int crc[NC];

static void
body_recv_rc(void *arg)
{
    int v;

    *(int *)arg = koro_chan_recv(&ch, &v);
}

static void
body_send_rc(void *arg)
{
    int v = 9;

    *(int *)arg = koro_chan_send(&ch2, &v);
}

static void
body_closer(void *arg)
{
    int v;

    (void)arg;
    ck_assert_int_eq(koro_chan_close(&ch), 0);
    ck_assert_int_eq(koro_chan_close(&ch2), 0);
    ck_assert_int_eq(koro_chan_close(&ch2), KORO_ECLOSED); /* twice */
    ck_assert_int_eq(koro_chan_send(&ch2, &v), KORO_ECLOSED);
    ck_assert_int_eq(koro_chan_try_send(&ch2, &v), KORO_ECLOSED);
}

START_TEST(close_wakes_everyone)
{
    int i, v = 0;

    ck_assert_int_eq(koro_chan_init(&ch, NULL, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_chan_init(&ch2, ring2, sizeof(int), 1), 0);
    v = 77;
    ck_assert_int_eq(koro_chan_try_send(&ch2, &v), 0); /* now full */
    ck_assert_int_eq(koro_sched_init(&cs), 0);
    for (i = 0; i < 3; i++) {
        crc[i] = 1;
        spawn(i, body_recv_rc, &crc[i]);
    }
    for (i = 3; i < 6; i++) {
        crc[i] = 1;
        spawn(i, body_send_rc, &crc[i]);
    }
    spawn(6, body_closer, NULL);
    ck_assert_int_eq(koro_sched_run(&cs), 0);
    for (i = 0; i < 6; i++)
        ck_assert_int_eq(crc[i], KORO_ECLOSED);
    /* What was buffered before the close is still there, then closed. */
    v = 0;
    ck_assert_int_eq(koro_chan_len(&ch2), 1);
    ck_assert_int_eq(koro_chan_try_recv(&ch2, &v), 0);
    ck_assert_int_eq(v, 77);
    ck_assert_int_eq(koro_chan_try_recv(&ch2, &v), KORO_ECLOSED);
    ck_assert_int_eq(koro_chan_try_recv(&ch, &v), KORO_ECLOSED);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Timeouts. */

static koro_chan_t go;

struct tmo {
    int rc;
    uint64_t waited;
};

static void
body_timeouts(void *arg)
{
    struct tmo *t = arg;
    int v = 1;
    uint64_t t0;
    struct koro_sel sc[2] = {{&ch, KORO_SEL_RECV, &v, 0, NULL, NULL, NULL},
                             {&ch2, KORO_SEL_SEND, &v, 0, NULL, NULL, NULL}};

    t0 = t_now_ns();
    t[0].rc = koro_chan_recv_timeout(&ch, &v, 3000000);
    t[0].waited = t_now_ns() - t0;
    t0 = t_now_ns();
    t[1].rc = koro_chan_send_timeout(&ch2, &v, 2000000); /* ch2 full */
    t[1].waited = t_now_ns() - t0;
    t0 = t_now_ns();
    t[2].rc = koro_select(sc, 2, 4000000);
    t[2].waited = t_now_ns() - t0;
    t[3].rc = koro_chan_recv_timeout(&ch, &v, 0);
    /* A long timeout that is satisfied early leaves no timer behind: the
     * later deadlock is reported at once, not after 60 s. */
    ck_assert_int_eq(koro_chan_send(&go, &v), 0);
    t[4].rc = koro_chan_recv_timeout(&ch, &v, 60 * (uint64_t)1000000000);
    t[5].rc = v;
    koro_chan_recv(&ch, &v);
}

static void
body_late_sender(void *arg)
{
    int v = 31;

    (void)arg;
    ck_assert_int_eq(koro_chan_recv(&go, NULL), 0);
    ck_assert_int_eq(koro_chan_send(&ch, &v), 0);
}

START_TEST(timeouts)
{
    static struct tmo t[6];
    int v = 5;

    ck_assert_int_eq(koro_chan_init(&ch, NULL, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_chan_init(&ch2, ring2, sizeof(int), 1), 0);
    ck_assert_int_eq(koro_chan_try_send(&ch2, &v), 0);
    ck_assert_int_eq(koro_sched_init(&cs), 0);
    ck_assert_int_eq(koro_chan_init(&go, NULL, sizeof(int), 0), 0);
    spawn(0, body_late_sender, NULL);
    spawn(1, body_timeouts, t);
    ck_assert_int_eq(koro_sched_run(&cs), KORO_EDEADLK);
    ck_assert_int_eq(t[0].rc, KORO_ETIMEDOUT);
    ck_assert_uint_ge(t[0].waited, 3000000);
    ck_assert_int_eq(t[1].rc, KORO_ETIMEDOUT);
    ck_assert_uint_ge(t[1].waited, 2000000);
    ck_assert_int_eq(t[2].rc, KORO_ETIMEDOUT);
    ck_assert_uint_ge(t[2].waited, 4000000);
    ck_assert_int_eq(t[3].rc, KORO_ETIMEDOUT);
    ck_assert_int_eq(t[4].rc, 0);
    ck_assert_int_eq(t[5].rc, 31);
    ck_assert_int_eq(koro_status(&ck[0]), KORO_DEAD);
    ck_assert_int_eq(koro_fini(&ck[1]), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Select. */

static koro_chan_t sch[3];
static int sring[3][64];

START_TEST(select_poll_is_fair)
{
    int i, k, v, hits[3] = {0, 0, 0};
    struct koro_sel sc[3];

    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(koro_chan_init(&sch[i], sring[i], sizeof(int), 64), 0);
        sc[i].chan = &sch[i];
        sc[i].op = KORO_SEL_RECV;
        sc[i].elem = &v;
    }
    for (k = 0; k < 300; k++) {
        for (i = 0; i < 3; i++)
            while (koro_chan_try_send(&sch[i], &i) == 0)
                ; /* keep all three ready */
        i = koro_select(sc, 3, 0);
        ck_assert_int_ge(i, 0);
        ck_assert_int_lt(i, 3);
        ck_assert_int_eq(sc[i].result, 0);
        ck_assert_int_eq(v, i);
        hits[i]++;
    }
    /* Uniform choice: each case wins about 100 times; all must win. */
    for (i = 0; i < 3; i++)
        ck_assert_int_gt(hits[i], 30);
}
END_TEST

static int shits[4];

static void
body_select_many(void *arg)
{
    int k, v = 0, w = 5;
    struct koro_sel sc[4] = {
        {&sch[0], KORO_SEL_RECV, &v, 0, NULL, NULL, NULL},
        {&sch[1], KORO_SEL_RECV, &v, 0, NULL, NULL, NULL},
        {&sch[2], KORO_SEL_SEND, &w, 0, NULL, NULL, NULL},
        {NULL, KORO_SEL_RECV, &v, 0, NULL, NULL, NULL}, /* never ready */
    };

    (void)arg;
    for (k = 0; k < 400; k++) {
        int i = koro_select(sc, 4, -1);

        ck_assert_int_ge(i, 0);
        ck_assert_int_lt(i, 3);
        ck_assert_int_eq(sc[i].result, 0);
        shits[i]++;
        koro_chan_try_send(&sch[0], &k);
        koro_chan_try_send(&sch[1], &k);
        koro_chan_try_recv(&sch[2], &v);
    }
}

START_TEST(select_in_scheduler_is_fair)
{
    int i, v = 0;

    for (i = 0; i < 3; i++)
        ck_assert_int_eq(koro_chan_init(&sch[i], sring[i], sizeof(int), 1), 0);
    koro_chan_try_send(&sch[0], &v);
    koro_chan_try_send(&sch[1], &v);
    memset(shits, 0, sizeof shits);
    ck_assert_int_eq(koro_sched_init(&cs), 0);
    spawn(0, body_select_many, NULL);
    ck_assert_int_eq(koro_sched_run(&cs), 0);
    for (i = 0; i < 3; i++)
        ck_assert_int_gt(shits[i], 40);
}
END_TEST

/* A blocked select is completed by one channel and leaves the others. */
static int sel_idx, sel_val, sel_res;

static void
body_select_block(void *arg)
{
    int a = -1, b = -1, out = 3;
    struct koro_sel sc[3] = {
        {&sch[0], KORO_SEL_RECV, &a, 0, NULL, NULL, NULL},
        {&sch[1], KORO_SEL_RECV, &b, 0, NULL, NULL, NULL},
        {&sch[2], KORO_SEL_SEND, &out, 0, NULL, NULL, NULL}};

    (void)arg;
    sel_idx = koro_select(sc, 3, -1);
    sel_res = sc[sel_idx].result;
    sel_val = sel_idx == 0 ? a : b;
    /* Second round: the close of sch[0] completes it. */
    sel_idx = sel_idx * 10 + koro_select(sc, 2, -1);
    sel_res = sel_res * 10 + sc[0].result;
}

static void
body_select_feeder(void *arg)
{
    int v = 8;

    (void)arg;
    ck_assert_int_eq(koro_chan_send(&sch[1], &v), 0);
    /* The other cases are no longer waiting. */
    ck_assert_int_eq(koro_chan_try_send(&sch[0], &v), KORO_EAGAIN);
    ck_assert_int_eq(koro_chan_try_recv(&sch[2], &v), KORO_EAGAIN);
    koro_yield(); /* let it block again */
    ck_assert_int_eq(koro_chan_close(&sch[0]), 0);
}

START_TEST(select_blocks_and_wakes)
{
    int i;

    for (i = 0; i < 3; i++)
        ck_assert_int_eq(koro_chan_init(&sch[i], NULL, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_sched_init(&cs), 0);
    spawn(0, body_select_block, NULL);
    spawn(1, body_select_feeder, NULL);
    ck_assert_int_eq(koro_sched_run(&cs), 0);
    ck_assert_int_eq(sel_val, 8);
    ck_assert_int_eq(sel_idx, 10);
    ck_assert_int_eq(sel_res, KORO_ECLOSED);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Elements of size 0 (signals) and discarded receives. */

static void
body_signal(void *arg)
{
    (void)arg;
    ck_assert_int_eq(koro_chan_send(&ch, NULL), 0);
    ck_assert_int_eq(koro_chan_send(&ch, NULL), 0);
}

START_TEST(zero_size_elements)
{
    int n = 0;

    ck_assert_int_eq(koro_chan_init(&ch, NULL, 0, 5), 0);
    ck_assert_int_eq(koro_chan_try_send(&ch, NULL), 0);
    ck_assert_int_eq(koro_chan_len(&ch), 1);
    ck_assert_int_eq(koro_chan_init(&ch, NULL, 0, 0), 0);
    ck_assert_int_eq(koro_sched_init(&cs), 0);
    spawn(0, body_signal, NULL);
    ck_assert_int_eq(koro_sched_run(&cs), KORO_EDEADLK);
    while (koro_chan_try_recv(&ch, NULL) == 0) {
        n++;
        koro_sched_run(&cs);
    }
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(koro_status(&ck[0]), KORO_DEAD);
}
END_TEST

/* ------------------------------------------------------------------ */

START_TEST(chan_misuse)
{
    koro_chan_t junk;
    int v = 0, buf[2];
    struct koro_sel bad = {&ch, 7, &v, 0, NULL, NULL, NULL};
    struct koro_sel nul = {&ch, KORO_SEL_SEND, NULL, 0, NULL, NULL, NULL};
    struct koro_sel jnk = {&junk, KORO_SEL_RECV, &v, 0, NULL, NULL, NULL};

    memset(&junk, 0x3c, sizeof junk);
    ck_assert_int_eq(koro_chan_init(NULL, buf, sizeof(int), 2), KORO_EINVAL);
    ck_assert_int_eq(koro_chan_init(&ch, NULL, sizeof(int), 2), KORO_EINVAL);
    ck_assert_int_eq(koro_chan_init(&ch, buf, (size_t)-1 / 2, 3), KORO_EINVAL);
    ck_assert_int_eq(koro_chan_init(&ch, buf, sizeof(int), 2), 0);
    ck_assert_int_eq(koro_chan_send(NULL, &v), KORO_EINVAL);
    ck_assert_int_eq(koro_chan_send(&junk, &v), KORO_EINVAL);
    ck_assert_int_eq(koro_chan_recv(&junk, &v), KORO_EINVAL);
    ck_assert_int_eq(koro_chan_try_send(&junk, &v), KORO_EINVAL);
    ck_assert_int_eq(koro_chan_try_recv(NULL, &v), KORO_EINVAL);
    ck_assert_int_eq(koro_chan_send_timeout(&junk, &v, 1), KORO_EINVAL);
    ck_assert_int_eq(koro_chan_recv_timeout(&junk, &v, 1), KORO_EINVAL);
    ck_assert_int_eq(koro_chan_close(&junk), KORO_EINVAL);
    ck_assert_int_eq(koro_chan_close(NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_chan_len(&junk), KORO_EINVAL);
    ck_assert_int_eq(koro_chan_send(&ch, NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_chan_try_send(&ch, NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_select(&bad, 1, 0), KORO_EINVAL);
    ck_assert_int_eq(koro_select(&nul, 1, 0), KORO_EINVAL);
    ck_assert_int_eq(koro_select(&jnk, 1, 0), KORO_EINVAL);
    ck_assert_int_eq(koro_select(NULL, 1, 0), KORO_EINVAL);
    ck_assert_int_eq(koro_select(&bad, 0, -2), KORO_EINVAL);
    /* Non-blocking use from main works; a full buffer says EAGAIN. */
    ck_assert_int_eq(koro_chan_try_send(&ch, &v), 0);
    ck_assert_int_eq(koro_chan_send(&ch, &v), 0); /* room: no blocking */
    ck_assert_int_eq(koro_chan_try_send(&ch, &v), KORO_EAGAIN);
    ck_assert_int_eq(koro_chan_send(&ch, &v), KORO_ENOSCHED);
    ck_assert_int_eq(koro_chan_close(&ch), 0);
    ck_assert_int_eq(koro_chan_recv(&ch, &v), 0);
    ck_assert_int_eq(koro_chan_recv(&ch, &v), 0);
    ck_assert_int_eq(koro_chan_recv(&ch, &v), KORO_ECLOSED);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 100 000 coroutines in a chain, each passing values on to the next. */

#define NCHAIN 100000

struct link {
    koro_chan_t *in, *out;
};

static void
body_link(void *arg)
{
    struct link *l = arg;
    long v;

    while (koro_chan_recv(l->in, &v) == 0)
        ck_assert_int_eq(koro_chan_send(l->out, &(long){v + 1}), 0);
    koro_chan_close(l->out);
}

START_TEST(hundred_thousand_coroutines)
{
    size_t n = NCHAIN, i, ssz = koro_stack_min();
    koro_t *ks;
    koro_chan_t *chans;
    struct link *links;
    unsigned char *stacks;
    long first[3], last[3], v;

    if (t_backend_is("threads") || t_backend_is("win32")) {
        n = 200;
        printf("hundred_thousand_coroutines: threads backend, one OS thread "
               "per coroutine: using %zu, not %d\n",
               n, NCHAIN);
    } else if (t_checker()) {
        n = 2000;
        printf("hundred_thousand_coroutines: under %s the shadow memory of "
               "100000 stacks does not fit, nor the time in the case's "
               "timeout: using %zu, not %d\n",
               t_checker(), n, NCHAIN);
    }
    /* Under wine some system calls run deep on the caller's stack: a
     * 4 KiB coroutine stack overflows there (seen), 16 KiB does not. */
#if defined(_WIN32)
    if (ssz < 16384)
        ssz = 16384;
#else
    if (ssz < 4096)
        ssz = 4096;
#endif
    ks = calloc(n, sizeof *ks);
    chans = calloc(n + 1, sizeof *chans);
    links = calloc(n, sizeof *links);
    stacks = malloc(n * ssz);
    ck_assert(ks && chans && links && stacks);
    ck_assert_int_eq(koro_chan_init(&chans[0], first, sizeof(long), 3), 0);
    for (i = 1; i < n; i++)
        ck_assert_int_eq(koro_chan_init(&chans[i], NULL, sizeof(long), 0), 0);
    ck_assert_int_eq(koro_chan_init(&chans[n], last, sizeof(long), 3), 0);
    ck_assert_int_eq(koro_sched_init(&cs), 0);
    for (i = 0; i < n; i++) {
        links[i].in = &chans[i];
        links[i].out = &chans[i + 1];
        ck_assert_int_eq(
            koro_init(&ks[i], body_link, &links[i], stacks + i * ssz, ssz), 0);
        ck_assert_int_eq(koro_sched_spawn(&cs, &ks[i]), 0);
    }
    for (v = 0; v < 3; v++)
        ck_assert_int_eq(koro_chan_try_send(&chans[0], &(long){v * 1000}), 0);
    ck_assert_int_eq(koro_chan_close(&chans[0]), 0);
    ck_assert_int_eq(koro_sched_run(&cs), 0);
    for (v = 0; v < 3; v++) {
        long out = -1;

        ck_assert_int_eq(koro_chan_try_recv(&chans[n], &out), 0);
        ck_assert_int_eq(out, v * 1000 + (long)n);
    }
    ck_assert_int_eq(koro_chan_try_recv(&chans[n], &v), KORO_ECLOSED);
    for (i = 0; i < n; i++)
        ck_assert_int_eq(koro_status(&ks[i]), KORO_DEAD);
    free(stacks);
    free(links);
    free(chans);
    free(ks);
}
END_TEST

/* ------------------------------------------------------------------ */
/* A blocking coroutine hands the processor straight to the next parked
 * one (koro__park): the order stays the scheduler's FIFO order, the
 * scheduler's timers still fire while two coroutines play ping-pong
 * without ever going back to its loop, and a coroutine that dies after
 * such a hand-off is released like any other. */

static char htrace[64];
static int nhtrace;

static void
hmark(char c)
{
    if (nhtrace < (int)sizeof htrace - 1) {
        htrace[nhtrace++] = c;
        htrace[nhtrace] = '\0';
    }
}

static void
body_ping(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < 3; i++) {
        hmark('p');
        ck_assert_int_eq(koro_chan_send(&ch, &i), 0);
    }
    ck_assert_int_eq(koro_chan_close(&ch), 0);
}

static void
body_pong(void *arg)
{
    int v, n = 0;

    (void)arg;
    while (koro_chan_recv(&ch, &v) == 0) {
        ck_assert_int_eq(v, n++);
        ck_assert_ptr_eq(koro_sched_self(), &cs);
        hmark('q');
    }
}

static void
body_yield_3(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < 3; i++) {
        hmark('y');
        ck_assert_int_eq(koro_yield(), 0);
    }
}

START_TEST(hand_off_keeps_fifo_order)
{
    nhtrace = 0;
    ck_assert_int_eq(koro_chan_init(&ch, NULL, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_sched_init(&cs), 0);
    spawn(0, body_ping, NULL);
    spawn(1, body_pong, NULL);
    spawn(2, body_yield_3, NULL);
    ck_assert_int_eq(koro_sched_run(&cs), 0);
    /* What the plain loop (resume the head, back to the loop on every
     * block) produces; the direct hand-off must not change it. */
    ck_assert_str_eq(htrace, "pqyppyqqy");
}
END_TEST

static long pp_count;

static void
body_ping_until_closed(void *arg)
{
    long i = 0;

    (void)arg;
    while (koro_chan_send(&ch, &i) == 0)
        i++;
    pp_count = i;
}

static void
body_pong_until_closed(void *arg)
{
    long v, n = 0;

    (void)arg;
    while (koro_chan_recv(&ch, &v) == 0)
        ck_assert_int_eq(v, n++);
}

static void
body_sleep_then_close(void *arg)
{
    (void)arg;
    ck_assert_int_eq(koro_sleep(2000000), 0);
    ck_assert_int_eq(koro_chan_close(&ch), 0);
}

START_TEST(timers_fire_during_ping_pong)
{
    pp_count = 0;
    ck_assert_int_eq(koro_chan_init(&ch, NULL, sizeof(long), 0), 0);
    ck_assert_int_eq(koro_sched_init(&cs), 0);
    spawn(0, body_sleep_then_close, NULL);
    spawn(1, body_ping_until_closed, NULL);
    spawn(2, body_pong_until_closed, NULL);
    /* Returns only if the sleeper wakes while the other two hand the
     * processor to each other. */
    ck_assert_int_eq(koro_sched_run(&cs), 0);
    ck_assert_int_gt(pp_count, 0);
}
END_TEST

static void
body_recv_then_die(void *arg)
{
    int v = -1;

    ck_assert_ptr_eq(koro_sched_self(), &cs);
    ck_assert_int_eq(koro_chan_recv(&ch, &v), 0);
    ck_assert_ptr_eq(koro_sched_self(), &cs);
    *(int *)arg = v;
}

static void
body_send_then_block(void *arg)
{
    int v = 7, w;

    (void)arg;
    ck_assert_int_eq(koro_chan_send(&ch, &v), 0);
    /* The receiver is parked and first in the queue: blocking here
     * hands over to it directly, and it finishes. */
    ck_assert_int_eq(koro_chan_recv(&ch2, &w), KORO_ECLOSED);
}

START_TEST(death_after_hand_off)
{
    int out = 0;

    ck_assert_int_eq(koro_chan_init(&ch, NULL, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_chan_init(&ch2, NULL, sizeof(int), 0), 0);
    ck_assert_int_eq(koro_sched_init(&cs), 0);
    spawn(0, body_recv_then_die, &out);
    spawn(1, body_send_then_block, NULL);
    ck_assert_int_eq(koro_sched_run(&cs), KORO_EDEADLK);
    ck_assert_int_eq(out, 7);
    ck_assert_int_eq(koro_status(&ck[0]), KORO_DEAD);
    ck_assert_int_eq(koro_status(&ck[1]), KORO_SUSPENDED);
    /* Released: spawning it again is refused only as finished. */
    ck_assert_int_eq(koro_sched_spawn(&cs, &ck[0]), KORO_ESTARTED);
    ck_assert_int_eq(koro_chan_close(&ch2), 0);
    ck_assert_int_eq(koro_sched_run(&cs), 0);
    ck_assert_int_eq(koro_status(&ck[1]), KORO_DEAD);
}
END_TEST

void
t_chan(Suite *s)
{
    cstk = t_stacks(NC);
    T_ADD(s, in_order, NULL);
    T_ADD(s, hand_off_to_waiting_receiver, NULL);
    T_ADD(s, hand_off_keeps_fifo_order, NULL);
    T_ADD(s, timers_fire_during_ping_pong, NULL);
    T_ADD(s, death_after_hand_off, NULL);
    T_ADD(s, waiters_fifo, NULL);
    T_ADD(s, close_wakes_everyone, NULL);
    T_ADD(s, timeouts, NULL);
    T_ADD(s, select_poll_is_fair, NULL);
    T_ADD(s, select_in_scheduler_is_fair, NULL);
    T_ADD(s, select_blocks_and_wakes, NULL);
    T_ADD(s, zero_size_elements, NULL);
    T_ADD(s, chan_misuse, NULL);
    T_ADD(s, hundred_thousand_coroutines, NULL);
}
