/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* korobench.c - round trips (resume + yield) per second, the way the
 * original libkorutin README counted a "switch".
 *
 *   korobench [-m] [-s SAMPLES] [-t SECONDS] [-n N,N,...] [-k KIB,KIB,...]
 *             [-r] [-p] [-f] [-z BYTES] [-H | -g]
 *
 * For every number of coroutines N and stack size, N coroutines are
 * created on one contiguous block of stacks (as users allocate them), each
 * loops on koro_yield(), and main resumes them round-robin.  A sample is
 * as many rounds as fill SECONDS; the median of SAMPLES samples is
 * reported.  With -r the same loop runs through glibc's swapcontext and
 * Boost.Context's jump_fcontext in the same run, as references; the
 * samples of all of them are interleaved.  -m prints
 * one machine-readable line per measurement:
 *   rt IMPL N STACK_BYTES ROUND_TRIPS_PER_SECOND NS_PER_ROUND_TRIP
 * -p also measures the threads reference (two threads ping-ponging on
 * semaphores) when built with it: one reference sample next to every
 * libkorutin sample (the order alternates), the median of each reported
 * per row, so that load from elsewhere hits both alike:
 *   rt semaphore-pingpong N STACK_BYTES ROUND_TRIPS_PER_SECOND NS
 * -f also measures, interleaved with the rest, the same coroutines marked
 * with koro_share_fpenv() (no floating-point control state of their own):
 *   rt BACKEND+fpshare N STACK_BYTES ROUND_TRIPS_PER_SECOND NS
 * (0 where this build does not support the mark).
 * -z BYTES likewise measures the coroutines with a checked zone of BYTES
 * at the low end of their stacks (koro_set_canary_size()):
 *   rt BACKEND+zoneBYTES N STACK_BYTES ROUND_TRIPS_PER_SECOND NS
 * -H puts every implementation's block of stacks on 2 MiB pages where the
 * kernel offers them (Linux transparent huge pages, madvise), to show what
 * the TLB costs: with 4 KiB pages a 16 KiB stack is four pages, and the
 * canary at its low end is a page of its own.  -m then also prints
 *   thp KIB_ON_HUGE_PAGES KIB_ASKED
 * once per measurement, as the kernel reported them after the first round.
 * -g gives every implementation guarded stacks instead: each stack is a
 * mapping of its own from koro_stack_alloc(), above a guard page, on
 * which libkorutin's koro_init() drops the canary check by itself.
 * Every guard page splits a mapping, and Linux allows about 65530 per
 * process, so with -g only one implementation's stacks exist at a time:
 * each sample maps and sets up its own (the same interleaved order), and
 * only the rounds are timed.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "korutin.h"
#ifdef KORO_BENCH_SEM
#include "threads-ref.h"
#endif

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(HAVE_SYS_MMAN_H)
#include <sys/mman.h>
#endif
#if defined(MADV_HUGEPAGE) && defined(__linux__)
#define HAVE_THP 1
#define HUGE_PAGE ((size_t)2 << 20)
/* n bytes rounded up to whole huge pages. */
#define HUGE_ROUND(n) (((n) + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1))
#include "proc-kib.h"
#endif

#if defined(HAVE_UCONTEXT_H) && defined(HAVE_SWAPCONTEXT)
#include <ucontext.h>
#define HAVE_UCTX_REF 1
#endif

/* The per-backend programs measure only libkorutin. */
#ifdef KORO_BENCH_NO_REFS
#undef HAVE_UCTX_REF
#undef HAVE_BOOST_CONTEXT
#endif

#define MAX_SAMPLES 31
#define MAX_SIZES 16

