# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# KORO_CHECK_EMSCRIPTEN
# ---------------------
# The emscripten backend: coroutines as Emscripten fibers.  Usable when the
# compiler targets Emscripten (it defines __EMSCRIPTEN__; the host is
# wasm32*-emscripten), which is always a cross build, so the answer is
# "cross": a fiber program must compile and link with -sASYNCIFY, not run.
# Emscripten fibers abort at run time unless every program that uses them
# is linked with -sASYNCIFY: KORO_EMSCRIPTEN_LDFLAGS holds it, for the test
# programs here and (through korutin.pc's Libs) for users.
# Sets koro_ok_emscripten, koro_why_emscripten, KORO_EMSCRIPTEN_LDFLAGS.
AC_DEFUN([KORO_CHECK_EMSCRIPTEN], [
  KORO_EMSCRIPTEN_LDFLAGS=
  AC_CACHE_CHECK([for Emscripten fibers (emscripten backend)],
                 [koro_cv_emscripten], [
    koro_cv_emscripten=no
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[
#ifndef __EMSCRIPTEN__
#error "not Emscripten"
#endif
#include <emscripten/fiber.h>
]], [[emscripten_fiber_t f; (void)f;]])], [
      koro_save_LDFLAGS=$LDFLAGS
      LDFLAGS="$LDFLAGS -sASYNCIFY"
      AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <emscripten/fiber.h>
static emscripten_fiber_t m, c;
static char ca[1024], ma[1024], cs[4096];
static void body(void *p) { (void)p; emscripten_fiber_swap(&c, &m); }
]], [[emscripten_fiber_init(&c, body, 0, cs, sizeof cs, ca, sizeof ca);
emscripten_fiber_init_from_current_context(&m, ma, sizeof ma);
emscripten_fiber_swap(&m, &c);]])], [koro_cv_emscripten=cross])
      LDFLAGS=$koro_save_LDFLAGS])])
  koro_ok_emscripten=$koro_cv_emscripten
  AS_CASE([$koro_ok_emscripten:$host],
    [cross:*], [KORO_EMSCRIPTEN_LDFLAGS=-sASYNCIFY],
    [*:*-emscripten*],
      [koro_why_emscripten="emscripten/fiber.h or linking with -sASYNCIFY failed (see config.log)"],
    [koro_why_emscripten="not compiling for Emscripten (needs emcc, --host=wasm32-unknown-emscripten)"])
  AC_SUBST([KORO_EMSCRIPTEN_LDFLAGS])
])
