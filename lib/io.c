/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* io.c - coroutines waiting on file descriptors: koro_fd_wait() and the
 * read, write, accept and connect calls built on it.
 *
 * A blocked wait is a struct koro__fdwait in the waiting coroutine's frame:
 * a koro__waiter (so that timers, koro_fini() and any other wake-up reach
 * it the way they reach a channel wait) plus its fd.  The scheduler keeps
 * them in koro_fdtab_, hashed by fd, and calls the hooks below (struct
 * koro__io) to sleep in the poller and to forget a wait.  Nothing is
 * allocated; the epoll or kqueue descriptor is opened by the first blocking
 * wait of a run and closed when koro_sched_run() returns. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* accept4 */
#endif
#include "poll-int.h"

#if defined(_WIN32) || defined(__EMSCRIPTEN__)
#define KORO_NO_IO 1
#endif

#if !defined(KORO_NO_IO)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#if defined(KORO_POLLER_EPOLL)
#define DEFAULT_POLLER (&koro__poller_epoll)
#elif defined(KORO_POLLER_KQUEUE)
#define DEFAULT_POLLER (&koro__poller_kqueue)
#else
#define DEFAULT_POLLER (&koro__poller_poll)
#endif

#define FDW(w) ((struct koro__fdwait *)(void *)(w))

/* koro_sched_t's table has the size poll-int.h says. */
typedef char koro__fdtab_size_ok[sizeof(((koro_sched_t *)0)->koro_fdtab_) /
                                             sizeof(void *) ==
                                         KORO_FDTAB_SIZE
                                     ? 1
                                     : -1];

static struct koro__fdwait **
bucket(koro_sched_t *s, int fd)
{
    return (struct koro__fdwait **)&s
        ->koro_fdtab_[(unsigned)fd % KORO_FDTAB_SIZE];
}

/* A blocked wait of s on fd (its peer is the other one), or NULL. */
static struct koro__fdwait *
find(koro_sched_t *s, int fd)
{
    struct koro__fdwait *r;

    for (r = *bucket(s, fd); r; r = r->next)
        if (r->fd == fd)
            return r;
    return NULL;
}

static const struct koro__poller *
poller(koro_sched_t *s)
{
    return (const struct koro__poller *)s->koro_poller_;
}

/* Open the poller's descriptor if it has one and it is closed, and tell
 * it about the waits left from an earlier run. */
static int
poller_open(koro_sched_t *s)
{
    const struct koro__poller *p = poller(s);
    struct koro__fdwait *r;
    size_t i;
    int rc;

    if (!p->open || s->koro_pfd_)
        return 0;
    if ((rc = p->open(s)) < 0)
        return rc;
    for (i = 0; i < KORO_FDTAB_SIZE; i++)
        for (r = (struct koro__fdwait *)s->koro_fdtab_[i]; r; r = r->next) {
            r->fired = 0;
            if (p->update(s, r->fd, 0,
                          r->events | (r->peer ? r->peer->events : 0), r) < 0)
                return KORO_ESYS;
        }
    return 0;
}

static void
io_forget(koro_sched_t *s, struct koro__waiter *w)
{
    const struct koro__poller *p = poller(s);
    struct koro__fdwait *r = FDW(w), *peer = r->peer;
    int rest = peer && !peer->fired ? peer->events : 0;

    if (r->prev)
        r->prev->next = r->next;
    else
        *bucket(s, r->fd) = r->next;
    if (r->next)
        r->next->prev = r->prev;
    if (peer)
        peer->peer = NULL;
    s->koro_nfd_--;
    w->k->koro_flags_ &= ~KORO_SF_FDWAIT;
    if (!s->koro_pfd_ || !p->update)
        return;
    if (!r->fired) /* still watched for: the kernel must forget r */
        p->update(s, r->fd, r->events | rest, rest, peer);
    else if (rest) /* the event disarmed fd: arm it again for the peer */
        p->update(s, r->fd, 0, rest, peer);
}

static int
io_poll(koro_sched_t *s, int64_t timeout_ns)
{
    int rc = poller_open(s);

    return rc < 0 ? rc : poller(s)->wait(s, timeout_ns);
}

static void
io_release(koro_sched_t *s)
{
    if (s->koro_pfd_)
        poller(s)->close(s);
    s->koro_pfd_ = 0;
}

