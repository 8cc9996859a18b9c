/* sync.c - mutexes, condition variables, wait groups and cancellation
 * over the scheduler.
 *
 * Each object keeps a FIFO queue of the coroutines blocked on it.  A queue
 * entry is a struct sync_wait in the blocked coroutine's own stack frame;
 * it starts with the scheduler's wait record, whose `unlink` takes it off
 * the queue when the wait ends early (timer, koro_cancel, koro_fini).
 * Nothing is allocated.
 *
 * Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
#include "sched-int.h"

#include <limits.h>

#define KORO_MUTEX_MAGIC 0x4b4d5458u /* "KMTX" */
#define KORO_COND_MAGIC 0x4b434e44u  /* "KCND" */
#define KORO_WG_MAGIC 0x4b574752u    /* "KWGR" */

struct sync_wait {
    struct koro__waiter w; /* first: `unlink` gets a pointer to it */
    struct sync_wait *prev, *next;
    void **q; /* the object's queue (first, last), or NULL */
};

/* The queues are the objects' void *[2]: read and written as void *
 * only, the values converted. */
static void
q_push(void **q, struct sync_wait *sw)
{
    sw->q = q;
    sw->next = NULL;
    sw->prev = (struct sync_wait *)q[1];
    if (sw->prev)
        sw->prev->next = sw;
    else
        q[0] = sw;
    q[1] = sw;
}

static void
sync_unlink(struct koro__waiter *w)
{
    struct sync_wait *sw = (struct sync_wait *)(void *)w;
    void **q = sw->q;

    if (!q)
        return;
    if (sw->prev)
        sw->prev->next = sw->next;
    else
        q[0] = sw->next;
    if (sw->next)
        sw->next->prev = sw->prev;
    else
        q[1] = sw->prev;
    sw->q = NULL;
}

static inline struct sync_wait *
q_first(void *const *qv)
{
    return (struct sync_wait *)qv[0];
}

static void mutex_release(koro_mutex_t *m);

/* Block self (run by s) in queue q, with a timeout if timed, after
 * unlocking m (if not NULL) once queued.  Returns the wait record's
 * `fired`: 0 woken by the object, -1 the timer, KORO__FIRED_CANCEL
 * koro_cancel(). */
static KORO_ALWAYS_INLINE int
wait_in(void **q, koro_mutex_t *m, koro_sched_t *s, koro_t *self, int timed,
        uint64_t ns)
{
    struct sync_wait sw;

    sw.w.cases = NULL;
    sw.w.n = 0;
    sw.w.timed = timed;
    sw.w.unlink = sync_unlink;
    if (timed) {
        uint64_t now = koro__now();

        sw.w.deadline = now + ns < now ? UINT64_MAX : now + ns;
    }
    q_push(q, &sw);
    if (m)
        mutex_release(m);
    koro__park(s, self, &sw.w);
    return sw.w.fired;
}

static inline int
fired_rc(int fired)
{
    if (fired == KORO__FIRED_CANCEL)
        return KORO_ECANCELED;
    return fired < 0 ? KORO_ETIMEDOUT : 0;
}

/* Who holds a mutex taken by the running code: the coroutine, or the
 * thread's own context outside any. */
static inline koro_t *
holder(koro_t *self)
{
    return self ? self : &koro__tls.root;
}

/* ------------------------------------------------------------------ */
/* Mutex. */

static inline int
mutex_ok(const koro_mutex_t *m)
{
    return m && m->koro_magic_ == KORO_MUTEX_MAGIC;
}

KORO_API int
koro_mutex_init(koro_mutex_t *m)
{
    if (!m)
        return KORO_EINVAL;
    memset(m, 0, sizeof *m);
    m->koro_magic_ = KORO_MUTEX_MAGIC;
    return 0;
}

KORO_API int
koro_mutex_trylock(koro_mutex_t *m)
{
    if (!mutex_ok(m))
        return KORO_EINVAL;
    if (m->koro_owner_)
        return KORO_EAGAIN;
    m->koro_owner_ = holder(koro__self());
    return 0;
}

/* Wait in m's queue until an unlock hands m to self: 0, or
 * KORO_ECANCELED (m is not self's then).  Reached by a tail call, so
 * that one call layer lies between the caller and the switch. */
static KORO_NOINLINE int
mutex_wait(koro_mutex_t *m, koro_sched_t *s, koro_t *self)
{
    return fired_rc(wait_in(m->koro_waitq_, NULL, s, self, 0, 0));
}

/* koro_mutex_lock() of a valid m held by someone, by a running
 * coroutine self that is not cancelled: wait in m's queue, inline, so
 * that one call layer lies between the caller and the switch. */
