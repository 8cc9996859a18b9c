/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* fuzz-model.c - libFuzzer target: the fuzz input drives the random
 * program generator of tests/model.c (one byte per choice), the program
 * runs on the library, and the trace is checked against the reference
 * model.  A divergence prints the program and both sides, then aborts;
 * AddressSanitizer catches memory errors on the way.
 *
 * Build (the whole package instrumented, library included):
 *     ./configure --enable-fuzz CC=clang && make fuzz
 * Run (a corpus directory keeps what was found between runs):
 *     mkdir -p corpus
 *     tests/fuzz-model -max_len=512 -timeout=10 corpus          # for ever
 *     tests/fuzz-model -max_total_time=3600 -jobs=2 corpus      # 1 hour
 *     tests/fuzz-model crash-<sha1>                             # replay
 * Long runs: -jobs=N -workers=N runs N processes; add -dict= or seed the
 * corpus with files of random bytes (head -c 256 /dev/urandom > corpus/x).
 * Sleeps in the programs are a few microseconds, so a run is a few
 * thousand programs per second per core.
 *
 * AFL++ instead of libFuzzer: build this file with a main() that reads
 * one input from a file or stdin (defined below with KORO_FUZZ_MAIN):
 *     ./configure CC=afl-clang-fast && make
 *     afl-clang-fast -DKORO_FUZZ_MAIN -I$srcdir/include \
 *         $srcdir/tests/fuzz-model.c $srcdir/tests/model.c \
 *         lib/.libs/libkorutin.a -o fuzz-model-afl
 *     afl-fuzz -i seeds -o findings -- ./fuzz-model-afl @@
 * (AFL_USE_ASAN=1 for AddressSanitizer; seeds: any small files.) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "model.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct m_prog p;
    static struct m_trace t;
    static int ready;
    struct m_rand r;
    char why[256];

    if (!ready) {
        if (m_setup())
            abort();
        ready = 1;
    }
    m_rand_bytes(&r, data, size);
    m_gen(&p, &r, NULL);
    if (m_lib_run(&p, &t)) {
        fprintf(stderr, "fuzz-model: could not set up the program\n");
        abort();
    }
    if (m_check(&p, &t, NULL, why, sizeof why)) {
        fprintf(stderr, "fuzz-model: library and model diverge: %s\n", why);
        m_print_prog(stderr, &p);
        m_print_trace(stderr, &t);
        m_shrink(&p, 3);
        fprintf(stderr, "shortest program that still diverges:\n");
        m_print_prog(stderr, &p);
        abort();
    }
    return 0;
}

#ifdef KORO_FUZZ_MAIN
/* One input per process from argv[1] or stdin (AFL++, or replaying). */
int
main(int argc, char **argv)
{
    static uint8_t buf[1 << 16];
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : stdin;
    size_t n;

    if (!f) {
        perror(argv[1]);
        return 2;
    }
    n = fread(buf, 1, sizeof buf, f);
    if (f != stdin)
        fclose(f);
    return LLVMFuzzerTestOneInput(buf, n);
}
#endif
