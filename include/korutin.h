/* korutin.h - the whole public API of libkorutin.
 *
 * Stackful, asymmetric (Lua-like) coroutines in C.  The library never
 * allocates: the caller provides every coroutine object and every stack, and
 * a coroutine runs on the memory it was given for its whole life, so pointers
 * to its locals stay valid across switches.
 *
 * Emscripten (the "emscripten" backend): link every program with
 * -sASYNCIFY (`pkg-config --libs korutin` includes it; without it the
 * runtime throws in koro_init()), and end main() with exit(status), not a
 * return: once main() has resumed a coroutine, Emscripten's runtime drops
 * main()'s return value and node exits with 0.
 *
 * Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
 */
#ifndef KORUTIN_H
#define KORUTIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KORO_VERSION_MAJOR 0
#define KORO_VERSION_MINOR 1
#define KORO_VERSION_PATCH 0

/* ABI.  The shared library's symbols carry the version node KORUTIN_0.1
 * (on ELF).  Programs allocate koro_t, koro_sched_t, koro_chan_t and
 * struct koro_sel themselves, so their sizes and alignments are part of
 * the ABI: none of them grows or shrinks, and no public field moves,
 * except together with a new SONAME (libkorutin.so.1, ...).  The private
 * fields are read and written by the library alone (nothing in this
 * header touches them), so a compatible release may give them new
 * meanings within the same size, koro_sched_t's unused koro_reserved_
 * and koro_pad_ among them.  No reserved words are set aside beyond
 * those: koro_t fills a 64-byte cache line on 64-bit targets, and a
 * program may hold millions of them. */

/* KORO_API marks the exported functions.  On Windows, define KORO_STATIC
 * when linking the static library (pkg-config --static --cflags gives it
 * there). */
#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(KORO_BUILDING_DLL)
#define KORO_API __declspec(dllexport)
#elif defined(KORO_STATIC)
#define KORO_API
#else
#define KORO_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define KORO_API __attribute__((visibility("default"))) KORO_NOPLT_
#else
#define KORO_API
#endif

/* Where the compiler can (GCC on ELF; it honours this on x86 and arm64),
 * calls to libkorutin go through the GOT, bound when the program is
 * loaded, instead of through lazily bound PLT entries.  The first call
 * through a lazy entry runs the dynamic linker's resolver on the caller's
 * stack, and glibc's saves the vector registers there: 3.3 KiB on an
 * AVX-512 machine, far more than a koro_stack_min() stack holds, so a
 * coroutine's first koro_yield() would overflow it.  Elsewhere see
 * koro_stack_min(3). */
#if defined(__ELF__) && defined(__has_attribute)
#if __has_attribute(noplt)
#define KORO_NOPLT_ __attribute__((noplt))
#endif
#endif
#ifndef KORO_NOPLT_
#define KORO_NOPLT_
#endif

/* Status of a coroutine, as returned by koro_status(). */
#define KORO_SUSPENDED 1 /* created, or yielded: koro_resume() may run it */
#define KORO_RUNNING 2   /* it is the current coroutine */
#define KORO_NORMAL 3    /* it resumed another coroutine and waits for it */
#define KORO_DEAD 4      /* its function returned */

/* Error codes: every function that can fail returns one of these negative
 * values (0 means success).  koro_strerror() describes each. */
#define KORO_EINVAL (-1)     /* NULL or invalid argument, not initialised */
#define KORO_ESTACK (-2)     /* stack smaller than koro_stack_min() */
#define KORO_EDEAD (-3)      /* the coroutine has finished */
#define KORO_ERUNNING (-4)   /* the coroutine is the one running now */
#define KORO_ENORMAL (-5)    /* the coroutine is an ancestor of the caller */
#define KORO_ENOTCORO (-6)   /* called outside any coroutine */
#define KORO_ESTARTED (-7)   /* the coroutine has already been started */
#define KORO_ENOSYS (-8)     /* not supported by this build or backend */
#define KORO_ESYS (-9)       /* the operating system refused (e.g. threads) */
#define KORO_EDEADLK (-10)   /* every coroutine left is blocked forever */
#define KORO_EAGAIN (-11)    /* the operation would block */
#define KORO_ETIMEDOUT (-12) /* the timeout expired */
#define KORO_ECLOSED (-13)   /* the channel is closed */
#define KORO_ENOSCHED (-14)  /* not inside a coroutine run by a scheduler */
#define KORO_EBUSY (-15)     /* the object is in use */
#define KORO_EPERM (-16)     /* the caller does not own the object (a lock) */
#define KORO_ECANCELED (-17) /* the coroutine was cancelled */
#define KORO_EFORKED (-18)   /* the coroutine belongs to the parent process */
#define KORO_ELAST (-18)     /* the lowest error code */