static KORO_NOINLINE int
mutex_lock_held(koro_mutex_t *m, koro_t *self)
{
    koro_sched_t *s;

    if (m->koro_owner_ == self)
        return KORO_EDEADLK;
    /* koro__sched_of(), self known not NULL. */
    s = (koro_sched_t *)self->koro_sched_;
    if (!s || s->koro_cur_ != self)
        return KORO_ENOSCHED;
    /* No timer: woken by an unlock (0) or koro_cancel(). */
    return wait_in(m->koro_waitq_, NULL, s, self, 0, 0) ? KORO_ECANCELED : 0;
}

/* koro_mutex_lock() by the thread's own context, by a cancelled
 * coroutine, or of an invalid m. */
static KORO_NOINLINE int
mutex_lock_slow(koro_mutex_t *m, koro_t *self)
{
    if (!mutex_ok(m))
        return KORO_EINVAL;
    if (self)
        return KORO_ECANCELED;
    if (!m->koro_owner_) {
        m->koro_owner_ = &koro__tls.root;
        return 0;
    }
    /* Outside any coroutine: cannot wait. */
    return m->koro_owner_ == &koro__tls.root ? KORO_EDEADLK : KORO_ENOSCHED;
}

/* The fast path takes a free m for a running coroutine that is not
 * cancelled, with no call: one load each of the TLS, m's magic, self's
 * flags and m's owner. */
KORO_API int
koro_mutex_lock(koro_mutex_t *m)
{
    koro_t *self = koro__self();

    if (KORO_UNLIKELY(!mutex_ok(m) || !self ||
                      (self->koro_flags_ & KORO_SF_CANCELED)))
        return mutex_lock_slow(m, self);
    if (KORO_UNLIKELY(m->koro_owner_ != NULL))
        return mutex_lock_held(m, self);
    m->koro_owner_ = self;
    return 0;
}

/* Hand m to its first waiter: no barging, a later locker finds it held
 * and queues behind.  Out of line, so that the unlock of an uncontended
 * mutex needs no stack frame. */
static KORO_NOINLINE int
mutex_handoff(koro_mutex_t *m)
{
    void **q = m->koro_waitq_;
    struct sync_wait *sw = (struct sync_wait *)q[0];

    /* A lock wait has no timer: take it off the head of the queue here
     * instead of through koro__wake() and the unlink hook. */
    if ((q[0] = sw->next) != NULL)
        sw->next->prev = NULL;
    else
        q[1] = NULL;
    sw->q = NULL;
    m->koro_owner_ = sw->w.k;
    koro__ready(&sw->w, 0);
    return 0;
}

/* Unlock m, known to be held by the caller. */
static void
mutex_release(koro_mutex_t *m)
{
    if (m->koro_waitq_[0])
        mutex_handoff(m);
    else
        m->koro_owner_ = NULL;
}

/* koro_mutex_unlock() where m is invalid or not held by a running
 * coroutine self: held by the thread's own context, or not the caller's. */
static KORO_NOINLINE int
mutex_unlock_slow(koro_mutex_t *m, koro_t *self)
{
    if (!mutex_ok(m))
        return KORO_EINVAL;
    if (self || !m->koro_owner_ || m->koro_owner_ != &koro__tls.root)
        return KORO_EPERM;
    mutex_release(m);
    return 0;
}

