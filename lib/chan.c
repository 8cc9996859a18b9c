/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* chan.c - Go-like channels and select over the scheduler.
 *
 * A channel is a ring buffer the caller provides plus two FIFO queues of
 * blocked operations (struct koro_sel records in the blocked coroutines'
 * own stack frames).  Invariants: receivers wait only while the buffer is
 * empty, senders only while it is full, never both at once except for the
 * cases of one select that waits on both sides (they cannot match each
 * other because that coroutine is blocked).  A send to a waiting receiver
 * copies the element straight into the receiver's destination and makes
 * it runnable: no buffering and no second copy. */
#include "sched-int.h"

/* 8 bytes of the library's small static TLS (koro-int.h). */
static KORO_TLS uint64_t rng_outside KORO_TLS_MODEL;

static inline int
chan_ok(const koro_chan_t *c)
{
    return c && c->koro_magic_ == KORO_CHAN_MAGIC;
}

static KORO_ALWAYS_INLINE void
copy_elem(void *dst, const void *src, size_t n)
{
    if (!dst)
        return; /* a receiver that discards the element */
    /* Common fixed sizes become plain moves instead of a call to memcpy,
     * the likeliest tested first. */
    if (n == 8)
        memcpy(dst, src, 8);
    else if (n == 4)
        memcpy(dst, src, 4);
    else if (n == 16)
        memcpy(dst, src, 16);
    else if (n)
        memcpy(dst, src, n);
}

/* The last step of every fast path: copy the element, return 0.  Pointer
 * and int sizes are a move in place; any other size goes through a jump
 * (tail call) to copy_rest, so that the fast paths call nothing and need
 * no stack frame of their own. */
static KORO_NOINLINE int
copy_rest(void *dst, const void *src, size_t n)
{
    copy_elem(dst, src, n);
    return 0;
}

static KORO_ALWAYS_INLINE int
copy_last(void *dst, const void *src, size_t n)
{
    if (KORO_LIKELY(n == 8) && dst) {
        memcpy(dst, src, 8);
        return 0;
    }
    if (n == 4 && dst) {
        memcpy(dst, src, 4);
        return 0;
    }
    return copy_rest(dst, src, n);
}

static inline unsigned char *
slot(const koro_chan_t *c, size_t i)
{
    i += c->koro_head_;
    if (i >= c->koro_cap_)
        i -= c->koro_cap_;
    return c->koro_buf_ + i * c->koro_esize_;
}

/* Index of a case inside its waiter's array. */
static inline int
case_index(const struct koro_sel *c)
{
    const struct koro__waiter *w = (const struct koro__waiter *)c->koro_waiter_;

    return w->n == 1 ? 0 : (int)(c - w->cases); /* no division for 1 */
}

static inline void
enqueue(struct koro_sel **q, struct koro_sel *c, struct koro__waiter *w)
{
    c->koro_waiter_ = w;
    c->koro_next_ = NULL;
    c->koro_prev_ = q[1];
    if (q[1])
        q[1]->koro_next_ = c;
    else
        q[0] = c;
    q[1] = c;
}

/* ------------------------------------------------------------------ */
/* Completing a waiting partner.  x is the first case of queue q (a
 * blocked sender's or receiver's); the element goes from src to dst, one
 * of which is x's.  x's coroutine becomes runnable. */

static KORO_NOINLINE int
complete_slow(struct koro_sel *x, void *dst, const void *src, size_t n)
{
    x->result = 0;
    koro__wake((struct koro__waiter *)x->koro_waiter_, case_index(x));
    copy_elem(dst, src, n);
    return 0;
}

static KORO_ALWAYS_INLINE int
complete_first(struct koro_sel **q, struct koro_sel *x, void *dst,
               const void *src, size_t n)
{
    struct koro__waiter *w = (struct koro__waiter *)x->koro_waiter_;
    struct koro_sel *next;

    /* A select (its other cases to unlink) or a timer to cancel. */
    if (KORO_UNLIKELY(w->n != 1 || w->timed))
        return complete_slow(x, dst, src, n);
    /* A plain send or receive: just the head of q.  The element is
     * copied last (copy_last); nothing runs before the partner does. */
    x->result = 0;
    next = x->koro_next_;
    q[0] = next;
    if (next)
        next->koro_prev_ = NULL;
    else
        q[1] = NULL;
    koro__ready(w, 0);
    return copy_last(dst, src, n);
}

