# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# KORO_CHECK_THREADS
# ------------------
# The threads backend: POSIX threads (AX_PTHREAD finds PTHREAD_CFLAGS and
# PTHREAD_LIBS, substituted for every program, since the test suite runs
# coroutines on several OS threads under every backend), and a thread that
# really runs on a stack the caller gave with pthread_attr_setstack(), at
# an address that is not page aligned (koro_init() accepts any), plus the
# wake-up object the backend uses: the futex system call on Linux, POSIX
# unnamed semaphores elsewhere (macOS, for one, has none).  Run unless
# cross-compiling.  Sets koro_ok_threads (yes, cross, no), koro_why_threads
# and defines HAVE_PTHREAD.
#
# The probe's stack is as big as the default thread stack (at least 256
# KiB): the C library keeps a thread's static TLS at the top of a stack
# the caller gave, and some runtimes have a lot of it (ThreadSanitizer's
# per-thread state is about 770 KiB of TLS), so a fixed size would make
# the probe fail for reasons that the backend itself handles (its
# koro_stack_min() counts the static TLS).  Also checks for
# dl_iterate_phdr(), which the backend uses to measure that TLS.
m4_define([_KORO_THREADS_PROG], [[
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#else
#include <semaphore.h>
#endif
static volatile uintptr_t seen;
static void *run(void *arg)
{
#if defined(__GNUC__) || defined(__clang__)
    /* The frame itself: ASan may keep an addressed local elsewhere (its
     * fake stack, detect_stack_use_after_return). */
    seen = (uintptr_t)__builtin_frame_address(0);
#else
    volatile int local = 1;
    seen = (uintptr_t)&local;
#endif
    return arg;
}
int main(void)
{
    pthread_attr_t a;
    pthread_t t;
    void *ret = NULL;
    size_t size = 0;
    unsigned char *stack, *lo;
#ifdef __linux__
    unsigned w = 0;
    if (syscall(SYS_futex, &w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) != 0)
        return 5;
#else
    sem_t s;
    if (sem_init(&s, 0, 1) != 0 || sem_wait(&s) != 0 || sem_post(&s) != 0)
        return 5;
    sem_destroy(&s);
#endif
    if (pthread_attr_init(&a) || pthread_attr_getstacksize(&a, &size))
        return 2;
    if (size < 262144)
        size = 262144;
    if (!(stack = malloc(size + 64)))
        return 4;
    lo = stack + 48; /* not page aligned, as koro_init() allows */
    if (pthread_attr_setstack(&a, lo, size))
        return 2;
    if (pthread_create(&t, &a, run, stack) || pthread_join(t, &ret))
        return 3;
    free(stack); /* LeakSanitizer fails the probe otherwise */
    return !(ret == stack && seen > (uintptr_t)lo &&
             seen < (uintptr_t)lo + size);
}
]])

AC_DEFUN([KORO_CHECK_THREADS], [
  koro_ok_threads=no
  koro_why_threads=
  AX_PTHREAD([koro_have_pthread=yes], [koro_have_pthread=no])
  AC_SUBST([PTHREAD_CFLAGS])
  AC_SUBST([PTHREAD_LIBS])
  # Emscripten links pthreads only with -pthread (shared memory), which the
  # fibers backend cannot use, and its conftest would hang under node.
  case $host in
    *emscripten*) koro_have_pthread=no ;;
    *-mingw*|*-cygwin*|*-msys*)
      # winpthreads exists, but the win32 backend is the Windows one.
      koro_have_pthread=no ;;
  esac
  AS_IF([test "x$koro_have_pthread" = xyes], [
    AC_DEFINE([HAVE_PTHREAD], [1], [Define if POSIX threads are available.])
    AC_CHECK_FUNCS([dl_iterate_phdr])
    AC_CACHE_CHECK([whether threads run on a caller's stack (pthread_attr_setstack)],
                   [koro_cv_threads_works], [
      koro_save_CFLAGS=$CFLAGS
      koro_save_LIBS=$LIBS
      CFLAGS="$CFLAGS $PTHREAD_CFLAGS"
      LIBS="$PTHREAD_LIBS $LIBS"
      AS_IF([test "x$cross_compiling" = xyes],
        [AC_LINK_IFELSE([AC_LANG_SOURCE([_KORO_THREADS_PROG])],
                        [koro_cv_threads_works=cross],
                        [koro_cv_threads_works=no])],
        [AC_RUN_IFELSE([AC_LANG_SOURCE([_KORO_THREADS_PROG])],
                       [koro_cv_threads_works=yes],
                       [koro_cv_threads_works=no])])
      CFLAGS=$koro_save_CFLAGS
      LIBS=$koro_save_LIBS])
    koro_ok_threads=$koro_cv_threads_works
    AS_IF([test "x$koro_ok_threads" = xno],
      [koro_why_threads="pthread_attr_setstack or the futex/semaphore hand-off does not work here (see config.log)"])
  ], [koro_why_threads="no POSIX threads found"])
])
