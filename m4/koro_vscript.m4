# KORO_CHECK_VSCRIPT
# ------------------
# Whether the linker takes a GNU version script for a shared library
# (GNU ld, gold, lld on ELF).  Sets the conditional KORO_VSCRIPT, under
# which lib/korutin.map gives every exported symbol its version node;
# otherwise libtool's -export-symbols-regex alone limits the exports.
# Not tried for PE (Windows), Mach-O (macOS) or WebAssembly, whose
# linkers have no symbol versions.
#
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
AC_DEFUN([KORO_CHECK_VSCRIPT], [
  AC_ARG_ENABLE([symvers],
    [AS_HELP_STRING([--disable-symvers],
                    [do not give the exported symbols a version node])],
    [], [enable_symvers=auto])
  koro_vscript=no
  AS_CASE([$host_os],
    [mingw*|cygwin*|msys*|darwin*|emscripten*], [],
    [AS_IF([test "x$enable_symvers" != xno], [
      AC_CACHE_CHECK([whether the linker takes a version script],
                     [koro_cv_vscript], [
        cat >conftest.map <<_KORO_EOF
KORO_CONFTEST_1 {
  global: koro_conftest_[[a-z]]*;
  local: *;
};
_KORO_EOF
        koro_save_CFLAGS=$CFLAGS
        koro_save_LDFLAGS=$LDFLAGS
        CFLAGS="$CFLAGS -fPIC"
        LDFLAGS="$LDFLAGS -shared -Wl,--version-script=conftest.map"
        AC_LINK_IFELSE([AC_LANG_SOURCE([[
int koro_conftest_f(void);
int koro_conftest_f(void) { return 1; }
int koro_conftest_hidden(void);
int koro_conftest_hidden(void) { return 2; }
]])], [koro_cv_vscript=yes], [koro_cv_vscript=no])
        CFLAGS=$koro_save_CFLAGS
        LDFLAGS=$koro_save_LDFLAGS
        rm -f conftest.map])
      koro_vscript=$koro_cv_vscript])])
  AS_IF([test "x$enable_symvers" = xyes && test "x$koro_vscript" != xyes],
        [AC_MSG_ERROR([--enable-symvers: the linker takes no version script here])])
  AM_CONDITIONAL([KORO_VSCRIPT], [test "x$koro_vscript" = xyes])
  KORO_VSCRIPT=$koro_vscript
  AC_SUBST([KORO_VSCRIPT])
  # tests/abi-symver.sh reads the library's dynamic symbols with it.
  AC_CHECK_TOOL([READELF], [readelf])
])
