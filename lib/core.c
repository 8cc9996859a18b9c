/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* core.c - the public API: checks, the state machine, the current
 * coroutine, stack canary and watermark.  The backend only switches. */
#include "backend.h"
#include "sanitize.h" /* hardening hooks: no-ops in a plain build */

#include <stdlib.h>
#include <string.h>

KORO_TLS_DEFINE;

/* The upper layers' hooks (koro-int.h). */
void (*koro__fini_hook)(koro_t *k);
int (*koro__sealed_hook)(const void *stack);
size_t koro__sigstack_size;

/* ------------------------------------------------------------------ */
/* Stack canary.  Written at koro_init(), checked whenever a coroutine
 * switches away (yield, nested resume, finish).  A broken canary means the
 * coroutine has written below its stack: report it with its name and range
 * and abort, because everything below is someone else's memory.  A
 * coroutine whose stack lies right above a guard page (koro_stack_alloc()'s
 * seal, or koro_use_guard()) has neither canary nor check: the guard page
 * stops an overflow at the first byte, and reading the canary would cost a
 * second page (TLB entry) per switch on stacks larger than a page. */

static inline uintptr_t
canary_value(const koro_t *k)
{
    return (uintptr_t)k->koro_lo_ ^ (uintptr_t)0x6b6f726f5f73746bull;
}

/* Fill [k->koro_lo_, k->koro_lo_ + size) with the word v. */
static void
canary_fill(koro_t *k, size_t size, uintptr_t v)
{
    size_t i;

    for (i = 0; i < size / sizeof v; i++)
        memcpy(k->koro_lo_ + i * sizeof v, &v, sizeof v);
}

static KORO_COLD KORO_NORETURN void
canary_fail(const koro_t *k)
{
    koro__overflow_abort(k, "its canary was overwritten");
}

/* The words of a wider zone (koro_set_canary_size()) differ from the
 * canary's, so that the plain check always fails on a zone and sends it
 * to the zone's check: the common paths test nothing more. */
static inline uintptr_t
zone_value(const koro_t *k)
{
    return ~canary_value(k);
}

/* Non-zero if a word of the zone of `size` bytes differs, 16 bytes (a
 * multiple of the zone's size) per step. */
static inline uintptr_t
zone_diff(const koro_t *k, size_t size)
{
    uintptr_t v = zone_value(k), d = 0, w[16 / sizeof(uintptr_t)];
    const unsigned char *p = k->koro_lo_, *end = p + size;
    unsigned i;

    for (; p < end; p += sizeof w) {
        memcpy(w, p, sizeof w);
        for (i = 0; i < sizeof w / sizeof w[0]; i++)
            d |= w[i] ^ v;
    }
    return d;
}

/* The plain canary of k is intact, or k has none (the test of
 * canary_check() without its zone path). */
static inline int
canary_plain_ok(const koro_t *k)
{
    uintptr_t v, w[KORO_CANARY_SIZE / sizeof(uintptr_t)], d = 0;
    unsigned i;

    if (k->koro_flags_ & KORO_F_GUARDED)
        return 1;
    v = canary_value(k);
    memcpy(w, k->koro_lo_, sizeof w);
    for (i = 0; i < sizeof w / sizeof w[0]; i++)
        d |= w[i] ^ v;
    return d == 0;
}

/* All 16 bytes of the canary, or the zone.  Inline, and the only call is
 * the one that does not return: anything else would make every switch
 * keep a stack frame. */
static inline void
canary_check(const koro_t *k)
{
    uint32_t f;

    if (KORO_LIKELY(canary_plain_ok(k)))
        return;
    /* Read again, so that the test above stays one instruction.  The
     * zone's size in bytes is its field (16-byte units at bit 4). */
    f = ((const volatile koro_t *)k)->koro_flags_;
    if ((f & KORO_F_ZONE) && !zone_diff(k, f & KORO_F_ZONE_MASK))
        return;
    canary_fail(k);
}

/* ------------------------------------------------------------------ */
/* Creation. */

