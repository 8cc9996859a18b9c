/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* t-stress.c - switching under a storm of signals, and several OS threads
 * each running its own scheduler, coroutines and channels at once. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "tcase.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef HAVE_PTHREAD_CREATE
#include <pthread.h>
#endif
#if !defined(_WIN32) && !defined(__EMSCRIPTEN__)
#include <signal.h>
#include <sys/time.h>
#if defined(ITIMER_REAL) && defined(SA_RESTART)
#define T_HAVE_ITIMER 1
#endif
#endif

static uint64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* Signals.  An interval timer fires every 100 us while coroutines switch
 * as fast as they can; the handler runs on whatever stack is current (a
 * coroutine's, mostly), counts, and reads koro_self(), which must always
 * be NULL or one of the storm's coroutines.  Every coroutine keeps
 * integer and floating-point state in locals and a copy of it elsewhere;
 * a switch or a signal that clobbered a register or the stack shows up as
 * a mismatch. */

#ifdef T_HAVE_ITIMER
#define NSTORM 64
/* 64 KiB, or more if the backend needs more. */
#define STORM_STACK                                                            \
    (koro_stack_min() > 65536 ? koro_stack_min() : (size_t)65536)
#define STORM_NS 500000000u /* stop after 0.5 s ... */
#define STORM_SIGS 5000     /* ... or this many signals */

static koro_t storm_k[NSTORM];
static unsigned char *storm_stk;
static volatile sig_atomic_t storm_stop;
/* Counted by the handler with atomics, not as volatile sig_atomic_t: under
 * the threads backend every coroutine is an OS thread, SIGALRM goes to any
 * of them, and the handler may run on two at once (one running, one
 * asleep in its hand-off).  Lock-free atomics are async-signal-safe. */
static int nsig, nsig_coro, nsig_bad;
#define T_COUNT(n) __atomic_fetch_add(&(n), 1, __ATOMIC_RELAXED)
#define T_READ(n) __atomic_load_n(&(n), __ATOMIC_RELAXED)
static long storm_iter[NSTORM], storm_bad[NSTORM];
static uint64_t storm_shadow[NSTORM][4];
static double storm_fshadow[NSTORM];

static void
on_alarm(int sig)
{
    koro_t *k = koro_self();

    (void)sig;
    T_COUNT(nsig);
    if (k) {
        if (k >= storm_k && k < storm_k + NSTORM)
            T_COUNT(nsig_coro);
        else
            T_COUNT(nsig_bad);
    }
}

static void
storm_step(int id, uint64_t *v, double *f)
{
    int j;

    for (j = 0; j < 4; j++)
        v[j] = v[j] * 6364136223846793005ull + (uint64_t)(id * 4 + j + 1);
    *f = *f * 0.5 + (double)(v[0] >> 40);
}

static void
body_storm(void *arg)
{
    int id = (int)(intptr_t)arg, j;
    uint64_t v[4];
    double f = id;

    for (j = 0; j < 4; j++)
        v[j] = storm_shadow[id][j] = (uint64_t)id << (8 * j);
    storm_fshadow[id] = f;
    while (!storm_stop) {
        int n;

        /* Enough work that many signals land inside a coroutine. */
        for (n = 0; n < 16; n++) {
            storm_step(id, v, &f);
            storm_step(id, storm_shadow[id], &storm_fshadow[id]);
        }
        for (j = 0; j < 4; j++)
            if (v[j] != storm_shadow[id][j])
                storm_bad[id]++;
        if (f != storm_fshadow[id])
            storm_bad[id]++;
        storm_iter[id]++;
        koro_yield();
    }
}

/* The scheduler half: a ring of coroutines passing a counter over
 * rendezvous channels; the last one stops the ring when time is up. */
#define NRING 16
static koro_chan_t ring_ch[NRING];
static long ring_hops, ring_bad;
static uint64_t storm_t0;
static int storm_sig0;

static int
storm_over(void)
{
    return now_ns() - storm_t0 > STORM_NS / 2 ||
           T_READ(nsig) - storm_sig0 >= STORM_SIGS / 2;
}

static void
body_ring(void *arg)
{
    int id = (int)(intptr_t)arg, i;
    long v, expect = id;

    while (koro_chan_recv(&ring_ch[id], &v) == 0) {
        if (v != expect)
            ring_bad++;
        expect += NRING;
        ring_hops++;
        if (id == NRING - 1 && (v & 1023) == 1023 && storm_over()) {
            for (i = 0; i < NRING; i++)
                koro_chan_close(&ring_ch[i]);
            break;
        }
        v++;
        if (koro_chan_send(&ring_ch[(id + 1) % NRING], &v) != 0)
            ring_bad++;
    }
}

static void
body_ring_start(void *arg)
{
    long v = 0;

    (void)arg;
    if (koro_chan_send(&ring_ch[0], &v) != 0)
        ring_bad++;
}

START_TEST(switch_storm_under_signals)
{
    struct sigaction sa, old;
    struct itimerval it = {{0, 100}, {0, 100}}, off = {{0, 0}, {0, 0}};
    koro_sched_t s;
    long iters = 0, bad = 0;
    int i;

    storm_stk = malloc(STORM_STACK * NSTORM);
    ck_assert_ptr_nonnull(storm_stk);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGALRM, &sa, &old), 0);
    ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);

    /* Core: main resumes every coroutine in turn. */
    storm_t0 = now_ns();
    for (i = 0; i < NSTORM; i++)
        ck_assert_int_eq(koro_init(&storm_k[i], body_storm, (void *)(intptr_t)i,
                                   storm_stk + i * STORM_STACK, STORM_STACK),
                         0);
    while (!storm_stop) {
        for (i = 0; i < NSTORM; i++)
            ck_assert_int_eq(koro_resume(&storm_k[i]), 0);
        storm_stop = storm_over();
    }
    for (i = 0; i < NSTORM; i++) {
        ck_assert_int_eq(koro_resume(&storm_k[i]), 0);
        ck_assert_int_eq(koro_status(&storm_k[i]), KORO_DEAD);
        iters += storm_iter[i];
        bad += storm_bad[i];
    }

    /* Scheduler and channels. */
    storm_t0 = now_ns();
    storm_sig0 = T_READ(nsig);
    ck_assert_int_eq(koro_sched_init(&s), 0);
    for (i = 0; i <= NRING; i++) {
        if (i < NRING)
            ck_assert_int_eq(koro_chan_init(&ring_ch[i], NULL, sizeof(long), 0),
                             0);
        ck_assert_int_eq(koro_init(&storm_k[i],
                                   i < NRING ? body_ring : body_ring_start,
                                   (void *)(intptr_t)i,
                                   storm_stk + i * STORM_STACK, STORM_STACK),
                         0);
        ck_assert_int_eq(koro_sched_spawn(&s, &storm_k[i]), 0);
    }
    ck_assert_int_eq(koro_sched_run(&s), 0);

    ck_assert_int_eq(setitimer(ITIMER_REAL, &off, NULL), 0);
    ck_assert_int_eq(sigaction(SIGALRM, &old, NULL), 0);
    printf("switch_storm_under_signals: %ld resume/yield round trips, %ld "
           "channel hops, %d signals (%d while a coroutine ran)\n",
           iters, ring_hops, T_READ(nsig), T_READ(nsig_coro));
    ck_assert_int_eq(bad, 0);
    ck_assert_int_eq(ring_bad, 0);
    ck_assert_int_eq(T_READ(nsig_bad), 0);
    ck_assert_int_gt(iters, 0);
    ck_assert_int_ge(ring_hops, 1024);
    /* "Many": the timer asks for 10 000 per second of wall time. */
    ck_assert_int_ge(T_READ(nsig), 20);
    free(storm_stk);
}
END_TEST
#endif

