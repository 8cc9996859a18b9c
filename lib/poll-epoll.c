/* poll-epoll.c - the Linux poller: one epoll instance per scheduler,
 * level-triggered, an fd in its interest set only while a coroutine waits
 * on it (so that a closed or reused fd leaves nothing stale behind). */
#include "poll-int.h"

#if defined(KORO_POLLER_EPOLL)
#include <errno.h>
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
ep_update(koro_sched_t *s, int fd, int was, int now)
{
    struct epoll_event ev;
    int op = !now ? EPOLL_CTL_DEL : was ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

    ev.events = (now & KORO_FD_IN ? EPOLLIN | EPOLLRDHUP : 0u) |
                (now & KORO_FD_OUT ? EPOLLOUT : 0u);
    ev.data.u64 = 0;
    ev.data.fd = fd;
    if (epoll_ctl(s->koro_pfd_ - 1, op, fd, &ev) == 0)
        return 0;
    if (op == EPOLL_CTL_ADD && errno == EEXIST &&
        epoll_ctl(s->koro_pfd_ - 1, EPOLL_CTL_MOD, fd, &ev) == 0)
        return 0; /* registered again after the instance was reopened */
    if (op == EPOLL_CTL_ADD && errno == EPERM)
        return 1; /* a regular file or directory: always ready */
    if (op == EPOLL_CTL_DEL)
        return 0; /* the caller closed fd while waiting: nothing to undo */
    return KORO_ESYS;
}

static int
ep_wait(koro_sched_t *s, int64_t timeout_ns)
{
    struct epoll_event ev[64];
    int i, n, r;

    n = epoll_wait(s->koro_pfd_ - 1, ev, 64, koro__io_ms(timeout_ns));
    if (n < 0)
        return errno == EINTR ? 0 : KORO_ESYS;
    for (i = 0; i < n; i++) {
        if (ev[i].events & (EPOLLERR | EPOLLHUP))
            r = KORO_FD_IN | KORO_FD_OUT;
        else
            r = (ev[i].events & (EPOLLIN | EPOLLRDHUP) ? KORO_FD_IN : 0) |
                (ev[i].events & EPOLLOUT ? KORO_FD_OUT : 0);
        koro__io_ready(s, ev[i].data.fd, r);
    }
    return 0;
}

const struct koro__poller koro__poller_epoll = {"epoll", ep_open, ep_close,
                                                ep_update, ep_wait};
#else
typedef int koro__no_epoll; /* ISO C wants something in every file */
#endif
