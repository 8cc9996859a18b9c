/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* sched.c - a FIFO scheduler over the core API, with timers.
 *
 * The run queue is intrusive (koro_t.koro_next_); a blocked coroutine is
 * off the queue and its koro_next_ points to its wait record, which lives
 * in its own stack frame.  Timers are a list of those wait records sorted
 * by deadline.  Nothing is allocated.
 *
 * The loop below resumes the head of the run queue.  A coroutine that
 * blocks while the head is itself blocked-and-woken ("parked") switches
 * to it directly instead (koro__park in sched-int.h), so the loop sees
 * only the coroutine that finally comes back to it: s->koro_cur_. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include "sched-int.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <errno.h>
#include <time.h>
#endif

/* ------------------------------------------------------------------ */
/* The clock.  Everything the scheduler knows about time goes through
 * koro__now() and sleep_until(). */

#if defined(_WIN32)
uint64_t
koro__now(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER t;

    if (!freq.QuadPart)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&t);
    return (uint64_t)((double)t.QuadPart * 1e9 / (double)freq.QuadPart);
}

static void
sleep_until(uint64_t deadline)
{
    uint64_t now = koro__now();

    if (deadline > now)
        Sleep((DWORD)((deadline - now + 999999) / 1000000));
}
#else
uint64_t
koro__now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
sleep_until(uint64_t deadline)
{
    struct timespec ts;
#if defined(TIMER_ABSTIME) && !defined(__APPLE__) && !defined(__EMSCRIPTEN__)
    /* Absolute: a signal cannot make us sleep longer than asked.  Not on
     * Emscripten, whose clock_nanosleep() ignores the clock and the flags
     * and sleeps for `ts` as a duration: under node CLOCK_MONOTONIC counts
     * from boot, so an absolute deadline slept for hours. */
    ts.tv_sec = (time_t)(deadline / 1000000000u);
    ts.tv_nsec = (long)(deadline % 1000000000u);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
#else
    uint64_t now = koro__now();

    if (deadline <= now)
        return;
    ts.tv_sec = (time_t)((deadline - now) / 1000000000u);
    ts.tv_nsec = (long)((deadline - now) % 1000000000u);
    nanosleep(&ts, NULL); /* woken early: the caller looks again */
#endif
}
#endif

/* ------------------------------------------------------------------ */
/* Timers: waiters sorted by deadline, earliest first.  Most timeouts in a
 * program have similar lengths, so the insertion searches from the end. */

void
koro__timer_add(koro_sched_t *s, struct koro__waiter *w)
{
    struct koro__waiter *p = (struct koro__waiter *)s->koro_timers_end_;

    while (p && p->deadline > w->deadline)
        p = p->tprev;
    w->tprev = p;
    if (p) {
        w->tnext = p->tnext;
        p->tnext = w;
    } else {
        w->tnext = (struct koro__waiter *)s->koro_timers_;
        s->koro_timers_ = w;
    }
    if (w->tnext)
        w->tnext->tprev = w;
    else
        s->koro_timers_end_ = w;
    w->timed = 1;
}

static void
timer_del(koro_sched_t *s, struct koro__waiter *w)
{
    if (w->tprev)
        w->tprev->tnext = w->tnext;
    else
        s->koro_timers_ = w->tnext;
    if (w->tnext)
        w->tnext->tprev = w->tprev;
    else
        s->koro_timers_end_ = w->tprev;
    w->timed = 0;
}

/* Wake every waiter whose deadline has passed. */
static void
timers_fire(koro_sched_t *s, uint64_t now)
{
    struct koro__waiter *w;

    while ((w = (struct koro__waiter *)s->koro_timers_) && w->deadline <= now)
        koro__wake(w, -1);
}

/* The loop's look at the clock and, without blocking, at the fds, every
 * 64 dispatches while coroutines are runnable. */
static void
tick(koro_sched_t *s)
{
    if (s->koro_timers_)
        timers_fire(s, koro__now());
    if (s->koro_nfd_)
        ((const struct koro__io *)s->koro_io_)->poll(s, 0);
}

void
koro__park_ticked(koro_sched_t *s, koro_t *self, struct koro__waiter *w)
{
    /* Before w joins the timers and self blocks, so that neither the
     * timers nor the poller can wake self. */
    tick(s);
    koro__park_now(s, self, w);
}