/* ------------------------------------------------------------------ */
/* Several OS threads, each with its own scheduler: a pipeline of
 * coroutines over channels of different capacities, a fan-in through
 * koro_select, and a generator coroutine that a pipeline stage resumes
 * directly (so the thread-local current coroutine nests on each thread). */

#ifdef HAVE_PTHREAD_CREATE
#define PT_THREADS 4
#define PT_STAGES 6
#define PT_NCH (PT_STAGES + 3)
#define PT_NK (PT_STAGES + 4)
#define PT_STACK (koro_stack_min() > 65536 ? koro_stack_min() : (size_t)65536)

struct pworld {
    long n; /* values per producer */
    koro_sched_t s;
    koro_chan_t ch[PT_NCH];
    long buf[PT_NCH][4];
    koro_t k[PT_NK], gen;
    unsigned char *stk; /* PT_NK + 1 stacks */
    long genval, sum, count, bad;
    int rc;
};

static struct pworld *
world_of(void)
{
    koro_sched_t *s = koro_sched_self();

    /* koro_sched_self() must be this thread's scheduler. */
    return s ? (struct pworld *)(void *)((char *)s - offsetof(struct pworld, s))
             : NULL;
}

/* A generator no scheduler knows about: 1, 2, 3, ... */
static void
body_gen(void *arg)
{
    struct pworld *w = arg;
    long i;

    for (i = 1;; i++) {
        w->genval = i;
        koro_yield();
    }
}