/* A receive from a full buffer with a blocked sender: the sender's
 * element takes the freed place, in order. */
static KORO_NOINLINE int
recv_refill(koro_chan_t *c, void *elem, struct koro_sel *sd)
{
    copy_elem(elem, slot(c, 0), c->koro_esize_);
    if (++c->koro_head_ == c->koro_cap_)
        c->koro_head_ = 0;
    return complete_first(c->koro_sendq_, sd, slot(c, c->koro_count_ - 1),
                          sd->elem, c->koro_esize_);
}

/* ------------------------------------------------------------------ */
/* The non-blocking halves.  Whether an operation can complete now is
 * decided first (send_ready, recv_ready); then send_now or recv_now does
 * it and returns 0 or KORO_ECLOSED, or KORO_EAGAIN if it was not ready.
 * Deciding first lets the blocking calls reach both the completion and
 * the blocking path by a jump. */

static KORO_ALWAYS_INLINE int
send_ready(const koro_chan_t *c)
{
    return c->koro_closed_ || c->koro_recvq_[0] ||
           c->koro_count_ < c->koro_cap_;
}

static KORO_ALWAYS_INLINE int
recv_ready(const koro_chan_t *c)
{
    return c->koro_count_ || c->koro_sendq_[0] || c->koro_closed_;
}

static KORO_ALWAYS_INLINE int
send_now(koro_chan_t *c, const void *elem)
{
    struct koro_sel *r = c->koro_recvq_[0];
    unsigned char *dst;

    if (KORO_UNLIKELY(c->koro_closed_))
        return KORO_ECLOSED;
    if (r) /* hand-off: straight into the waiting receiver */
        return complete_first(c->koro_recvq_, r, r->elem, elem, c->koro_esize_);
    if (c->koro_count_ < c->koro_cap_) {
        dst = slot(c, c->koro_count_);
        c->koro_count_++;
        return copy_last(dst, elem, c->koro_esize_);
    }
    return KORO_EAGAIN;
}

static KORO_ALWAYS_INLINE int
recv_now(koro_chan_t *c, void *elem)
{
    struct koro_sel *sd = c->koro_sendq_[0];
    unsigned char *src;

    if (c->koro_count_) {
        if (KORO_UNLIKELY(sd != NULL))
            return recv_refill(c, elem, sd);
        src = slot(c, 0);
        if (++c->koro_head_ == c->koro_cap_)
            c->koro_head_ = 0;
        c->koro_count_--;
        return copy_last(elem, src, c->koro_esize_);
    }
    if (sd)
        return complete_first(c->koro_sendq_, sd, elem, sd->elem,
                              c->koro_esize_);
    return c->koro_closed_ ? KORO_ECLOSED : KORO_EAGAIN;
}

/* ------------------------------------------------------------------ */
/* Blocking: one operation with an optional timeout. */

/* Wait in queue q with the case (c, op, elem) until a partner, close or
 * the timer completes it.  The result starts as KORO_ETIMEDOUT, which only
 * the timer leaves in place. */
static KORO_ALWAYS_INLINE int
block(koro_chan_t *c, struct koro_sel **q, int op, void *elem, int timed,
      uint64_t ns)
{
    koro_t *self = koro__self();
    koro_sched_t *s = koro__sched_of(self);
    struct koro__waiter w;
    struct koro_sel sel;

    if (!s)
        return KORO_ENOSCHED;
    sel.chan = c;
    sel.op = op;
    sel.elem = elem;
    sel.result = KORO_ETIMEDOUT;
    w.cases = &sel;
    w.n = 1;
    w.timed = timed;
    w.unlink = NULL;
    if (timed) {
        uint64_t now = koro__now();

        w.deadline = now + ns < now ? UINT64_MAX : now + ns;
    }
    enqueue(q, &sel, &w);
    koro__park(s, self, &w);
    return KORO_UNLIKELY(w.fired == KORO__FIRED_CANCEL) ? KORO_ECANCELED
                                                        : sel.result;
}

/* Not inlined, but always reached by a tail call (a jump): the fast paths
 * stay free of the frame these need, and a blocked coroutine still has
 * just one call layer between its caller and the switch.  The untimed
 * ones are separate so that they carry no timer code. */
