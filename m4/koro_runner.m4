# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# KORO_TEST_RUNNER
# ----------------
# How `make check` runs the test programs.  Natively: directly.  When
# cross-compiling: through TEST_WRAPPER, chosen from $host unless the user
# set it (qemu-ARCH for Linux ABIs, wine for Windows, node for Emscripten).
# The runner is probed by running a tiny program through it and reading its
# output: if that fails the tests SKIP (exit 77) with the reason, because a
# runner that runs nothing (wine64 given a 32-bit .exe exits 0 silently)
# must never count as a PASS.  Sets KORO_RUNNER_OK and KORO_RUNNER_WHY.
AC_DEFUN([KORO_TEST_RUNNER], [
  AC_ARG_VAR([TEST_WRAPPER],
    [command that runs the test programs when cross-compiling (default:
     chosen from the host, e.g. qemu-aarch64, wine, node)])
  # emcc turns configure's own conftest into an executable node script, so
  # autoconf may conclude it is not cross-compiling; the programs make
  # builds are plain JS files for node all the same.
  AS_CASE([$host], [wasm32*|*-emscripten*],
          [test -n "$TEST_WRAPPER" || TEST_WRAPPER="node --no-experimental-fetch"])
  AS_IF([test "x$cross_compiling" = xyes && test -z "$TEST_WRAPPER"], [
    case $host in
      aarch64*-linux*) TEST_WRAPPER=qemu-aarch64 ;;
      arm*-linux*) TEST_WRAPPER=qemu-arm ;;
      riscv64*-linux*) TEST_WRAPPER="qemu-riscv64 -L /usr/riscv64-linux-gnu" ;;
      powerpc64le*-linux*) TEST_WRAPPER=qemu-ppc64le ;;
      s390x*-linux*) TEST_WRAPPER=qemu-s390x ;;
      # qemu's default n64 CPU (5KEf) ignores writes to the FCSR, so
      # fesetround() does nothing and the FP tests would prove nothing.
      mips64el*-linux*) TEST_WRAPPER="qemu-mips64el -cpu MIPS64R2-generic" ;;
      *-mingw*|*-cygwin*) TEST_WRAPPER=wine ;;
      wasm32*|*-emscripten*) TEST_WRAPPER="node --no-experimental-fetch" ;;
    esac])
  AC_CACHE_CHECK([whether test programs run here], [koro_cv_runner], [
    AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <stdio.h>]],
                                    [[puts("koro-runner-ok"); return 0;]])],
      [koro_out=`${TEST_WRAPPER} ./conftest$ac_exeext 2>&AS_MESSAGE_LOG_FD`
       AS_IF([echo "$koro_out" | grep koro-runner-ok >/dev/null],
             [koro_cv_runner=yes], [koro_cv_runner=no])],
      [koro_cv_runner=no])])
  KORO_RUNNER_OK=$koro_cv_runner
  AS_IF([test "x$KORO_RUNNER_OK" = xyes], [KORO_RUNNER_WHY=],
        [KORO_RUNNER_WHY="cannot run $host programs here (runner: ${TEST_WRAPPER:-none})"])
  AC_SUBST([KORO_RUNNER_OK])
  AC_SUBST([KORO_RUNNER_WHY])
])
