/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* t-model.c - thousands of random programs over the scheduler, channels,
 * select, sleep, nested resume and fini, each run on the library and
 * checked event by event against the reference model of tests/model.c.
 *
 * A divergence prints the seed, the shortest program that still diverges
 * (operations deleted one by one while it keeps failing) and both
 * traces.  Environment:
 *   KORO_MODEL_SEEDS=N   number of programs (default 5000; 1000 under the
 *                        threads backend, which has one OS thread per
 *                        coroutine, and under ThreadSanitizer)
 *   KORO_MODEL_SEED=S    the first seed (default 1); with SEEDS=1 the
 *                        program and its trace are printed
 * select's random choice among ready cases is checked separately, for
 * fairness, in t-chan.c; here the model accepts any ready case. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "tcase.h"
#include "model.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static long
env_long(const char *name, long dflt)
{
    const char *v = getenv(name);

    return v && *v ? strtol(v, NULL, 0) : dflt;
}

static void
report(uint64_t seed, struct m_prog *p)
{
    static struct m_trace t;
    char why[256];
    int before = m_size(p);

    printf("model: seed %" PRIu64 " diverges; shrinking %d operations...\n",
           seed, before);
    m_shrink(p, 3);
    printf("model: seed %" PRIu64 ": shortest failing program (%d of %d "
           "operations):\n",
           seed, m_size(p), before);
    m_print_prog(stdout, p);
    if (m_diverges(p, 3, why, sizeof why)) {
        printf("divergence: %s\nlibrary trace (the run that diverged last "
               "may differ in select choices):\n",
               why);
    }
    m_lib_run(p, &t);
    m_print_trace(stdout, &t);
    fflush(stdout);
}

START_TEST(model_random_programs)
{
    static struct m_prog p;
    static struct m_trace t;
    struct m_stats st = {0};
    struct m_limits lim = {M_MAXCO, M_MAXH, M_MAXCH, M_MAXOPS, M_MAXROUNDS};
    struct m_rand r;
    char why[256];
    long n = env_long("KORO_MODEL_SEEDS", 5000), i;
    uint64_t seed0 = (uint64_t)env_long("KORO_MODEL_SEED", 1);

    if (t_backend_is("threads")) {
        /* One OS thread per coroutine: fewer and smaller programs. */
        n = env_long("KORO_MODEL_SEEDS", 1000);
        lim.maxco = 3;
        lim.maxh = 1;
    } else if (t_sanitized() && !strcmp(t_sanitized(), "ThreadSanitizer")) {
        /* TSan makes and frees a fiber per coroutine, mostly in the
         * kernel: fewer programs, to stay well within the timeout. */
        n = env_long("KORO_MODEL_SEEDS", 1000);
    }
    ck_assert_int_eq(m_setup(), 0);
    for (i = 0; i < n; i++) {
        uint64_t seed = seed0 + (uint64_t)i;

        m_rand_seed(&r, seed);
        m_gen(&p, &r, &lim);
        ck_assert_int_eq(m_lib_run(&p, &t), 0);
        if (n == 1) {
            m_print_prog(stdout, &p);
            m_print_trace(stdout, &t);
        }
        if (m_check(&p, &t, &st, why, sizeof why)) {
            printf("model: seed %" PRIu64 ": %s\n", seed, why);
            report(seed, &p);
            ck_abort_msg("seed %" PRIu64 ": library and model diverge: %s "
                         "(rerun: KORO_MODEL_SEED=%" PRIu64
                         " KORO_MODEL_SEEDS=1)",
                         seed, why, seed);
        }
    }
    printf("model: %ld programs, %ld events; %ld deadlocks, %ld selects "
           "with several ready cases, %ld blocked selects, %ld sleeper "
           "wake-ups, %ld nested resumes, %ld closes that woke waiters, "
           "%ld finis of live coroutines; %ld of %ld operations ran\n",
           st.programs, st.events, st.deadlocks, st.multi_ready,
           st.blocked_selects, st.sleeper_wakes, st.resumes, st.closes_waking,
           st.finis_live, st.ops_run, st.ops);
    /* The generator must reach the interesting situations, or the test
     * would pass for nothing. */
    if (n >= 200) {
        ck_assert_int_gt(st.deadlocks, 0);
        ck_assert_int_gt(st.multi_ready, 0);
        ck_assert_int_gt(st.blocked_selects, 0);
        ck_assert_int_gt(st.sleeper_wakes, 0);
        ck_assert_int_gt(st.resumes, 0);
        ck_assert_int_gt(st.closes_waking, 0);
        ck_assert_int_gt(st.finis_live, 0);
    }
}
END_TEST

/* The checker itself must notice a wrong trace: corrupt one event of a
 * good run at a time and expect a divergence every time. */
START_TEST(model_detects_corruption)
{
    static struct m_prog p;
    static struct m_trace t;
    struct m_rand r;
    char why[256];
    int seed, i, caught = 0, tried = 0;

    ck_assert_int_eq(m_setup(), 0);
    for (seed = 1; seed <= 20; seed++) {
        m_rand_seed(&r, (uint64_t)seed);
        m_gen(&p, &r, NULL);
        ck_assert_int_eq(m_lib_run(&p, &t), 0);
        ck_assert_int_eq(m_check(&p, &t, NULL, why, sizeof why), 0);
        for (i = 0; i < t.n; i++) {
            t.ev[i].rc ^= 0x100;
            tried++;
            caught += m_check(&p, &t, NULL, why, sizeof why);
            t.ev[i].rc ^= 0x100;
        }
        if (t.n > 1) {
            /* A dropped event too. */
            t.n--;
            tried++;
            caught += m_check(&p, &t, NULL, why, sizeof why);
        }
    }
    ck_assert_int_gt(tried, 100);
    ck_assert_int_eq(caught, tried);
}
END_TEST

void
t_model(Suite *s)
{
    T_ADD(s, model_random_programs, NULL);
    T_ADD(s, model_detects_corruption, NULL);
}
