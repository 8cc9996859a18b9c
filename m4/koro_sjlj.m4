# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# KORO_CHECK_SJLJ
# ---------------
# Whether the sjlj backend (lib/backend-sjlj.c) works here: _setjmp and
# _longjmp, sigaltstack, sigaction with SA_ONSTACK, and POSIX threads for
# the lock around creation.  Unless cross-compiling, a run test plays the
# signal-stack trick the backend depends on: a handler delivered on an
# alternate stack saves its context and returns, and a later _longjmp
# continues there on that stack; then a handler left with _longjmp instead
# of a return must not leave the thread "on" the alternate stack (old
# kernels kept a flag that made the next signal skip it and sigaltstack()
# fail).  When cross-compiling, the answer is known good for Linux, the
# BSDs and Darwin, and configure says so.  Sets koro_ok_sjlj (yes, cross,
# no) and koro_why_sjlj.  Call after AX_PTHREAD.
m4_define([_KORO_SJLJ_PROG], [[
/* As in lib/backend-sjlj.c: glibc's fortified longjmp refuses to jump
 * to another stack. */
#undef _FORTIFY_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
static jmp_buf main_jb, born_jb, out_jb;
static char stk[2][65536];
static volatile int ran, on_alt, hits;
static volatile char *where;
static void body(void)
{
    char local = 0;
    where = &local;
    ran++;
    _longjmp(main_jb, 1);
}
static void birth(int sig)
{
    char here = 0;
    (void)sig;
    on_alt = &here >= stk[0] && &here < stk[0] + sizeof stk[0];
    if (_setjmp(born_jb) == 0)
        return;
    body();
}
static void escape(int sig)
{
    char here = 0;
    (void)sig;
    hits += &here >= stk[1] && &here < stk[1] + sizeof stk[1];
    _longjmp(out_jb, 1);
}
static int deliver(char *s, void (*fn)(int))
{
    stack_t ss;
    struct sigaction sa;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = s;
    ss.ss_size = 65536;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    return sigaltstack(&ss, 0) != 0 || sigaction(SIGUSR2, &sa, 0) != 0
           || raise(SIGUSR2) != 0;
}
int main(void)
{
    int i;
    if (deliver(stk[0], birth) || !on_alt)
        return 1;
    if (_setjmp(main_jb) == 0)
        _longjmp(born_jb, 1);
    if (ran != 1 || where < stk[0] || where >= stk[0] + sizeof stk[0])
        return 2;
    for (i = 0; i < 2; i++) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, 0); /* _longjmp keeps it blocked */
        if (_setjmp(out_jb) == 0 && deliver(stk[1], escape))
            return 3;
    }
    return hits == 2 ? 0 : 4;
}
]])

AC_DEFUN([KORO_CHECK_SJLJ], [
  koro_ok_sjlj=no
  koro_why_sjlj=
  AC_CHECK_FUNCS([_setjmp _longjmp sigaltstack sigaction],
                 [], [koro_why_sjlj="$ac_func is missing"])
  case $host in
    *emscripten*) koro_why_sjlj="WebAssembly has no signal stacks" ;;
  esac
  AS_IF([test -z "$koro_why_sjlj" && test "x$ax_pthread_ok" != xyes],
        [koro_why_sjlj="POSIX threads (for its creation lock) not found"])
  # Outside x86 the FP environment is kept with fegetenv/fesetenv, which
  # glibc has in libm.  KORO_SJLJ_LIBS is linked into the sjlj library.
  KORO_SJLJ_LIBS=
  case $host_cpu in
    x86_64|i?86) ;;
    *)
      koro_save_LIBS=$LIBS
      AC_SEARCH_LIBS([fesetenv], [m], [], [koro_why_sjlj="fesetenv is missing"])
      LIBS=$koro_save_LIBS
      case $ac_cv_search_fesetenv in
        -l*) KORO_SJLJ_LIBS=$ac_cv_search_fesetenv ;;
      esac ;;
  esac
  AC_SUBST([KORO_SJLJ_LIBS])
  AS_IF([test -z "$koro_why_sjlj"], [
    AC_CACHE_CHECK([whether the signal-stack trick works for sjlj],
                   [koro_cv_sjlj_works], [
      AS_IF([test "x$cross_compiling" = xyes], [
        AC_LINK_IFELSE([AC_LANG_SOURCE([_KORO_SJLJ_PROG])], [
          case $host_os in
            linux*|*bsd*|dragonfly*|darwin*) koro_cv_sjlj_works=cross ;;
            *) koro_cv_sjlj_works="no (cross-compiling, unknown for $host_os)" ;;
          esac], [koro_cv_sjlj_works="no (does not link)"])
      ], [
        AC_RUN_IFELSE([AC_LANG_SOURCE([_KORO_SJLJ_PROG])],
                      [koro_cv_sjlj_works=yes],
                      [koro_cv_sjlj_works="no (run test failed, see config.log)"])
      ])])
    case $koro_cv_sjlj_works in
      yes) koro_ok_sjlj=yes ;;
      cross)
        koro_ok_sjlj=cross
        AC_MSG_NOTICE([sjlj: cross-compiling, assumed to work on $host_os (known good there), not run]) ;;
      *) koro_why_sjlj="the signal-stack trick failed: $koro_cv_sjlj_works" ;;
    esac
  ])
])