static const struct koro__io io_hooks = {io_forget, io_poll, io_release};

void
koro__io_fired(koro_sched_t *s, int fd, int revents)
{
    struct koro__fdwait *r = find(s, fd), *peer;
    int mine, theirs;

    if (!r)
        return; /* nobody waits (a closed fd's entry): it is disarmed now */
    peer = r->peer;
    mine = r->events & revents;
    theirs = peer ? peer->events & revents : 0;

    /* Both first: whichever is forgotten first must know about the other. */
    r->fired = 1;
    if (peer)
        peer->fired = 1;
    if (!mine && !theirs) { /* nothing asked for fired: watch again */
        r->fired = 0;
        if (peer)
            peer->fired = 0;
        poller(s)->update(s, r->fd, 0, r->events | (peer ? peer->events : 0),
                          r);
        return;
    }
    if (peer && !theirs)
        peer->fired = 0; /* r's forget arms fd again for it */
    if (mine) {
        r->revents = mine;
        koro__wake(&r->w, 0);
    } else {
        r->fired = 0;
    }
    if (theirs) {
        peer->revents = theirs;
        koro__wake(&peer->w, 0);
    }
}

void
koro__io_ready(koro_sched_t *s, int fd, int revents)
{
    struct koro__fdwait *r, *next;

    for (r = *bucket(s, fd); r; r = next) {
        next = r->next; /* koro__wake() unlinks r */
        if (r->fd == fd && (r->events & revents)) {
            r->revents = r->events & revents;
            koro__wake(&r->w, 0);
        }
    }
}

int
koro__io_ms(int64_t timeout_ns)
{
    if (timeout_ns < 0)
        return -1;
    if (timeout_ns / 1000000 >= INT_MAX)
        return INT_MAX;
    return (int)((timeout_ns + 999999) / 1000000);
}

int
koro__sched_use_poll(koro_sched_t *s)
{
    if (s->koro_nfd_ || s->koro_pfd_)
        return KORO_EBUSY;
    s->koro_poller_ = &koro__poller_poll;
    return 0;
}

/* koro_fd_wait with timeout 0: one poll(2), no scheduler needed. */
static int
poll_now(int fd, int events)
{
    struct pollfd p;
    int rc;

    p.fd = fd;
    p.events = (short)((events & KORO_FD_IN ? POLLIN : 0) |
                       (events & KORO_FD_OUT ? POLLOUT : 0));
    p.revents = 0;
    while ((rc = poll(&p, 1, 0)) < 0 && errno == EINTR)
        ;
    if (rc < 0)
        return KORO_ESYS;
    if (rc == 0)
        return KORO_ETIMEDOUT;
    if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
        return events;
    return (p.revents & POLLIN ? KORO_FD_IN : 0) |
           (p.revents & POLLOUT ? KORO_FD_OUT : 0);
}

KORO_API int
koro_fd_wait(int fd, int events, int64_t timeout_ns)
{
    koro_t *self;
    koro_sched_t *s;
    struct koro__fdwait r;
    int was, rc;

    if (fd < 0 || !events || (events & ~(KORO_FD_IN | KORO_FD_OUT)) ||
        timeout_ns < -1)
        return KORO_EINVAL;
    if (timeout_ns == 0)
        return poll_now(fd, events);
    self = koro__self();
    if (!(s = koro__sched_of(self)))
        return KORO_ENOSCHED;
    if (KORO_UNLIKELY(koro__canceled(self)))
        return KORO_ECANCELED;
    if (!s->koro_io_) {
        s->koro_io_ = &io_hooks;
        if (!s->koro_poller_)
            s->koro_poller_ = DEFAULT_POLLER;
    }
    if ((rc = poller_open(s)) < 0)
        return rc;
    r.peer = find(s, fd);
    was = r.peer ? r.peer->events : 0;
    if (was & events)
        return KORO_EBUSY;
    r.fd = fd;
    r.events = events;
    r.revents = 0;
    r.fired = 0;
    if (s->koro_pfd_ && poller(s)->update) {
        rc = poller(s)->update(s, fd, was, was | events, &r);
        if (rc < 0)
            return rc;
        if (rc > 0)
            return events; /* always ready: nothing was registered */
    }
    if (r.peer)
        r.peer->peer = &r;
    r.prev = NULL;
    r.next = *bucket(s, fd);
    if (r.next)
        r.next->prev = &r;
    *bucket(s, fd) = &r;
    s->koro_nfd_++;
    memset(&r.w, 0, sizeof r.w); /* whatever fields the scheduler adds */
    r.w.cases = NULL;
    r.w.n = 0;
    r.w.fired = -2;
    r.w.timed = timeout_ns > 0;
    if (r.w.timed) {
        uint64_t now = koro__now();

        r.w.deadline = now + (uint64_t)timeout_ns < now
                           ? UINT64_MAX
                           : now + (uint64_t)timeout_ns;
    }
    self->koro_flags_ |= KORO_SF_FDWAIT;
    /* Not koro__park(): its periodic look at the fds could find r ready
     * and wake self before it has blocked. */
    koro__park_now(s, self, &r.w);
    /* Whoever woke us has taken r out of the table and the timers;
     * koro_cancel() wakes it with KORO__FIRED_CANCEL. */
    if (r.revents)
        return r.revents;
    return r.w.fired == -1 ? KORO_ETIMEDOUT : KORO_ECANCELED;
}

