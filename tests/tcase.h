/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* tcase.h - glue between the test files and the one test runner. */
#ifndef KORO_TCASE_H
#define KORO_TCASE_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "korutin.h"

/* Add the Check test `fn` as its own case, or report it as skipped with
 * `why` (non-NULL) so that nothing silently disappears. */
void t_add(Suite *s, const char *name, const TTest *fn, const char *why);
void t_add_signal(Suite *s, const char *name, const TTest *fn, int sig,
                  const char *why);
#define T_ADD(s, fn, why) t_add((s), #fn, (fn), (why))

/* The first word of koro_backend(): "asm", "sjlj", ... */
const char *t_backend(void);
int t_backend_is(const char *name);
/* A monotonic clock in nanoseconds (QueryPerformanceCounter on Windows,
 * where mingw's clock_gettime does not tick under wine). */
uint64_t t_now_ns(void);
/* Non-zero when the tests run with CK_NOFORK (no process isolation). */
int t_nofork(void);
/* The stack most cases give a coroutine: 64 KiB, or koro_stack_min()
 * rounded up to pages where that is more (the threads backend on arm64
 * Linux, whose PTHREAD_STACK_MIN is 128 KiB).  t_stacks(n) allocates n
 * such stacks, one after another; call it while setting up, never where
 * malloc() calls are counted. */
size_t t_stack_size(void);
unsigned char *t_stacks(size_t n);
/* Why cases that start OS threads cannot run, or NULL.  Emscripten
 * without -pthread links pthread_create() as a stub that always fails. */
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
#define T_NO_OS_THREADS "Emscripten without -pthread: no OS threads"
#else
#define T_NO_OS_THREADS NULL
#endif
/* The same for cases written with POSIX threads (config.h comes first). */
#ifdef HAVE_PTHREAD
#define T_NO_PTHREADS T_NO_OS_THREADS
#else
#define T_NO_PTHREADS "no POSIX threads in this build"
#endif
/* A roomy stack for cases that want `n` bytes (256 KiB, say): n, or
 * t_stack_size() where that is more (the threads backend under
 * ThreadSanitizer needs about 1 MiB). */
size_t t_stack_at_least(size_t n);

/* malloc() calls are counted while count_mallocs is set (t-core.c);
 * malloc_skip() says why they cannot be, or NULL. */
extern volatile int count_mallocs, nmallocs;
const char *malloc_skip(void);

/* "AddressSanitizer" or "ThreadSanitizer" when the tests are built with
 * one, else NULL (tmain.c). */
const char *t_sanitized(void);
/* The sanitizer or Valgrind the suite runs under, or NULL (t-guard.c). */
const char *t_checker(void);

/* One function per test file, called by tmain.c. */
void t_core(Suite *s);
void t_sched(Suite *s);
void t_chan(Suite *s);
void t_sync(Suite *s);
void t_hook(Suite *s);
void t_backends(Suite *s);
void t_win(Suite *s);
void t_threads(Suite *s);
void t_guard(Suite *s);
void t_misuse(Suite *s);
void t_model(Suite *s);
void t_stress(Suite *s);
void t_diff(Suite *s);
void t_io(Suite *s);

#endif