/* Producer 0 sends the even numbers 2..2n, taking i from the generator it
 * resumes; producer 1 sends the odd numbers 1..2n-1. */
static void
body_producer(void *arg)
{
    struct pworld *w = world_of();
    int which = (int)(intptr_t)arg;
    long i, v;

    for (i = 1; i <= w->n; i++) {
        if (which == 0) {
            if (koro_resume(&w->gen) != 0 || w->genval != i || world_of() != w)
                w->bad++;
            v = 2 * w->genval;
        } else {
            v = 2 * i - 1;
        }
        if (koro_chan_send(&w->ch[which], &v) != 0)
            w->bad++;
    }
    koro_chan_close(&w->ch[which]);
}

/* Fan-in: whatever arrives on ch[0] or ch[1] goes on to ch[2]. */
static void
body_merge(void *arg)
{
    struct pworld *w = world_of();
    struct koro_sel sel[2];
    long v;
    int open = 2, i;

    (void)arg;
    for (i = 0; i < 2; i++) {
        sel[i].chan = &w->ch[i];
        sel[i].op = KORO_SEL_RECV;
        sel[i].elem = &v;
    }
    while (open) {
        i = koro_select(sel, 2, -1);
        if (i < 0 || i > 1) {
            w->bad++;
            break;
        }
        if (sel[i].result == KORO_ECLOSED) {
            sel[i].chan = NULL; /* never ready again */
            open--;
            continue;
        }
        if (koro_chan_send(&w->ch[2], &v) != 0)
            w->bad++;
    }
    koro_chan_close(&w->ch[2]);
}

/* Stage j: ch[2+j] -> +1 -> ch[3+j]. */
static void
body_stage(void *arg)
{
    struct pworld *w = world_of();
    int j = (int)(intptr_t)arg;
    long v;

    while (koro_chan_recv(&w->ch[2 + j], &v) == 0) {
        v++;
        if (world_of() != w || koro_chan_send(&w->ch[3 + j], &v) != 0)
            w->bad++;
    }
    koro_chan_close(&w->ch[3 + j]);
}

static void
body_consumer(void *arg)
{
    struct pworld *w = world_of();
    long v;

    (void)arg;
    while (koro_chan_recv(&w->ch[PT_NCH - 1], &v) == 0) {
        w->sum += v;
        w->count++;
    }
}

