/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* tmain.c - runs every test file's cases against the linked backend and
 * prints "BACKEND: N passed, N failed, N skipped". */
#include "tcase.h"
#include "sanitize.h"

#include <stdio.h>
#include <stdlib.h>
#if defined(_WIN32)
#include <windows.h>
#else
#include <time.h>
#endif

static int nskipped;

const char *
t_backend(void)
{
    static char name[32];
    size_t n = strcspn(koro_backend(), " ");

    if (n >= sizeof name)
        n = sizeof name - 1;
    memcpy(name, koro_backend(), n);
    name[n] = '\0';
    return name;
}

int
t_backend_is(const char *name)
{
    return strcmp(t_backend(), name) == 0;
}

const char *
t_sanitized(void)
{
#if defined(KORO_ASAN)
    return "AddressSanitizer";
#elif defined(KORO_TSAN)
    return "ThreadSanitizer";
#else
    return NULL;
#endif
}

uint64_t
t_now_ns(void)
{
#if defined(_WIN32)
    LARGE_INTEGER f, t;

    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&t);
    return (uint64_t)((double)t.QuadPart * 1e9 / (double)f.QuadPart);
#else
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

size_t
t_stack_size(void)
{
    size_t min = koro_stack_min();

    return min > 65536 ? (min + 4095) & ~(size_t)4095 : 65536;
}

size_t
t_stack_at_least(size_t n)
{
    size_t min = t_stack_size();

    return min > n ? min : n;
}

unsigned char *
t_stacks(size_t n)
{
    unsigned char *p = malloc(n * t_stack_size());

    if (!p) {
        fprintf(stderr, "t_stacks: out of memory\n");
        abort();
    }
    return p;
}

int
t_nofork(void)
{
    const char *f = getenv("CK_FORK");

#if defined(__EMSCRIPTEN__) || defined(_WIN32)
    (void)f; /* no fork(): Check runs every case in this process */
    return 1;
#else
    return f && strcmp(f, "no") == 0;
#endif
}

static void
t_add_case(Suite *s, const char *name, const TTest *fn, int sig,
           const char *why)
{
    TCase *tc;

    if (why) {
        printf("SKIP: %s: %s\n", name, why);
        nskipped++;
        return;
    }
    tc = tcase_create(name);
    tcase_set_timeout(tc, 60);
    if (sig)
        tcase_add_test_raise_signal(tc, fn, sig);
    else
        tcase_add_test(tc, fn);
    suite_add_tcase(s, tc);
}

void
t_add(Suite *s, const char *name, const TTest *fn, const char *why)
{
    t_add_case(s, name, fn, 0, why);
}

void
t_add_signal(Suite *s, const char *name, const TTest *fn, int sig,
             const char *why)
{
    if (!why && t_nofork())
        why = "needs a forked process (CK_NOFORK, or no fork() here)";
    t_add_case(s, name, fn, sig, why);
}

int
main(void)
{
    Suite *s = suite_create(koro_backend());
    SRunner *sr;
    int run, failed;

    printf("libkorutin backend: %s\n", koro_backend());
    if (t_backend_is("sjlj") && t_sanitized() &&
        !strcmp(t_sanitized(), "ThreadSanitizer")) {
        /* TSan defers signal delivery to its own points, so a handler
         * never runs on the alternate stack when sjlj needs it. */
        printf("SKIP: the sjlj backend creates contexts in a signal "
               "handler, which ThreadSanitizer defers\n");
        return 77;
    }
    t_core(s);
    t_sched(s);
    t_chan(s);
    t_sync(s);
    t_hook(s);
    t_backends(s);
    t_win(s);
    t_io(s);
    t_threads(s);
    t_guard(s);
    t_misuse(s);
    t_model(s);
    t_stress(s);
    t_diff(s);
    sr = srunner_create(s);
    if (t_nofork())
        srunner_set_fork_status(sr, CK_NOFORK);
#ifdef __EMSCRIPTEN__
    /* Name every case as it ends (Check's log to "-", stdout), so that a
     * hang points at the case after the last one named: Check cannot fork
     * here, so its per-case timeout cannot stop one. */
    if (!getenv("CK_LOG_FILE_NAME"))
        srunner_set_log(sr, "-");
#endif
    srunner_run_all(sr, CK_NORMAL);
    run = srunner_ntests_run(sr);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    printf("%s: %d passed, %d failed, %d skipped\n", t_backend(), run - failed,
           failed, nskipped);
    /* exit(), not return: under Emscripten a switch away from main()
     * unwinds it out to the runtime and rewinds it later, so the value it
     * finally returns never becomes the exit status (node exits 0). */
    exit(failed ? EXIT_FAILURE : EXIT_SUCCESS);
}