/* What is left of timeout_ns started at t0: -1 for ever, else >= 1 until
 * it has passed (then 0: time is up). */
static int64_t
left(int64_t timeout_ns, uint64_t t0)
{
    uint64_t used;

    if (timeout_ns < 0)
        return -1;
    used = koro__now() - t0;
    return used >= (uint64_t)timeout_ns ? 0 : timeout_ns - (int64_t)used;
}

/* Wait for fd as part of a call started at t0 with timeout_ns: 0 to try
 * the call again, or a negative code. */
static int
wait_more(int fd, int events, int64_t timeout_ns, uint64_t t0)
{
    int64_t t = left(timeout_ns, t0);
    int rc;

    if (t == 0)
        return KORO_ETIMEDOUT;
    rc = koro_fd_wait(fd, events, t);
    return rc < 0 ? rc : 0;
}

static int
would_block(int e)
{
    return e == EAGAIN || e == EWOULDBLOCK;
}

/* koro_read() of a coroutine whose last read would have blocked waits
 * for fd first: a ping-pong connection then costs one arming of the fd
 * per message instead of a read that fails plus that arming.  Waiting
 * first is always right, only sometimes slower: the poller reports data
 * already there at once, and whatever the wait returns, a read follows.
 * It reads first again after a read that fills the buffer (more may be
 * queued), or when one read in about 16, made first anyway, finds data. */
KORO_API ssize_t
koro_read(int fd, void *buf, size_t n, int64_t timeout_ns)
{
    uint64_t t0 = timeout_ns > 0 ? koro__now() : 0;
    koro_t *self = koro__self();
    koro_sched_t *s;
    ssize_t got;
    int rc = 0, e = 0, wait = 0;

    if (fd < 0 || (!buf && n) || n > SSIZE_MAX || timeout_ns < -1)
        return KORO_EINVAL;
    if (self && (self->koro_flags_ & KORO_SF_RDWAIT) && n && timeout_ns &&
        (s = koro__sched_of(self)) != NULL)
        wait = (koro__rand(&s->koro_rng_) & 15) != 0;
    for (;;) {
        if (wait) {
            rc = wait_more(fd, KORO_FD_IN, timeout_ns, t0);
            e = errno;
        }
        if ((got = read(fd, buf, n)) >= 0) {
            if (self && (!wait || (size_t)got == n))
                self->koro_flags_ &= ~KORO_SF_RDWAIT;
            return got;
        }
        if (errno == EINTR) {
            wait = 0;
            continue;
        }
        if (!would_block(errno))
            return KORO_ESYS;
        if (rc < 0) { /* the wait's error, if nothing came meanwhile */
            errno = e;
            return rc;
        }
        if (koro__sched_of(self))
            self->koro_flags_ |= KORO_SF_RDWAIT;
        wait = 1;
    }
}