void
koro__waiter_detach(struct koro__waiter *w)
{
    size_t i;

    for (i = 0; i < w->n; i++)
        if (w->cases[i].koro_waiter_)
            koro__sel_unlink(&w->cases[i]);
    if (w->unlink)
        w->unlink(w);
    if (w->timed)
        timer_del((koro_sched_t *)w->k->koro_sched_, w);
    if (w->k->koro_flags_ & KORO_SF_FDWAIT) {
        koro_sched_t *s = (koro_sched_t *)w->k->koro_sched_;

        ((const struct koro__io *)s->koro_io_)->forget(s, w);
    }
}

/* ------------------------------------------------------------------ */
/* The public scheduler API. */

KORO_API int
koro_sched_init(koro_sched_t *s)
{
    if (!s)
        return KORO_EINVAL;
    /* Refuse one in use: running, or with coroutines that point to it. */
    koro__reading_garbage(s, sizeof *s);
    if (s->koro_magic_ == KORO_SCHED_MAGIC &&
        (s->koro_running_ || s->koro_live_))
        return KORO_EBUSY;
    memset(s, 0, sizeof *s); /* also: no poller until the first fd wait */
    /* Seed from the address so that two schedulers differ. */
    s->koro_rng_ = ((uint64_t)(uintptr_t)s * 0x9e3779b97f4a7c15ull) | 1u;
    s->koro_magic_ = KORO_SCHED_MAGIC;
    /* koro_fini() unlinks a spawned coroutine through this; spawning
     * needs a scheduler initialised here first. */
    if (KORO_HOOK_GET(koro__fini_hook) != koro__sched_forget)
        KORO_HOOK_SET(koro__fini_hook, koro__sched_forget);
    return 0;
}

KORO_API int
koro_sched_spawn(koro_sched_t *s, koro_t *k)
{
    int st = koro_status(k);

    if (!s || s->koro_magic_ != KORO_SCHED_MAGIC || st < 0)
        return KORO_EINVAL;
    if (k->koro_flags_ & KORO_SF_SPAWNED)
        return KORO_EBUSY;
    if (st != KORO_SUSPENDED || (k->koro_flags_ & KORO_F_STARTED))
        return KORO_ESTARTED;
    k->koro_sched_ = s;
    k->koro_flags_ |= KORO_SF_SPAWNED;
    k->koro_state_ |= KORO_ST_OWNED;
    s->koro_live_++;
    koro__runq_push(s, k);
    return 0;
}

KORO_API koro_sched_t *
koro_sched_self(void)
{
    return koro__sched_of(koro__self());
}

/* k has left the scheduler for good. */
static void
release(koro_sched_t *s, koro_t *k)
{
    s->koro_live_--;
    k->koro_sched_ = NULL;
    k->koro_next_ = NULL;
    k->koro_flags_ &= ~KORO_F_SCHED_MASK;
    k->koro_state_ &= ~KORO_ST_OWNED;
}

/* Nothing is runnable: finish, report a deadlock, or sleep until the
 * first timer or fd event.  Returns 1 to go on, 0 or a KORO_E* code to
 * stop. */
static int
idle(koro_sched_t *s)
{
    struct koro__waiter *w;
    uint64_t now;

    if (!s->koro_live_)
        return 0;
    w = (struct koro__waiter *)s->koro_timers_;
    if (s->koro_nfd_) {
        /* One system call: the poller's wait, bounded by the timer. */
        int64_t t = -1;
        int rc;

        if (w) {
            now = koro__now();
            t = w->deadline <= now ? 0
                : w->deadline - now > INT64_MAX ? INT64_MAX
                                                 : (int64_t)(w->deadline - now);
        }
        rc = ((const struct koro__io *)s->koro_io_)->poll(s, t);
        if (rc < 0)
            return rc;
        if (w)
            timers_fire(s, koro__now());
        return 1;
    }
    if (!w)
        return KORO_EDEADLK;
    now = koro__now();
    if (w->deadline > now) {
        sleep_until(w->deadline);
        now = koro__now();
    }
    timers_fire(s, now);
    return 1;
}