static void *
thread_pipeline(void *arg)
{
    struct pworld *w = arg;
    int i, rc = 0;

    koro_sched_init(&w->s);
    for (i = 0; i < PT_NCH; i++)
        rc |= koro_chan_init(&w->ch[i], w->buf[i], sizeof(long),
                             (size_t)(i % 3 == 0   ? 0
                                      : i % 3 == 1 ? 1
                                                   : 4));
    rc |= koro_init(&w->gen, body_gen, w, w->stk + PT_NK * PT_STACK, PT_STACK);
    for (i = 0; i < PT_NK; i++) {
        koro_fn fn = i < 2           ? body_producer
                     : i == 2        ? body_merge
                     : i < PT_NK - 1 ? body_stage
                                     : body_consumer;
        void *a = (void *)(intptr_t)(i < 2 ? i : i - 3);

        rc |= koro_init(&w->k[i], fn, a, w->stk + i * PT_STACK, PT_STACK);
        rc |= koro_sched_spawn(&w->s, &w->k[i]);
    }
    w->rc = rc ? -1000 : koro_sched_run(&w->s);
    if (koro_fini(&w->gen) != 0) /* suspended in its endless loop */
        w->bad++;
    return NULL;
}

START_TEST(pipelines_on_threads)
{
    struct pworld *w = calloc(PT_THREADS, sizeof *w);
    pthread_t th[PT_THREADS];
    long base = t_backend_is("threads") ? 300 : 20000;
    int i;

    ck_assert_ptr_nonnull(w);
    for (i = 0; i < PT_THREADS; i++) {
        w[i].n = base + 100 * i; /* different work per thread */
        w[i].stk = malloc((PT_NK + 1) * PT_STACK);
        ck_assert_ptr_nonnull(w[i].stk);
        ck_assert_int_eq(pthread_create(&th[i], NULL, thread_pipeline, &w[i]),
                         0);
    }
    for (i = 0; i < PT_THREADS; i++)
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
    for (i = 0; i < PT_THREADS; i++) {
        long n = w[i].n;

        ck_assert_int_eq(w[i].rc, 0);
        ck_assert_int_eq(w[i].bad, 0);
        ck_assert_int_eq(w[i].count, 2 * n);
        /* 1 .. 2n, each plus one per stage. */
        ck_assert_int_eq(w[i].sum, n * (2 * n + 1) + 2 * n * PT_STAGES);
        free(w[i].stk);
    }
    free(w);
}
END_TEST
#endif

#ifdef T_HAVE_ITIMER
/* Why switch_storm_under_signals cannot run here, or NULL.  qemu-i386
 * 7.2 (build-aux/cross-check i386-nosse) loses the interrupted x87 state
 * at every signal on a CPU model with FXSR: its signal frame code runs
 * FSAVE, which reinitializes the FPU, and then saves the FXSAVE image
 * that sigreturn restores.  A value on the x87 stack when the signal
 * comes is gone, and the control word is back to 0x037f, with or without
 * coroutines. */
static const char *
storm_skip(void)
{
#if defined(__i386__) && (defined(__GNUC__) || defined(__clang__))
    const char *w = getenv("TEST_WRAPPER");
    unsigned a, b, c, d;

    if (w && strstr(w, "qemu-i386")) {
        __asm__ volatile("cpuid"
                         : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
                         : "a"(1u), "c"(0u));
        if (d & (1u << 24)) /* FXSR */
            return "qemu-i386 resets the x87 registers and control word "
                   "of the interrupted code at every signal on a CPU with "
                   "FXSR (its frame saves the state after FSAVE's reset)";
    }
#endif
    if (t_nofork())
        return "changes the process's SIGALRM and timer (CK_NOFORK)";
    return NULL;
}
#endif

void
t_stress(Suite *s)
{
#ifdef T_HAVE_ITIMER
    T_ADD(s, switch_storm_under_signals, storm_skip());
#else
    t_add(s, "switch_storm_under_signals", NULL,
          "no setitimer()/sigaction() on this platform");
#endif
#ifdef HAVE_PTHREAD_CREATE
    T_ADD(s, pipelines_on_threads, T_NO_OS_THREADS);
#else
    t_add(s, "pipelines_on_threads", NULL, "no pthread_create here");
#endif
}