/* Colour the stack: move its top down and its canary up by multiples of
 * 64 bytes.  Callers tend to carve stacks at power-of-two spacing (or map
 * them a page apart, as koro_stack_alloc() does); without this every
 * coroutine's hot top-of-stack lines, and every canary, fall into the same
 * few cache sets.  The colour steps by one per koro_init() in the thread,
 * so that stacks set up one after another keep a constant stride, which
 * the hardware's prefetchers follow, whatever the spacing of the stacks
 * (doc/design.md, "Cache colouring").  The canary takes the mirror colour,
 * so the two offsets always add up to (ncol - 1) lines: every stack loses
 * the same amount, at most 1/16 of it.  Returns the top's offset; *lo_off
 * gets the canary's. */
static size_t
colour_offsets(size_t size, size_t *lo_off)
{
    size_t ncol = size / 1024, c;

    if (ncol > KORO_COLOURS)
        ncol = KORO_COLOURS;
    if (ncol < 2) {
        *lo_off = 0;
        return 0;
    }
    c = koro__tls.colour++ % ncol;
    *lo_off = (ncol - 1 - c) * 64;
    return c * 64;
}

/* koro_init() refuses a coroutine that is in use: running, an ancestor
 * of the running one, or suspended in a scheduler's hands.  Only the
 * state word says so (with the bounds that make the tag credible): a
 * suspended, dead, finalised or never initialised koro_t is set up
 * afresh. */
static int
in_use(const koro_t *k)
{
    koro__reading_garbage(k, sizeof *k);
    if (!koro__valid(k))
        return 0;
    switch (KORO_ST_STATUS(k->koro_state_)) {
    case KORO_RUNNING:
        return KORO_ERUNNING;
    case KORO_NORMAL:
        return KORO_ENORMAL;
    case KORO_SUSPENDED:
        return k->koro_state_ & KORO_ST_OWNED ? KORO_EBUSY : 0;
    default:
        return 0;
    }
}

