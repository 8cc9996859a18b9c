# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# KORO_CHECK_DLOPEN
# -----------------
# For the tests that load the built library at run time
# (tests/dlopen-host.c, tests/tls-size.sh, tests/core-layers.sh): the
# library that provides dlopen() (DL_LIBS) and the binutils that read
# the ELF files (READELF, and NM from LT_INIT).
AC_DEFUN([KORO_CHECK_DLOPEN], [
  koro_save_LIBS=$LIBS
  LIBS=
  AC_SEARCH_LIBS([dlopen], [dl])
  DL_LIBS=$LIBS
  LIBS=$koro_save_LIBS
  AC_SUBST([DL_LIBS])
  AC_CHECK_TOOL([READELF], [readelf])
])
