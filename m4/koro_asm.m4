# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# KORO_CHECK_ASM
# --------------
# Which lib/arch file serves the ABI the compiler targets (lib/arch/abi.h
# decides from the compiler's own predefined macros), whether the
# assembler takes it, and - unless cross-compiling - whether a switch
# really works: a coroutine ping-pongs with main, its locals and main's
# callee-saved registers survive.  Sets koro_asm_abi (or "none") and
# koro_cv_asm_works (yes, no, or "cross").
m4_define([_KORO_ASM_PROG], [[
#include <stdlib.h>
#include <string.h>
typedef struct { void *ctx; } ctx_t;
typedef void (*fn_t)(void *);
#if defined(__i386__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((regparm(2))) /* as lib/backend.h declares it */
#endif
int koro__switch(ctx_t *from, void *to);
void *koro__asm_prepare(void *top, ctx_t *k, fn_t fn, void *arg);
void koro__entry(ctx_t *k, fn_t fn, void *arg);
void koro__entry_begin(ctx_t *k);
void koro__entry_end(ctx_t *k);
static ctx_t m, c;
static volatile int *shared;
static int steps;
static void body(void *arg)
{
    int local = 42;
    shared = &local;
    for (;;) {
        steps += *(int *)arg;
        local++;
        koro__switch(&c, m.ctx);
    }
}
/* What the start routine calls (the core's, in the library): the body
 * above never returns. */
void koro__entry_begin(ctx_t *k)
{
    (void)k;
}
void koro__entry_end(ctx_t *k)
{
    (void)k;
    abort();
}
void koro__entry(ctx_t *k, fn_t fn, void *arg)
{
    koro__entry_begin(k);
    fn(arg);
    koro__entry_end(k);
}
int main(void)
{
    static unsigned char stack[65536];
    int one = 1, i;
    volatile int keep = 7;
    c.ctx = koro__asm_prepare(stack + sizeof stack, &c, body, &one);
    for (i = 0; i < 1000; i++)
        if (koro__switch(&m, c.ctx) != 0)
            return 1;
    return !(steps == 1000 && *shared == 1042 && keep == 7);
}
]])

AC_DEFUN([KORO_CHECK_ASM], [
  AC_REQUIRE([AM_PROG_AS])
  AC_CACHE_CHECK([for a libkorutin assembly file for this ABI],
                 [koro_cv_asm_abi], [
    koro_cv_asm_abi=none
    AC_COMPUTE_INT([koro_abi_known], [KORO_ABI_KNOWN], [[
#include "$srcdir/lib/arch/abi.h"
#ifdef KORO_ABI
#define KORO_ABI_KNOWN 1
#else
#define KORO_ABI_KNOWN 0
#endif
]], [koro_abi_known=0])
    AS_IF([test "x$koro_abi_known" = x1], [
      AC_PREPROC_IFELSE([AC_LANG_SOURCE([[
#include "$srcdir/lib/arch/abi.h"
koro_abi_is KORO_ABI
]])], [koro_cv_asm_abi=`sed -n 's/^koro_abi_is "\(.*\)"$/\1/p' conftest.i`])
      test -n "$koro_cv_asm_abi" || koro_cv_asm_abi=none])])
  koro_asm_abi=$koro_cv_asm_abi
  AS_IF([test "x$koro_asm_abi" != xnone], [
    AC_CACHE_CHECK([whether the switch for $koro_asm_abi assembles and works],
                   [koro_cv_asm_works], [
      koro_cv_asm_works=no
      AS_IF([$CCAS $CPPFLAGS $CCASFLAGS -I$srcdir/lib/arch -c \
               $srcdir/lib/arch/switch.S -o conftest-sw.$OBJEXT \
               >&AS_MESSAGE_LOG_FD 2>&1], [
        koro_save_LIBS=$LIBS
        LIBS="conftest-sw.$OBJEXT $LIBS"
        AS_IF([test "x$cross_compiling" = xyes],
          [AC_LINK_IFELSE([AC_LANG_SOURCE([_KORO_ASM_PROG])],
                          [koro_cv_asm_works=cross])],
          [AC_RUN_IFELSE([AC_LANG_SOURCE([_KORO_ASM_PROG])],
                         [koro_cv_asm_works=yes])])
        LIBS=$koro_save_LIBS])
      rm -f conftest-sw.$OBJEXT])
  ], [koro_cv_asm_works=no])
])
