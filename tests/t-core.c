/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* t-core.c - the core API under whatever backend the program links. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "tcase.h"

#define KORO_SAN_DETECT_ONLY
#include "sanitize.h"

/* Count malloc calls by interposing malloc, unless a sanitizer's runtime
 * owns it (its free() would then get blocks it never handed out). */
#if defined(HAVE___LIBC_MALLOC) && !defined(KORO_SANITIZED)
#define T_INTERPOSE_MALLOC 1
#endif

#include <fenv.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Above every backend's koro_stack_min() (the threads backend needs
 * PTHREAD_STACK_MIN, which is 128 KiB on arm64 and ppc64 glibc), or that
 * minimum where it is more (the threads backend under ThreadSanitizer). */
#define STACK t_stack_at_least(262144)

/* Stacks for the tests (allocated by t_core()): plenty, and deliberately
 * misaligned by one byte in places to exercise koro_init()'s own
 * alignment. */
static unsigned char *stk[4];

/* ------------------------------------------------------------------ */
/* Ordering, arguments, status. */

static char trace[64];
static int ntrace;

static void
mark(char c)
{
    trace[ntrace++] = c;
    trace[ntrace] = '\0';
}

static void
body_abc(void *arg)
{
    mark(*(char *)arg);
    koro_yield();
    mark((char)(*(char *)arg + 1));
    koro_yield();
    mark((char)(*(char *)arg + 2));
}

START_TEST(order_of_switches)
{
    koro_t a, b;
    char ca = 'a', cA = 'A';

    ntrace = 0;
    ck_assert_int_eq(koro_init(&a, body_abc, &ca, stk[0], STACK), 0);
    ck_assert_int_eq(koro_init(&b, body_abc, &cA, stk[1] + 1, STACK), 0);
    mark('0');
    ck_assert_int_eq(koro_resume(&a), 0);
    ck_assert_int_eq(koro_resume(&b), 0);
    mark('1');
    ck_assert_int_eq(koro_resume(&b), 0);
    ck_assert_int_eq(koro_resume(&a), 0);
    ck_assert_int_eq(koro_resume(&a), 0);
    ck_assert_int_eq(koro_resume(&b), 0);
    ck_assert_str_eq(trace, "0aA1BbcC");
    ck_assert_int_eq(koro_status(&a), KORO_DEAD);
    ck_assert_int_eq(koro_resume(&a), KORO_EDEAD);
}
END_TEST

static int seen_status;
static koro_t *seen_self;

static void
body_status(void *arg)
{
    seen_self = koro_self();
    seen_status = koro_status((koro_t *)arg);
    koro_yield();
}