/* A coroutine.  The caller allocates it anywhere (static, automatic, an
 * array, the heap).  Its size is the same under every backend: 64 bytes on
 * 64-bit targets, 36 on 32-bit ones.  The fields are private; the ones
 * every switch touches come first, so that they share one cache line
 * unless the object starts in the last quarter of a line. */
typedef struct koro koro_t;
struct koro {
    void *koro_ctx_;         /* backend context (asm: the saved SP) */
    koro_t *koro_parent_;    /* the resumer, while running or normal */
    unsigned char *koro_lo_; /* lowest usable byte of the stack */
    uint32_t koro_state_;    /* status, tagged to catch garbage */
    uint32_t koro_flags_;
    koro_t *koro_next_;      /* scheduler: queue link or wait record */
    void *koro_sched_;       /* scheduler that owns it, if any */
    unsigned char *koro_hi_; /* one past the highest usable byte */
    const char *koro_name_;  /* optional name, for diagnostics */
};

typedef void (*koro_fn)(void *arg);

/* Prepare k to run fn(arg) on [stack, stack + stack_size).  O(1), no
 * allocation; any alignment of stack is accepted.  The stack must outlive
 * the coroutine (until it is dead or koro_fini() was called).  k may hold
 * anything but a coroutine in use, which is refused and left as it is.
 * Returns 0, KORO_EINVAL (NULL k, fn or stack), KORO_ESTACK, KORO_ERUNNING
 * (k is running), KORO_ENORMAL (k is an ancestor of the running one) or
 * KORO_EBUSY (k is spawned on a scheduler and has not finished). */
KORO_API int koro_init(koro_t *k, koro_fn fn, void *arg, void *stack,
                       size_t stack_size);

/* Run k until it yields or returns.  Returns 0, or KORO_EINVAL, KORO_EDEAD,
 * KORO_ERUNNING (k is the caller), KORO_ENORMAL (k is an ancestor of the
 * caller), KORO_EBUSY (k is suspended in a scheduler's hands: only the
 * scheduler resumes it; or the call comes from a switch hook), KORO_ESYS
 * (the backend could not start it). */
KORO_API int koro_resume(koro_t *k);

/* Return to whoever resumed the current coroutine.  Returns 0 when resumed
 * again, KORO_ENOTCORO outside any coroutine, or KORO_EBUSY from a switch
 * hook. */
KORO_API int koro_yield(void);

/* The two calls of every round trip go through a register on x86-64 ELF
 * (GCC and clang, position-independent code): loading the address from
 * the GOT, which a loop keeps in a register, and calling through it is
 * faster than GCC's noplt `call *koro_yield@GOTPCREL(%rip)`.  The GOT
 * entry of an address is bound when the program is loaded, so this still
 * never runs the lazy resolver on a coroutine's stack (clang, which has
 * no noplt, gains that here).  The empty asm keeps the compiler from
 * turning the call back into a direct one.  The functions themselves are
 * unchanged: (koro_yield)() or &koro_yield bypass this, and defining
 * KORO_NO_CALL_MACROS before including this header turns it off. */
#if defined(__x86_64__) && defined(__ELF__) &&                                 \
    (defined(__GNUC__) || defined(__clang__)) &&                               \
    (defined(__PIC__) || defined(__PIE__)) && !defined(__ILP32__) &&           \
    !defined(KORO_BUILDING_DLL) && !defined(KORO_NO_CALL_MACROS)
static __inline__ __attribute__((__always_inline__)) int
koro__call_resume_(koro_t *k)
{
    int (*f)(koro_t *) = koro_resume;

    __asm__("" : "+r"(f));
    return f(k);
}

static __inline__ __attribute__((__always_inline__)) int
koro__call_yield_(void)
{
    int (*f)(void) = koro_yield;

    __asm__("" : "+r"(f));
    return f();
}
#define koro_resume(k) koro__call_resume_(k)
#define koro_yield() koro__call_yield_()
#endif

/* The coroutine running on this OS thread, or NULL outside any. */
KORO_API koro_t *koro_self(void);

/* KORO_SUSPENDED, KORO_RUNNING, KORO_NORMAL, KORO_DEAD, or KORO_EINVAL.
 * Random bytes pass for a coroutine about once in 2^37. */