static int machine;
static int hugepages;
static int guarded;
static int nsamples = 11;
static double sample_seconds = 0.05;

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void *
xmalloc(size_t n)
{
    void *p = malloc(n);

    if (!p) {
        fprintf(stderr, "korobench: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

/* The block of stacks for one implementation: plain malloc() memory, as
 * users allocate it, or with -H a mapping of whole 2 MiB pages marked for
 * huge pages (mapped with room to spare, the ends trimmed to alignment:
 * malloc() would hand out heap memory that the kernel may not back). */
static unsigned char *
stacks_alloc(size_t n)
{
#ifdef HAVE_THP
    if (hugepages) {
        size_t len = HUGE_ROUND(n);
        unsigned char *m, *p;

        m = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) {
            fprintf(stderr, "korobench: out of memory (%zu bytes)\n", len);
            exit(1);
        }
        p = m + (-(uintptr_t)m & (HUGE_PAGE - 1));
        if (p > m)
            munmap(m, (size_t)(p - m));
        munmap(p + len, (size_t)(m + HUGE_PAGE - p));
        if (madvise(p, len, MADV_HUGEPAGE) != 0)
            perror("korobench: madvise(MADV_HUGEPAGE)");
        return p;
    }
#endif
    return xmalloc(n);
}

static void
stacks_free(unsigned char *p, size_t n)
{
#ifdef HAVE_THP
    if (hugepages) {
        munmap(p, HUGE_ROUND(n));
        return;
    }
#endif
    (void)n;
    free(p);
}

/* One implementation under test: set up n contexts on the stacks stk[0..n)
 * of `stack` bytes each, run `rounds` rounds over all of them, tear
 * down. */
struct impl {
    const char *name;
    int (*setup)(size_t n, size_t stack, unsigned char *const *stk);
    void (*rounds)(size_t n, long rounds);
    void (*teardown)(size_t n);
};

#ifdef KORO_BENCH_SEM
/* With -p, the semaphore ping-pong sampled next to every sample of
 * libkorutin (see measure()); its median for the row. */
static struct koro_sem_ring *sem_ring;
static double sem_rate;
#endif

/* One implementation set up for one measurement. */
struct run {
    const struct impl *im;
    int ok;              /* could be set up */
    unsigned char *mem;  /* the block of stacks (not with -g) */
    unsigned char **stk; /* where each stack starts */
    long rounds;         /* rounds per sample */
    double rates[MAX_SAMPLES];
};

/* The size of one implementation's block of n stacks (not with -g). */
static size_t
block_bytes(size_t n, size_t stack)
{
    return n * stack + 64;
}

/* Give r its n stacks, set it up and run one round to touch every stack.
 * Returns 0, or -1 (reported) if that could not be done. */
static int
run_open(struct run *r, size_t n, size_t stack)
{
    size_t i = 0, bytes = block_bytes(n, stack), usable;

    r->stk = xmalloc(n * sizeof *r->stk);
    if (guarded) {
        for (; i < n; i++) {
            void *p;
            int rc = koro_stack_alloc(stack, &p, &usable);

            if (rc != 0) {
                fprintf(stderr, "korobench: koro_stack_alloc: %s\n",
                        koro_strerror(rc));
                goto fail;
            }
            r->stk[i] = p;
        }
    } else {
        r->mem = stacks_alloc(bytes);
        for (; i < n; i++)
            r->stk[i] = r->mem + i * stack;
    }
    if (r->im->setup(n, stack, r->stk) == 0) {
        r->im->rounds(n, 1);
        return 0;
    }
fail:
    if (guarded)
        while (i-- > 0)
            koro_stack_free(r->stk[i], stack);
    else
        stacks_free(r->mem, bytes);
    free(r->stk);
    return -1;
}

static void
run_close(struct run *r, size_t n, size_t stack)
{
    size_t i;

    r->im->teardown(n);
    if (guarded)
        for (i = 0; i < n; i++)
            koro_stack_free(r->stk[i], stack);
    else
        stacks_free(r->mem, block_bytes(n, stack));
    free(r->stk);
}

/* Grow the round count until one sample of r takes about sample_seconds. */
static void
calibrate(struct run *r, size_t n)
{
    long rounds = 1;
    double t0, t;

    for (;;) {
        t0 = now();
        r->im->rounds(n, rounds);
        t = now() - t0;
        if (t >= sample_seconds / 4 || rounds > LONG_MAX / 4)
            break;
        rounds *= 2;
    }
    r->rounds =
        (long)((double)rounds * sample_seconds / (t > 0 ? t : 1e-9)) + 1;
}

/* Measure every implementation in `im` for n coroutines on stacks of
 * `stack` bytes; out[j] gets the median round trips per second of im[j],
 * or -1 if it could not be set up.  The samples are interleaved (one of
 * each implementation in turn, the order rotating), so that a noisy
 * neighbour on the machine slows every column alike and the ratios stay
 * meaningful. */
static void
measure(const struct impl *const *im, size_t nim, size_t n, size_t stack,
        double *out)
{
    struct run runs[4];
    size_t j, i;
#ifdef KORO_BENCH_SEM
    double refs[MAX_SAMPLES];
#endif

    for (j = 0; j < nim; j++) {
        struct run *r = &runs[j];

        r->im = im[j];
        r->ok = run_open(r, n, stack) == 0;
        if (!r->ok)
            continue;
        calibrate(r, n);
        if (guarded)
            run_close(r, n, stack);
    }
#ifdef HAVE_THP
    if (hugepages)
        fprintf(machine ? stdout : stderr,
                machine ? "thp %ld %zu\n"
                        : "korobench: %ld KiB of this process on huge "
                          "pages, %zu KiB of stacks\n",
                proc_kib("/proc/self/smaps_rollup", "AnonHugePages:"),
                nim * block_bytes(n, stack) / 1024);
#endif
    for (i = 0; i < (size_t)nsamples; i++) {
        for (j = 0; j < nim; j++) {
            struct run *r = &runs[(i + j) % nim];
            double t0;

            if (!r->ok)
                continue;
            if (guarded && run_open(r, n, stack) != 0) {
                r->ok = 0;
                continue;
            }
            t0 = now();
            r->im->rounds(n, r->rounds);
            r->rates[i] = (double)r->rounds * (double)n / (now() - t0);
            if (guarded)
                run_close(r, n, stack);
        }
#ifdef KORO_BENCH_SEM
        if (sem_ring)
            refs[i] = koro_sem_ring_run(sem_ring, sample_seconds);
#endif
    }
#ifdef KORO_BENCH_SEM
    if (sem_ring) {
        qsort(refs, (size_t)nsamples, sizeof refs[0], cmp_double);
        sem_rate = refs[nsamples / 2];
    }
#endif
    for (j = 0; j < nim; j++) {
        struct run *r = &runs[j];

        out[j] = -1;
        if (!r->ok)
            continue;
        if (!guarded)
            run_close(r, n, stack);
        qsort(r->rates, (size_t)nsamples, sizeof r->rates[0], cmp_double);
        out[j] = r->rates[nsamples / 2];
    }
}

/* ---- libkorutin -------------------------------------------------- */

/* [1]: the same, every coroutine marked with koro_share_fpenv() (-f);
 * [2]: with a checked zone of zone_bytes (-z). */
static koro_t *ks[3];
static size_t zone_bytes;

static void
koro_body(void *arg)
{
    (void)arg;
    for (;;)
        koro_yield();
}

static int
koro_setup_in(int shared, size_t n, size_t stack, unsigned char *const *stk)
{
    size_t i;
    koro_t *k = ks[shared] = xmalloc(n * sizeof *k);

    for (i = 0; i < n; i++) {
        const char *what = "koro_init";
        int rc = koro_init(&k[i], koro_body, NULL, stk[i], stack);

        if (rc == 0) {
            if (shared == 1 && (rc = koro_share_fpenv(&k[i])) != 0) {
                what = "koro_share_fpenv";
                koro_fini(&k[i]);
            }
            if (shared == 2 &&
                (rc = koro_set_canary_size(&k[i], zone_bytes)) != 0) {
                what = "koro_set_canary_size";
                koro_fini(&k[i]);
            }
        }
        if (rc != 0) {
            if (!machine)
                fprintf(stderr, "korobench: %s: %s\n", what, koro_strerror(rc));
            while (i-- > 0) /* release what the backend holds */
                koro_fini(&k[i]);
            free(k);
            return -1;
        }
    }
    return 0;
}

static void
koro_rounds_in(koro_t *k, size_t n, long rounds)
{
    long r;
    size_t i;

    for (r = 0; r < rounds; r++)
        for (i = 0; i < n; i++)
            koro_resume(&k[i]);
}

static void
koro_teardown_in(int shared, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        koro_fini(&ks[shared][i]);
    free(ks[shared]);
}

/* The impl entry points of both kinds (struct impl takes no argument). */
#define KORO_BENCH_FNS(sfx, shared)                                            \
    static int koro_setup##sfx(size_t n, size_t stack,                         \
                               unsigned char *const *stk)                      \
    {                                                                          \
        return koro_setup_in(shared, n, stack, stk);                           \
    }                                                                          \
    static void koro_rounds##sfx(size_t n, long rounds)                        \
    {                                                                          \
        koro_rounds_in(ks[shared], n, rounds);                                 \
    }                                                                          \
    static void koro_teardown##sfx(size_t n)                                   \
    {                                                                          \
        koro_teardown_in(shared, n);                                           \
    }
KORO_BENCH_FNS(, 0)
KORO_BENCH_FNS(_fp, 1)
KORO_BENCH_FNS(_z, 2)

/* ---- glibc swapcontext (reference) --------------------------------- */

#ifdef HAVE_UCTX_REF
static ucontext_t *ucs, uc_main;

static void
uc_body(int i)
{
    for (;;)
        swapcontext(&ucs[i], &uc_main);
}

static int
uc_setup(size_t n, size_t stack, unsigned char *const *stk)
{
    size_t i;

    ucs = xmalloc(n * sizeof *ucs);
    for (i = 0; i < n; i++) {
        getcontext(&ucs[i]);
        ucs[i].uc_stack.ss_sp = stk[i];
        ucs[i].uc_stack.ss_size = stack;
        ucs[i].uc_link = NULL;
        makecontext(&ucs[i], (void (*)(void))uc_body, 1, (int)i);
    }
    return 0;
}

static void
uc_rounds(size_t n, long rounds)
{
    long r;
    size_t i;

    for (r = 0; r < rounds; r++)
        for (i = 0; i < n; i++)
            swapcontext(&uc_main, &ucs[i]);
}

static void
uc_teardown(size_t n)
{
    (void)n;
    free(ucs);
}
#endif

/* ---- Boost.Context jump_fcontext (reference) ----------------------- */

#ifdef HAVE_BOOST_CONTEXT
/* The C-linkage entry points of libboost_context (fcontext.hpp). */
typedef void *fcontext_t;
typedef struct {
    fcontext_t fctx;
    void *data;
} transfer_t;
transfer_t jump_fcontext(fcontext_t const to, void *vp);
fcontext_t make_fcontext(void *sp, size_t size, void (*fn)(transfer_t));

static fcontext_t *fcs;

static void
fc_body(transfer_t t)
{
    for (;;)
        t = jump_fcontext(t.fctx, NULL);
}

static int
fc_setup(size_t n, size_t stack, unsigned char *const *stk)
{
    size_t i;

    fcs = xmalloc(n * sizeof *fcs);
    for (i = 0; i < n; i++) {
        unsigned char *top =
            (unsigned char *)(((uintptr_t)(stk[i] + stack)) & ~(uintptr_t)15);
        fcs[i] = make_fcontext(top, stack - 16, fc_body);
    }
    return 0;
}

static void
fc_rounds(size_t n, long rounds)
{
    long r;
    size_t i;

    for (r = 0; r < rounds; r++)
        for (i = 0; i < n; i++)
            fcs[i] = jump_fcontext(fcs[i], NULL).fctx;
}

static void
fc_teardown(size_t n)
{
    (void)n;
    free(fcs);
}
#endif

/* ---- driver -------------------------------------------------------- */

static size_t
parse_list(const char *s, size_t *out, size_t scale)
{
    size_t n = 0;

    while (*s && n < MAX_SIZES) {
        char *end;
        unsigned long v = strtoul(s, &end, 10);

        if (end == s)
            break;
        out[n++] = (size_t)v * scale;
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}

static void
machine_name(char *buf, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];

    snprintf(buf, len, "unknown CPU");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        char *p = strstr(line, "model name");

        if (p && (p = strchr(p, ':'))) {
            p += strspn(p, ": \t");
            p[strcspn(p, "\n")] = '\0';
            snprintf(buf, len, "%s", p);
            break;
        }
    }
    fclose(f);
}