KORO_API int
koro_init(koro_t *k, koro_fn fn, void *arg, void *stack, size_t stack_size)
{
    uintptr_t lo, hi;
    size_t lo_off;
    int (*sealed)(const void *);
    int rc;

    if (!k || !fn || !stack)
        return KORO_EINVAL;
    if (stack_size < koro_stack_min())
        return KORO_ESTACK;
    if ((uintptr_t)stack + stack_size < (uintptr_t)stack)
        return KORO_EINVAL;
    rc = in_use(k);
    if (rc < 0)
        return rc;

    lo = ((uintptr_t)stack + 15) & ~(uintptr_t)15;
    lo += KORO_SAN_LO_RESERVE; /* sanitize.h's record sits below lo */
    hi = ((uintptr_t)stack + stack_size) & ~(uintptr_t)15;
    hi -= colour_offsets(hi - lo, &lo_off);
    lo += lo_off;

    koro__san_prepare(stack, stack_size);
    memset(k, 0, sizeof *k);
    k->koro_lo_ = (unsigned char *)lo;
    k->koro_hi_ = (unsigned char *)hi;
    /* A stack from koro_stack_alloc() needs no canary: see guard.c. */
    sealed = KORO_HOOK_GET(koro__sealed_hook);
    if (sealed && sealed(stack))
        k->koro_flags_ = KORO_F_GUARDED;
    else
        canary_fill(k, KORO_CANARY_SIZE, canary_value(k));
    rc = koro__bk_init(k, fn, arg);
    if (rc < 0) {
        k->koro_state_ = 0;
        return rc;
    }
    koro__san_init(k, stack, stack_size);
    k->koro_state_ = KORO_ST(KORO_SUSPENDED);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The switch hook (koro_set_switch_hook).  The fast paths never look for
 * it: while a thread has one, every coroutine running or normal on it
 * carries KORO_ST_HOOK, which their state tests already send to the
 * general paths, and a resume from the thread's own level, the one path
 * that tests no coroutine of the thread, tests the hook itself.  The
 * general paths call the hook, mark the coroutine they switch to, and
 * clear the marks once the thread has no hook. */

/* The per-thread state of the thread that c (a running or normal
 * coroutine, or a thread's root context) belongs to: the one whose root
 * heads c's chain of resumers.  That is the running OS thread's own,
 * except inside a coroutine of a backend that gives each coroutine an OS
 * thread. */
static struct koro_tls *
thread_of(const koro_t *c)
{
    while (c->koro_lo_)
        c = c->koro_parent_;
    return (struct koro_tls *)(void *)((char *)(uintptr_t)c -
                                       offsetof(struct koro_tls, root));
}

/* A context as the hook sees it: NULL for a thread's own. */
static inline koro_t *
hook_ctx(koro_t *c)
{
    return c->koro_lo_ ? c : NULL;
}

static KORO_COLD KORO_NORETURN void
hook_blocked(void)
{
    static const char msg[] =
        "korutin: a switch hook made a blocking call (it must not switch)\n";

    koro__write_stderr(msg, sizeof msg - 1);
    abort();
}

/* Run the hook fn of lt for a switch from `from` to `to` (contexts). */
static void
hook_call(struct koro_tls *lt, koro_switch_hook_fn fn, koro_t *from, koro_t *to)
{
    lt->in_hook = 1;
    fn(hook_ctx(from), hook_ctx(to), KORO_HOOK_ARG(lt));
    lt->in_hook = 0;
}

KORO_API int
koro_set_switch_hook(koro_switch_hook_fn fn, void *arg,
                     koro_switch_hook_fn *prev_fn, void **prev_arg)
{
    struct koro_tls *t = &koro__tls;
    koro_t *c = t->cur;
    struct koro_tls *lt = c ? thread_of(c) : t;

    if (prev_fn)
        *prev_fn = KORO_HOOK_FN(lt);
    if (prev_arg)
        *prev_arg = KORO_HOOK_ARG(lt);
    KORO_HOOK_SET_FN(lt, fn);
    KORO_HOOK_ARG(lt) = fn ? arg : NULL;
    /* The coroutines that may switch without being resumed first. */
    if (fn)
        for (; c && c->koro_lo_; c = c->koro_parent_)
            c->koro_state_ |= KORO_ST_HOOK;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Switching.  koro_resume() and koro_yield() update all the bookkeeping
 * first and end in a tail call to the backend's switch, so that with the
 * asm backend there is no extra call layer (and no extra mispredicted
 * return) between the caller and the stack switch. */

static KORO_COLD int
resume_error(const koro_t *k)
{
    if (!koro__valid(k))
        return KORO_EINVAL;
    switch (KORO_ST_STATUS(k->koro_state_)) {
    case KORO_DEAD:
        return KORO_EDEAD;
    case KORO_RUNNING:
        return KORO_ERUNNING;
    case KORO_NORMAL:
        return KORO_ENORMAL;
    default: /* suspended, in a scheduler's hands */
        return KORO_EBUSY;
    }
}

/* Which halves of the floating-point control state a switch from `from`
 * to `to` moves: only contexts that have their own are saved and loaded
 * (the thread's root context always has). */
static inline unsigned
fp_mode(const koro_t *from, const koro_t *to)
{
    return (KORO_ST_FPSHARE(from->koro_state_) ? 0 : KORO_FP_SAVE) |
           (KORO_ST_FPSHARE(to->koro_state_) ? 0 : KORO_FP_LOAD);
}

/* k is a suspended coroutine that koro_resume() may run. */
static inline int
resumable(const koro_t *k)
{
    return (k->koro_state_ & ~(KORO_TAG_FPSHARE | KORO_ST_HOOK)) ==
               KORO_ST(KORO_SUSPENDED) &&
           koro__valid(k);
}

/* The end of the general resume: self (NULL: the thread) resumes the
 * resumable k.  Inline in both callers, so that each ends in a tail call
 * and resume_general() keeps no frame. */
static inline int
resume_switch(struct koro_tls *t, koro_t *self, koro_t *k)
{
    if (self) {
        canary_check(self);
        koro__set_status(self, KORO_NORMAL);
    } else {
        self = &t->root;
    }
    k->koro_parent_ = self;
    koro__set_status(k, KORO_RUNNING);
    t->cur = k;
    return KORO_SWITCH_RESUME_FP(self, k, fp_mode(self, k));
}

/* resume_general() where self (NULL: the thread) or k carries the hook's
 * mark or the thread has a hook: call it and mark k, or clear the marks
 * if the thread has none. */
static KORO_NOINLINE int
resume_hooked(struct koro_tls *t, koro_t *self, koro_t *k)
{
    struct koro_tls *lt = self ? thread_of(self) : t;
    koro_switch_hook_fn fn = KORO_HOOK_FN(lt);

    if (!fn) {
        k->koro_state_ &= ~KORO_ST_HOOK;
        if (self)
            self->koro_state_ &= ~KORO_ST_HOOK;
    } else {
        if (lt->in_hook)
            return KORO_EBUSY;
        hook_call(lt, fn, self ? self : &t->root, k);
        /* Whatever the hook did, k must still be fit to run. */
        if (!resumable(k))
            return resume_error(k);
        k->koro_state_ |= KORO_ST_HOOK;
    }
    return resume_switch(t, self, k);
}

/* koro_resume() where k or the caller carries a mark (shares its
 * floating-point control state, or the thread has a switch hook), and
 * every error: the general path, out of the fast one. */
static KORO_NOINLINE int
resume_general(koro_t *k)
{
    struct koro_tls *t = &koro__tls;
    koro_t *self = t->cur;

    /* The common case first: the thread, without a switch hook, resumes
     * a marked coroutine. */
    if (k->koro_state_ == KORO_STF(KORO_SUSPENDED) &&
        !((uintptr_t)self | KORO_HOOK_WORD(t))) {
        self = &t->root;
        k->koro_parent_ = self;
        k->koro_state_ = KORO_STF(KORO_RUNNING);
        t->cur = k;
        return KORO_SWITCH_RESUME_FP(self, k, KORO_FP_SAVE);
    }
    if (!resumable(k))
        return resume_error(k);
    if (KORO_HOOK_WORD(t) ||
        ((self ? self->koro_state_ : 0) | k->koro_state_) & KORO_ST_HOOK)
        return resume_hooked(t, self, k);
    return resume_switch(t, self, k);
}

KORO_API int
koro_resume(koro_t *k)
{
    struct koro_tls *t = &koro__tls;
    koro_t *self = t->cur;

    if (KORO_UNLIKELY(!k))
        return KORO_EINVAL;
    if (KORO_UNLIKELY(k->koro_state_ != KORO_ST(KORO_SUSPENDED)))
        return resume_general(k);
    /* The thread's own level first: it is the usual resumer (a scheduler
     * loop normally runs there), so this path has no taken branch. */
    if (KORO_LIKELY(!((uintptr_t)self | KORO_HOOK_WORD(t)))) {
        self = &t->root;
    } else {
        /* A nested resume, or the thread has a switch hook. */
        if (KORO_UNLIKELY(!self || self->koro_state_ != KORO_ST(KORO_RUNNING)))
            return resume_general(k);
        canary_check(self);
        self->koro_state_ = KORO_ST(KORO_NORMAL);
    }
    k->koro_parent_ = self;
    k->koro_state_ = KORO_ST(KORO_RUNNING);
    t->cur = k;
    return KORO_SWITCH_RESUME(self, k);
}

/* The hook's part of a switch away from the running coroutine self to
 * `to`, under its resumer p (to is p, or a sibling in koro__transfer):
 * self carries KORO_ST_HOOK.  Returns KORO_EBUSY from inside the hook. */
static KORO_NOINLINE int
leave_hook(koro_t *self, koro_t *to, koro_t *p)
{
    struct koro_tls *lt = thread_of(p);
    koro_switch_hook_fn fn = KORO_HOOK_FN(lt);

    if (!fn) {
        self->koro_state_ &= ~KORO_ST_HOOK;
        if (to->koro_lo_)
            to->koro_state_ &= ~KORO_ST_HOOK;
        return 0;
    }
    if (lt->in_hook)
        return KORO_EBUSY;
    hook_call(lt, fn, self, to);
    if (to->koro_lo_)
        to->koro_state_ |= KORO_ST_HOOK;
    return 0;
}

/* The end of the general yield (inline in both callers, as above). */
static inline int
yield_switch(struct koro_tls *t, koro_t *self, koro_t *p)
{
    unsigned mode = fp_mode(self, p);

    koro__set_status(self, KORO_SUSPENDED);
    if (p->koro_lo_) {
        koro__set_status(p, KORO_RUNNING);
        t->cur = p;
    } else {
        t->cur = NULL;
    }
    return KORO_SWITCH_YIELD_FP(self, p, mode);
}

/* yield_general() where self carries the hook's mark. */
static KORO_NOINLINE int
yield_hooked(struct koro_tls *t, koro_t *self, koro_t *p)
{
    int rc = leave_hook(self, p, p);

    if (rc < 0)
        return rc;
    return yield_switch(t, self, p);
}

/* koro_yield() where self or its resumer carries a mark: shares its
 * floating-point control state, or may have a switch hook (self is
 * running and its canary checked). */
static KORO_NOINLINE int
yield_general(struct koro_tls *t, koro_t *self, koro_t *p)
{
    /* The common case first: a marked coroutine yields to the thread
     * (one with the hook's mark never matches). */
    if (self->koro_state_ == KORO_STF(KORO_RUNNING) && !p->koro_lo_) {
        self->koro_state_ = KORO_STF(KORO_SUSPENDED);
        t->cur = NULL;
        return KORO_SWITCH_YIELD_FP(self, p, KORO_FP_LOAD);
    }
    if (self->koro_state_ & KORO_ST_HOOK)
        return yield_hooked(t, self, p);
    return yield_switch(t, self, p);
}

KORO_API int
koro_yield(void)
{
    struct koro_tls *t = &koro__tls;
    koro_t *self = t->cur;
    koro_t *p;

    if (KORO_UNLIKELY(!self))
        return KORO_ENOTCORO;
    canary_check(self);
    p = self->koro_parent_;
#ifdef KORO_BK_FPSHARE
    if (KORO_UNLIKELY(self->koro_state_ != KORO_ST(KORO_RUNNING) ||
                      (p->koro_lo_ && p->koro_state_ != KORO_ST(KORO_NORMAL))))
        return yield_general(t, self, p);
#else
    if (KORO_UNLIKELY(self->koro_state_ != KORO_ST(KORO_RUNNING)))
        return yield_general(t, self, p);
#endif
    self->koro_state_ = KORO_ST(KORO_SUSPENDED);
    if (p->koro_lo_) {
        p->koro_state_ = KORO_ST(KORO_RUNNING);
        t->cur = p;
    } else {
        t->cur = NULL;
    }
    return KORO_SWITCH_YIELD(self, p);
}

/* koro__transfer()'s bookkeeping: self suspends in the scheduler's
 * hands, to runs under self's resumer p. */
static inline void
transfer_states(struct koro_tls *t, koro_t *self, koro_t *to, koro_t *p)
{
    /* self stays in the scheduler's hands until it takes it back. */
    self->koro_state_ =
        (self->koro_state_ & ~KORO_ST_MASK) | KORO_ST_OWNED | KORO_SUSPENDED;
    if (KORO_LIKELY(to != p)) {
        to->koro_parent_ = p;
        to->koro_state_ =
            (to->koro_state_ & ~(KORO_ST_MASK | KORO_ST_OWNED)) | KORO_RUNNING;
        t->cur = to;
    } else if (p->koro_lo_) {
        koro__set_status(p, KORO_RUNNING);
        t->cur = p;
    } else {
        t->cur = NULL;
    }
}

/* The end of the general transfer (inline in both callers, as above). */
static inline int
transfer_switch(koro_t *self, koro_t *to)
{
    struct koro_tls *t = &koro__tls;
    unsigned mode = fp_mode(self, to);

    transfer_states(t, self, to, self->koro_parent_);
    return KORO_SWITCH_TRANSFER_FP(self, to, mode);
}

/* transfer_general() where self carries the hook's mark. */
static KORO_NOINLINE int
transfer_hooked(koro_t *self, koro_t *to)
{
    if (leave_hook(self, to, self->koro_parent_) < 0)
        hook_blocked(); /* the scheduler cannot take a refusal back */
    return transfer_switch(self, to);
}

/* koro__transfer() in general: a wider zone or a broken canary, or a
 * coroutine sharing its floating-point control state or marked for the
 * switch hook. */
static KORO_NOINLINE int
transfer_general(koro_t *self, koro_t *to)
{
    canary_check(self);
    if (self->koro_state_ & KORO_ST_HOOK)
        return transfer_hooked(self, to);
    return transfer_switch(self, to);
}

/* For the scheduler only (declared in koro-int.h): suspend the running
 * coroutine self and continue `to`, which is either self's resumer (then
 * this is koro_yield()) or a coroutine suspended inside an earlier
 * koro__transfer() that takes self's place under that resumer, as if the
 * resumer had resumed it.  A blocked coroutine hands the processor
 * straight to the next runnable one this way, instead of going back to
 * the scheduler's loop, which would cost a second switch.  The caller has
 * checked all of that, so this only does the bookkeeping and tail-calls
 * the switch, like koro_yield(); the public paths are left as they are.
 * (`to` must be suspended in here, not in koro_yield(): the sanitizer
 * hooks of a switch that may come back from a sibling differ.) */

int
koro__transfer(koro_t *self, koro_t *to)
{
    /* The common case, with no frame: neither side shares its
     * floating-point control state or carries the hook's mark, and the
     * plain canary is intact. */
    if (KORO_LIKELY(!((self->koro_state_ | to->koro_state_) &
                      (KORO_TAG_FPSHARE | KORO_ST_HOOK))) &&
        KORO_LIKELY(canary_plain_ok(self))) {
        transfer_states(&koro__tls, self, to, self->koro_parent_);
        return KORO_SWITCH_TRANSFER_FP(self, to, KORO_FP_BOTH);
    }
    return transfer_general(self, to);
}

/* For the scheduler: k died after a transfer made it run in place of the
 * coroutine its resumer had resumed, so koro_resume() did not see it
 * die; release what the tools still hold for it, as koro_resume() does. */
void
koro__reap(koro_t *k)
{
    koro__san_release(k, 0);
}

/* The first frame of every coroutine, in two halves so that a start
 * routine in assembly can call the body itself (see backend.h).  What runs
 * before the body: */
void
koro__entry_begin(koro_t *k)
{
    koro__san_enter(k);
    /* Here, once, for every path that starts a coroutine. */
    k->koro_flags_ |= KORO_F_STARTED;
}

/* ... and after it: k has finished; leave its stack for good.  Out of
 * line, so that its frame (the sanitizers' records) is not held on the
 * stack for the whole life of a coroutine started by koro__entry(). */
KORO_NOINLINE KORO_NORETURN void
koro__entry_end(koro_t *k)
{
    /* Read the TLS here, after the body: it may have run on another OS
     * thread's behalf (threads backend), and the compiler must not reuse
     * an address computed before. */
    struct koro_tls *t = &koro__tls;
    koro_t *p;

    canary_check(k);
    p = k->koro_parent_;
    /* Inside the hook nothing runs a coroutine, so this is no refusal. */
    if (KORO_UNLIKELY(k->koro_state_ & KORO_ST_HOOK))
        (void)leave_hook(k, p, p);
    k->koro_state_ = KORO_ST(KORO_DEAD);
    k->koro_parent_ = NULL;
    if (p->koro_lo_) {
        koro__set_status(p, KORO_RUNNING);
        t->cur = p;
    } else {
        t->cur = NULL;
    }
    koro__san_exit(k, p);
    koro__bk_exit(k, p);
}

KORO_NORETURN void
koro__entry(koro_t *k, koro_fn fn, void *arg)
{
    koro__entry_begin(k);
    fn(arg);
    koro__entry_end(k);
}

/* ------------------------------------------------------------------ */
/* Queries and the rest. */

KORO_API koro_t *
koro_self(void)
{
    return koro__tls.cur;
}

KORO_API int
koro_status(const koro_t *k)
{
    if (!k || !koro__valid(k))
        return KORO_EINVAL;
    return KORO_ST_STATUS(k->koro_state_);
}

KORO_API int
koro_fini(koro_t *k)
{
    int st = koro_status(k);
    void (*fini)(koro_t *);

    if (st < 0)
        return st;
    if (st == KORO_RUNNING)
        return KORO_ERUNNING;
    if (st == KORO_NORMAL)
        return KORO_ENORMAL;
    fini = KORO_HOOK_GET(koro__fini_hook);
    if (fini)
        fini(k);
    if (st == KORO_SUSPENDED) {
        koro__bk_fini(k);
        koro__san_release(k, 0);
    }
    k->koro_state_ = 0;
    return 0;
}

KORO_API size_t
koro_stack_min(void)
{
    return koro__bk_stack_min() + KORO_SAN_STACK_EXTRA;
}

KORO_API const char *
koro_backend(void)
{
    return koro__bk_name;
}

KORO_API int
koro_set_name(koro_t *k, const char *name)
{
    if (koro_status(k) < 0)
        return KORO_EINVAL;
    k->koro_name_ = name;
    return 0;
}

KORO_API const char *
koro_name(const koro_t *k)
{
    return koro_status(k) < 0 ? NULL : k->koro_name_;
}

KORO_API int
koro_stack_bounds(const koro_t *k, void **lo, void **hi)
{
    if (koro_status(k) < 0 || !lo || !hi)
        return KORO_EINVAL;
    *lo = koro__usable_lo(k);
    *hi = k->koro_hi_;
    return 0;
}

/* For the calls allowed only between koro_init() and the first resume
 * (koro-int.h). */
int
koro__check_unstarted(const koro_t *k)
{
    int st = koro_status(k);

    if (st < 0)
        return KORO_EINVAL;
    if (st != KORO_SUSPENDED || (k->koro_flags_ & KORO_F_STARTED))
        return KORO_ESTARTED;
    return 0;
}

/* The watermark fills the free part of the stack with a pattern; the
 * lowest byte that no longer holds it marks the deepest point reached.
 * The initial frame the backend prepared sits at the top and is kept. */
KORO_API int
koro_watermark(koro_t *k)
{
    unsigned char *lo, *top;
    int rc = koro__check_unstarted(k);

    if (rc < 0)
        return rc;
    lo = koro__usable_lo(k);
    top = koro__bk_frame_low(k);
    if (top > lo)
        memset(lo, KORO_WATERMARK_BYTE, (size_t)(top - lo));
    k->koro_flags_ |= KORO_F_WATERMARK;
    return 0;
}

/* A wider checked zone: see koro_set_canary_size(3). */
KORO_API int
koro_set_canary_size(koro_t *k, size_t size)
{
    size_t z = (size + 15) & ~(size_t)15;
    int rc = koro__check_unstarted(k);

    if (rc < 0)
        return rc;
    if (size > KORO_ZONE_MAX)
        return KORO_EINVAL;
    if (z <= KORO_CANARY_SIZE) { /* back to the plain canary, if a zone */
        if (k->koro_flags_ & KORO_F_ZONE) {
            canary_fill(k, KORO_CANARY_SIZE, canary_value(k));
            k->koro_flags_ &= ~(KORO_F_ZONE | KORO_F_ZONE_MASK);
        }
        return 0;
    }
    if ((size_t)(k->koro_hi_ - k->koro_lo_) < z ||
        (size_t)(k->koro_hi_ - k->koro_lo_) - z < koro_stack_min() ||
        k->koro_lo_ + z > koro__bk_frame_low(k))
        return KORO_ESTACK;
    canary_fill(k, z, zone_value(k));
    /* Checked even above a guard page. */
    k->koro_flags_ = (k->koro_flags_ & ~(KORO_F_GUARDED | KORO_F_ZONE_MASK)) |
                     KORO_F_ZONE | (uint32_t)(z / 16) << KORO_F_ZONE_SHIFT;
    return 0;
}

KORO_API int
koro_share_fpenv(koro_t *k)
{
#ifdef KORO_BK_FPSHARE
    int rc = koro__check_unstarted(k);

    if (rc < 0)
        return rc;
    k->koro_state_ |= KORO_TAG_FPSHARE;
    return 0;
#else
    return koro_status(k) < 0 ? KORO_EINVAL : KORO_ENOSYS;
#endif
}

KORO_API int
koro_stack_used(const koro_t *k, size_t *used)
{
    const unsigned char *p, *end;

    if (koro_status(k) < 0 || !used)
        return KORO_EINVAL;
    if (!(k->koro_flags_ & KORO_F_WATERMARK))
        return KORO_ENOSYS;
    p = koro__usable_lo(k);
    end = k->koro_hi_;
    p = koro__san_scan(p, end, KORO_WATERMARK_BYTE);
    *used = (size_t)(end - p);
    return 0;
}

KORO_API const char *
koro_strerror(int err)
{
    static const char *const msg[] = {
        "success",
        "invalid argument or uninitialised coroutine",
        "stack smaller than koro_stack_min()",
        "coroutine has finished",
        "coroutine is the one running",
        "coroutine is an ancestor of the caller",
        "not inside a coroutine",
        "coroutine has already been started",
        "not supported by this build",
        "the operating system refused a resource",
        "deadlock: every coroutine left is blocked",
        "operation would block",
        "timed out",
        "channel is closed",
        "not inside a coroutine run by a scheduler",
        "object is busy",
        "the caller does not own the object",
        "the coroutine was cancelled",
        "the coroutine belongs to the parent process",
    };

    if (err > 0 || err < KORO_ELAST)
        return "unknown error";
    return msg[-err];
}