KORO_API ssize_t
koro_write(int fd, const void *buf, size_t n, int64_t timeout_ns)
{
    uint64_t t0 = timeout_ns > 0 ? koro__now() : 0;
    const char *p = (const char *)buf;
    size_t done = 0;
    ssize_t put;
    int rc;

    if (fd < 0 || (!buf && n) || n > SSIZE_MAX || timeout_ns < -1)
        return KORO_EINVAL;
    while (done < n) {
        if ((put = write(fd, p + done, n - done)) >= 0) {
            done += (size_t)put;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (!would_block(errno))
            return done ? (ssize_t)done : KORO_ESYS;
        if ((rc = wait_more(fd, KORO_FD_OUT, timeout_ns, t0)) < 0) {
            if (!done)
                return rc;
            errno = rc == KORO_ETIMEDOUT   ? ETIMEDOUT
                    : rc == KORO_ECANCELED ? ECANCELED
                    : rc == KORO_EBUSY     ? EBUSY
                                           : errno;
            return (ssize_t)done;
        }
    }
    return (ssize_t)n;
}

/* accept() giving a non-blocking close-on-exec fd. */
static int
accept_nb(int fd, struct sockaddr *addr, socklen_t *len)
{
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC) &&                         \
    (defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__) ||      \
     defined(__OpenBSD__) || defined(__DragonFly__))
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    int c = accept(fd, addr, len), e;

    if (c < 0)
        return c;
    if (fcntl(c, F_SETFD, FD_CLOEXEC) < 0 ||
        fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK) < 0) {
        e = errno;
        close(c);
        errno = e;
        return -1;
    }
    return c;
#endif
}

KORO_API int
koro_accept(int fd, struct sockaddr *addr, socklen_t *len, int64_t timeout_ns)
{
    uint64_t t0 = timeout_ns > 0 ? koro__now() : 0;
    int c, rc;

    if (fd < 0 || (addr && !len) || timeout_ns < -1)
        return KORO_EINVAL;
    for (;;) {
        if ((c = accept_nb(fd, addr, len)) >= 0)
            return c;
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (!would_block(errno))
            return KORO_ESYS;
        if ((rc = wait_more(fd, KORO_FD_IN, timeout_ns, t0)) < 0)
            return rc;
    }
}

KORO_API int
koro_connect(int fd, const struct sockaddr *addr, socklen_t len,
             int64_t timeout_ns)
{
    int err = 0, rc;
    socklen_t elen = sizeof err;

    if (fd < 0 || !addr || timeout_ns < -1)
        return KORO_EINVAL;
    if (connect(fd, addr, len) == 0)
        return 0;
    if (errno != EINPROGRESS && errno != EINTR)
        return KORO_ESYS;
    /* The connection goes on in the background: done once writable. */
    if ((rc = koro_fd_wait(fd, KORO_FD_OUT, timeout_ns)) < 0)
        return rc;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
        return KORO_ESYS;
    if (err) {
        errno = err;
        return KORO_ESYS;
    }
    return 0;
}

#else /* KORO_NO_IO */

/* Windows: the fds of this API are ints, but a socket is a SOCKET handle
 * there, and WSAPoll() takes sockets only (no pipes or files).
 * Emscripten: its sockets and pipes are emulated in JavaScript, without a
 * poll that could block the program. */
KORO_API int
koro_fd_wait(int fd, int events, int64_t timeout_ns)
{
    (void)fd, (void)events, (void)timeout_ns;
    return KORO_ENOSYS;
}

KORO_API KORO_SSIZE_T_
koro_read(int fd, void *buf, size_t n, int64_t timeout_ns)
{
    (void)fd, (void)buf, (void)n, (void)timeout_ns;
    return KORO_ENOSYS;
}

KORO_API KORO_SSIZE_T_
koro_write(int fd, const void *buf, size_t n, int64_t timeout_ns)
{
    (void)fd, (void)buf, (void)n, (void)timeout_ns;
    return KORO_ENOSYS;
}

KORO_API int
koro_accept(int fd, struct sockaddr *addr, KORO_SOCKLEN_T_ *len,
            int64_t timeout_ns)
{
    (void)fd, (void)addr, (void)len, (void)timeout_ns;
    return KORO_ENOSYS;
}

KORO_API int
koro_connect(int fd, const struct sockaddr *addr, KORO_SOCKLEN_T_ len,
             int64_t timeout_ns)
{
    (void)fd, (void)addr, (void)len, (void)timeout_ns;
    return KORO_ENOSYS;
}

int
koro__sched_use_poll(koro_sched_t *s)
{
    (void)s;
    return KORO_ENOSYS;
}

#endif /* KORO_NO_IO */
