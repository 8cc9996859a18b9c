/* backend-asm.c - the assembly backend: the switch itself is koro__switch
 * in lib/arch/<cpu>-<abi>.S; this file only prepares new contexts. */
#include "backend.h"
#include "arch/abi.h"

#include <stdlib.h>

#ifndef KORO_ABI
#error "no assembly for this ABI: configure should have chosen another backend"
#endif

/* In the ABI file: build the first frame below top, return the context. */
KORO_HIDDEN void *koro__asm_prepare(void *top, koro_t *k, koro_fn fn,
                                    void *arg);

const char koro__bk_name[] = "asm " KORO_ABI;

int
koro__bk_init(koro_t *k, koro_fn fn, void *arg)
{
    k->koro_ctx_ = koro__asm_prepare(k->koro_hi_, k, fn, arg);
    return 0;
}

void
koro__bk_exit(koro_t *self, koro_t *to)
{
    koro__switch(self, to);
    abort(); /* a dead context is never switched to */
}

void
koro__bk_fini(koro_t *k)
{
    (void)k; /* the stack holds everything; nothing to release */
}

unsigned char *
koro__bk_frame_low(const koro_t *k)
{
    return (unsigned char *)k->koro_ctx_;
}

/* The initial frame (64 bytes at most on every ABI here), koro__entry's
 * frame, the canary, alignment slack and room for a small body that calls
 * koro_yield(): measured with koro_stack_used() in the test suite. */
size_t
koro__bk_stack_min(void)
{
    return 512; /* sanitizer builds: the core adds room (sanitize.h) */
}
