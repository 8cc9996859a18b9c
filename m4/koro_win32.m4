# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# KORO_CHECK_WIN32
# ----------------
# The win32 backend (lib/backend-win32.c): one Win32 thread per coroutine
# with WaitOnAddress hand-off, for Windows hosts (mingw-w64, Cygwin, MSYS).
# Sets koro_ok_win32 (yes, cross or no), koro_why_win32, and KORO_W32_LIBS
# (the import library of WaitOnAddress).
AC_DEFUN([KORO_CHECK_WIN32], [
  koro_ok_win32=no
  koro_why_win32="not a Windows host ($host_os)"
  KORO_W32_LIBS=
  case $host_os in
    mingw*|cygwin*|msys*|windows*)
      AC_CACHE_CHECK([for Win32 threads with WaitOnAddress],
                     [koro_cv_win32], [
        koro_cv_win32=no
        koro_save_LIBS=$LIBS
        for koro_lib in "" -lsynchronization; do
          LIBS="$koro_lib $koro_save_LIBS"
          AC_LINK_IFELSE([AC_LANG_PROGRAM([[
#define _WIN32_WINNT 0x0602
#include <windows.h>
static DWORD WINAPI f(void *p) { (void)p; return 0; }
]], [[
    LONG v = 0, none = 0;
    HANDLE h = CreateThread(NULL, 65536, f, NULL,
                            STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    WaitOnAddress(&v, &none, sizeof v, 0);
    WakeByAddressSingle(&v);
    return h == NULL;
]])], [koro_cv_win32="yes${koro_lib:+ ($koro_lib)}"; break])
        done
        LIBS=$koro_save_LIBS])
      case $koro_cv_win32 in
        yes*)
          KORO_W32_LIBS=`echo "$koro_cv_win32" | sed -n 's/^yes (\(.*\))$/\1/p'`
          AS_IF([test "x$cross_compiling" = xyes], [koro_ok_win32=cross],
                [koro_ok_win32=yes]) ;;
        *) koro_why_win32="CreateThread/WaitOnAddress do not link (needs Windows 8 headers and libsynchronization)" ;;
      esac ;;
  esac
  AC_SUBST([KORO_W32_LIBS])
])
