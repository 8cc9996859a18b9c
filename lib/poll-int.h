/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* poll-int.h - the one interface between the fd waits (io.c) and the
 * pollers (poll-epoll.c, poll-kqueue.c, poll-poll.c).
 *
 * io.c keeps the blocked fd waits of a scheduler in its koro_fdtab_, a
 * hash of intrusive lists by fd; per fd at most one wait for KORO_FD_IN
 * and one for KORO_FD_OUT (peers).  A poller is told when the set of
 * events awaited on an fd changes, and reports ready fds back through
 * koro__io_ready() or, when it can name the wait, koro__io_fired(). */
#ifndef KORO_POLL_INT_H
#define KORO_POLL_INT_H

#include "sched-int.h"

#define KORO_FDTAB_SIZE 64 /* the length of koro_sched_t.koro_fdtab_ */

/* The wait record of a coroutine blocked in koro_fd_wait(), in its frame. */
struct koro__fdwait {
    struct koro__waiter w; /* first: the scheduler sees only this */
    int fd;
    int events;  /* KORO_FD_IN | KORO_FD_OUT asked for */
    int revents; /* the ready subset, once woken by the poller */
    int fired;   /* a one-shot poller has disarmed fd for it */
    struct koro__fdwait *prev, *next; /* in koro_fdtab_[fd % SIZE] */
    struct koro__fdwait *peer;        /* the other wait on fd, if any */
};

struct koro__poller {
    const char *name;
    /* Open the kernel object (s->koro_pfd_ = its fd + 1), or NULL when the
     * poller has none.  Returns 0 or KORO_ESYS. */
    int (*open)(koro_sched_t *s);
    /* Close it (s->koro_pfd_ is non-zero). */
    void (*close)(koro_sched_t *s);
    /* The events the kernel watches fd for go from `was` to `now` (either
     * may be 0); r is a wait on fd when now is not 0.  Called only while the
     * kernel object is open, or NULL when the poller keeps no interest set.
     * Returns 0, 1 (fd is always ready, e.g. a regular file under epoll:
     * nothing was registered) or KORO_ESYS. */
    int (*update)(koro_sched_t *s, int fd, int was, int now,
                  struct koro__fdwait *r);
    /* Wait at most timeout_ns (-1: for ever) and call koro__io_ready() for
     * each ready fd.  Returns 0 (also when interrupted by a signal) or
     * KORO_ESYS. */
    int (*wait)(koro_sched_t *s, int64_t timeout_ns);
    /* An event disarms the fd (epoll's EPOLLONESHOT): after it the kernel
     * watches nothing on fd until update() is called with was = 0, and an
     * fd nobody waits on any more needs no call at all. */
    int oneshot;
};

/* fd is ready for revents (KORO_FD_IN | KORO_FD_OUT; both on an error or
 * hang-up): wake the waits on it that asked for any of them (io.c). */
KORO_HIDDEN void koro__io_ready(koro_sched_t *s, int fd, int revents);

/* The one-shot registration of fd fired for revents: wake its waits as
 * they asked, and arm fd again for whichever is left. */
KORO_HIDDEN void koro__io_fired(koro_sched_t *s, int fd, int revents);

/* The milliseconds poll(2)-like calls take for timeout_ns: rounded up,
 * -1 for ever, at most INT_MAX. */
KORO_HIDDEN int koro__io_ms(int64_t timeout_ns);

/* The pollers built here (NULL where not). */
KORO_HIDDEN extern const struct koro__poller koro__poller_epoll;
KORO_HIDDEN extern const struct koro__poller koro__poller_kqueue;
KORO_HIDDEN extern const struct koro__poller koro__poller_poll;

/* Make s use the poll(2) poller from its next fd wait on, whatever
 * configure chose: the test suite runs its I/O cases under both.  Returns
 * 0, KORO_EBUSY (s has fd waits already) or KORO_ENOSYS. */
KORO_HIDDEN int koro__sched_use_poll(koro_sched_t *s);

#endif /* KORO_POLL_INT_H */
