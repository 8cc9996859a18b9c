/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* poll-kqueue.c - the poller of the BSDs and macOS: one kqueue per
 * scheduler, an EVFILT_READ and an EVFILT_WRITE filter per fd, present
 * only while a coroutine waits for them. */
#include "poll-int.h"

#if defined(KORO_POLLER_KQUEUE)
#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>
#include <sys/event.h>
#include <sys/time.h>
#include <unistd.h>

static int
kq_open(koro_sched_t *s)
{
    int fd = kqueue();

    if (fd < 0)
        return KORO_ESYS;
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    s->koro_pfd_ = fd + 1;
    return 0;
}

static void
kq_close(koro_sched_t *s)
{
    close(s->koro_pfd_ - 1);
}

static int
kq_update(koro_sched_t *s, int fd, int was, int now, struct koro__fdwait *r)
{
    struct kevent ch[2];
    int n = 0;

    (void)r;

    if ((was ^ now) & KORO_FD_IN) {
        EV_SET(&ch[n], (uintptr_t)fd, EVFILT_READ,
               now & KORO_FD_IN ? EV_ADD : EV_DELETE, 0, 0, 0);
        n++;
    }
    if ((was ^ now) & KORO_FD_OUT) {
        EV_SET(&ch[n], (uintptr_t)fd, EVFILT_WRITE,
               now & KORO_FD_OUT ? EV_ADD : EV_DELETE, 0, 0, 0);
        n++;
    }
    if (!n || kevent(s->koro_pfd_ - 1, ch, n, NULL, 0, NULL) == 0)
        return 0;
    if (!now)
        return 0; /* the caller closed fd while waiting: nothing to undo */
    return KORO_ESYS;
}

static int
kq_wait(koro_sched_t *s, int64_t timeout_ns)
{
    struct kevent ev[64];
    struct timespec ts, *tp = NULL;
    int i, n, r;

    if (timeout_ns >= 0) {
        ts.tv_sec = (time_t)(timeout_ns / 1000000000);
        ts.tv_nsec = (long)(timeout_ns % 1000000000);
        tp = &ts;
    }
    n = kevent(s->koro_pfd_ - 1, NULL, 0, ev, 64, tp);
    if (n < 0)
        return errno == EINTR ? 0 : KORO_ESYS;
    for (i = 0; i < n; i++) {
        if (ev[i].flags & EV_ERROR)
            r = KORO_FD_IN | KORO_FD_OUT;
        else
            r = ev[i].filter == EVFILT_READ ? KORO_FD_IN : KORO_FD_OUT;
        koro__io_ready(s, (int)ev[i].ident, r);
    }
    return 0;
}

const struct koro__poller koro__poller_kqueue = {"kqueue",  kq_open, kq_close,
                                                 kq_update, kq_wait, 0};
#else
typedef int koro__no_kqueue; /* ISO C wants something in every file */
#endif