KORO_API int koro_status(const koro_t *k);

/* Release what the backend holds for k (e.g. the thread of the threads
 * backend) so its stack may be reused; also unlinks it from a scheduler.
 * Valid for a suspended or dead coroutine.  Returns 0, KORO_EINVAL,
 * KORO_ERUNNING or KORO_ENORMAL. */
KORO_API int koro_fini(koro_t *k);

/* The smallest stack_size koro_init() accepts in this build. */
KORO_API size_t koro_stack_min(void);

/* A static English description of err ("unknown error" if none). */
KORO_API const char *koro_strerror(int err);

/* The backend this library was built with: its name first ("asm",
 * "sjlj", "ucontext", "threads", ...), then details, e.g.
 * "asm x86_64-sysv". */
KORO_API const char *koro_backend(void);

/* Give k a name that diagnostics (stack overflow reports) print.  The string
 * is not copied.  Returns 0 or KORO_EINVAL. */
KORO_API int koro_set_name(koro_t *k, const char *name);
KORO_API const char *koro_name(const koro_t *k);

/* Stack watermarking, opt-in because it writes the whole stack: call
 * koro_watermark() after koro_init() and before the first resume; then
 * koro_stack_used() stores in *used the peak number of bytes the coroutine
 * has used so far.  Return 0, KORO_EINVAL, KORO_ESTARTED (watermark after
 * the first resume) or KORO_ENOSYS (stack_used without watermark). */
KORO_API int koro_watermark(koro_t *k);
KORO_API int koro_stack_used(const koro_t *k, size_t *used);

/* Opt-in overflow checking: fill the lowest size bytes (rounded up to a
 * multiple of 16, at most 65520) of k's stack with the canary's pattern
 * and check all of them on every switch away from k, instead of the
 * 16-byte canary (size <= 16 puts that back).  Catches a frame that steps
 * over the plain canary as long as it writes somewhere in the zone, at a
 * cost per switch that grows with size.  Call it after koro_init() and
 * before the first resume.  Returns 0, KORO_EINVAL, KORO_ESTARTED or
 * KORO_ESTACK (fewer than koro_stack_min() bytes would be left). */
KORO_API int koro_set_canary_size(koro_t *k, size_t size);

/* Opt-in speed: k keeps no floating-point control state (rounding mode,
 * exception masks, flush-to-zero) of its own.  It runs with the state of
 * whoever switches to it, and what it changes is undone when control goes
 * back to a context that has its own (the thread does, and so does every
 * coroutine not marked).  Switches into and out of k then skip saving or
 * restoring that state, the dearest part of a switch on x86-64.  Call it
 * after koro_init() and before the first resume; it cannot be undone.
 * Returns 0, KORO_EINVAL, KORO_ESTARTED, or KORO_ENOSYS where this build
 * always keeps each coroutine's state (then nothing changes). */
KORO_API int koro_share_fpenv(koro_t *k);

/* The usable stack of k: [*lo, *hi), above the canary.  Returns 0 or
 * KORO_EINVAL. */
KORO_API int koro_stack_bounds(const koro_t *k, void **lo, void **hi);

/* A switch hook, for profilers and tracers: once set on an OS thread, the
 * library calls fn(from, to, arg) right before every switch between that
 * thread's contexts: koro_resume(), koro_yield(), a coroutine's return,
 * and the scheduler's switches (a coroutine blocking or waking hands the
 * processor to the next).  from and to are coroutines, or NULL for the
 * thread's own context.  The hook runs on from's stack (win32 backend: the
 * stack of from's OS thread), with koro_self() still from.  It must not switch: koro_resume() and koro_yield() called
 * from it return KORO_EBUSY, and a blocking scheduler call aborts the
 * program with a message.  fn NULL removes the hook.  A thread without
 * one pays nothing measurable: its switches look for a hook only in tests
 * they make anyway.  *prev_fn and *prev_arg (each may be NULL) get the
 * hook replaced.  Returns 0. */
typedef void (*koro_switch_hook_fn)(koro_t *from, koro_t *to, void *arg);
KORO_API int koro_set_switch_hook(koro_switch_hook_fn fn, void *arg,
                                  koro_switch_hook_fn *prev_fn,
                                  void **prev_arg);

