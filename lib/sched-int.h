/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* sched-int.h - what the scheduler (sched.c) and the channels (chan.c)
 * share.  Nothing here allocates: every record lives in a caller's object
 * or in the stack frame of the coroutine it describes. */
#ifndef KORO_SCHED_INT_H
#define KORO_SCHED_INT_H

#include "koro-int.h"

#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define KORO_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define KORO_ALWAYS_INLINE inline
#endif

/* Scheduler bits of koro_flags_ (inside KORO_F_SCHED_MASK). */
#define KORO_SF_SPAWNED 0x00010000u  /* koro_sched_ owns it until it ends */
#define KORO_SF_QUEUED 0x00020000u   /* on the run queue (koro_next_) */
#define KORO_SF_BLOCKED 0x00040000u  /* koro_next_ is its koro__waiter */
#define KORO_SF_PARKED 0x00080000u   /* suspended inside koro__park() */
#define KORO_SF_CANCELED 0x00100000u /* koro_cancel(): blocking calls fail */
#define KORO_SF_NOCANCEL 0x00200000u /* its wait is not woken by a cancel */
#define KORO_SF_FDWAIT 0x00800000u   /* its koro__waiter is an fd wait (io.c) */
#define KORO_SF_RDWAIT 0x01000000u   /* its last koro_read would block (io.c) */

#define KORO_SCHED_MAGIC 0x4b534348u /* "KSCH" */
#define KORO_CHAN_MAGIC 0x4b43484eu  /* "KCHN" */

/* The wait record of one blocked coroutine, in its own stack frame: the
 * cases it waits on (one for a plain send or receive, n for a select, none
 * for a sleep) and its place among the timers.  A wait on anything else
 * (a mutex, condition variable or wait group in sync.c, a file descriptor)
 * has n == 0 and sets `unlink`, which takes w off what it waits on; every
 * way of ending a wait early (timer, koro_cancel(), koro_fini()) goes
 * through koro__waiter_detach(), which calls it. */
struct koro__waiter {
    koro_t *k;
    struct koro_sel *cases;
    size_t n;
    int fired; /* index of the case that completed; -1: the timer;
                  KORO__FIRED_CANCEL: koro_cancel() */
    int timed; /* on the scheduler's timer list */
    uint64_t deadline;
    struct koro__waiter *tprev, *tnext;
    void (*unlink)(struct koro__waiter *w); /* NULL for channel cases */
    /* Every blocked coroutine of a scheduler is on its koro_blocked_
     * list, so that a debugger can find it (lib/korutin-gdb.py). */
    void *bnext, **bpprev; /* void *, as koro_blocked_: bpprev points to
                              whichever of the two points to w */
};

/* w->fired of a wait that koro_cancel() ended: the blocking call returns
 * KORO_ECANCELED. */
#define KORO__FIRED_CANCEL (-2)

/* Whether the running coroutine self has been cancelled: its blocking
 * calls then return KORO_ECANCELED at once (self may be NULL). */
static KORO_ALWAYS_INLINE int
koro__canceled(const koro_t *self)
{
    return self && (self->koro_flags_ & KORO_SF_CANCELED);
}

/* The scheduler that resumed the running coroutine `self` itself, or
 * NULL: only then may self block. */
static inline koro_sched_t *
koro__sched_of(koro_t *self)
{
    koro_sched_t *s;

    if (!self)
        return NULL;
    s = (koro_sched_t *)self->koro_sched_;
    return s && s->koro_cur_ == self ? s : NULL;
}

/* Append k to its scheduler's run queue. */
static inline void
koro__runq_push(koro_sched_t *s, koro_t *k)
{
    k->koro_next_ = NULL;
    if (s->koro_tail_)
        s->koro_tail_->koro_next_ = k;
    else
        s->koro_head_ = k;
    s->koro_tail_ = k;
}

/* Take one case out of its channel's wait queue. */
static inline void
koro__sel_unlink(struct koro_sel *c)
{
    struct koro_sel **q =
        c->op == KORO_SEL_SEND ? c->chan->koro_sendq_ : c->chan->koro_recvq_;

    if (c->koro_prev_)
        c->koro_prev_->koro_next_ = c->koro_next_;
    else
        q[0] = c->koro_next_;
    if (c->koro_next_)
        c->koro_next_->koro_prev_ = c->koro_prev_;
    else
        q[1] = c->koro_prev_;
    c->koro_waiter_ = NULL;
}

/* The I/O layer's hooks (io.c), installed in a scheduler (koro_io_) by
 * its first fd wait, so that a program without fd waits links no I/O. */
struct koro__io {
    /* Take w, an fd wait, out of the poller's interest set. */
    void (*forget)(koro_sched_t *s, struct koro__waiter *w);
    /* Wait at most timeout_ns (-1: for ever, 0: poll) for fd events and
     * wake their waiters.  Returns 0 or a KORO_E* code. */
    int (*poll)(koro_sched_t *s, int64_t timeout_ns);
    /* koro_sched_run() returns: release the poller's descriptor. */
    void (*release)(koro_sched_t *s);
};

/* Unlink w from every channel, from what w->unlink knows and from the
 * timers (sched.c). */