START_TEST(status_transitions)
{
    koro_t k;

    ck_assert_ptr_null(koro_self());
    ck_assert_int_eq(koro_init(&k, body_status, &k, stk[0] + 3, STACK), 0);
    ck_assert_int_eq(koro_status(&k), KORO_SUSPENDED);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_ptr_eq(seen_self, &k);
    ck_assert_int_eq(seen_status, KORO_RUNNING);
    ck_assert_int_eq(koro_status(&k), KORO_SUSPENDED);
    ck_assert_ptr_null(koro_self());
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(koro_status(&k), KORO_DEAD);
    ck_assert_int_eq(koro_resume(&k), KORO_EDEAD);
    ck_assert_int_eq(koro_fini(&k), 0);
    ck_assert_int_eq(koro_status(&k), KORO_EINVAL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Pointers into a coroutine's stack stay valid: the stack never moves. */

static int *published;

static void
body_publish(void *arg)
{
    int local = 100;

    (void)arg;
    published = &local;
    koro_yield();
    /* Someone else changed our local through the pointer. */
    ck_assert_int_eq(local, 142);
    local = 7;
    koro_yield();
}

static void
body_poke(void *arg)
{
    (void)arg;
    *published += 42;
}

START_TEST(locals_stay_put)
{
    koro_t a, b;

    ck_assert_int_eq(koro_init(&a, body_publish, NULL, stk[0], STACK), 0);
    ck_assert_int_eq(koro_init(&b, body_poke, NULL, stk[1], STACK), 0);
    ck_assert_int_eq(koro_resume(&a), 0);
    ck_assert_ptr_nonnull(published);
    ck_assert_int_eq(koro_resume(&b), 0);
    ck_assert_int_eq(koro_resume(&a), 0);
    ck_assert_int_eq(*published, 7);
    ck_assert_int_eq(koro_resume(&a), 0);
    ck_assert_int_eq(koro_status(&a), KORO_DEAD);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Yield from deep inside a call chain. */

static int
deep(int n)
{
    volatile int here = n;

    if (n == 0) {
        koro_yield();
        return 0;
    }
    koro_yield();
    return deep(n - 1) + here;
}

static int deep_result;

static void
body_deep(void *arg)
{
    deep_result = deep(*(int *)arg);
}

START_TEST(yield_from_deep_calls)
{
    koro_t k;
    int n = 50, steps = 0;

    ck_assert_int_eq(koro_init(&k, body_deep, &n, stk[0], STACK), 0);
    while (koro_status(&k) != KORO_DEAD) {
        ck_assert_int_eq(koro_resume(&k), 0);
        steps++;
    }
    ck_assert_int_eq(steps, n + 2);
    ck_assert_int_eq(deep_result, n * (n + 1) / 2);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Nesting: main -> a -> b -> c; yield goes back to the resumer. */

static koro_t na, nb, nc;

static void
body_c(void *arg)
{
    (void)arg;
    mark('c');
    ck_assert_ptr_eq(koro_self(), &nc);
    ck_assert_int_eq(koro_status(&na), KORO_NORMAL);
    ck_assert_int_eq(koro_status(&nb), KORO_NORMAL);
    /* Resuming an ancestor is refused. */
    ck_assert_int_eq(koro_resume(&na), KORO_ENORMAL);
    ck_assert_int_eq(koro_resume(&nc), KORO_ERUNNING);
    koro_yield();
    mark('C');
}

static void
body_b(void *arg)
{
    (void)arg;
    mark('b');
    ck_assert_int_eq(koro_init(&nc, body_c, NULL, stk[2], STACK), 0);
    ck_assert_int_eq(koro_resume(&nc), 0);
    mark('B');
    ck_assert_ptr_eq(koro_self(), &nb);
    koro_yield();
    ck_assert_int_eq(koro_resume(&nc), 0);
    mark('d');
}

static void
body_a(void *arg)
{
    (void)arg;
    mark('a');
    ck_assert_int_eq(koro_init(&nb, body_b, NULL, stk[1], STACK), 0);
    ck_assert_int_eq(koro_resume(&nb), 0);
    mark('A');
    ck_assert_int_eq(koro_status(&nc), KORO_SUSPENDED);
    ck_assert_int_eq(koro_resume(&nb), 0);
    ck_assert_int_eq(koro_status(&nb), KORO_DEAD);
    ck_assert_int_eq(koro_status(&nc), KORO_DEAD);
}

START_TEST(nesting_three_levels)
{
    ntrace = 0;
    ck_assert_int_eq(koro_init(&na, body_a, NULL, stk[0], STACK), 0);
    ck_assert_int_eq(koro_resume(&na), 0);
    ck_assert_int_eq(koro_status(&na), KORO_DEAD);
    ck_assert_str_eq(trace, "abcBACd");
    ck_assert_ptr_null(koro_self());
}
END_TEST

/* ------------------------------------------------------------------ */
/* Many coroutines on the smallest stacks this build accepts. */

static void
body_count(void *arg)
{
    int i;

    for (i = 0; i < 3; i++) {
        ++*(long *)arg;
        koro_yield();
    }
}

#define NMANY 4096

START_TEST(thousands_on_min_stacks)
{
    size_t min = koro_stack_min();
    static koro_t ks[NMANY];
    unsigned char *mem = malloc(NMANY * min);
    long counts[NMANY] = {0};
    int i, round, n = NMANY;

    if (t_backend_is("threads") && t_checker() &&
        !strcmp(t_checker(), "Valgrind")) {
        /* Every coroutine is a live OS thread here, and Valgrind's
         * thread table holds 500 (--max-threads). */
        n = 400;
        printf("thousands_on_min_stacks: threads backend under Valgrind: "
               "using %d, not %d\n",
               n, NMANY);
    }
    ck_assert_ptr_nonnull(mem);
    for (i = 0; i < n; i++)
        ck_assert_int_eq(
            koro_init(&ks[i], body_count, &counts[i], mem + i * min, min), 0);
    for (round = 0; round < 4; round++)
        for (i = 0; i < n; i++)
            ck_assert_int_eq(koro_resume(&ks[i]), 0);
    for (i = 0; i < n; i++) {
        ck_assert_int_eq(counts[i], 3);
        ck_assert_int_eq(koro_status(&ks[i]), KORO_DEAD);
    }
    free(mem);
}
END_TEST

static const char *
stack_min_skip(void)
{
    if (!t_backend_is("asm"))
        return "only the asm backend promises 1 KiB stacks";
#ifdef KORO_SANITIZED
    return "sanitizer-instrumented frames and runtime need bigger stacks";
#else
    return NULL;
#endif
}

START_TEST(stack_min_is_small)
{
    ck_assert_uint_le(koro_stack_min(), 1024);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Floating-point control state belongs to each coroutine. */

static int fp_inside;

static void
body_fp(void *arg)
{
    (void)arg;
    ck_assert_int_eq(fesetround(FE_UPWARD), 0);
    koro_yield();
    fp_inside = fegetround();
}

/* Whether arithmetic really rounds upward now, through SSE (double) and
 * x87 (long double) on x86, so both control registers are checked: 1/3
 * and -1/3 computed in the current mode must match the upward results (to
 * nearest differs from upward for one of the two).  The results go through
 * volatile stores so the divisions cannot move across fesetround(). */
static int
rounds_up(void)
{
    volatile double one = 1.0, three = 3.0, a, b, ua, ub;
    volatile long double lone = 1.0L, lthree = 3.0L, la, lb, lua, lub;

    a = one / three;
    b = -one / three;
    la = lone / lthree;
    lb = -lone / lthree;
    fesetround(FE_UPWARD);
    ua = one / three;
    ub = -one / three;
    lua = lone / lthree;
    lub = -lone / lthree;
    fesetround(FE_TONEAREST);
    return a == ua && b == ub && la == lua && lb == lub;
}

START_TEST(fp_control_per_coroutine)
{
    koro_t k;

    fesetround(FE_TONEAREST);
    ck_assert_int_eq(koro_init(&k, body_fp, NULL, stk[0], STACK), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    /* The coroutine's FE_UPWARD must not leak into its resumer. */
    ck_assert_int_eq(fegetround(), FE_TONEAREST);
    fesetround(FE_DOWNWARD);
    ck_assert_int_eq(koro_resume(&k), 0);
    /* ... and the resumer's FE_DOWNWARD must not leak into it. */
    ck_assert_int_eq(fp_inside, FE_UPWARD);
    ck_assert_int_eq(fegetround(), FE_DOWNWARD);
    fesetround(FE_TONEAREST);
}
END_TEST

static void
body_fp_rounds(void *arg)
{
    (void)arg;
    fesetround(FE_UPWARD);
    koro_yield();
    fesetround(FE_UPWARD);
    *(int *)arg = rounds_up();
}

START_TEST(fp_rounding_really_switched)
{
    koro_t k;
    int up = -1;
    /* volatile stores round to double: i386's x87 keeps excess precision
     * in registers, which would make equal quotients compare unequal. */
    volatile double one = 1.0, three = 3.0, near, now;

    fesetround(FE_TONEAREST);
    near = one / three;
    ck_assert_int_eq(koro_init(&k, body_fp_rounds, &up, stk[0], STACK), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    now = one / three;
    ck_assert(now == near); /* still rounding to nearest here */
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(up, 1); /* it did round upward in there */
}
END_TEST

/* The whole control words on x86, not only the rounding bits: a
 * coroutine that sets the x87 precision control to 24 bits and MXCSR's
 * flush-to-zero and denormals-are-zero keeps them across its switches,
 * and its resumer never sees them.  The asm switches skip the x87 load
 * when both contexts' words agree; here they differ in bits fesetround()
 * never touches. */
#if (defined(__x86_64__) || defined(__i386__)) &&                              \
    (defined(__GNUC__) || defined(__clang__)) && !defined(__EMSCRIPTEN__)
#define T_X86_CTL 1
#define X87_PC_MASK 0x0300u   /* precision control; 00 = 24 bits */
#define MXCSR_FTZ_DAZ 0x8040u /* flush to zero, denormals are zero */
#define MXCSR_CONTROL 0xffc0u /* the control bits (the rest are flags) */

struct x86_ctl {
    uint32_t mxcsr;
    uint16_t cw;
};

/* Whether the CPU has MXCSR: every x86-64 one, i386 ones with SSE (the
 * case runs on the others too, with the x87 control word alone). */
#if defined(__i386__)
#include <cpuid.h>
static int
has_mxcsr(void)
{
    unsigned a, b, c, d;

    return __get_cpuid(1, &a, &b, &c, &d) && (d & bit_SSE);
}
#else
#define has_mxcsr() 1
#endif

/* The current control words; MXCSR's flags are masked off (0 if there is
 * no MXCSR). */
static struct x86_ctl
ctl_now(void)
{
    struct x86_ctl c;

    __asm__ volatile("fnstcw %0" : "=m"(c.cw));
    c.mxcsr = 0;
    if (has_mxcsr())
        __asm__ volatile("stmxcsr %0" : "=m"(c.mxcsr));
    c.mxcsr &= MXCSR_CONTROL;
    return c;
}

static void
ctl_set(struct x86_ctl c)
{
    __asm__ volatile("fldcw %0" : : "m"(c.cw));
    if (has_mxcsr())
        __asm__ volatile("ldmxcsr %0" : : "m"(c.mxcsr));
}

/* c with 24-bit x87 precision and FTZ/DAZ set (where there is MXCSR). */
static struct x86_ctl
ctl_changed(struct x86_ctl c)
{
    c.cw = (uint16_t)(c.cw & ~X87_PC_MASK);
    if (has_mxcsr())
        c.mxcsr |= MXCSR_FTZ_DAZ;
    return c;
}

static struct x86_ctl ctl_in[2];

static void
body_ctl(void *arg)
{
    (void)arg;
    ctl_set(ctl_changed(ctl_now()));
    ctl_in[0] = ctl_now();
    koro_yield();
    ctl_in[1] = ctl_now();
}

/* Whether the CPU keeps the bits the case sets: Valgrind's x87 and SSE
 * emulation reads back neither the precision control nor FTZ/DAZ. */
static const char *
ctl_skip(void)
{
    struct x86_ctl was = ctl_now(), c = ctl_changed(was), got;

    ctl_set(c);
    got = ctl_now();
    ctl_set(was);
    if (got.cw != c.cw || got.mxcsr != c.mxcsr)
        return "the x87 precision control or MXCSR's FTZ/DAZ do not stick "
               "here (an emulator such as Valgrind)";
    return NULL;
}

#define ck_ctl_eq(a, b)                                                        \
    do {                                                                       \
        ck_assert_int_eq((a).cw, (b).cw);                                      \
        ck_assert_int_eq((a).mxcsr, (b).mxcsr);                                \
    } while (0)

START_TEST(x86_control_words_per_coroutine)
{
    koro_t k;
    struct x86_ctl mine = ctl_now();

    ck_assert_int_ne(mine.cw & X87_PC_MASK, 0);
    ck_assert_int_eq(mine.mxcsr & MXCSR_FTZ_DAZ, 0);
    ck_assert_int_eq(koro_init(&k, body_ctl, NULL, stk[0], STACK), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_ctl_eq(ctl_now(), mine);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_ctl_eq(ctl_in[1], ctl_in[0]);
    ck_assert_int_eq(ctl_in[0].cw & X87_PC_MASK, 0);
    ck_assert_int_eq(ctl_in[0].mxcsr & MXCSR_FTZ_DAZ,
                     has_mxcsr() ? MXCSR_FTZ_DAZ : 0);
    ck_ctl_eq(ctl_now(), mine);
}
END_TEST
#endif

/* WebAssembly has no dynamic rounding modes: Emscripten's fesetround()
 * accepts every mode and fegetround() still says FE_TONEAREST. */
static const char *
fp_skip(void)
{
    int works = fesetround(FE_UPWARD) == 0 && fegetround() == FE_UPWARD;

    fesetround(FE_TONEAREST);
    return works ? NULL : "fesetround() has no effect here (no rounding modes)";
}

/* ------------------------------------------------------------------ */
/* koro_share_fpenv: a marked coroutine runs with the state of whoever
 * switched to it, and what it changes never outlives its turn. */

static const int fp_modes[4] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD,
                                FE_TOWARDZERO};

/* Three quotients that tell the four modes apart (1/3 and -1/3 round
 * differently only upward or downward, 1/10 to nearest or toward zero). */
static void
fp_sig(double sig[3])
{
    volatile double one = 1.0, three = 3.0, ten = 10.0, a, b, c;

    a = one / three;
    b = -one / three;
    c = one / ten;
    sig[0] = a;
    sig[1] = b;
    sig[2] = c;
}

/* The mode ordinary double arithmetic uses now (MXCSR on x86-64, where
 * fegetround() reads the x87 control word), or -1. */
static int
arith_mode(void)
{
    double now[3], ref[3];
    int cur = fegetround(), found = -1, i;

    fp_sig(now);
    for (i = 0; i < 4 && found < 0; i++) {
        fesetround(fp_modes[i]);
        fp_sig(ref);
        if (memcmp(now, ref, sizeof now) == 0)
            found = fp_modes[i];
    }
    fesetround(cur);
    return found;
}

/* Whether double arithmetic follows fesetround() here: under Valgrind,
 * whose SSE arithmetic always rounds to nearest, it does not. */
static int
arith_follows(void)
{
    static int follows = -1;
    double up[3], near[3];

    if (follows < 0) {
        int cur = fegetround();

        fesetround(FE_UPWARD);
        fp_sig(up);
        fesetround(FE_TONEAREST);
        fp_sig(near);
        fesetround(cur);
        follows = memcmp(up, near, sizeof up) != 0;
    }
    return follows;
}

/* The rounding mode both control registers are in (the x87 CW, which
 * fegetround() reads, and the arithmetic's, where it is observable), or
 * -1 if they differ. */
static int
cur_mode(void)
{
    int m = fegetround();

    return arith_follows() && arith_mode() != m ? -1 : m;
}

#define ck_mode(m) ck_assert_int_eq(cur_mode(), (m))

static const char *
fpshare_skip(void)
{
    static unsigned char s[16384];
    const char *why = fp_skip();
    koro_t k;
    int rc;

    if (why)
        return why;
    if (koro_init(&k, body_fp, NULL, s, sizeof s) != 0)
        return "koro_init refused a 16 KiB stack";
    rc = koro_share_fpenv(&k);
    koro_fini(&k);
    return rc == KORO_ENOSYS ? "this build keeps every coroutine's FP state"
                             : NULL;
}

/* The builds that support koro_share_fpenv (its man page lists them),
 * named independently of the library so that a build losing or gaining
 * the mark fails here. */
static int
fpshare_expected(void)
{
    static const char *const yes[] = {"asm x86_64-sysv", "asm x86_64-win64"};
    size_t i;

    for (i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcmp(koro_backend(), yes[i]) == 0)
            return 1;
    return 0;
}

START_TEST(fpenv_share_errors)
{
    koro_t k, junk;
    int want = fpshare_expected() ? 0 : KORO_ENOSYS;

    memset(&junk, 0x5a, sizeof junk);
    ck_assert_int_eq(koro_share_fpenv(NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_share_fpenv(&junk), KORO_EINVAL);
    ck_assert_int_eq(koro_init(&k, body_fp, NULL, stk[0], STACK), 0);
    ck_assert_int_eq(koro_share_fpenv(&k), want);
    ck_assert_int_eq(koro_status(&k), KORO_SUSPENDED);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(koro_status(&k), KORO_SUSPENDED);
    ck_assert_int_eq(koro_share_fpenv(&k), want ? KORO_ENOSYS : KORO_ESTARTED);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(koro_status(&k), KORO_DEAD);
    ck_assert_int_eq(koro_resume(&k), KORO_EDEAD);
    ck_assert_int_eq(koro_fini(&k), 0);
    ck_assert_int_eq(koro_share_fpenv(&k), KORO_EINVAL);
    fesetround(FE_TONEAREST);
}
END_TEST

static int sh_seen[2];

static void
body_shared(void *arg)
{
    (void)arg;
    ck_assert_int_eq(koro_status(koro_self()), KORO_RUNNING);
    sh_seen[0] = cur_mode();
    fesetround(FE_UPWARD);
    koro_yield();
    sh_seen[1] = cur_mode();
    fesetround(FE_DOWNWARD);
}

START_TEST(fpenv_shared_follows_resumer)
{
    koro_t k;

    fesetround(FE_TOWARDZERO);
    ck_assert_int_eq(koro_init(&k, body_shared, NULL, stk[0], STACK), 0);
    ck_assert_int_eq(koro_share_fpenv(&k), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(sh_seen[0], FE_TOWARDZERO); /* the resumer's */
    ck_mode(FE_TOWARDZERO);                      /* its FE_UPWARD undone */
    fesetround(FE_TONEAREST);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(sh_seen[1], FE_TONEAREST); /* not its own FE_UPWARD */
    ck_assert_int_eq(koro_status(&k), KORO_DEAD);
    ck_mode(FE_TONEAREST); /* its FE_DOWNWARD undone as it died */
}
END_TEST

/* Nesting: a coroutine with its own state resumes a marked one (which
 * sees the parent's), and a marked one resumes one with its own (and
 * continues with that one's state when it yields back). */
static koro_t sh_child, sh_parent;
static int sh_child_saw;

static void
body_shared_child(void *arg)
{
    (void)arg;
    for (;;) {
        sh_child_saw = cur_mode();
        fesetround(FE_DOWNWARD);
        koro_yield();
    }
}

static void
body_own_parent(void *arg)
{
    (void)arg;
    fesetround(FE_UPWARD);
    ck_assert_int_eq(koro_resume(&sh_child), 0);
    ck_assert_int_eq(sh_child_saw, FE_UPWARD);
    ck_mode(FE_UPWARD);
    koro_yield(); /* the root changes its mode meanwhile */
    ck_mode(FE_UPWARD);
    ck_assert_int_eq(koro_resume(&sh_child), 0);
    ck_assert_int_eq(sh_child_saw, FE_UPWARD);
    ck_mode(FE_UPWARD);
}

static void
body_own_child(void *arg)
{
    (void)arg;
    fesetround(FE_UPWARD);
    for (;;) {
        koro_yield();
        ck_mode(FE_UPWARD); /* its own, whoever resumed it */
    }
}

static void
body_shared_parent(void *arg)
{
    (void)arg;
    ck_assert_int_eq(koro_resume(&sh_child), 0);
    ck_mode(FE_UPWARD); /* continued by the child: the child's state */
    fesetround(FE_DOWNWARD);
    koro_yield();
}

START_TEST(fpenv_shared_nested)
{
    fesetround(FE_TONEAREST);
    ck_assert_int_eq(
        koro_init(&sh_child, body_shared_child, NULL, stk[1], STACK), 0);
    ck_assert_int_eq(koro_share_fpenv(&sh_child), 0);
    ck_assert_int_eq(
        koro_init(&sh_parent, body_own_parent, NULL, stk[2], STACK), 0);
    ck_assert_int_eq(koro_resume(&sh_parent), 0);
    ck_mode(FE_TONEAREST);
    fesetround(FE_TOWARDZERO);
    ck_assert_int_eq(koro_resume(&sh_parent), 0);
    ck_assert_int_eq(koro_status(&sh_parent), KORO_DEAD);
    ck_mode(FE_TOWARDZERO);
    ck_assert_int_eq(koro_fini(&sh_child), 0);

    /* The other way round. */
    fesetround(FE_TONEAREST);
    ck_assert_int_eq(koro_init(&sh_child, body_own_child, NULL, stk[1], STACK),
                     0);
    ck_assert_int_eq(
        koro_init(&sh_parent, body_shared_parent, NULL, stk[2], STACK), 0);
    ck_assert_int_eq(koro_share_fpenv(&sh_parent), 0);
    ck_assert_int_eq(koro_resume(&sh_parent), 0);
    ck_mode(FE_TONEAREST); /* the parent's FE_DOWNWARD undone */
    ck_assert_int_eq(koro_resume(&sh_child), 0);
    ck_mode(FE_TONEAREST);
    ck_assert_int_eq(koro_fini(&sh_child), 0);
    ck_assert_int_eq(koro_fini(&sh_parent), 0);
}
END_TEST

/* Under a scheduler, blocked coroutines hand the processor straight to
 * each other: marked and unmarked ones mixed, each unmarked one keeps
 * its own mode and the thread its own. */
static koro_chan_t sh_ch;

static void
body_sched_own(void *arg)
{
    int i, v, mode = *(int *)arg;

    fesetround(mode);
    for (i = 0; i < 200; i++) {
        ck_assert_int_eq(koro_chan_recv(&sh_ch, &v), 0);
        ck_mode(mode);
    }
}

static void
body_sched_shared(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < 200; i++) {
        fesetround(fp_modes[i & 3]);
        ck_assert_int_eq(koro_chan_send(&sh_ch, &i), 0);
    }
}

START_TEST(fpenv_shared_under_scheduler)
{
    static int modes[2] = {FE_UPWARD, FE_DOWNWARD};
    koro_sched_t s;
    koro_t k[4];
    int i;

    fesetround(FE_TOWARDZERO);
    ck_assert_int_eq(koro_sched_init(&s), 0);
    ck_assert_int_eq(koro_chan_init(&sh_ch, NULL, sizeof(int), 0), 0);
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(koro_init(&k[i],
                                   i < 2 ? body_sched_own : body_sched_shared,
                                   &modes[i & 1], stk[i], STACK),
                         0);
        if (i >= 2)
            ck_assert_int_eq(koro_share_fpenv(&k[i]), 0);
        ck_assert_int_eq(koro_sched_spawn(&s, &k[i]), 0);
    }
    ck_assert_int_eq(koro_sched_run(&s), 0);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(koro_status(&k[i]), KORO_DEAD);
    ck_mode(FE_TOWARDZERO);
    fesetround(FE_TONEAREST);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Every callee-saved register survives a round trip (asm helper). */

int koro_test_regs(uintptr_t seed, void (*fn)(void *), void *arg)
    __attribute__((weak));

static void
yield_fn(void *arg)
{
    (void)arg;
    koro_yield();
}

static void
resume_fn(void *arg)
{
    ck_assert_int_eq(koro_resume((koro_t *)arg), 0);
}

static int regs_bad_inside;

static void
body_regs(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < 3; i++)
        regs_bad_inside |=
            koro_test_regs((uintptr_t)0x5a5a0000u + i, yield_fn, NULL);
}

static const char *
regs_skip(void)
{
#if defined(__powerpc64__)
    /* Seen under qemu-ppc64le: v20-v31 come back changed from glibc's
     * swapcontext (bits 19-30 of the mask); not a libkorutin switch. */
    if (t_backend_is("ucontext"))
        return "glibc's swapcontext on ppc64le does not keep v20-v31 here";
#endif
#if defined(__EMSCRIPTEN__)
    /* Asyncify saves and restores a function's wasm locals; every case
     * whose bodies keep values in locals across a yield checks that. */
    return "WebAssembly has no registers a program can see";
#else
    return &koro_test_regs ? NULL
                           : "no register-check helper for this ABI (regs.S)";
#endif
}

START_TEST(callee_saved_registers)
{
    koro_t k;
    int i;

    ck_assert_int_eq(koro_init(&k, body_regs, NULL, stk[0], STACK), 0);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(
            koro_test_regs((uintptr_t)0x3c3c0000u + 16 * i, resume_fn, &k), 0);
    ck_assert_int_eq(regs_bad_inside, 0);
    ck_assert_int_eq(koro_status(&k), KORO_DEAD);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The entry function sees the ABI's stack alignment. */

static uintptr_t align_seen;

static void __attribute__((noinline)) align_probe(void)
{
    _Alignas(16) volatile unsigned char probe[16];

    probe[0] = 1;
    align_seen |= (uintptr_t)probe & 15;
}

static void
body_align(void *arg)
{
    _Alignas(16) volatile unsigned char here[16];

    (void)arg;
    here[0] = 1;
    align_seen |= (uintptr_t)here & 15;
    align_probe();
    koro_yield();
    align_probe();
}

START_TEST(entry_stack_aligned)
{
    koro_t k;
    int off;

    for (off = 0; off < 16; off++) {
        align_seen = 0;
        ck_assert_int_eq(
            koro_init(&k, body_align, NULL, stk[0] + off, STACK - off), 0);
        ck_assert_int_eq(koro_resume(&k), 0);
        ck_assert_int_eq(koro_resume(&k), 0);
        ck_assert_uint_eq(align_seen, 0);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Misuse returns the documented error codes. */

static void
noop(void *arg)
{
    (void)arg;
}

START_TEST(misuse_errors)
{
    koro_t k, junk;
    size_t used;
    void *lo, *hi;

    ck_assert_int_eq(koro_init(NULL, noop, NULL, stk[0], STACK), KORO_EINVAL);
    ck_assert_int_eq(koro_init(&k, NULL, NULL, stk[0], STACK), KORO_EINVAL);
    ck_assert_int_eq(koro_init(&k, noop, NULL, NULL, STACK), KORO_EINVAL);
    ck_assert_int_eq(koro_init(&k, noop, NULL, stk[0], koro_stack_min() - 1),
                     KORO_ESTACK);
    ck_assert_int_eq(koro_init(&k, noop, NULL, stk[0], 0), KORO_ESTACK);
    ck_assert_int_eq(koro_resume(NULL), KORO_EINVAL);
    memset(&junk, 0x5c, sizeof junk);
    ck_assert_int_eq(koro_resume(&junk), KORO_EINVAL);
    ck_assert_int_eq(koro_status(&junk), KORO_EINVAL);
    ck_assert_int_eq(koro_status(NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_fini(NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_fini(&junk), KORO_EINVAL);
    ck_assert_int_eq(koro_yield(), KORO_ENOTCORO);
    ck_assert_int_eq(koro_set_name(NULL, "x"), KORO_EINVAL);
    ck_assert_int_eq(koro_watermark(NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_stack_used(&junk, &used), KORO_EINVAL);
    ck_assert_int_eq(koro_stack_bounds(NULL, &lo, &hi), KORO_EINVAL);

    ck_assert_int_eq(koro_init(&k, noop, NULL, stk[0], STACK), 0);
    ck_assert_int_eq(koro_stack_used(&k, &used), KORO_ENOSYS);
    ck_assert_int_eq(koro_stack_used(&k, NULL), KORO_EINVAL);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(koro_watermark(&k), KORO_ESTARTED);
    ck_assert_int_eq(koro_resume(&k), KORO_EDEAD);
    ck_assert_int_eq(koro_fini(&k), 0);
    ck_assert_int_eq(koro_fini(&k), KORO_EINVAL);
    ck_assert_int_eq(koro_resume(&k), KORO_EINVAL);
}
END_TEST

static int fini_self_rc;

static void
body_fini_self(void *arg)
{
    fini_self_rc = koro_fini((koro_t *)arg);
}

START_TEST(fini_of_running_refused)
{
    koro_t k;

    ck_assert_int_eq(koro_init(&k, body_fini_self, &k, stk[0], STACK), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(fini_self_rc, KORO_ERUNNING);
    ck_assert_int_eq(koro_status(&k), KORO_DEAD);
}
END_TEST

START_TEST(strerror_covers_all)
{
    int e, f;

    ck_assert_str_eq(koro_strerror(0), "success");
    for (e = -1; e >= KORO_ELAST; e--) {
        ck_assert_str_ne(koro_strerror(e), "unknown error");
        for (f = e + 1; f < 0; f++)
            ck_assert_str_ne(koro_strerror(e), koro_strerror(f));
    }
    ck_assert_str_eq(koro_strerror(KORO_ELAST - 1), "unknown error");
    ck_assert_str_eq(koro_strerror(1), "unknown error");
}
END_TEST

START_TEST(backend_named)
{
    const char *want = getenv("KORO_BACKEND_UNDER_TEST");

    ck_assert_ptr_nonnull(koro_backend());
    ck_assert_uint_gt(strlen(t_backend()), 0);
    if (want)
        ck_assert_str_eq(t_backend(), want);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The handle: the same size under every backend (the ABI of koro_t). */

START_TEST(handle_size)
{
    ck_assert_uint_eq(sizeof(koro_t), 7 * sizeof(void *) + 8);
}
END_TEST

/* ------------------------------------------------------------------ */
/* fini of a suspended coroutine, then the same stack reused. */

static void
body_forever(void *arg)
{
    for (;;) {
        ++*(int *)arg;
        koro_yield();
    }
}

static void
body_return(void *arg)
{
    (void)arg;
}

/* A dead coroutine's stack is the caller's at once: its name stays. */
START_TEST(dead_name_survives_stack_reuse)
{
    koro_t k;

    ck_assert_int_eq(koro_init(&k, body_return, NULL, stk[0], STACK), 0);
    ck_assert_int_eq(koro_set_name(&k, "gone"), 0);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(koro_status(&k), KORO_DEAD);
    memset(stk[0], 0xee, STACK);
    ck_assert_str_eq(koro_name(&k), "gone");
    ck_assert_int_eq(koro_set_name(&k, "really gone"), 0);
    ck_assert_str_eq(koro_name(&k), "really gone");
    ck_assert_int_eq(koro_resume(&k), KORO_EDEAD);
    ck_assert_int_eq(koro_fini(&k), 0);
    ck_assert_ptr_null(koro_name(&k));
}
END_TEST

START_TEST(fini_suspended_then_reuse)
{
    koro_t k;
    int n = 0, round;

    for (round = 0; round < 20; round++) {
        ck_assert_int_eq(koro_init(&k, body_forever, &n, stk[0], STACK), 0);
        ck_assert_int_eq(koro_resume(&k), 0);
        ck_assert_int_eq(koro_resume(&k), 0);
        ck_assert_int_eq(koro_fini(&k), 0);
        memset(stk[0], 0xee, STACK); /* the stack is ours again */
    }
    ck_assert_int_eq(n, 40);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Watermark and the overflow canary. */

/* ASan with detect_stack_use_after_return puts such an array on its fake
 * stack, elsewhere: then the coroutine's own stack stays nearly unused. */
static int big_on_stack;

static void
body_use_stack(void *arg)
{
    volatile unsigned char big[6000];
    void *lo, *hi;
    size_t i;

    for (i = 0; i < sizeof big; i++)
        big[i] = (unsigned char)i;
    *(int *)arg = big[100];
    big_on_stack = koro_stack_bounds(koro_self(), &lo, &hi) == 0 &&
                   (uintptr_t)big >= (uintptr_t)lo &&
                   (uintptr_t)big < (uintptr_t)hi;
    koro_yield();
}

START_TEST(watermark_measures_peak)
{
    koro_t k;
    size_t before, after;
    int sink = 0;

    ck_assert_int_eq(koro_init(&k, body_use_stack, &sink, stk[0], STACK), 0);
    ck_assert_int_eq(koro_watermark(&k), 0);
    ck_assert_int_eq(koro_stack_used(&k, &before), 0);
    ck_assert_uint_lt(before, 512);
    ck_assert_int_eq(koro_resume(&k), 0);
    ck_assert_int_eq(koro_stack_used(&k, &after), 0);
    if (big_on_stack)
        ck_assert_uint_ge(after, 6000);
    /* Far from the whole stack: at most half of what is above the part
     * that the backend and runtime may take (the threads backend counts
     * the C library's static TLS there, which ThreadSanitizer's makes
     * about 800 KiB, all written when the thread starts). */
    ck_assert_uint_lt(after, koro_stack_min() + (STACK - koro_stack_min()) / 2);
    ck_assert_int_eq(sink, 100);
    /* Left suspended, a threads-backend coroutine's thread would still
     * live at exit (Valgrind: its TLS block "possibly lost"). */
    ck_assert_int_eq(koro_fini(&k), 0);
}
END_TEST

static void
body_smash(void *arg)
{
    void *lo, *hi;

    koro_stack_bounds((koro_t *)arg, &lo, &hi);
    /* Simulate running off the end of the stack: into the canary, the
     * 16 bytes below lo. */
    memset((char *)lo - 16, 0, 8);
    koro_yield();
}

START_TEST(overflow_is_detected)
{
    koro_t k;

    ck_assert_int_eq(koro_init(&k, body_smash, &k, stk[0], STACK), 0);
    koro_set_name(&k, "smasher");
    ck_assert_str_eq(koro_name(&k), "smasher");
    koro_resume(&k); /* must abort() in the yield */
}
END_TEST

/* ------------------------------------------------------------------ */
/* The core never allocates: count malloc calls made while the API runs. */

/* Shared with the other test files (tcase.h). */
volatile int count_mallocs, nmallocs;

#ifdef T_INTERPOSE_MALLOC
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
void *
malloc(size_t n)
{
    if (count_mallocs)
        nmallocs++;
    return __libc_malloc(n);
}
void *
calloc(size_t a, size_t b)
{
    if (count_mallocs)
        nmallocs++;
    return __libc_calloc(a, b);
}
void *
realloc(void *p, size_t n)
{
    if (count_mallocs)
        nmallocs++;
    return __libc_realloc(p, n);
}
#endif

static void
body_alloc_free(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < 100; i++)
        koro_yield();
}

START_TEST(no_malloc_in_core)
{
    static koro_t ks[8];
    void *(*volatile m)(size_t) = malloc;
    int i, j;

    /* The count must see a malloc() call here, or the zero below would
     * prove nothing (static links, Emscripten: is malloc interposed?). */
    nmallocs = 0;
    count_mallocs = 1;
    free(m(16));
    count_mallocs = 0;
    ck_assert_int_eq(nmallocs, 1);
    /* Warm up whatever the runtime initialises lazily (TLS, ...). */
    ck_assert_int_eq(koro_init(&ks[0], noop, NULL, stk[0], STACK), 0);
    ck_assert_int_eq(koro_resume(&ks[0]), 0);
    nmallocs = 0;
    count_mallocs = 1;
    for (i = 0; i < 8; i++)
        if (koro_init(&ks[i], body_alloc_free, NULL,
                      stk[i % 4] + (i / 4) * 32768, 32768) != 0)
            nmallocs += 1000;
    for (j = 0; j < 101; j++)
        for (i = 0; i < 8; i++)
            if (koro_resume(&ks[i]) != 0)
                nmallocs += 1000;
    count_mallocs = 0;
    ck_assert_int_eq(nmallocs, 0);
    for (i = 0; i < 8; i++)
        ck_assert_int_eq(koro_status(&ks[i]), KORO_DEAD);
}
END_TEST

const char *
malloc_skip(void)
{
#if defined(KORO_SANITIZED)
    return "the sanitizer's runtime owns malloc";
#elif defined(T_INTERPOSE_MALLOC)
    const char *checker = t_checker();

    if (checker && !strcmp(checker, "Valgrind"))
        return "Valgrind replaces malloc, so it cannot be interposed";
    if (t_backend_is("threads"))
        return "thread creation allocates inside the C library";
    return NULL;
#else
    return "cannot interpose malloc here (no __libc_malloc)";
#endif
}

void
t_core(Suite *s)
{
    int i;

    for (i = 0; i < 4; i++) {
        stk[i] = malloc(STACK + 64);
        if (!stk[i])
            abort();
    }
    T_ADD(s, order_of_switches, NULL);
    T_ADD(s, status_transitions, NULL);
    T_ADD(s, locals_stay_put, NULL);
    T_ADD(s, yield_from_deep_calls, NULL);
    T_ADD(s, nesting_three_levels, NULL);
    T_ADD(s, thousands_on_min_stacks, NULL);
    T_ADD(s, stack_min_is_small, stack_min_skip());
    T_ADD(s, fp_control_per_coroutine, fp_skip());
    T_ADD(s, fp_rounding_really_switched, fp_skip());
#ifdef T_X86_CTL
    T_ADD(s, x86_control_words_per_coroutine, ctl_skip());
#endif
    T_ADD(s, fpenv_share_errors, NULL);
    T_ADD(s, fpenv_shared_follows_resumer, fpshare_skip());
    T_ADD(s, fpenv_shared_nested, fpshare_skip());
    T_ADD(s, fpenv_shared_under_scheduler, fpshare_skip());
    T_ADD(s, callee_saved_registers, regs_skip());
    T_ADD(s, entry_stack_aligned, NULL);
    T_ADD(s, misuse_errors, NULL);
    T_ADD(s, fini_of_running_refused, NULL);
    T_ADD(s, strerror_covers_all, NULL);
    T_ADD(s, backend_named, NULL);
    T_ADD(s, fini_suspended_then_reuse, NULL);
    T_ADD(s, dead_name_survives_stack_reuse, NULL);
    T_ADD(s, handle_size, NULL);
    T_ADD(s, watermark_measures_peak,
          t_backend_is("win32") ? "the win32 backend runs the body on an "
                                  "OS-allocated thread stack"
                                : NULL);
    t_add_signal(s, "overflow_is_detected", overflow_is_detected, SIGABRT,
                 NULL);
    T_ADD(s, no_malloc_in_core, malloc_skip());
}