/* ------------------------------------------------------------------ */
/* Scheduler and channels.
 *
 * A scheduler runs coroutines in FIFO order: koro_sched_run() resumes the
 * first runnable one until it yields, blocks or returns, then the next.
 * koro_yield() inside a scheduled coroutine puts it at the back of the run
 * queue.  Nothing is allocated: the caller provides the scheduler, every
 * coroutine, every channel and its ring buffer; while a coroutine is
 * blocked, its wait record lives in its own stack frame.
 *
 * Threads: a scheduler, its coroutines and the channels they use belong to
 * one OS thread (the one calling koro_sched_run()); several threads may
 * each run their own scheduler at the same time.  Nothing is locked, so a
 * channel must not be used from two threads at once: doing so is
 * undefined behaviour (use a pipe, a lock-protected queue or similar to
 * talk between threads).  The current scheduler is the one that resumed
 * koro_self(), so this holds under every backend.
 *
 * Blocking calls (koro_sleep, koro_chan_send/recv and their _timeout
 * forms, koro_select with a non-zero timeout) must be made by a coroutine
 * that a scheduler resumed itself; elsewhere (from main, or from a
 * coroutine that a scheduled coroutine resumed) they return
 * KORO_ENOSCHED instead of blocking.  The non-blocking calls
 * (koro_chan_try_*, koro_chan_close, koro_select with timeout 0,
 * koro_sched_spawn) work from anywhere on the scheduler's thread.  A
 * coroutine that koro_cancel() cancelled gets KORO_ECANCELED from every
 * blocking call (see below).
 *
 * Debugging: the gdb commands `koro list` and `koro bt` (installed with
 * the library, see korutin(3)) list every coroutine of the schedulers a
 * thread runs and print a suspended coroutine's backtrace. */

/* A scheduler.  Allocate it anywhere; the fields are private. */
typedef struct koro_sched koro_sched_t;
struct koro_sched {
    koro_t *koro_head_; /* run queue, linked through koro_next_ */
    koro_t *koro_tail_;
    koro_t *koro_cur_;  /* the coroutine it is running now */
    void *koro_timers_; /* earliest deadline first */
    void *koro_timers_end_;
    size_t koro_live_;  /* spawned and not finished */
    uint64_t koro_rng_; /* for koro_select's fair choice */
    uint32_t koro_magic_;
    uint32_t koro_ticks_;   /* dispatches, to look at the clock now and then */
    uint32_t koro_running_; /* inside koro_sched_run() */
    uint32_t koro_pad_;
    void *koro_blocked_; /* blocked coroutines' wait records */
    /* File descriptor waits (koro_fd_wait): all zero until the first. */
    const void *koro_io_;     /* the I/O layer's hooks, once it is used */
    const void *koro_poller_; /* the poller: epoll, kqueue or poll */
    size_t koro_nfd_;         /* coroutines blocked on a file descriptor */
    int koro_pfd_;            /* the epoll/kqueue descriptor + 1, or 0 */
    uint32_t koro_pad2_;
    void *koro_fdtab_[64]; /* blocked fd waits, hashed by fd (io.c) */
};

/* Prepare an empty scheduler.  Returns 0, KORO_EINVAL (NULL s) or
 * KORO_EBUSY (s is running or owns coroutines: nothing changes). */
KORO_API int koro_sched_init(koro_sched_t *s);

/* Add k, set up by koro_init() and never resumed, to the back of s's run
 * queue.  May be called from anywhere on s's thread, also while s runs.
 * Returns 0, KORO_EINVAL (NULL or uninitialised s or k), KORO_ESTARTED
 * (k was already resumed or has finished) or KORO_EBUSY (k is already
 * spawned). */
KORO_API int koro_sched_spawn(koro_sched_t *s, koro_t *k);

/* Run the coroutines of s until all have finished: returns 0.  When all
 * that are left are blocked, none on a file descriptor (koro_fd_wait),
 * and no timer can wake them, returns
 * KORO_EDEADLK and leaves them as they are: the caller may inspect them,
 * wake some (e.g. koro_chan_close() or koro_chan_try_send()) and call
 * koro_sched_run() again, or koro_fini() them.  While only sleepers are
 * left, the OS thread sleeps until the earliest deadline; while fds are
 * awaited, it waits in the poller for the first fd event or deadline, and
 * the poller's descriptor is closed before it returns.  Other errors:
 * KORO_EINVAL (NULL or uninitialised s), KORO_EBUSY (s is already
 * running), or whatever koro_resume() returned for a coroutine that could
 * not be started (e.g. KORO_ESYS); that coroutine is dropped from s. */
KORO_API int koro_sched_run(koro_sched_t *s);

