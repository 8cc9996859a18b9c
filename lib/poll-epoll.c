/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* poll-epoll.c - the Linux poller: one epoll instance per scheduler,
 * one-shot registrations.  An fd whose event fired stays in the set,
 * disarmed, so that its next wait costs one EPOLL_CTL_MOD; a wait that
 * ends otherwise (timeout, koro_fini) removes it.  The kernel drops a
 * closed fd by itself, and a disarmed entry never fires.
 *
 * An event names its fd, not the wait record: a file that stays open
 * through a dup() after the caller closed the fd a coroutine waited on
 * keeps its entry, which nothing can remove, and when it fires, the
 * lookup by number finds the current waits on that fd (a spurious
 * wake-up at worst) instead of a stale frame. */
#include "poll-int.h"

#if defined(KORO_POLLER_EPOLL)
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

static int
ep_open(koro_sched_t *s)
{
    int fd = epoll_create1(EPOLL_CLOEXEC);

    if (fd < 0)
        return KORO_ESYS;
    s->koro_pfd_ = fd + 1;
    return 0;
}

static void
ep_close(koro_sched_t *s)
{
    close(s->koro_pfd_ - 1);
}

static int
ep_update(koro_sched_t *s, int fd, int was, int now, struct koro__fdwait *r)
{
    struct epoll_event ev;
    int ep = s->koro_pfd_ - 1;

    (void)r;
    memset(&ev, 0, sizeof ev);
    if (!now) {
        /* Armed for a wait that left without its event: disarm.  A fd
         * that fired stays in the set, disarmed, for its next wait. */
        if (was)
            (void)epoll_ctl(ep, EPOLL_CTL_DEL, fd, &ev); /* closed: fine */
        return 0;
    }
    ev.events = EPOLLONESHOT | (now & KORO_FD_IN ? EPOLLIN | EPOLLRDHUP : 0u) |
                (now & KORO_FD_OUT ? EPOLLOUT : 0u);
    ev.data.fd = fd;
    if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) == 0)
        return 0;
    if (errno == ENOENT && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0)
        return 0; /* the fd's first wait (or a new file at that number) */
    if (errno == EPERM)
        return 1; /* a regular file or directory: always ready */
    return KORO_ESYS;
}

static int
ep_wait(koro_sched_t *s, int64_t timeout_ns)
{
    struct epoll_event ev[128];
    int i, n, r;

    n = epoll_wait(s->koro_pfd_ - 1, ev, 128, koro__io_ms(timeout_ns));
    if (n < 0)
        return errno == EINTR ? 0 : KORO_ESYS;
    for (i = 0; i < n; i++) {
        if (ev[i].events & (EPOLLERR | EPOLLHUP))
            r = KORO_FD_IN | KORO_FD_OUT;
        else
            r = (ev[i].events & (EPOLLIN | EPOLLRDHUP) ? KORO_FD_IN : 0) |
                (ev[i].events & EPOLLOUT ? KORO_FD_OUT : 0);
        koro__io_fired(s, ev[i].data.fd, r);
    }
    return 0;
}

const struct koro__poller koro__poller_epoll = {"epoll",   ep_open, ep_close,
                                                ep_update, ep_wait, 1};
#else
typedef int koro__no_epoll; /* ISO C wants something in every file */
#endif