KORO_HIDDEN void koro__waiter_detach(struct koro__waiter *w);

/* Drop k from whatever queue or wait list it is on (sched.c): the
 * core's koro_fini() hook, which koro_sched_init() installs. */
KORO_HIDDEN void koro__sched_forget(koro_t *k);

/* Insert w among s's timers by w->deadline (sched.c). */
KORO_HIDDEN void koro__timer_add(koro_sched_t *s, struct koro__waiter *w);

/* Block the running coroutine self of scheduler s on w until a channel
 * operation or its timer fires it (w->fired is set then; the caller sets
 * it beforehand if it needs to read it).
 *
 * The next coroutine to run is the head of the run queue, whoever picks
 * it.  If it is parked too (suspended right here), self hands the
 * processor straight to it (koro__transfer) and the scheduler's loop is
 * not involved: one switch instead of two.  Otherwise (the queue is empty,
 * or the head is new or yielded) self goes back to the loop, which
 * resumes it.  Only parked coroutines are switched to directly, so that
 * every switch a coroutine returns from knows it may come from a sibling
 * (the sanitizer hooks care).  Whoever takes a coroutine off the run
 * queue clears its KORO_SF_PARKED, so nothing is left to do here once
 * self runs again: the caller only reads its own frame, needs no saved
 * registers, and returns at once.
 *
 * Inline, so that no extra call layer lies between the blocking call and
 * the switch: each one costs a mispredicted return when the coroutine
 * runs again. */
static KORO_ALWAYS_INLINE void
koro__park_now(koro_sched_t *s, koro_t *self, struct koro__waiter *w)
{
    koro_t *n;

    w->k = self;
    if (w->timed)
        koro__timer_add(s, w);
    w->bpprev = &s->koro_blocked_;
    if ((w->bnext = s->koro_blocked_) != NULL)
        ((struct koro__waiter *)w->bnext)->bpprev = &w->bnext;
    s->koro_blocked_ = w;
    self->koro_flags_ |= KORO_SF_BLOCKED | KORO_SF_PARKED;
    self->koro_next_ = (koro_t *)(void *)w;
    n = s->koro_head_;
    if (n && (n->koro_flags_ & KORO_SF_PARKED)) {
        if (!(s->koro_head_ = n->koro_next_))
            s->koro_tail_ = NULL;
        n->koro_flags_ &= ~KORO_SF_PARKED;
        s->koro_cur_ = n;
        koro__transfer(self, n);
    } else {
        /* The loop sees KORO_SF_BLOCKED and leaves self off the queue
         * until koro__wake() puts it back. */
        koro__transfer(self, self->koro_parent_);
    }
}

/* The loop's "now and then" check is due: fire the timers that are, wake
 * the fd waits that are ready (without waiting), then koro__park_now()
 * (sched.c).  Here too, because coroutines handing the processor to each
 * other directly never pass through the loop.  Out of line, so that the
 * common path keeps no values across a call. */
KORO_HIDDEN void koro__park_ticked(koro_sched_t *s, koro_t *self,
                                   struct koro__waiter *w);

static KORO_ALWAYS_INLINE void
koro__park(koro_sched_t *s, koro_t *self, struct koro__waiter *w)
{
    if (KORO_UNLIKELY(s->koro_timers_ != NULL || s->koro_nfd_ != 0) &&
        !(++s->koro_ticks_ & 63))
        koro__park_ticked(s, self, w);
    else
        koro__park_now(s, self, w);
}

/* The running coroutine: koro_self() without the call (same TLS). */
static inline koro_t *
koro__self(void)
{
    return koro__tls.cur;
}

/* Take w off its scheduler's list of blocked coroutines. */
static inline void
koro__blocked_del(struct koro__waiter *w)
{
    *w->bpprev = w->bnext;
    if (w->bnext)
        ((struct koro__waiter *)w->bnext)->bpprev = w->bpprev;
}

/* w's coroutine, already out of every queue, is done (fired = index of
 * the case, or -1 for its timer): make it runnable again. */
static inline void
koro__ready(struct koro__waiter *w, int fired)
{
    koro_t *k = w->k;
    koro_sched_t *s = (koro_sched_t *)k->koro_sched_;

    w->fired = fired;
    k->koro_flags_ &= ~KORO_SF_BLOCKED;
    koro__blocked_del(w);
    koro__runq_push(s, k);
}

/* w is done (fired = index, or -1 for its timer): detach it and make its
 * coroutine runnable again. */
static inline void
koro__wake(struct koro__waiter *w, int fired)
{
    if (w->n == 1 && !w->timed)
        koro__sel_unlink(w->cases); /* the common case, inline */
    else
        koro__waiter_detach(w);
    koro__ready(w, fired);
}

/* A cheap generator for koro_select's random choice: xorshift64*,
 * plenty for choosing among select cases.  Inline: a select with several
 * ready cases draws one number per case after the first. */
static inline uint32_t
koro__rand(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

/* CLOCK_MONOTONIC in nanoseconds: the only clock the scheduler reads. */
KORO_HIDDEN uint64_t koro__now(void);

#endif /* KORO_SCHED_INT_H */