/* The scheduler that is running the current coroutine, or NULL. */
KORO_API koro_sched_t *koro_sched_self(void);

/* Block the current scheduled coroutine for at least ns nanoseconds of
 * CLOCK_MONOTONIC time; koro_sleep(0) just yields.  Returns 0,
 * KORO_ECANCELED or KORO_ENOSCHED. */
KORO_API int koro_sleep(uint64_t ns);

struct koro_sel;

/* A channel of fixed-size elements over a caller-provided ring buffer.
 * Allocate it anywhere; the fields are private. */
typedef struct koro_chan koro_chan_t;
struct koro_chan {
    unsigned char *koro_buf_;
    size_t koro_esize_;
    size_t koro_cap_;
    size_t koro_head_;               /* index of the oldest buffered element */
    size_t koro_count_;              /* elements buffered */
    struct koro_sel *koro_sendq_[2]; /* blocked senders: first, last */
    struct koro_sel *koro_recvq_[2]; /* blocked receivers: first, last */
    uint32_t koro_magic_;
    uint32_t koro_closed_;
};

/* Prepare c to carry elements of elem_size bytes (0 is allowed, for pure
 * signals) with room for capacity of them in buf, which must hold
 * elem_size * capacity bytes and outlive the channel.  capacity 0 makes
 * a rendezvous channel: a send completes only when a receiver takes the
 * element (buf may then be NULL).  Returns 0, KORO_EINVAL (NULL c, NULL
 * buf with a non-zero buffer size, or a size that overflows) or
 * KORO_EBUSY (coroutines are blocked on c: nothing changes). */
KORO_API int koro_chan_init(koro_chan_t *c, void *buf, size_t elem_size,
                            size_t capacity);

/* Send a copy of the elem_size bytes at elem (NULL allowed when elem_size
 * is 0), blocking while the channel is full (capacity 0: until a receiver
 * takes it).  Blocked senders complete in FIFO order.  Returns 0,
 * KORO_ECLOSED (closed before or while waiting: the element was not
 * sent), KORO_EINVAL, KORO_ECANCELED (koro_cancel) or KORO_ENOSCHED (it
 * would have to block here). */
KORO_API int koro_chan_send(koro_chan_t *c, const void *elem);

/* Receive the oldest element into elem (NULL discards it), blocking while
 * there is none.  Blocked receivers complete in FIFO order.  Returns 0,
 * KORO_ECLOSED (closed and nothing left: elem is left untouched),
 * KORO_EINVAL, KORO_ECANCELED (koro_cancel) or KORO_ENOSCHED (it would
 * have to block here). */
KORO_API int koro_chan_recv(koro_chan_t *c, void *elem);

/* As koro_chan_send/recv but never block: KORO_EAGAIN when they would.
 * They work from anywhere on the channel's thread. */
KORO_API int koro_chan_try_send(koro_chan_t *c, const void *elem);
KORO_API int koro_chan_try_recv(koro_chan_t *c, void *elem);

/* As koro_chan_send/recv, giving up after ns nanoseconds with
 * KORO_ETIMEDOUT.  With ns == 0 they never block and work from anywhere
 * (KORO_ETIMEDOUT when they would have blocked). */
KORO_API int koro_chan_send_timeout(koro_chan_t *c, const void *elem,
                                    uint64_t ns);
KORO_API int koro_chan_recv_timeout(koro_chan_t *c, void *elem, uint64_t ns);

/* Close c: no more sends.  Every blocked receiver and sender is woken;
 * receivers first drain what is buffered, then get KORO_ECLOSED; senders
 * get KORO_ECLOSED.  Returns 0, KORO_EINVAL, or KORO_ECLOSED if c was
 * already closed (nothing else happens then). */
KORO_API int koro_chan_close(koro_chan_t *c);

/* Number of elements buffered in c now (0 for rendezvous channels), or
 * KORO_EINVAL. */
KORO_API long koro_chan_len(const koro_chan_t *c);

/* One case of koro_select().  Fill in chan, op and elem; the rest is
 * private and needs no initialisation.  A NULL chan is never ready (a way
 * to disable a case). */
#define KORO_SEL_SEND 1
#define KORO_SEL_RECV 2
struct koro_sel {
    koro_chan_t *chan;
    int op;     /* KORO_SEL_SEND or KORO_SEL_RECV */
    void *elem; /* what to send, or where to receive (NULL: discard) */
    int result; /* set for the completed case: 0 or KORO_ECLOSED */
    /* private: the wait record while the coroutine is blocked */
    struct koro_sel *koro_prev_;
    struct koro_sel *koro_next_;
    void *koro_waiter_;
};