static KORO_NOINLINE int
block_send(koro_chan_t *c, const void *elem)
{
    return block(c, c->koro_sendq_, KORO_SEL_SEND, (void *)(uintptr_t)elem, 0,
                 0);
}

static KORO_NOINLINE int
block_recv(koro_chan_t *c, void *elem)
{
    return block(c, c->koro_recvq_, KORO_SEL_RECV, elem, 0, 0);
}

static KORO_NOINLINE int
block_timed(koro_chan_t *c, int op, void *elem, uint64_t ns)
{
    return block(c, op == KORO_SEL_SEND ? c->koro_sendq_ : c->koro_recvq_, op,
                 elem, 1, ns);
}

static KORO_ALWAYS_INLINE int
send_common(koro_chan_t *c, const void *elem, int timed, uint64_t ns)
{
    if (KORO_UNLIKELY(!chan_ok(c) || (!elem && c->koro_esize_)))
        return KORO_EINVAL;
    /* A cancelled coroutine's blocking calls fail at once (koro_cancel). */
    if (KORO_UNLIKELY(koro__canceled(koro__self())) && (!timed || ns))
        return KORO_ECANCELED;
    if (send_ready(c))
        return send_now(c, elem);
    if (!timed)
        return block_send(c, elem);
    if (ns == 0)
        return KORO_ETIMEDOUT;
    return block_timed(c, KORO_SEL_SEND, (void *)(uintptr_t)elem, ns);
}

static KORO_ALWAYS_INLINE int
recv_common(koro_chan_t *c, void *elem, int timed, uint64_t ns)
{
    if (KORO_UNLIKELY(!chan_ok(c)))
        return KORO_EINVAL;
    /* A cancelled coroutine's blocking calls fail at once (koro_cancel). */
    if (KORO_UNLIKELY(koro__canceled(koro__self())) && (!timed || ns))
        return KORO_ECANCELED;
    if (recv_ready(c))
        return recv_now(c, elem);
    if (!timed)
        return block_recv(c, elem);
    if (ns == 0)
        return KORO_ETIMEDOUT;
    return block_timed(c, KORO_SEL_RECV, elem, ns);
}

/* ------------------------------------------------------------------ */
/* The public channel API. */

KORO_API int
koro_chan_init(koro_chan_t *c, void *buf, size_t elem_size, size_t capacity)
{
    if (!c)
        return KORO_EINVAL;
    if (elem_size && capacity > (size_t)-1 / elem_size)
        return KORO_EINVAL;
    if (!buf && elem_size && capacity)
        return KORO_EINVAL;
    /* Refuse one that blocked coroutines' wait records are linked into. */
    koro__reading_garbage(c, sizeof *c);
    if (c->koro_magic_ == KORO_CHAN_MAGIC &&
        (c->koro_sendq_[0] || c->koro_recvq_[0]))
        return KORO_EBUSY;
    memset(c, 0, sizeof *c);
    c->koro_buf_ = (unsigned char *)buf;
    c->koro_esize_ = elem_size;
    c->koro_cap_ = capacity;
    c->koro_magic_ = KORO_CHAN_MAGIC;
    return 0;
}

KORO_API int
koro_chan_send(koro_chan_t *c, const void *elem)
{
    return send_common(c, elem, 0, 0);
}

KORO_API int
koro_chan_recv(koro_chan_t *c, void *elem)
{
    return recv_common(c, elem, 0, 0);
}

KORO_API int
koro_chan_send_timeout(koro_chan_t *c, const void *elem, uint64_t ns)
{
    return send_common(c, elem, 1, ns);
}

KORO_API int
koro_chan_recv_timeout(koro_chan_t *c, void *elem, uint64_t ns)
{
    return recv_common(c, elem, 1, ns);
}

KORO_API int
koro_chan_try_send(koro_chan_t *c, const void *elem)
{
    if (!chan_ok(c) || (!elem && c->koro_esize_))
        return KORO_EINVAL;
    return send_now(c, elem);
}

KORO_API int
koro_chan_try_recv(koro_chan_t *c, void *elem)
{
    if (!chan_ok(c))
        return KORO_EINVAL;
    return recv_now(c, elem);
}

