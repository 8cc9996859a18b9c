# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# KORO_SELECT_BACKEND
# -------------------
# Every probe before this sets koro_ok_NAME to "yes" (it works here),
# "cross" (it builds; known good for this host, not run) or "no", and
# koro_why_NAME to the reason when it is "no".  This picks the best that
# works in the order asm > sjlj > ucontext > threads > win32 > emscripten,
# or the one --with-backend names, builds every usable one for the tests,
# and sets KORO_BACKEND plus the BUILD_<NAME>/SEL_<NAME> conditionals.
m4_define([_KORO_BACKENDS], [asm sjlj ucontext threads win32 emscripten])

AC_DEFUN([KORO_SELECT_BACKEND], [
  AC_ARG_WITH([backend],
    [AS_HELP_STRING([--with-backend=NAME],
      [force the context-switch backend: asm, sjlj, ucontext, threads,
       win32, emscripten (default: the first of these that works)])],
    [], [with_backend=auto])
  KORO_BACKENDS_BUILT=
  KORO_BACKEND=
  for koro_b in _KORO_BACKENDS; do
    eval koro_ok=\${koro_ok_$koro_b-no}
    case $koro_ok in
      yes|cross)
        KORO_BACKENDS_BUILT="$KORO_BACKENDS_BUILT $koro_b"
        test -n "$KORO_BACKEND" || KORO_BACKEND=$koro_b ;;
    esac
  done
  case $with_backend in
    auto|yes|"") ;;
    no) AC_MSG_ERROR([libkorutin needs a backend]) ;;
    *)
      eval koro_ok=\${koro_ok_$with_backend-unknown}
      case $koro_ok in
        yes|cross) KORO_BACKEND=$with_backend ;;
        unknown) AC_MSG_ERROR([unknown backend '$with_backend'; one of: _KORO_BACKENDS]) ;;
        *) eval koro_why=\${koro_why_$with_backend-"it does not work here"}
           AC_MSG_ERROR([backend '$with_backend' cannot be used: $koro_why]) ;;
      esac ;;
  esac
  AS_IF([test -z "$KORO_BACKEND"],
        [AC_MSG_ERROR([no context-switch backend works on $host])])
  KORO_BACKENDS_BUILT=`echo $KORO_BACKENDS_BUILT`
  AC_SUBST([KORO_BACKEND])
  AC_SUBST([KORO_BACKENDS_BUILT])
  m4_foreach_w([koro_n], _KORO_BACKENDS, [
    AM_CONDITIONAL(m4_toupper([BUILD_]koro_n),
                   [case " $KORO_BACKENDS_BUILT " in *" koro_n "*) true;; *) false;; esac])
    AM_CONDITIONAL(m4_toupper([SEL_]koro_n), [test "x$KORO_BACKEND" = "x]koro_n["])])
])