/* Wait until one of the n cases can complete, complete it and return its
 * index.  When several are ready, one is chosen at random, each with the
 * same chance.  A receive on a closed, drained channel completes with
 * result KORO_ECLOSED, and so does a send on a closed channel (nothing is
 * sent).  timeout_ns: -1 waits for ever, 0 only polls (works from
 * anywhere), > 0 waits at most that many nanoseconds.  Returns the index,
 * KORO_EAGAIN (polled and nothing was ready), KORO_ETIMEDOUT, KORO_EINVAL
 * (NULL cases with n > 0, a bad op, an uninitialised channel),
 * KORO_ECANCELED (koro_cancel, with a timeout other than 0) or
 * KORO_ENOSCHED (it would have to block here).  n == 0 with timeout -1
 * blocks for ever (only koro_fini(), koro_cancel() or deadlock detection
 * ends it). */
KORO_API int koro_select(struct koro_sel *cases, size_t n, int64_t timeout_ns);

/* ------------------------------------------------------------------ */
/* Mutexes, condition variables, wait groups and cancellation.
 *
 * Like the channels, they belong to one scheduler's thread, allocate
 * nothing (a blocked coroutine's wait record lives in its own frame) and
 * block only a coroutine that a scheduler resumed itself: elsewhere a call
 * that would have to wait returns KORO_ENOSCHED instead.  The calls that
 * never wait (koro_mutex_trylock, koro_mutex_unlock, koro_cond_signal,
 * koro_cond_broadcast, koro_wg_add, koro_wg_done) work from anywhere on
 * the thread; code outside any coroutine counts as one more owner of a
 * mutex.  koro_fini() of a coroutine blocked in one of them takes it out
 * of the wait; a mutex that a finished or fini'd coroutine held stays
 * locked. */

/* A mutex: FIFO, not recursive.  Allocate it anywhere; the fields are
 * private. */
typedef struct koro_mutex koro_mutex_t;
struct koro_mutex {
    koro_t *koro_owner_;  /* NULL while unlocked */
    void *koro_waitq_[2]; /* blocked lockers: first, last */
    uint32_t koro_magic_;
    uint32_t koro_pad_;
};

/* Prepare an unlocked mutex.  Returns 0 or KORO_EINVAL (NULL m). */
KORO_API int koro_mutex_init(koro_mutex_t *m);

/* Lock m, waiting while another holds it.  Waiters get the mutex in the
 * order they asked for it: unlocking hands it straight to the first, and a
 * newcomer queues behind them.  Returns 0, KORO_EINVAL, KORO_EDEADLK (the
 * caller holds m already), KORO_ECANCELED (the caller was cancelled,
 * before or while waiting: m is not locked) or KORO_ENOSCHED (it would
 * have to wait here). */
KORO_API int koro_mutex_lock(koro_mutex_t *m);

/* Lock m if nobody holds it: 0, else KORO_EAGAIN (also when the caller
 * holds it), or KORO_EINVAL. */
KORO_API int koro_mutex_trylock(koro_mutex_t *m);

/* Unlock m, which the caller holds; the first waiter, if any, gets it.
 * Returns 0, KORO_EINVAL, or KORO_EPERM (the caller does not hold m:
 * nothing changes). */
KORO_API int koro_mutex_unlock(koro_mutex_t *m);

/* A condition variable.  Allocate it anywhere; the fields are private. */
typedef struct koro_cond koro_cond_t;
struct koro_cond {
    void *koro_waitq_[2]; /* blocked waiters: first, last */
    uint32_t koro_magic_;
    uint32_t koro_pad_;
};

/* Prepare c.  Returns 0 or KORO_EINVAL (NULL c). */
KORO_API int koro_cond_init(koro_cond_t *c);

/* Unlock m, which the caller holds, wait until koro_cond_signal() or
 * koro_cond_broadcast() wakes the caller, then lock m again (queueing
 * behind the coroutines already waiting for it).  There are no spurious
 * wake-ups: 0 means a signal or broadcast chose this waiter.  m is held
 * on every return.  Returns 0, KORO_EINVAL, KORO_EPERM (the caller does
 * not hold m), KORO_ECANCELED (cancelled before or while waiting; the
 * re-locking itself is not cancellable) or KORO_ENOSCHED. */
KORO_API int koro_cond_wait(koro_cond_t *c, koro_mutex_t *m);

