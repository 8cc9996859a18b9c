/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* arch-bti.c - the arm64 switch with BTI enforced and pac-ret live.
 *
 * Built with -mbranch-protection=standard, the switch must carry a landing
 * pad wherever an indirect branch may land and must sign and authenticate
 * the resume addresses it keeps.  The suite alone cannot show the first:
 * distro start files (crt1.o, crti.o) have no landing pads, so the linker
 * drops the BTI property from every normal program and nothing is guarded.
 * So this program guards the pages holding the switch itself with
 * PROT_BTI, proves the guard is live with a target that lacks a landing
 * pad, then drives the switch only through function pointers.  For PAC it
 * checks that a saved resume address is signed and that an unsigned one
 * is refused.  Exits 77 (SKIP) where none of this applies.
 *
 * Links lib/arch/switch.S directly and provides koro__entry, like the
 * configure probe, so that it tests the assembly and nothing else. */
#include <stdio.h>
#include <stdlib.h>

#if defined(__aarch64__) && defined(__linux__) &&                              \
    defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
#define T_BTI 1
#include <stdint.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

typedef struct {
    void *ctx;
} ctx_t;
typedef void (*fn_t)(void *);

int koro__switch(ctx_t *from, void *to);
void *koro__asm_prepare(void *top, ctx_t *k, fn_t fn, void *arg);
void koro__entry(ctx_t *k, fn_t fn, void *arg);
void koro__entry_begin(ctx_t *k);
void koro__entry_end(ctx_t *k);

/* What the first switch into a context calls (the core's, elsewhere):
 * koro__entry, or on some ABIs the two halves around the body. */
void
koro__entry_begin(ctx_t *k)
{
    (void)k;
}

void
koro__entry_end(ctx_t *k)
{
    (void)k;
    abort();
}

void
koro__entry(ctx_t *k, fn_t fn, void *arg)
{
    koro__entry_begin(k);
    fn(arg);
    koro__entry_end(k);
}

#ifndef T_BTI
int
main(void)
{
    puts("SKIP: only for arm64 Linux built with -mbranch-protection=bti");
    return 77;
}
#else

#ifndef PROT_BTI
#define PROT_BTI 0x10
#endif
#ifndef HWCAP2_BTI
#define HWCAP2_BTI (1UL << 17)
#endif
#ifndef HWCAP_PACA
#define HWCAP_PACA (1UL << 30)
#endif

int t_nopad(void);

/* A function without a landing pad: calling it through a pointer must
 * fault once its page is guarded. */
__asm__(".text\n"
        ".p2align 2\n"
        "t_nopad:\n"
        "  mov w0, #7\n"
        "  ret\n");

/* Indirect calls only: each must land on a bti c (or paciasp). */
static int (*volatile p_switch)(ctx_t *, void *) = koro__switch;
static void *(*volatile p_prepare)(void *, ctx_t *, fn_t,
                                   void *) = koro__asm_prepare;
static int (*volatile p_nopad)(void) = t_nopad;

static ctx_t m, c;
static int steps;
static int passed, failed;

static void
report(int ok, const char *what)
{
    printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
    if (ok)
        passed++;
    else
        failed++;
}

static void
body(void *arg)
{
    for (;;) {
        steps += *(int *)arg;
        p_switch(&c, m.ctx);
    }
}

/* Runs f in a child; returns the signal that killed it, or 0. */
static int
died_of(void (*f)(void))
{
    int st;
    pid_t pid = fork();

    if (pid == 0) {
        f();
        _exit(0);
    }
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

static void
call_nopad(void)
{
    (void)p_nopad();
}

static uintptr_t
strip_pac(uintptr_t p)
{
    register uintptr_t lr __asm__("x30") = p;

    __asm__("hint #7" : "+r"(lr)); /* xpaclri */
    return lr;
}

static unsigned char stack[65536] __attribute__((aligned(16)));

/* The first switch into a context whose resume address is unsigned. */
static void
enter_unsigned(void)
{
    ctx_t k;
    uintptr_t *frame;
    int one = 1;

    k.ctx = p_prepare(stack + sizeof stack, &k, body, &one);
    frame = (uintptr_t *)k.ctx;
    frame[11] = strip_pac(frame[11]); /* x30 slot, see aarch64-aapcs.S */
    c = k;
    p_switch(&m, c.ctx);
}

/* Guards the pages from the lowest to the highest of our functions (the
 * program is small: that is also most of its own code, all of it built
 * with landing pads). */
static int
guard(void)
{
    uintptr_t a[3] = {(uintptr_t)koro__switch, (uintptr_t)koro__asm_prepare,
                      (uintptr_t)t_nopad};
    uintptr_t lo = a[0], hi = a[0], pg = (uintptr_t)sysconf(_SC_PAGESIZE);
    int i;

    for (i = 1; i < 3; i++) {
        lo = a[i] < lo ? a[i] : lo;
        hi = a[i] > hi ? a[i] : hi;
    }
    hi += 256; /* koro__asm_start follows koro__asm_prepare */
    lo &= ~(pg - 1);
    hi = (hi + pg - 1) & ~(pg - 1);
    return mprotect((void *)lo, hi - lo, PROT_READ | PROT_EXEC | PROT_BTI);
}

int
main(void)
{
    int one = 1, i, sig, ok = 1, signed_seen = 0;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (!(getauxval(AT_HWCAP2) & HWCAP2_BTI)) {
        puts("SKIP: this CPU has no BTI (under qemu, run with -cpu max)");
        return 77;
    }
    if (guard() != 0) {
        perror("SKIP: mprotect(PROT_BTI)");
        return 77;
    }
    sig = died_of(call_nopad);
    if (sig != SIGILL) {
        printf("SKIP: BTI guard not enforced (nopad child: signal %d)\n", sig);
        return 77;
    }
    report(1, "guard live: no landing pad -> SIGILL");

    c.ctx = p_prepare(stack + sizeof stack, &c, body, &one);
    for (i = 0; i < 1000; i++)
        if (p_switch(&m, c.ctx) != 0)
            ok = 0;
    report(ok && steps == 1000, "1000 switches through pointers, guarded");

#if defined(__ARM_FEATURE_PAC_DEFAULT) && __ARM_FEATURE_PAC_DEFAULT
    if (getauxval(AT_HWCAP) & HWCAP_PACA) {
        /* A 48-bit user address has zero high bits; a signed one almost
         * never does (15 PAC bits per try). */
        for (i = 0; i < 4; i++) {
            ctx_t k;
            uintptr_t *f;

            k.ctx = p_prepare(stack + sizeof stack - 16 * i, &k, body, &one);
            f = (uintptr_t *)k.ctx;
            signed_seen |= (f[11] >> 48) != 0;
        }
        report(signed_seen, "saved resume address is signed");
        sig = died_of(enter_unsigned);
        report(sig == SIGSEGV || sig == SIGILL,
               "unsigned resume address refused");
    } else {
        puts("SKIP: no PAC on this CPU (pac-ret checks)");
    }
#endif
    printf("bti: %d passed, %d failed, 0 skipped\n", passed, failed);
    /* Not exit(): the start files' destructors have no landing pads and
     * may share the guarded pages. */
    _exit(failed ? 1 : 0);
}
#endif
