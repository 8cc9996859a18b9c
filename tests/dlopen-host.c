/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* dlopen-host.c - libkorutin loaded at run time, the way language
 * bindings and plugin hosts load it.
 *
 * This program is not linked with libkorutin.  A thread of its own is
 * already running when it calls dlopen(): the library's thread-local
 * storage must then fit the C library's static TLS reserve (glibc keeps a
 * few hundred bytes for initial-exec TLS of libraries loaded later).
 * Coroutines on koro_stack_min() stacks then run in a thread created
 * after the dlopen(), through many round trips that check every value
 * passed.
 *
 * Built twice: tests/dlopen-lib loads lib/.libs/libkorutin.so.0 itself
 * and calls it through dlsym(); tests/dlopen-plugin loads a plugin
 * (tests/koro-plugin.c) linked with libkorutin, which the dynamic
 * linker then loads as the plugin's dependency. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#define KORO_NO_CALL_MACROS 1
#include "korutin.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(HAVE_DLFCN_H) && defined(HAVE_PTHREAD_CREATE) && !defined(_WIN32)
#include <dlfcn.h>
#include <pthread.h>
#include <sys/stat.h>
#define T_CAN 1
#endif

#define NCORO 8
#define ROUNDS 2000

#ifdef KORO_DL_PLUGIN
#define T_FILE "tests/.libs/koro-plugin.so"
#define T_WHAT "the plugin"
#else
#define T_FILE "lib/.libs/libkorutin.so.0"
#define T_WHAT "the shared library"
#endif

#ifdef T_CAN

/* The thread that runs throughout, from before the dlopen() to the end. */
static volatile int stop;
static volatile unsigned long spins;

static void *
spinner(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
        __atomic_add_fetch(&spins, 1, __ATOMIC_RELAXED);
    return NULL;
}

#ifdef KORO_DL_PLUGIN
typedef int (*run_fn)(unsigned ncoro, unsigned rounds, char *why, size_t n);
static run_fn plugin_run;
#else
static int (*p_init)(koro_t *, koro_fn, void *, void *, size_t);
static int (*p_resume)(koro_t *);
static int (*p_yield)(void);
static size_t (*p_stack_min)(void);

struct co {
    koro_t k;
    unsigned id;
    unsigned long out; /* what the coroutine passes back each round */
};

static void
body(void *arg)
{
    struct co *c = arg;
    unsigned i;

    for (i = 0; i < ROUNDS; i++) {
        c->out = (unsigned long)c->id * 1000000ul + i;
        if (p_yield() != 0) {
            c->out = ~0ul;
            return;
        }
    }
    c->out = (unsigned long)c->id * 1000000ul + ROUNDS;
}
#endif

static char why[256];

/* The thread created after the dlopen(). */
static void *
worker(void *arg)
{
#ifdef KORO_DL_PLUGIN
    (void)arg;
    return plugin_run(NCORO, ROUNDS, why, sizeof why) == 0 ? why : NULL;
#else
    static struct co co[NCORO];
    size_t size = p_stack_min();
    unsigned char *mem = malloc(size * NCORO + 64);
    unsigned char *base =
        (unsigned char *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
    unsigned i, r;
    int rc;

    (void)arg;
    if (!mem) {
        snprintf(why, sizeof why, "out of memory");
        return NULL;
    }
    for (i = 0; i < NCORO; i++) {
        co[i].id = i + 1;
        rc = p_init(&co[i].k, body, &co[i], base + i * size, size);
        if (rc != 0) {
            snprintf(why, sizeof why, "koro_init: %d", rc);
            return NULL;
        }
    }
    for (r = 0; r <= ROUNDS; r++)
        for (i = 0; i < NCORO; i++) {
            rc = p_resume(&co[i].k);
            if (rc != 0 || co[i].out != co[i].id * 1000000ul + r) {
                snprintf(why, sizeof why,
                         "round %u coroutine %u: resume %d, value %lu", r, i,
                         rc, co[i].out);
                return NULL;
            }
        }
    for (i = 0; i < NCORO; i++)
        if (p_resume(&co[i].k) != KORO_EDEAD) {
            snprintf(why, sizeof why, "coroutine %u did not finish", i);
            return NULL;
        }
    free(mem);
    return co;
#endif
}

static void *
sym(void *h, const char *name)
{
    void *p = dlsym(h, name);

    if (!p) {
        fprintf(stderr, "FAIL: dlsym(%s): %s\n", name, dlerror());
        exit(1);
    }
    return p;
}

int
main(void)
{
    const char *top = getenv("top_builddir");
    char path[4096];
    struct stat st;
    pthread_t spin, work;
    void *h, *res;

    snprintf(path, sizeof path, "%s/%s", top ? top : ".", T_FILE);
    if (stat(path, &st) != 0) {
        printf("SKIP: %s is not at %s (static-only build?)\n", T_WHAT, path);
        return 77;
    }
    if (pthread_create(&spin, NULL, spinner, NULL) != 0) {
        puts("SKIP: cannot create a thread");
        return 77;
    }
    while (!__atomic_load_n(&spins, __ATOMIC_RELAXED))
        ; /* it runs */
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "FAIL: dlopen(%s): %s\n", path, dlerror());
        return 1;
    }
#ifdef KORO_DL_PLUGIN
    plugin_run = (run_fn)sym(h, "plugin_run");
#else
    *(void **)&p_init = sym(h, "koro_init");
    *(void **)&p_resume = sym(h, "koro_resume");
    *(void **)&p_yield = sym(h, "koro_yield");
    *(void **)&p_stack_min = sym(h, "koro_stack_min");
#endif
    if (pthread_create(&work, NULL, worker, NULL) != 0 ||
        pthread_join(work, &res) != 0) {
        fprintf(stderr, "FAIL: cannot run the worker thread\n");
        return 1;
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    pthread_join(spin, NULL);
    if (!res) {
        fprintf(stderr, "FAIL: %s\n", why);
        return 1;
    }
    printf("PASS: %s loaded with a thread running; %d coroutines x %d "
           "round trips in a new thread\n",
           T_WHAT, NCORO, ROUNDS);
    return 0;
}

#else /* !T_CAN */

int
main(void)
{
    puts("SKIP: no dlopen() or POSIX threads here");
    return 77;
}

#endif