/* As koro_cond_wait(), giving up after ns nanoseconds with KORO_ETIMEDOUT
 * (m held again).  ns == 0 returns KORO_ETIMEDOUT at once without
 * unlocking m. */
KORO_API int koro_cond_wait_timeout(koro_cond_t *c, koro_mutex_t *m,
                                    uint64_t ns);

/* Wake the first waiter of c (koro_cond_signal) or all of them
 * (koro_cond_broadcast), in the order they began to wait; without waiters
 * nothing happens.  The caller need not hold the mutex.  Return 0 or
 * KORO_EINVAL. */
KORO_API int koro_cond_signal(koro_cond_t *c);
KORO_API int koro_cond_broadcast(koro_cond_t *c);

/* A wait group: a counter of unfinished tasks that coroutines can wait
 * to reach zero.  Allocate it anywhere; the fields are private. */
typedef struct koro_wg koro_wg_t;
struct koro_wg {
    void *koro_waitq_[2]; /* blocked waiters: first, last */
    long koro_count_;
    uint32_t koro_magic_;
    uint32_t koro_pad_;
};

/* Prepare wg with a count of 0.  Returns 0 or KORO_EINVAL (NULL wg). */
KORO_API int koro_wg_init(koro_wg_t *wg);

/* Add n (which may be negative) to wg's count; koro_wg_done(wg) adds -1.
 * When the count reaches 0 every waiter is woken.  Return 0, or
 * KORO_EINVAL (NULL or uninitialised wg, or a count that would go below 0
 * or overflow: it is left unchanged). */
KORO_API int koro_wg_add(koro_wg_t *wg, long n);
KORO_API int koro_wg_done(koro_wg_t *wg);

/* Wait until wg's count is 0 (at once if it is).  Returns 0, KORO_EINVAL,
 * KORO_ECANCELED or KORO_ENOSCHED (it would have to wait here).
 * koro_wg_wait_timeout() gives up after ns nanoseconds with
 * KORO_ETIMEDOUT (ns == 0: never waits). */
KORO_API int koro_wg_wait(koro_wg_t *wg);
KORO_API int koro_wg_wait_timeout(koro_wg_t *wg, uint64_t ns);

/* Cancel k, a coroutine of this thread.  If k is blocked in any wait of a
 * scheduler (channel send or receive, koro_select, koro_sleep, a file
 * descriptor, mutex, condition variable or wait group), it is woken and
 * that call returns KORO_ECANCELED.  From then on every blocking call that
 * k makes returns KORO_ECANCELED at once, even one that could complete
 * without waiting, so that k unwinds through its error paths; the calls
 * that never block (koro_chan_try_*, koro_chan_close, koro_mutex_unlock,
 * koro_select with timeout 0, ...) and koro_yield() keep working.  A
 * coroutine may cancel itself.  A coroutine that is not scheduled yet
 * starts cancelled when spawned.  Returns 0 (also when k was already
 * cancelled: nothing more happens), KORO_EDEAD (k has finished: nothing
 * happens) or KORO_EINVAL (NULL or uninitialised k). */
KORO_API int koro_cancel(koro_t *k);

/* Opt-in stacks with a guard page (the only functions that map memory).
 * koro_stack_alloc() maps at least size usable bytes, rounded up to whole
 * pages, above one inaccessible page; *stack and *usable are what to pass
 * to koro_init().  koro_stack_free() unmaps it (size: the size given to
 * koro_stack_alloc(), or *usable).  Return 0, KORO_EINVAL, KORO_ESTACK
 * (size below koro_stack_min()), KORO_ESYS or KORO_ENOSYS.  The stack's
 * first bytes hold a seal by which koro_init() knows it: such a coroutine
 * relies on the guard page instead of a canary, as after koro_use_guard(). */
KORO_API int koro_stack_alloc(size_t size, void **stack, size_t *usable);
KORO_API int koro_stack_free(void *stack, size_t size);

/* Opt-in speed for stacks mapped above a guard page by other means than
 * koro_stack_alloc() (whose stacks koro_init() knows by itself, unless
 * their seal was written over): switches rely on that page to stop
 * an overflow instead of checking the canary at the low end of the stack
 * (on stacks larger than a page, that check touches a second page on every
 * switch).  Call it after koro_init() and before the first resume; it
 * looks the page up (a few system calls) and cannot be undone.  Returns
 * 0, KORO_EINVAL (also: no guard page found there), KORO_ESTARTED,
 * KORO_ESYS or KORO_ENOSYS (this platform cannot tell). */