static void
report(const char *impl, size_t n, size_t stack, double rate)
{
    if (machine)
        printf("rt %s %zu %zu %.0f %.2f\n", impl, n, stack, rate,
               rate > 0 ? 1e9 / rate : 0.0);
}

int
main(int argc, char **argv)
{
    size_t ns[MAX_SIZES] = {1024, 16384}, stacks[MAX_SIZES] = {16384, 1024};
    size_t nn = 2, nstacks = 2, a, b;
    int refs = 0, sem = 0, fpshare = 0, opt;
    char cpu[128], short_backend[32];
    const struct impl koro_fp_impl = {"libkorutin+fpshare", koro_setup_fp,
                                      koro_rounds_fp, koro_teardown_fp};
    const struct impl koro_impl = {"libkorutin", koro_setup, koro_rounds,
                                   koro_teardown};
    const struct impl koro_z_impl = {"libkorutin+zone", koro_setup_z,
                                     koro_rounds_z, koro_teardown_z};
#ifdef HAVE_UCTX_REF
    const struct impl uc_impl = {"swapcontext", uc_setup, uc_rounds,
                                 uc_teardown};
#endif
#ifdef HAVE_BOOST_CONTEXT
    const struct impl fc_impl = {"boost", fc_setup, fc_rounds, fc_teardown};
#endif

    for (opt = 1; opt < argc; opt++) {
        const char *o = argv[opt], *v = opt + 1 < argc ? argv[opt + 1] : "";

        if (!strcmp(o, "-m"))
            machine = 1;
        else if (!strcmp(o, "-r"))
            refs = 1;
        else if (!strcmp(o, "-f"))
            fpshare = 1;
        else if (!strcmp(o, "-z") && *v)
            zone_bytes = (size_t)atol(argv[++opt]);
        else if (!strcmp(o, "-p"))
            sem = 1;
        else if (!strcmp(o, "-H"))
            hugepages = 1;
        else if (!strcmp(o, "-g"))
            guarded = 1;
        else if (!strcmp(o, "-s") && *v)
            nsamples = atoi(argv[++opt]);
        else if (!strcmp(o, "-t") && *v)
            sample_seconds = atof(argv[++opt]);
        else if (!strcmp(o, "-n") && *v)
            nn = parse_list(argv[++opt], ns, 1);
        else if (!strcmp(o, "-k") && *v)
            nstacks = parse_list(argv[++opt], stacks, 1024);
        else {
            fprintf(stderr, "usage: korobench [-m] [-r] [-p] [-f] [-z BYTES] "
                            "[-H | -g] [-s SAMPLES] [-t SECONDS] [-n N,...] "
                            "[-k KIB,...]\n");
            return 2;
        }
    }
    if (hugepages && guarded) {
        fprintf(stderr, "korobench: -H and -g exclude each other\n");
        return 2;
    }
    if (nsamples < 1 || nsamples > MAX_SAMPLES)
        nsamples = 11;
#ifndef HAVE_THP
    if (hugepages) {
        fprintf(stderr, "korobench: -H: no transparent huge pages here\n");
        return 2;
    }
#endif

#ifdef KORO_BENCH_SEM
    /* Its threads live through the whole run, like the coroutines' own. */
    if (sem && !(sem_ring = koro_sem_ring_open(1))) {
        fprintf(stderr, "korobench: cannot start the semaphore ping-pong\n");
        return 1;
    }
#else
    if (sem)
        fprintf(stderr, "korobench: -p: no semaphore reference here\n");
    sem = 0;
#endif
    snprintf(short_backend, sizeof short_backend, "%.*s",
             (int)strcspn(koro_backend(), " "), koro_backend());
    machine_name(cpu, sizeof cpu);
    if (machine) {
        printf("backend %s\n", koro_backend());
        printf("machine %s\n", cpu);
    } else {
        printf("libkorutin %d.%d.%d, backend: %s\nmachine: %s\n"
               "round trips (resume + yield) per second, median of %d "
               "samples of %.2f s\n\n",
               KORO_VERSION_MAJOR, KORO_VERSION_MINOR, KORO_VERSION_PATCH,
               koro_backend(), cpu, nsamples, sample_seconds);
        if (hugepages)
            printf("stacks on 2 MiB pages where the kernel grants them "
                   "(-H)\n\n");
        if (guarded)
            printf("guarded stacks from koro_stack_alloc() (-g)\n\n");
        printf("| coroutines | stack | libkorutin | ns/rt |%s%s%s%s\n",
               refs ? " swapcontext | ratio |" : "",
               refs ? " Boost jump_fcontext | ratio |" : "",
               sem ? " semaphore ping-pong | ratio |" : "",
               fpshare ? " koro_share_fpenv | ns/rt |" : "");
        printf("|---:|---:|---:|---:|%s%s%s%s\n", refs ? "---:|---:|" : "",
               refs ? "---:|---:|" : "", sem ? "---:|---:|" : "",
               fpshare ? "---:|---:|" : "");
    }
    for (b = 0; b < nstacks; b++) {
        for (a = 0; a < nn; a++) {
            size_t n = ns[a], st = stacks[b];
            const struct impl *im[5];
            double rate[5] = {-1, -1, -1, -1, -1}, r, ru, rb, rf, rz;
            int nim = 0, ik = -1, iu = -1, ib = -1, ifp = -1, iz = -1;

#ifdef KORO_BENCH_SEM
            sem_rate = -1;
#endif
            if (st >= koro_stack_min())
                im[ik = nim++] = &koro_impl;
            if (fpshare && st >= koro_stack_min())
                im[ifp = nim++] = &koro_fp_impl;
            if (zone_bytes && st >= koro_stack_min() + zone_bytes + 1024)
                im[iz = nim++] = &koro_z_impl;
            if (refs) {
#ifdef HAVE_UCTX_REF
                im[iu = nim++] = &uc_impl;
#endif
#ifdef HAVE_BOOST_CONTEXT
                im[ib = nim++] = &fc_impl;
#endif
            }
            measure(im, (size_t)nim, n, st, rate);
            r = ik >= 0 ? rate[ik] : -1;
            ru = iu >= 0 ? rate[iu] : -1;
            rb = ib >= 0 ? rate[ib] : -1;
            rf = ifp >= 0 ? rate[ifp] : -1;
            rz = iz >= 0 ? rate[iz] : -1;
            report(short_backend, n, st, r);
            if (zone_bytes) {
                char name[sizeof short_backend + 32];

                snprintf(name, sizeof name, "%s+zone%zu", short_backend,
                         zone_bytes);
                report(name, n, st, rz);
            }
            if (fpshare) {
                char name[sizeof short_backend + 16];

                snprintf(name, sizeof name, "%s+fpshare", short_backend);
                report(name, n, st, rf);
            }
#ifdef KORO_BENCH_SEM
            if (sem)
                report("semaphore-pingpong", n, st, sem_rate);
#endif
            if (refs) {
#ifdef HAVE_UCTX_REF
                report("swapcontext", n, st, ru);
#endif
#ifdef HAVE_BOOST_CONTEXT
                report("boost", n, st, rb);
#endif
            }
            if (machine)
                continue;
            printf("| %zu | %zu KiB | ", n, st / 1024);
            if (r >= 1e6)
                printf("%.1f M | %.1f |", r / 1e6, 1e9 / r);
            else if (r > 0) /* the threads backend */
                printf("%.1f k | %.0f |", r / 1e3, 1e9 / r);
            else
                printf("n/a (stack < koro_stack_min) | |");
            if (refs) {
                if (ru > 0)
                    printf(" %.1f M | %.2fx |", ru / 1e6, r / ru);
                else
                    printf(" n/a | |");
                if (rb > 0)
                    printf(" %.1f M | %.2fx |", rb / 1e6, r / rb);
                else
                    printf(" n/a | |");
            }
#ifdef KORO_BENCH_SEM
            if (sem && sem_rate > 0)
                printf(" %.1f k | %.2fx |", sem_rate / 1e3, r / sem_rate);
            else if (sem)
                printf(" n/a | |");
#endif
            if (fpshare && rf > 0)
                printf(" %.1f M | %.1f |", rf / 1e6, 1e9 / rf);
            else if (fpshare)
                printf(" n/a | |");
            printf("\n");
            fflush(stdout);
        }
    }
#ifdef KORO_BENCH_SEM
    koro_sem_ring_close(sem_ring);
#endif
    return 0;
}
