# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# KORO_CHECK_TLS
# --------------
# Find the thread-local storage keyword (C11 _Thread_local, or __thread)
# and whether the initial-exec TLS model attribute is accepted.  Defines
# KORO_TLS and, when available, KORO_TLS_IE.
AC_DEFUN([KORO_CHECK_TLS], [
  AC_CACHE_CHECK([for the thread-local storage keyword], [koro_cv_tls], [
    koro_cv_tls=none
    for kw in _Thread_local __thread; do
      AC_LINK_IFELSE([AC_LANG_PROGRAM([[static $kw int x;]],
                                      [[x = 1; return x - 1;]])],
                     [koro_cv_tls=$kw; break])
    done])
  AS_IF([test "x$koro_cv_tls" = xnone],
        [AC_MSG_ERROR([the compiler has no thread-local storage keyword])])
  AC_DEFINE_UNQUOTED([KORO_TLS], [$koro_cv_tls],
                     [Keyword declaring a thread-local variable.])
  AC_CACHE_CHECK([for the initial-exec TLS model attribute], [koro_cv_tls_ie], [
    koro_save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS -Werror"
    AC_LINK_IFELSE([AC_LANG_PROGRAM(
      [[static $koro_cv_tls int x __attribute__((tls_model("initial-exec")));]],
      [[x = 1; return x - 1;]])],
      [koro_cv_tls_ie=yes], [koro_cv_tls_ie=no])
    CFLAGS=$koro_save_CFLAGS])
  # mingw GCC emulates TLS (emutls: a call per access, malloc per thread);
  # the library then uses the PE TLS directory by hand (lib/koro-int.h).
  case $host_cpu-$host_os in
    x86_64-mingw*|i?86-mingw*)
      AC_CACHE_CHECK([whether $koro_cv_tls is emulated (emutls)],
                     [koro_cv_tls_emu], [
        AC_COMPILE_IFELSE([AC_LANG_SOURCE([[
static $koro_cv_tls int x;
int *koro_tls_probe(void);
int *koro_tls_probe(void) { return &x; }
]])], [AS_IF([$NM conftest.$OBJEXT 2>/dev/null | grep emutls >/dev/null ||
                 grep emutls conftest.$OBJEXT >/dev/null 2>&1],
               [koro_cv_tls_emu=yes], [koro_cv_tls_emu=no])],
          [koro_cv_tls_emu=no])])
      AS_IF([test "x$koro_cv_tls_emu" = xyes],
            [AC_DEFINE([KORO_TLS_PE], [1],
               [Define to place the thread-local state in the PE TLS
                directory by hand (the compiler emulates TLS).])]) ;;
  esac
  AS_IF([test "x$koro_cv_tls_ie" = xyes],
        [AC_DEFINE([KORO_TLS_IE], [1],
                   [Define if the initial-exec TLS model can be requested.])])
])