KORO_API int koro_use_guard(koro_t *k);

/* ---- File descriptors ------------------------------------------------
 *
 * A scheduled coroutine waits for a file descriptor or socket while the
 * others run; koro_sched_run() sleeps in the poller (epoll, kqueue or
 * poll(2), chosen by configure) when nothing is runnable.  The fds are the
 * caller's: the library never opens, closes or changes one (the caller sets
 * O_NONBLOCK; koro_accept() returns non-blocking fds).  The wait record
 * lives in the waiting coroutine's frame.  The epoll or kqueue descriptor
 * is opened by the first blocking wait in a run and closed when
 * koro_sched_run() returns.  Not on Windows or Emscripten: every call
 * returns KORO_ENOSYS there. */
#define KORO_FD_IN 1  /* readable, or an accepted connection waits */
#define KORO_FD_OUT 2 /* writable, or a connect() has finished */

#if defined(_WIN32)
struct sockaddr;
#define KORO_SOCKLEN_T_ int /* what ws2tcpip.h calls socklen_t */
#if defined(_MSC_VER)
#define KORO_SSIZE_T_ intptr_t
#else
#include <sys/types.h>
#define KORO_SSIZE_T_ ssize_t
#endif
#else
#include <sys/socket.h>
#include <sys/types.h>
#define KORO_SOCKLEN_T_ socklen_t
#define KORO_SSIZE_T_ ssize_t
#endif

/* Block the current scheduled coroutine until fd is ready for any of
 * events (KORO_FD_IN, KORO_FD_OUT or both); an error or hang-up counts as
 * ready for all of them.  timeout_ns: -1 for ever, 0 to poll (works from
 * anywhere, no scheduler needed), > 0 at most that long.  Returns the
 * ready subset of events (> 0), KORO_ETIMEDOUT, KORO_EINVAL, KORO_ENOSCHED,
 * KORO_EBUSY (another coroutine of the scheduler waits on fd for one of the
 * same events: one reader and one writer per fd), KORO_ECANCELED (woken
 * for another reason), KORO_ESYS or KORO_ENOSYS. */
KORO_API int koro_fd_wait(int fd, int events, int64_t timeout_ns);

/* read(2) on a non-blocking fd, waiting while it would block: the bytes
 * read (0 at end of file), or KORO_ETIMEDOUT, KORO_EINVAL, KORO_ENOSCHED,
 * KORO_EBUSY, KORO_ECANCELED, KORO_ESYS (errno kept) or KORO_ENOSYS.  The
 * timeout covers the whole call. */
KORO_API KORO_SSIZE_T_ koro_read(int fd, void *buf, size_t n,
                                 int64_t timeout_ns);

/* Write all n bytes to a non-blocking fd, waiting as needed: returns n.  A
 * timeout or error after part was written returns the part's length (< n)
 * with errno ETIMEDOUT or the system's error; before anything was written,
 * the negative code as koro_read(). */
KORO_API KORO_SSIZE_T_ koro_write(int fd, const void *buf, size_t n,
                                  int64_t timeout_ns);

/* Accept a connection on a non-blocking listening socket, waiting for
 * one: the new fd (non-blocking, close-on-exec), or a code as koro_read(). */
KORO_API int koro_accept(int fd, struct sockaddr *addr, KORO_SOCKLEN_T_ *len,
                         int64_t timeout_ns);

/* Connect a non-blocking socket, waiting until it is done: 0, or a code as
 * koro_read() (KORO_ESYS with errno ECONNREFUSED, ...). */
KORO_API int koro_connect(int fd, const struct sockaddr *addr,
                          KORO_SOCKLEN_T_ len, int64_t timeout_ns);

/* Opt-in: report a coroutine running into its guard page ("libkorutin:
 * stack overflow in coroutine ...") and abort, instead of a bare SIGSEGV.
 * Installs a process-wide SIGSEGV/SIGBUS handler that runs on the calling
 * thread's alternate signal stack (its own if it has one, otherwise one
 * mapped here, 8 KiB and a guard page, unmapped at thread exit): call it
 * once in every thread that runs coroutines on guarded stacks (under the
 * threads backend, each coroutine's thread takes one from the top of its
 * stack).  Other faults go to the previous handler.  Returns 0,
 * KORO_ESYS or KORO_ENOSYS. */
KORO_API int koro_overflow_handler_install(void);

#ifdef __cplusplus
}
#endif

#endif /* KORUTIN_H */