KORO_API int
koro_chan_close(koro_chan_t *c)
{
    struct koro_sel *x;

    if (!chan_ok(c))
        return KORO_EINVAL;
    if (c->koro_closed_)
        return KORO_ECLOSED;
    c->koro_closed_ = 1;
    /* Waking unlinks the case (and the rest of its select) from the
     * queue, so always take the first one. */
    while ((x = c->koro_recvq_[0]) != NULL) {
        x->result = KORO_ECLOSED;
        koro__wake((struct koro__waiter *)x->koro_waiter_, case_index(x));
    }
    while ((x = c->koro_sendq_[0]) != NULL) {
        x->result = KORO_ECLOSED;
        koro__wake((struct koro__waiter *)x->koro_waiter_, case_index(x));
    }
    return 0;
}

KORO_API long
koro_chan_len(const koro_chan_t *c)
{
    if (!chan_ok(c))
        return KORO_EINVAL;
    return (long)c->koro_count_;
}

/* ------------------------------------------------------------------ */
/* Select. */

static int
case_ready(const struct koro_sel *x)
{
    const koro_chan_t *c = x->chan;

    if (!c)
        return 0;
    return x->op == KORO_SEL_SEND ? send_ready(c) : recv_ready(c);
}

static int
cases_valid(const struct koro_sel *cases, size_t n)
{
    size_t i;

    if (!cases && n)
        return 0;
    if (n > (size_t)0x7fffffff)
        return 0;
    for (i = 0; i < n; i++) {
        const struct koro_sel *x = &cases[i];

        if (x->op != KORO_SEL_SEND && x->op != KORO_SEL_RECV)
            return 0;
        if (x->chan && !chan_ok(x->chan))
            return 0;
        if (x->chan && x->op == KORO_SEL_SEND && !x->elem &&
            x->chan->koro_esize_)
            return 0;
    }
    return 1;
}

static uint32_t
next_rand(koro_sched_t *s)
{
    if (s)
        return koro__rand(&s->koro_rng_);
    /* Outside a scheduler (polling from main): a per-thread state, seeded
     * from its own address, which differs from thread to thread. */
    if (!rng_outside)
        rng_outside =
            ((uint64_t)(uintptr_t)&rng_outside * 0x9e3779b97f4a7c15ull) | 1u;
    return koro__rand(&rng_outside);
}

KORO_API int
koro_select(struct koro_sel *cases, size_t n, int64_t timeout_ns)
{
    koro_t *self = koro__self();
    koro_sched_t *s = koro__sched_of(self);
    struct koro__waiter w;
    size_t i, nready = 0, pick = 0;

    if (!cases_valid(cases, n) || timeout_ns < -1)
        return KORO_EINVAL;
    if (KORO_UNLIKELY(koro__canceled(self)) && timeout_ns != 0)
        return KORO_ECANCELED;
    /* Reservoir choice: each ready case wins with the same chance. */
    for (i = 0; i < n; i++)
        if (case_ready(&cases[i]) &&
            (++nready == 1 || next_rand(s) % nready == 0))
            pick = i; /* the first ready case needs no random number */
    if (nready) {
        struct koro_sel *x = &cases[pick];

        x->result = x->op == KORO_SEL_SEND ? send_now(x->chan, x->elem)
                                           : recv_now(x->chan, x->elem);
        return (int)pick;
    }
    if (timeout_ns == 0)
        return KORO_EAGAIN;
    if (!s)
        return KORO_ENOSCHED;
    w.cases = cases;
    w.n = n;
    w.fired = -1;
    w.timed = timeout_ns > 0;
    w.unlink = NULL;
    if (w.timed) {
        uint64_t now = koro__now();

        w.deadline = now + (uint64_t)timeout_ns;
    }
    for (i = 0; i < n; i++) {
        struct koro_sel *x = &cases[i];

        x->koro_waiter_ = NULL;
        if (x->chan)
            enqueue(x->op == KORO_SEL_SEND ? x->chan->koro_sendq_
                                           : x->chan->koro_recvq_,
                    x, &w);
    }
    koro__park(s, self, &w);
    if (KORO_UNLIKELY(w.fired == KORO__FIRED_CANCEL))
        return KORO_ECANCELED;
    return w.fired < 0 ? KORO_ETIMEDOUT : w.fired;
}
