# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# KORO_COMPILER_FLAGS
# -------------------
# WARN_CFLAGS: the warnings the compiler knows among ours; --enable-werror
# adds -Werror.  VISIBILITY_CFLAGS: -fvisibility=hidden where accepted, so
# that only the KORO_API functions are exported.
AC_DEFUN([KORO_COMPILER_FLAGS], [
  AC_ARG_ENABLE([werror],
    [AS_HELP_STRING([--enable-werror], [treat compiler warnings as errors])],
    [], [enable_werror=no])
  WARN_CFLAGS=
  for koro_flag in -Wall -Wextra -Wshadow -Wstrict-prototypes \
                   -Wmissing-prototypes -Wpointer-arith -Wcast-align \
                   -Wwrite-strings -Wundef; do
    AX_CHECK_COMPILE_FLAG([$koro_flag],
                          [WARN_CFLAGS="$WARN_CFLAGS $koro_flag"], [],
                          [-Werror])
  done
  AS_IF([test "x$enable_werror" = xyes],
        [WARN_CFLAGS="$WARN_CFLAGS -Werror"])
  AC_SUBST([WARN_CFLAGS])
  VISIBILITY_CFLAGS=
  case $host_os in
    mingw*|cygwin*|msys*) ;;
    *) AX_CHECK_COMPILE_FLAG([-fvisibility=hidden],
                             [VISIBILITY_CFLAGS=-fvisibility=hidden], [],
                             [-Werror]) ;;
  esac
  AC_SUBST([VISIBILITY_CFLAGS])
  # Never an executable stack, even where the toolchain's own start files
  # lack the note (seen on mips64el: the library came out RWE).
  KORO_LIB_LDFLAGS=
  AX_CHECK_LINK_FLAG([-Wl,-z,noexecstack],
                     [KORO_LIB_LDFLAGS=-Wl,-z,noexecstack])
  AC_SUBST([KORO_LIB_LDFLAGS])
])
