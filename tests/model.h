/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* model.h - random programs over the scheduler and channels, run against
 * the library and checked, event by event, against a small reference
 * model of the same semantics (tests/model.c).  Shared by the Check case
 * tests/t-model.c and the libFuzzer target tests/fuzz-model.c.
 *
 * A program is a few scheduled coroutines, a few "helper" coroutines that
 * scheduled ones (or main) resume directly, a few channels, and one
 * straight-line script of operations per coroutine plus one per round of
 * main (main runs its round's script, then koro_sched_run()).  Every
 * operation logs one event (who, which operation, return code, values);
 * a coroutine also logs when it begins and ends.  The scripts have no
 * loops, so every program terminates (blocked leftovers end in
 * KORO_EDEADLK).
 *
 * The library may legitimately differ from run to run in two ways, and
 * the model follows the library's trace there instead of guessing:
 *   - koro_select() with several ready cases picks one at random: the
 *     model accepts the chosen index if that case was ready in the model;
 *   - a sleeping coroutine wakes at some dispatch after its deadline,
 *     which depends on the clock: the model accepts its dispatch whenever
 *     it could have been woken by then (all sleeps of one program have the
 *     same length, so sleepers wake in the order they went to sleep, and
 *     at the latest when nothing else is runnable).
 * Everything else (FIFO order, values, return codes, statuses, deadlock)
 * must match exactly. */
#ifndef KORO_TEST_MODEL_H
#define KORO_TEST_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define M_MAXCO 5 /* scheduled coroutines: ids 0 .. M_MAXCO-1 */
#define M_MAXH 2  /* helpers: ids M_MAXCO .. M_MAXCO+M_MAXH-1 */
#define M_NK (M_MAXCO + M_MAXH)
#define M_MAIN M_NK /* the id of main in events */
#define M_MAXCH 3   /* channels */
#define M_MAXCAP 2  /* channel capacity 0 .. M_MAXCAP */
#define M_MAXOPS 12 /* operations per script */
#define M_MAXROUNDS 4
#define M_MAXCASES 3 /* select cases */
#define M_MAXEV 1024

/* Operation kinds. */
enum {
    M_YIELD,
    M_SLEEP0,  /* koro_sleep(0) */
    M_SLEEP,   /* koro_sleep(prog->sleep_ns) */
    M_SEND,    /* koro_chan_send */
    M_RECV,    /* koro_chan_recv */
    M_TRYSEND, /* koro_chan_try_send */
    M_TRYRECV, /* koro_chan_try_recv */
    M_SENDT0,  /* koro_chan_send_timeout(.., 0) */
    M_RECVT0,  /* koro_chan_recv_timeout(.., 0) */
    M_SELECT,  /* koro_select, timeout 0 or -1 */
    M_CLOSE,
    M_SPAWN,  /* koro_sched_spawn of a scheduled coroutine */
    M_FINI,   /* koro_fini of any coroutine */
    M_RESUME, /* koro_resume of a helper */
    M_STATUS,
    M_LEN,  /* koro_chan_len */
    M_RUN,  /* koro_sched_run from inside: KORO_EBUSY */
    M_SELF, /* koro_self() and koro_sched_self() */
    M_NKINDS
};

struct m_case {
    int8_t ch; /* channel index, -1: NULL (never ready) */
    int8_t op; /* KORO_SEL_SEND or KORO_SEL_RECV */
};

struct m_op {
    uint8_t kind;
    int8_t a;       /* channel or target coroutine */
    int8_t ncases;  /* M_SELECT */
    int8_t timeout; /* M_SELECT: 0 or -1 */
    struct m_case cases[M_MAXCASES];
};

struct m_script {
    int n;
    struct m_op op[M_MAXOPS];
};

struct m_prog {
    int nco, nh, nch, nrounds;
    int cap[M_MAXCH];
    uint32_t sleep_ns;
    struct m_script co[M_NK];          /* scheduled, then helpers */
    struct m_script main[M_MAXROUNDS]; /* before each koro_sched_run */
};

/* Special values of m_ev.pc. */
#define M_PC_BEGIN (-1)
#define M_PC_END (-2)
#define M_PC_RUN (-3)     /* main: koro_sched_run() returned rc */
#define M_PC_FSTATUS 1000 /* main, at the end: status of coroutine j */
#define M_PC_FFINI 1100   /* main, at the end: fini of coroutine j */
#define M_PC_FLEN 1200    /* main, at the end: length of channel i */
#define M_NOVAL (-77)     /* "no value": an element left untouched */

struct m_ev {
    int16_t who, pc;
    int rc, a, b;
};

struct m_trace {
    int n;
    int overflow;
    struct m_ev ev[M_MAXEV];
};

/* Random choices: a seeded splitmix64 (Check) or a byte string (fuzz). */
struct m_rand {
    uint64_t state;
    const uint8_t *bytes;
    size_t nbytes, pos;
};

struct m_limits {
    int maxco, maxh, maxch, maxops, maxrounds;
};

/* What a batch of runs covered, so a report can show the test is not
 * vacuous. */
struct m_stats {
    long programs, events, deadlocks, multi_ready, sleeper_wakes, resumes,
        blocked_selects, closes_waking, finis_live, ops, ops_run;
};

void m_rand_seed(struct m_rand *r, uint64_t seed);
void m_rand_bytes(struct m_rand *r, const uint8_t *b, size_t n);

/* Fill p with a random valid program within lim (NULL: the maxima). */
void m_gen(struct m_prog *p, struct m_rand *r, const struct m_limits *lim);

/* Run p on the library, logging into t.  Needs m_setup() first.  Returns
 * 0, or -1 if a coroutine could not even be initialised. */
int m_lib_run(const struct m_prog *p, struct m_trace *t);

/* Check t against the model.  Returns 0 if it agrees; otherwise 1 and a
 * description of the first divergence in why. */
int m_check(const struct m_prog *p, const struct m_trace *t, struct m_stats *st,
            char *why, size_t whylen);

/* Run and check p up to `tries` times (the library's choices vary);
 * returns 1 if any run diverged, with the description in why. */
int m_diverges(const struct m_prog *p, int tries, char *why, size_t whylen);

/* Delete operations from p for as long as it still diverges. */
void m_shrink(struct m_prog *p, int tries);

void m_print_prog(FILE *f, const struct m_prog *p);
void m_print_trace(FILE *f, const struct m_trace *t);

/* Allocate the stacks (once per process); 0 or -1. */
int m_setup(void);

/* Number of operations in p (the size the shrinker reduces). */
int m_size(const struct m_prog *p);

#endif
