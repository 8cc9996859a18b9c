/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* primes.c - the concurrent prime sieve: a generator feeds 2, 3, 4, ...
 * into a chain of filter coroutines, one per prime found so far, each
 * dropping the multiples of its prime and passing the rest on over its own
 * channel.  Every coroutine, stack and channel is allocated here, none by
 * the library.
 *
 *   primes [N]     prints the first N primes (default 100) and checks them
 *                  against trial division; exit status 0 if they match. */
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>

struct filter {
    koro_t k;
    koro_chan_t out; /* rendezvous: no buffer */
    koro_chan_t *in;
    long prime;
};

static koro_sched_t sched;
static koro_t gen_k;
static koro_chan_t numbers;
/* Every coroutine's stack: what the library needs, which depends on the
 * backend (koro_stack_min(): tens of KiB where coroutines are OS
 * threads), plus 16 KiB for our own calls. */
static size_t stack_size;

static void
generate(void *arg)
{
    long i;

    (void)arg;
    for (i = 2;; i++)
        if (koro_chan_send(&numbers, &i) != 0)
            return; /* closed: the sieve is done */
}

static void
filter(void *arg)
{
    struct filter *f = arg;
    long v;

    while (koro_chan_recv(f->in, &v) == 0)
        if (v % f->prime != 0 && koro_chan_send(&f->out, &v) != 0)
            break;
    /* Unwind the chain: whoever feeds us stops at its next send. */
    koro_chan_close(f->in);
}

static int
is_prime(long n)
{
    long d;

    for (d = 2; d * d <= n; d++)
        if (n % d == 0)
            return 0;
    return n >= 2;
}

/* The sieve's driver: one coroutine reading the end of the chain. */
struct sieve {
    long n, *out;
    struct filter *f;
    unsigned char *stacks; /* n filters, the generator, the driver */
};

static void
drive(void *arg)
{
    struct sieve *sv = arg;
    koro_chan_t *in = &numbers;
    long i;

    for (i = 0; i < sv->n; i++) {
        struct filter *f = &sv->f[i];

        if (koro_chan_recv(in, &sv->out[i]) != 0)
            return;
        f->in = in;
        f->prime = sv->out[i];
        koro_chan_init(&f->out, NULL, sizeof(long), 0);
        koro_init(&f->k, filter, f, sv->stacks + i * stack_size, stack_size);
        koro_sched_spawn(&sched, &f->k);
        in = &f->out;
    }
    koro_chan_close(in); /* stop the chain from its end */
}

/* main ends with exit(): under Emscripten a main that has switched to a
 * fiber loses its return value. */
int
main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100, i, p;
    struct sieve sv;
    koro_t drv;
    unsigned char *gen_stack, *drv_stack;
    int rc;

    if (n < 1)
        n = 1;
    stack_size = koro_stack_min() + 16384;
    sv.n = n;
    sv.out = calloc((size_t)n, sizeof *sv.out);
    sv.f = calloc((size_t)n, sizeof *sv.f);
    sv.stacks = malloc((size_t)(n + 2) * stack_size);
    if (!sv.out || !sv.f || !sv.stacks)
        exit(1);
    gen_stack = sv.stacks + n * stack_size;
    drv_stack = gen_stack + stack_size;
    koro_sched_init(&sched);
    koro_chan_init(&numbers, NULL, sizeof(long), 0);
    koro_init(&gen_k, generate, NULL, gen_stack, stack_size);
    koro_init(&drv, drive, &sv, drv_stack, stack_size);
    koro_sched_spawn(&sched, &gen_k);
    koro_sched_spawn(&sched, &drv);
    rc = koro_sched_run(&sched);
    if (rc != 0) {
        fprintf(stderr, "primes: %s\n", koro_strerror(rc));
        exit(1);
    }
    for (i = 0, p = 1; i < n; i++) {
        do
            p++;
        while (!is_prime(p));
        if (sv.out[i] != p) {
            fprintf(stderr, "primes: prime %ld is %ld, expected %ld\n", i + 1,
                    sv.out[i], p);
            exit(1);
        }
        printf("%ld%c", sv.out[i], i + 1 == n || i % 10 == 9 ? '\n' : ' ');
    }
    free(sv.stacks);
    free(sv.f);
    free(sv.out);
    exit(0);
}
