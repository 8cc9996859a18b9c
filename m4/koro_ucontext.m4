# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# KORO_CHECK_UCONTEXT
# -------------------
# Whether the ucontext backend (lib/backend-ucontext.c) works here:
# <ucontext.h> with getcontext, makecontext, swapcontext and setcontext,
# and - unless cross-compiling - a run test: a context made on its own
# stack ping-pongs with main, keeps its locals and really runs on that
# stack.  POSIX.1-2008 dropped these functions; musl lacks them, and macOS
# deprecates them (it also needs _XOPEN_SOURCE for the header), so this is
# the last resort before threads.  Cross-compiling: known good for glibc
# Linux, FreeBSD, NetBSD, DragonFly and Solaris; configure says so.  Sets
# koro_ok_ucontext (yes, cross, no) and koro_why_ucontext.
m4_define([_KORO_UCONTEXT_PROG], [[
#include <stdlib.h>
#include <ucontext.h>
static ucontext_t main_uc, co_uc;
static char stk[65536];
static volatile int steps, bad;
static void body(void)
{
    volatile int local = 0;
    for (;;) {
        bad |= (char *)&local < stk || (char *)&local >= stk + sizeof stk;
        local++;
        steps = local;
        swapcontext(&co_uc, &main_uc);
    }
}
int main(void)
{
    int i;
    volatile int keep = 7;
    if (getcontext(&co_uc) != 0)
        return 1;
    co_uc.uc_stack.ss_sp = stk;
    co_uc.uc_stack.ss_size = sizeof stk;
    co_uc.uc_link = 0;
    makecontext(&co_uc, body, 0);
    for (i = 0; i < 100; i++)
        if (swapcontext(&main_uc, &co_uc) != 0)
            return 2;
    return !(steps == 100 && !bad && keep == 7);
}
]])

AC_DEFUN([KORO_CHECK_UCONTEXT], [
  koro_ok_ucontext=no
  koro_why_ucontext=
  case $host in
    *emscripten*) koro_why_ucontext="WebAssembly cannot switch stacks this way" ;;
  esac
  AS_IF([test -z "$koro_why_ucontext"], [
    AC_CHECK_HEADER([ucontext.h], [],
                    [koro_why_ucontext="<ucontext.h> is missing"])])
  AS_IF([test -z "$koro_why_ucontext"], [
    AC_CHECK_FUNCS([getcontext makecontext swapcontext setcontext], [],
                   [koro_why_ucontext="$ac_func is missing"])])
  AS_IF([test -z "$koro_why_ucontext"], [
    AC_CACHE_CHECK([whether makecontext and swapcontext work],
                   [koro_cv_ucontext_works], [
      AS_IF([test "x$cross_compiling" = xyes], [
        AC_LINK_IFELSE([AC_LANG_SOURCE([_KORO_UCONTEXT_PROG])], [
          case $host_os in
            linux-gnu*|freebsd*|netbsd*|dragonfly*|solaris*)
              koro_cv_ucontext_works=cross ;;
            darwin*)
              koro_cv_ucontext_works="no (deprecated on macOS)" ;;
            *) koro_cv_ucontext_works="no (cross-compiling, unknown for $host_os)" ;;
          esac], [koro_cv_ucontext_works="no (does not link)"])
      ], [
        AC_RUN_IFELSE([AC_LANG_SOURCE([_KORO_UCONTEXT_PROG])],
                      [koro_cv_ucontext_works=yes],
                      [koro_cv_ucontext_works="no (run test failed, see config.log)"])
      ])])
    case $koro_cv_ucontext_works in
      yes) koro_ok_ucontext=yes ;;
      cross)
        koro_ok_ucontext=cross
        AC_MSG_NOTICE([ucontext: cross-compiling, assumed to work on $host_os (known good there), not run]) ;;
      *) koro_why_ucontext="makecontext/swapcontext: $koro_cv_ucontext_works" ;;
    esac
  ])
])