/* The innermost scheduler this thread is running, where a debugger starts
 * looking for coroutines; it finds the outer ones through the coroutines
 * that run the inner ones (their koro_sched_). */
KORO_HIDDEN KORO_TLS koro_sched_t *koro__sched_running KORO_TLS_MODEL;

KORO_API int
koro_sched_run(koro_sched_t *s)
{
    koro_t *k, *r;
    koro_sched_t *outer;
    int rc = 0;

    if (!s || s->koro_magic_ != KORO_SCHED_MAGIC)
        return KORO_EINVAL;
    if (s->koro_running_)
        return KORO_EBUSY;
    s->koro_running_ = 1;
    outer = koro__sched_running;
    koro__sched_running = s;
    for (;;) {
        k = s->koro_head_;
        if (KORO_UNLIKELY(!k)) {
            rc = idle(s);
            if (rc <= 0)
                break;
            continue;
        }
        if (!(s->koro_head_ = k->koro_next_))
            s->koro_tail_ = NULL;
        k->koro_flags_ &= ~KORO_SF_PARKED; /* see koro__park_now */
        /* While others are runnable, look at the clock only now and then:
         * reading it costs more than a switch. */
        if (KORO_UNLIKELY(s->koro_timers_ != NULL || s->koro_nfd_ != 0) &&
            !(++s->koro_ticks_ & 63))
            tick(s);
        s->koro_cur_ = k;
        k->koro_state_ &= ~KORO_ST_OWNED; /* only this resume may run it */
        rc = koro_resume(k);
        if (KORO_UNLIKELY(rc < 0)) {
            s->koro_cur_ = NULL;
            release(s, k); /* it could not run (e.g. no thread for it) */
            break;
        }
        /* The one that came back: a blocked coroutine may have handed
         * the processor to another one (koro__park). */
        r = s->koro_cur_;
        s->koro_cur_ = NULL;
        if (r->koro_flags_ & KORO_SF_BLOCKED)
            continue;
        if (r->koro_state_ == KORO_ST(KORO_DEAD)) {
            if (r != k)
                koro__reap(r); /* koro_resume() saw only k */
            release(s, r);
        } else {
            r->koro_state_ |= KORO_ST_OWNED;
            koro__runq_push(s, r); /* it yielded: to the back */
        }
    }
    koro__sched_running = outer;
    s->koro_running_ = 0;
    if (s->koro_io_)
        ((const struct koro__io *)s->koro_io_)->release(s);
    return rc;
}

KORO_API int
koro_sleep(uint64_t ns)
{
    koro_t *self = koro__self();
    koro_sched_t *s = koro__sched_of(self);
    struct koro__waiter w;
    uint64_t now;

    if (!s)
        return KORO_ENOSCHED;
    if (KORO_UNLIKELY(koro__canceled(self)))
        return KORO_ECANCELED;
    if (ns == 0)
        return koro_yield();
    now = koro__now();
    w.cases = NULL;
    w.n = 0;
    w.timed = 1;
    w.unlink = NULL;
    w.deadline = now + ns < now ? UINT64_MAX : now + ns;
    koro__park(s, self, &w);
    return w.fired == KORO__FIRED_CANCEL ? KORO_ECANCELED : 0;
}

/* Called by koro_fini(): k is suspended or dead, never running. */
void
koro__sched_forget(koro_t *k)
{
    koro_sched_t *s = (koro_sched_t *)k->koro_sched_;
    koro_t **pp;

    if (!s || !(k->koro_flags_ & KORO_SF_SPAWNED))
        return;
    if (k->koro_flags_ & KORO_SF_BLOCKED) {
        struct koro__waiter *w = (struct koro__waiter *)(void *)k->koro_next_;

        koro__waiter_detach(w);
        koro__blocked_del(w);
    } else {
        /* Neither blocked nor running: it is on the run queue.  O(queue
         * length), but fini of a runnable coroutine is rare. */
        koro_t *prev = NULL;

        for (pp = &s->koro_head_; *pp && *pp != k; pp = &(*pp)->koro_next_)
            prev = *pp;
        if (*pp) {
            *pp = k->koro_next_;
            if (s->koro_tail_ == k)
                s->koro_tail_ = prev;
        }
    }
    release(s, k);
}
