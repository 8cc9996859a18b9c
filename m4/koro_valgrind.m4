# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# KORO_CHECK_VALGRIND
# -------------------
# --enable-valgrind[=yes|no|auto]: register every coroutine stack with
# Valgrind (client requests from valgrind/valgrind.h; a few no-op
# instructions when not running under Valgrind, and only in koro_init,
# koro_fini and a coroutine's death, never on the switch path).  The
# default, auto, enables it when the header is found.  Defines
# KORO_VALGRIND, sets koro_valgrind (yes/no) for the summary, and VALGRIND
# (the program, for `make check-valgrind`).
AC_DEFUN([KORO_CHECK_VALGRIND], [
  AC_ARG_ENABLE([valgrind],
    [AS_HELP_STRING([--enable-valgrind],
      [tell Valgrind about coroutine stacks (default: auto, when
       valgrind/valgrind.h is found)])],
    [], [enable_valgrind=auto])
  koro_valgrind=no
  AS_IF([test "x$enable_valgrind" != xno], [
    AC_CHECK_HEADER([valgrind/valgrind.h], [koro_valgrind=yes])
    AS_IF([test "x$koro_valgrind$enable_valgrind" = xnoyes],
          [AC_MSG_ERROR([--enable-valgrind: valgrind/valgrind.h not found (Debian: apt-get install valgrind)])])])
  AS_IF([test "x$koro_valgrind" = xyes],
        [AC_DEFINE([KORO_VALGRIND], [1],
                   [Define to register coroutine stacks with Valgrind.])])
  AC_ARG_VAR([VALGRIND], [Valgrind, for make check-valgrind])
  AC_PATH_PROG([VALGRIND], [valgrind], [])
])
