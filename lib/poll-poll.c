/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* poll-poll.c - the POSIX fallback poller: no kernel object and no
 * interest set; each wait hands poll(2) an array of the blocked waits,
 * built on the stack of the thread running koro_sched_run() (one struct
 * pollfd, 8 bytes, per blocked wait). */
#include "poll-int.h"

#if !defined(_WIN32) && !defined(__EMSCRIPTEN__)
#include <errno.h>
#include <poll.h>

static int
pp_wait(koro_sched_t *s, int64_t timeout_ns)
{
    struct pollfd p[s->koro_nfd_ ? s->koro_nfd_ : 1];
    struct koro__fdwait *r;
    size_t i, n = 0;
    int rc, ev;

    for (i = 0; i < KORO_FDTAB_SIZE; i++)
        for (r = (struct koro__fdwait *)s->koro_fdtab_[i]; r; r = r->next) {
            p[n].fd = r->fd;
            p[n].events = (short)((r->events & KORO_FD_IN ? POLLIN : 0) |
                                  (r->events & KORO_FD_OUT ? POLLOUT : 0));
            p[n].revents = 0;
            n++;
        }
    rc = poll(p, (nfds_t)n, koro__io_ms(timeout_ns));
    if (rc < 0)
        return errno == EINTR ? 0 : KORO_ESYS;
    for (i = 0; i < n && rc > 0; i++) {
        if (!p[i].revents)
            continue;
        rc--;
        if (p[i].revents & (POLLERR | POLLHUP | POLLNVAL))
            ev = KORO_FD_IN | KORO_FD_OUT;
        else
            ev = (p[i].revents & POLLIN ? KORO_FD_IN : 0) |
                 (p[i].revents & POLLOUT ? KORO_FD_OUT : 0);
        koro__io_ready(s, p[i].fd, ev);
    }
    return 0;
}

const struct koro__poller koro__poller_poll = {"poll", NULL,    NULL,
                                               NULL,   pp_wait, 0};
#else
typedef int koro__no_poll; /* ISO C wants something in every file */
#endif