KORO_API int
koro_mutex_unlock(koro_mutex_t *m)
{
    koro_t *self = koro__self();

    /* A coroutine's holder is itself, never NULL. */
    if (KORO_UNLIKELY(!mutex_ok(m) || m->koro_owner_ != self || !self))
        return mutex_unlock_slow(m, self);
    if (KORO_UNLIKELY(m->koro_waitq_[0] != NULL))
        return mutex_handoff(m);
    m->koro_owner_ = NULL;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Condition variable. */

static inline int
cond_ok(const koro_cond_t *c)
{
    return c && c->koro_magic_ == KORO_COND_MAGIC;
}

KORO_API int
koro_cond_init(koro_cond_t *c)
{
    if (!c)
        return KORO_EINVAL;
    memset(c, 0, sizeof *c);
    c->koro_magic_ = KORO_COND_MAGIC;
    return 0;
}

static int
cond_wait(koro_cond_t *c, koro_mutex_t *m, int timed, uint64_t ns)
{
    koro_t *self;
    koro_sched_t *s;
    int rc;

    if (!cond_ok(c) || !mutex_ok(m))
        return KORO_EINVAL;
    self = koro__self();
    if (m->koro_owner_ != holder(self))
        return KORO_EPERM;
    if (KORO_UNLIKELY(koro__canceled(self)))
        return KORO_ECANCELED;
    if (timed && ns == 0)
        return KORO_ETIMEDOUT;
    if (!(s = koro__sched_of(self)))
        return KORO_ENOSCHED;
    /* Queued on c before m is released: a signal sent by whoever takes m
     * next finds self. */
    rc = fired_rc(wait_in(c->koro_waitq_, m, s, self, timed, ns));
    /* Lock m again, whatever ended the wait.  Not cancellable, so that m
     * is held on every return: koro_cancel() leaves this wait alone. */
    if (!m->koro_owner_) {
        m->koro_owner_ = self;
    } else {
        self->koro_flags_ |= KORO_SF_NOCANCEL;
        mutex_wait(m, s, self);
        self->koro_flags_ &= ~KORO_SF_NOCANCEL;
    }
    return rc;
}

KORO_API int
koro_cond_wait(koro_cond_t *c, koro_mutex_t *m)
{
    return cond_wait(c, m, 0, 0);
}

KORO_API int
koro_cond_wait_timeout(koro_cond_t *c, koro_mutex_t *m, uint64_t ns)
{
    return cond_wait(c, m, 1, ns);
}

KORO_API int
koro_cond_signal(koro_cond_t *c)
{
    struct sync_wait *sw;

    if (!cond_ok(c))
        return KORO_EINVAL;
    if ((sw = q_first(c->koro_waitq_)) != NULL)
        koro__wake(&sw->w, 0);
    return 0;
}

KORO_API int
koro_cond_broadcast(koro_cond_t *c)
{
    struct sync_wait *sw;

    if (!cond_ok(c))
        return KORO_EINVAL;
    while ((sw = q_first(c->koro_waitq_)) != NULL)
        koro__wake(&sw->w, 0);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Wait group. */

static inline int
wg_ok(const koro_wg_t *wg)
{
    return wg && wg->koro_magic_ == KORO_WG_MAGIC;
}

KORO_API int
koro_wg_init(koro_wg_t *wg)
{
    if (!wg)
        return KORO_EINVAL;
    memset(wg, 0, sizeof *wg);
    wg->koro_magic_ = KORO_WG_MAGIC;
    return 0;
}

KORO_API int
koro_wg_add(koro_wg_t *wg, long n)
{
    struct sync_wait *sw;

    if (!wg_ok(wg))
        return KORO_EINVAL;
    /* count >= 0, so count + n cannot overflow for n < 0. */
    if (n < 0 ? wg->koro_count_ + n < 0 : wg->koro_count_ > LONG_MAX - n)
        return KORO_EINVAL;
    wg->koro_count_ += n;
    if (wg->koro_count_ == 0)
        while ((sw = q_first(wg->koro_waitq_)) != NULL)
            koro__wake(&sw->w, 0);
    return 0;
}

KORO_API int
koro_wg_done(koro_wg_t *wg)
{
    return koro_wg_add(wg, -1);
}

static int
wg_wait(koro_wg_t *wg, int timed, uint64_t ns)
{
    koro_t *self;
    koro_sched_t *s;

    if (!wg_ok(wg))
        return KORO_EINVAL;
    self = koro__self();
    if (KORO_UNLIKELY(koro__canceled(self)) && (!timed || ns))
        return KORO_ECANCELED;
    if (wg->koro_count_ == 0)
        return 0;
    if (timed && ns == 0)
        return KORO_ETIMEDOUT;
    if (!(s = koro__sched_of(self)))
        return KORO_ENOSCHED;
    return fired_rc(wait_in(wg->koro_waitq_, NULL, s, self, timed, ns));
}

KORO_API int
koro_wg_wait(koro_wg_t *wg)
{
    return wg_wait(wg, 0, 0);
}

KORO_API int
koro_wg_wait_timeout(koro_wg_t *wg, uint64_t ns)
{
    return wg_wait(wg, 1, ns);
}

/* ------------------------------------------------------------------ */
/* Cancellation.  The flag lives in k's scheduler bits; every blocking
 * call looks at it on entry (koro__canceled).  A blocked k is woken
 * through the generic path every wait shares: koro__waiter_detach() takes
 * its record off whatever it waits on (channel cases, w->unlink, timer),
 * and `fired` tells the blocking call it was cancelled. */

KORO_API int
koro_cancel(koro_t *k)
{
    int st = koro_status(k);
    uint32_t f;

    if (st < 0)
        return KORO_EINVAL;
    if (st == KORO_DEAD)
        return KORO_EDEAD;
    f = k->koro_flags_;
    if (f & KORO_SF_CANCELED)
        return 0;
    k->koro_flags_ = f | KORO_SF_CANCELED;
    if ((f & (KORO_SF_BLOCKED | KORO_SF_NOCANCEL)) == KORO_SF_BLOCKED) {
        struct koro__waiter *w = (struct koro__waiter *)(void *)k->koro_next_;

        koro__waiter_detach(w);
        koro__ready(w, KORO__FIRED_CANCEL);
    }
    return 0;
}
