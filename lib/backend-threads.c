/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* backend-threads.c - the portable backend of last resort: one OS thread
 * per coroutine, running on the stack the caller gave, and a strict
 * hand-off so that exactly one of the threads runs at any time.
 *
 * Each context (every coroutine, and the root context of each OS thread
 * that resumes coroutines) owns one wake-up object: a futex word on Linux,
 * a mutex and condition variable on macOS, a POSIX semaphore elsewhere.
 * A switch posts the target's object and sleeps on its own.  A
 * coroutine's object and the rest of its state (struct kt_co) are carved
 * from the top of its stack, so koro_t keeps its size; the root context's
 * object is thread-local and koro_ctx_ of the root points to it.
 *
 * Lifetimes, which are the hard part:
 *  - The thread is created at the first switch into the coroutine, with
 *    pthread_attr_setstack() on [koro_lo_, koro_hi_) (below our state).
 *    The C library puts its thread descriptor and static TLS at the top of
 *    that range too, and the kernel writes the descriptor's tid word when
 *    the thread dies.  So the stack is only free again once the thread is
 *    joined: a detached thread would still be running its exit path (and
 *    the kernel would still clear the tid word) on memory the caller may
 *    already be reusing.  Hence every thread is joined, never detached.
 *  - A finished coroutine (koro__bk_exit) tells its parent "join me" in the
 *    parent's wake-up object, wakes it and returns from its thread
 *    function.  The parent joins before it goes back to the user, so when
 *    koro_resume() returns the dead coroutine's stack is free.
 *  - koro_fini() of a suspended coroutine sends it a cancel hand-off: its
 *    thread wakes inside its own koro__switch() and longjmp()s up its own
 *    stack to the setjmp() in the thread's start routine, which returns.
 *    The caller joins it.  No pthread_cancel()/pthread_exit(): those unwind
 *    by force and run into C++ and fortify trouble; an upward longjmp on
 *    the same thread is plain C.
 *  - A new thread runs at once, before pthread_create() has returned to
 *    its creator: everything it may look at is set up before the call.
 *
 * Speed: the hand-off spins briefly before it sleeps, but only where that
 * pays.  A resumer spins only if the coroutine it hands over to was awake
 * (itself spinning: a tight ping-pong, which then never enters the kernel);
 * a coroutine it had to wake needs a processor, so the resumer sleeps at
 * once and frees its own.  A yielder spins on an adaptive budget that
 * falls to a few pause instructions when it keeps waiting its turn among
 * many coroutines, so those never burn the CPUs.  On one processor (the
 * affinity mask counts) nobody spins.  When both sides sleep, a round
 * trip is at best two futex calls and two context switches, which the
 * kernel grants only if a woken coroutine takes the processor at once:
 * the short-slice hint below asks for that.  Measure with
 * bench/threads-bench (`-c 0` pins every thread of both sides to one
 * core, the stable comparison on a shared machine).
 */
/* sched_getaffinity() and CPU_COUNT() are GNU extensions (glibc, musl,
 * bionic), declared only with _GNU_SOURCE, before the first header. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1
#endif
#include "backend.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdlib.h>
#ifdef HAVE_SIGALTSTACK
#include <signal.h>
#endif
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#endif
#ifdef HAVE_DL_ITERATE_PHDR
#include <link.h>
#endif
/* Only KORO_TSAN, for the stack minimum: this backend's hand-off is
 * between real threads, which ThreadSanitizer follows by itself. */
#define KORO_SAN_DETECT_ONLY 1
#include "sanitize.h"

/* dl_iterate_phdr() for the static TLS size, where the ELF types have
 * glibc's (also musl's, bionic's) spelling. */
#if defined(HAVE_DL_ITERATE_PHDR) && defined(ElfW)
#define KT_TLS_PHDR 1
#endif

#ifdef KORO_VALGRIND
#include <valgrind/memcheck.h>
#endif

/* KORO_THREADS_SEM and KORO_THREADS_CONDVAR force the semaphore or the
 * condition variable hand-off on Linux too, so that the code paths of the
 * other systems can be tested here.  macOS declares sem_init() but it
 * fails there (ENOSYS). */
#if defined(__linux__) && !defined(KORO_THREADS_SEM) &&                        \
    !defined(KORO_THREADS_CONDVAR)
#define KT_FUTEX 1
#include <linux/futex.h>
#include <sys/syscall.h>
#elif defined(__APPLE__) || defined(KORO_THREADS_CONDVAR)
#define KT_CONDVAR 1
#else
#include <semaphore.h>
#endif

#if defined(KT_FUTEX)
const char koro__bk_name[] = "threads futex";
#elif defined(KT_CONDVAR)
const char koro__bk_name[] = "threads condvar";
#else
const char koro__bk_name[] = "threads semaphore";
#endif

/* ------------------------------------------------------------------ */
/* Wake-up objects. */

enum { KT_IDLE, KT_POSTED, KT_SLEEPING };
enum { KT_RUN, KT_CANCEL };

/* Spinning before sleeping, in pause instructions.  A tight ping-pong,
 * where both threads spin, never enters the kernel; KT_SPIN_MAX covers
 * the time it takes to wake a sleeping thread (doc/design.md).  Who
 * spins, and how long, adapts: see kt_spin_won(), kt_spin_lost() and
 * koro__switch(). */
#ifndef KT_SPIN_MAX
#define KT_SPIN_MAX 1024u
#endif
/* The floor.  Among many coroutines even a few pauses per wait cost
 * (they cannot win: the next resume is many round trips away). */
#ifndef KT_SPIN_MIN
#define KT_SPIN_MIN 0u
#endif

struct kt_co;

struct kt_wake {
#if defined(KT_FUTEX)
    uint32_t v; /* KT_IDLE, KT_POSTED or KT_SLEEPING */
#elif defined(KT_CONDVAR)
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int posted; /* a post not yet taken */
    int ready;  /* mu and cv were initialised */
    int asleep; /* the owner is blocked in pthread_cond_wait() (under mu) */
#else
    sem_t sem;
    int ready;  /* sem_init() was done */
    int asleep; /* the owner is (about to be) blocked in sem_wait() */
#endif
    uint32_t cmd;       /* KT_RUN or KT_CANCEL, written before the post */
    unsigned spin;      /* current spin budget, owned by the waiter */
    unsigned probe;     /* waits at the floor, for kt_spin_budget() */
    struct kt_co *join; /* a finished child to join, written by it */
    unsigned gen;       /* kt_gen when its thread was known to exist */
};

/* The state of a coroutine, at the top of its stack. */
struct kt_co {
    struct kt_wake w; /* first: koro_ctx_ points to both */
    pthread_t thread;
    int live; /* the thread exists and has not been joined */
    jmp_buf *home;
    koro_t *k;
    koro_fn fn;
    void *arg;
};

/* The wake-up object of this OS thread's root context; a few words, so
 * it fits the library's small static TLS (koro-int.h). */
static KORO_TLS struct kt_wake kt_root KORO_TLS_MODEL;

/* ------------------------------------------------------------------ */
/* fork(). */

/* A child made by fork() has only the thread that called it: every other
 * context's thread, and so every coroutine suspended at the fork, is gone
 * from it, and a switch to one would wait forever.  kt_gen counts the
 * forks this process descends from; a wake-up object records the
 * generation in which its thread existed, and a switch to an object of an
 * older one fails with KORO_EFORKED.  Only the child writes kt_gen, while
 * it has one thread. */
static unsigned kt_gen;
static pthread_once_t kt_atfork_once = PTHREAD_ONCE_INIT;

static void
kt_atfork_child(void)
{
    koro_t *cur = koro__tls.cur;

    kt_gen++;
    /* The caller's own context lives on in the child. */
    kt_root.gen = kt_gen;
    if (cur)
        ((struct kt_wake *)cur->koro_ctx_)->gen = kt_gen;
}

static void
kt_atfork_register(void)
{
    (void)pthread_atfork(NULL, NULL, kt_atfork_child);
}

/* A context created or spawned in the parent whose thread the child lacks:
 * it cannot run here (its stack is the child's copy, free for reuse). */
static inline int
kt_forked(const struct kt_wake *w)
{
    return KORO_UNLIKELY(w->gen != kt_gen);
}

static inline void
kt_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

/* The processors this thread may run on: those of its affinity mask
 * where that can be asked (a process pinned to one core, as with
 * `taskset -c 0`, has one, however many are online), else the online
 * ones; -1 if unknown. */
static long
kt_ncpu(void)
{
    long n = -1;

#if defined(__linux__) && defined(CPU_COUNT)
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set);
#endif
#ifdef _SC_NPROCESSORS_ONLN
    n = sysconf(_SC_NPROCESSORS_ONLN);
#endif
    return n;
}

/* Spinning only pays when the partner can run meanwhile: not on a
 * single processor, where the spinner would only delay the thread it
 * waits for.  Computed once, at the first switch of the process (a
 * program that pins itself should do so before); the race to compute
 * it is benign. */
static unsigned
kt_spin_cap(void)
{
    static unsigned cap = ~0u;
    unsigned c = __atomic_load_n(&cap, __ATOMIC_RELAXED);

    if (KORO_UNLIKELY(c == ~0u)) {
        c = kt_ncpu() == 1 ? 0 : KT_SPIN_MAX;
        __atomic_store_n(&cap, c, __ATOMIC_RELAXED);
    }
    return c;
}

/* The budget doubles when spinning paid off and halves when it did not:
 * it settles high for a context whose partner answers quickly and at the
 * floor for one that waits its turn among many. */
static inline void
kt_spin_won(struct kt_wake *w, unsigned budget)
{
    unsigned cap = kt_spin_cap();

    w->spin = budget < cap / 2 ? budget * 2 : cap;
}

static inline void
kt_spin_lost(struct kt_wake *w, unsigned budget)
{
    w->spin = budget / 2 > KT_SPIN_MIN ? budget / 2 : KT_SPIN_MIN;
}

/* The spin for this wait.  At the floor, every 256th wait probes with a
 * longer one, so that a pair that has become a tight ping-pong again (or
 * that noise pushed down) finds out. */
static inline unsigned
kt_spin_budget(struct kt_wake *w, int spin)
{
    if (!spin)
        return 0;
    if (w->spin <= KT_SPIN_MIN && (++w->probe & 255) == 0)
        return kt_spin_cap() / 4;
    return w->spin;
}

#ifdef KT_FUTEX

static int
kt_wake_init(struct kt_wake *w)
{
    w->v = KT_IDLE;
    return 0;
}

static void
kt_wake_destroy(struct kt_wake *w)
{
    (void)w;
}

static void
kt_wake_forget(struct kt_wake *w)
{
    (void)w;
}

/* One waiter and at most one pending post per object (strict hand-off),
 * so three states suffice and the futex call is made only when the waiter
 * really sleeps: a post is one atomic exchange (it releases what the
 * poster wrote, cmd and join included, to the waiter's acquire) plus a
 * FUTEX_WAKE only if the waiter said it sleeps; a wait is loads while it
 * spins, one compare-and-swap before it sleeps, one plain store after.
 * If the waiter has meanwhile woken for good, the FUTEX_WAKE may hit a
 * word that is reused memory: harmless, a futex wake on an address
 * nobody waits on does nothing, and every futex waiter tolerates
 * spurious wake-ups. */
static int
kt_post(struct kt_wake *w)
{
    if (__atomic_exchange_n(&w->v, KT_POSTED, __ATOMIC_ACQ_REL) != KT_SLEEPING)
        return 0;
    syscall(SYS_futex, &w->v, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    return 1;
}

static void
kt_wait(struct kt_wake *w, int spin)
{
    unsigned n, budget = kt_spin_budget(w, spin);
    uint32_t idle = KT_IDLE;

    for (n = 0; n < budget; n++) {
        if (__atomic_load_n(&w->v, __ATOMIC_ACQUIRE) == KT_POSTED) {
            kt_spin_won(w, budget);
            goto got;
        }
        kt_relax();
    }
    if (spin)
        kt_spin_lost(w, budget);
    if (__atomic_compare_exchange_n(&w->v, &idle, KT_SLEEPING, 0,
                                    __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
        int e = errno; /* EAGAIN, EINTR: not the coroutine's business */

        while (__atomic_load_n(&w->v, __ATOMIC_ACQUIRE) == KT_SLEEPING)
            syscall(SYS_futex, &w->v, FUTEX_WAIT_PRIVATE, KT_SLEEPING, NULL,
                    NULL, 0);
        errno = e;
    }
got:
    __atomic_store_n(&w->v, KT_IDLE, __ATOMIC_RELAXED);
}

#elif defined(KT_CONDVAR)

/* A root context's object is set up again for each new root of its
 * thread: then only reset, as initialising a mutex twice is undefined. */
static int
kt_wake_init(struct kt_wake *w)
{
    if (w->ready) {
        w->posted = w->asleep = 0;
        return 0;
    }
    if (pthread_mutex_init(&w->mu, NULL) != 0)
        return KORO_ESYS;
    if (pthread_cond_init(&w->cv, NULL) != 0) {
        pthread_mutex_destroy(&w->mu);
        return KORO_ESYS;
    }
    w->posted = w->asleep = 0;
    w->ready = 1;
    return 0;
}

static void
kt_wake_destroy(struct kt_wake *w)
{
    if (w->ready) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
    }
    w->ready = 0;
}

/* In a child of fork(), an object whose owner's thread stayed in the
 * parent: the condition variable may count that thread as a waiter, and
 * pthread_cond_destroy() would wait for it for ever. */
static void
kt_wake_forget(struct kt_wake *w)
{
    w->ready = 0;
}

/* `posted` is stored with release under mu, so a waiter that spins sees
 * what the poster wrote before (cmd, join); the signal only if the waiter
 * sleeps, which it says under mu. */
static int
kt_post(struct kt_wake *w)
{
    int asleep;

    pthread_mutex_lock(&w->mu);
    __atomic_store_n(&w->posted, 1, __ATOMIC_RELEASE);
    asleep = w->asleep;
    if (asleep)
        pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return asleep;
}

/* One pending post at most (strict hand-off), taken only by the owner,
 * always under mu: once the owner has it, the poster is out of
 * pthread_mutex_unlock(), and the object may be destroyed. */
static void
kt_wait(struct kt_wake *w, int spin)
{
    unsigned n, budget = kt_spin_budget(w, spin);
    int e = errno; /* EINTR and the like: not the coroutine's business */

    for (n = 0; n < budget; n++) {
        if (__atomic_load_n(&w->posted, __ATOMIC_ACQUIRE)) {
            kt_spin_won(w, budget);
            pthread_mutex_lock(&w->mu);
            __atomic_store_n(&w->posted, 0, __ATOMIC_RELAXED);
            pthread_mutex_unlock(&w->mu);
            errno = e;
            return;
        }
        kt_relax();
    }
    if (spin)
        kt_spin_lost(w, budget);
    pthread_mutex_lock(&w->mu);
    w->asleep = 1;
    while (!__atomic_load_n(&w->posted, __ATOMIC_ACQUIRE))
        pthread_cond_wait(&w->cv, &w->mu);
    w->asleep = 0;
    __atomic_store_n(&w->posted, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&w->mu);
    errno = e;
}

#else /* POSIX semaphores */

static int
kt_wake_init(struct kt_wake *w)
{
    if (sem_init(&w->sem, 0, 0) != 0)
        return KORO_ESYS;
    w->ready = 1;
    return 0;
}

static void
kt_wake_destroy(struct kt_wake *w)
{
    if (w->ready)
        sem_destroy(&w->sem);
    w->ready = 0;
}

static void
kt_wake_forget(struct kt_wake *w)
{
    kt_wake_destroy(w);
}

/* `asleep` only steers spinning, so a stale read is harmless. */
static int
kt_post(struct kt_wake *w)
{
    int asleep = __atomic_load_n(&w->asleep, __ATOMIC_RELAXED);

    sem_post(&w->sem);
    return asleep;
}

static void
kt_wait(struct kt_wake *w, int spin)
{
    unsigned n, budget = kt_spin_budget(w, spin);
    int e = errno; /* EAGAIN, EINTR: not the coroutine's business */

    for (n = 0; n < budget; n++) {
        if (sem_trywait(&w->sem) == 0) {
            kt_spin_won(w, budget);
            errno = e;
            return;
        }
        kt_relax();
    }
    if (spin)
        kt_spin_lost(w, budget);
    __atomic_store_n(&w->asleep, 1, __ATOMIC_RELAXED);
    while (sem_wait(&w->sem) != 0 && errno == EINTR)
        ;
    errno = e;
    __atomic_store_n(&w->asleep, 0, __ATOMIC_RELAXED);
}

#endif

/* ------------------------------------------------------------------ */
/* A scheduling hint for the coroutines' threads (Linux). */

/* Every hand-off wakes a thread and puts another to sleep.  It costs two
 * futex calls and two context switches when the woken thread takes the
 * processor at once; when the waker keeps it instead, the woken thread
 * runs only once the waker sleeps, and waking the waker back costs one
 * more call each way.  Linux 6.12+ (EEVDF) lets a thread ask for a short
 * time slice (sched_attr.sched_runtime for SCHED_OTHER), which gives it
 * an early deadline and so the processor when it wakes: true of a
 * coroutine's thread, which runs in short bursts between hand-offs: fewer
 * futex calls and context switches per round trip (doc/design.md).  The
 * cost: under contention, a coroutine that computes for
 * long is preempted every 0.1 ms instead of every few ms.  Only the
 * backend's own threads get the hint, never the caller's; older kernels
 * ignore sched_runtime for SCHED_OTHER, and any failure (seccomp, an
 * emulator) is ignored.  KT_SLICE_NS=0 leaves the kernel's default. */
#ifndef KT_SLICE_NS
#define KT_SLICE_NS 100000u /* the shortest slice the kernel takes */
#endif

#if defined(KT_FUTEX) && defined(SYS_sched_getattr) &&                         \
    defined(SYS_sched_setattr) && KT_SLICE_NS > 0
/* The first version of the kernel's struct sched_attr (48 bytes). */
struct kt_sched_attr {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
};

static void
kt_short_slice(void)
{
    struct kt_sched_attr a;

    memset(&a, 0, sizeof a);
    /* Keep the policy and the nice value the thread inherited: only a
     * SCHED_OTHER thread is touched, and it keeps its priority. */
    if (syscall(SYS_sched_getattr, 0, &a, sizeof a, 0) != 0 || a.policy != 0)
        return;
    a.size = sizeof a;
    a.flags &= 1; /* SCHED_FLAG_RESET_ON_FORK, the only one valid here */
    a.runtime = KT_SLICE_NS;
    (void)syscall(SYS_sched_setattr, 0, &a, 0);
}
#else
static void
kt_short_slice(void)
{
}
#endif

/* ------------------------------------------------------------------ */
/* Creation and the stack. */

static size_t
kt_thread_stack_min(void)
{
    long m = -1;

#ifdef _SC_THREAD_STACK_MIN
    m = sysconf(_SC_THREAD_STACK_MIN);
#endif
#ifdef PTHREAD_STACK_MIN
    if (m < (long)PTHREAD_STACK_MIN)
        m = (long)PTHREAD_STACK_MIN;
#endif
    return m > 0 ? (size_t)m : 16384;
}

/* The static TLS of every module loaded so far (the program, the C
 * library, a sanitizer's runtime, ...): for a thread on a stack the caller
 * gave, the C library carves the thread's descriptor and this TLS from the
 * top of that stack (glibc refuses a stack smaller than static TLS + 2
 * KiB).  PTHREAD_STACK_MIN does not count it: it is a constant, and the
 * TLS depends on what is linked.  Usually a few KiB, but a program with a
 * large __thread array, or ThreadSanitizer (whose per-thread state is a
 * TLS block of about 770 KiB in GCC 12's libtsan), needs much more.  The
 * sum over PT_TLS segments of what is loaded now; modules dlopen()ed
 * later get dynamic TLS (malloc()ed, not on the stack) except for the
 * C library's small static surplus, which PTHREAD_STACK_MIN covers. */
#ifdef KT_TLS_PHDR
static int
kt_tls_module(struct dl_phdr_info *info, size_t size, void *data)
{
    size_t *sum = data, i;

    (void)size;
    for (i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        size_t align = ph->p_align > 1 ? (size_t)ph->p_align : 1;

        if (ph->p_type == PT_TLS)
            *sum += ((size_t)ph->p_memsz + align - 1) / align * align;
    }
    return 0;
}
#endif

static size_t
kt_static_tls(void)
{
    size_t sum = 0;

#ifdef KT_TLS_PHDR
    dl_iterate_phdr(kt_tls_module, &sum);
#endif
    return sum;
}

/* ThreadSanitizer's pthread_create() wants static TLS + 128 KiB on a
 * stack the caller gives ("pre-allocated stack size is insufficient"
 * otherwise, and pthread_create() is then likely to fail): the runtime
 * runs on the thread's stack (its interceptors, and the symbolizer when
 * it reports), and 128 KiB is what it reserves for that.  The TLS is
 * counted above, the 128 KiB here. */
#ifdef KORO_TSAN
#define KT_SAN_RUNTIME 131072u
#else
#define KT_SAN_RUNTIME 0u
#endif

/* What pthread_attr_setstack() needs, plus our state and what koro_init()
 * may take off the top and bottom: alignment (2 x 15 bytes) and the cache
 * colour offset (at most 15 x 64 bytes).  The C library's own descriptor
 * comes out of its PTHREAD_STACK_MIN, the static TLS does not (see
 * above).  Another 16 KiB is kept for the coroutine's own frames, the
 * futex call and the dynamic linker's first-call resolver (which saves
 * the vector registers: about 3 KiB with AVX-512). */
size_t
koro__bk_stack_min(void)
{
    static size_t cached; /* sysconf() is not free; koro_init() asks */
    size_t m = __atomic_load_n(&cached, __ATOMIC_RELAXED);

    if (!m) {
        m = kt_thread_stack_min() + kt_static_tls() + KT_SAN_RUNTIME +
            sizeof(struct kt_co) + 64 + 1024 + 16384;
        __atomic_store_n(&cached, m, __ATOMIC_RELAXED);
    }
    return m;
}

int
koro__bk_init(koro_t *k, koro_fn fn, void *arg)
{
    uintptr_t top = (uintptr_t)k->koro_hi_ - sizeof(struct kt_co);
    struct kt_co *c = (struct kt_co *)(top & ~(uintptr_t)63);

    memset(c, 0, sizeof *c);
    if (kt_wake_init(&c->w) != 0)
        return KORO_ESYS;
    c->w.spin = kt_spin_cap();
    c->k = k;
    c->fn = fn;
    c->arg = arg;
    k->koro_ctx_ = c;
    k->koro_hi_ = (unsigned char *)c;
    return 0;
}

unsigned char *
koro__bk_frame_low(const koro_t *k)
{
    return k->koro_hi_; /* our state starts there; the thread is not born */
}

/* Once the overflow handler is installed, a coroutine's thread needs an
 * alternate signal stack of its own to report an overflow on: it takes
 * koro__sigstack_size bytes from the top of its stack, where the stack
 * has room for that besides koro_stack_min()
 * (koro_overflow_handler_install(3)). */
#if defined(HAVE_SIGALTSTACK) && (defined(__GNUC__) || defined(__clang__))
#define KT_SIGSTACK 1
static int
kt_sigstack_fits(const struct kt_co *c, size_t alt)
{
    size_t room = (size_t)((const unsigned char *)c - c->k->koro_lo_);

    /* koro__bk_stack_min() less what koro_init() and our state may take
     * off the range before the thread gets it. */
    return room >=
           koro__bk_stack_min() - (sizeof(struct kt_co) + 64 + 1024) + alt;
}

/* Make [at, at + n) the thread's alternate signal stack, or with at NULL
 * disable it; 1 if done.  Failing, an overflow is a plain SIGSEGV. */
static int
kt_sigstack(void *at, size_t n)
{
    stack_t ss;

    memset(&ss, 0, sizeof ss);
    ss.ss_sp = at;
    ss.ss_size = n;
    if (!at)
        ss.ss_flags = SS_DISABLE;
    return sigaltstack(&ss, NULL) == 0;
}
#endif

/* The thread function.  The coroutine's own frames live below `home`;
 * finishing or being cancelled longjmp()s back here so that the thread
 * ends by returning, the gentlest way there is. */
static void *
kt_start(void *p)
{
    struct kt_co *c = p;
    jmp_buf home;
#ifdef KT_SIGSTACK
    size_t alt = KORO_HOOK_GET(koro__sigstack_size);
    volatile int alt_on = 0; /* read after the longjmp() home */

    if (alt && kt_sigstack_fits(c, alt))
        alt_on = kt_sigstack(__builtin_alloca(alt), alt);
#endif

    c->home = &home;
    kt_short_slice();
    if (setjmp(home) == 0) {
        koro__set_cur(c->k);
        koro__entry(c->k, c->fn, c->arg);
    }
#ifdef KT_SIGSTACK
    /* Once this returns, the thread's exit path runs over that memory,
     * where a registered signal stack makes sigaltstack() fail (EPERM). */
    if (alt_on)
        kt_sigstack(NULL, 0);
#endif
    return NULL;
}

static int
kt_spawn(struct kt_co *c)
{
    pthread_attr_t a;
    unsigned char *lo = c->k->koro_lo_;
    int rc;

    if (pthread_once(&kt_atfork_once, kt_atfork_register) != 0 ||
        pthread_attr_init(&a) != 0)
        return KORO_ESYS;
    c->w.gen = kt_gen;
    /* The new thread runs at once, and may switch back to this context
     * (through its children, even) before pthread_create() returns here:
     * `live` must already say so.  Only c->thread is written late, and
     * only whoever runs after our hand-off reads it (to join). */
    c->live = 1;
    rc = pthread_attr_setstack(&a, lo, (size_t)((unsigned char *)c - lo));
    if (rc == 0)
        rc = pthread_create(&c->thread, &a, kt_start, c);
    pthread_attr_destroy(&a);
    if (rc != 0) {
        c->live = 0;
        return KORO_ESYS;
    }
    return 0;
}

/* The core updated the states before the switch; a switch that did not
 * happen (no thread could be made) must leave them as they were. */
static KORO_COLD int
kt_unswitch(koro_t *from, koro_t *to, int rc)
{
    to->koro_state_ = KORO_ST(KORO_SUSPENDED);
    to->koro_parent_ = NULL;
    if (from->koro_lo_)
        koro__set_status(from, KORO_RUNNING); /* keeps its marks */
    koro__set_cur(from);
    return rc;
}

/* A switch to a context that a fork() left behind (kt_forked): undo what
 * the core did, in whichever direction, and say why. */
static KORO_COLD int
kt_unswitch_forked(koro_t *from, koro_t *to, int resuming)
{
    if (resuming)
        return kt_unswitch(from, to, KORO_EFORKED);
    /* A yield to the resumer, or a hand-off to a sibling (koro__transfer). */
    koro__set_status(from, KORO_RUNNING);
    if (to->koro_lo_)
        koro__set_status(to, to == from->koro_parent_ ? KORO_NORMAL
                                                      : KORO_SUSPENDED);
    koro__set_cur(from);
    return KORO_EFORKED;
}

static KORO_COLD struct kt_wake *
kt_root_wake(koro_t *root)
{
    struct kt_wake *w = &kt_root;

    if (pthread_once(&kt_atfork_once, kt_atfork_register) != 0 ||
        kt_wake_init(w) != 0)
        return NULL;
    w->spin = kt_spin_cap();
    w->gen = kt_gen;
    root->koro_ctx_ = w;
    return w;
}

/* ------------------------------------------------------------------ */
/* Switching. */

static void
kt_join(struct kt_co *c)
{
    pthread_join(c->thread, NULL);
    c->live = 0;
    kt_wake_destroy(&c->w);
#ifdef KORO_VALGRIND
    /* The stack is the caller's again.  The core told memcheck so when the
     * coroutine finished or was finalised (sanitize.h), but the thread's
     * exit path ran on it afterwards, and memcheck marks the bytes of the
     * frames it popped deeper than its 128-byte red zone as inaccessible:
     * a later memset() of the buffer would be an invalid write.  Joined,
     * the thread runs there no more. */
    VALGRIND_MAKE_MEM_DEFINED(c->k->koro_lo_,
                              (size_t)((unsigned char *)c - c->k->koro_lo_));
#endif
}

/* Back from sleep as `self`: finish what the waker asked for. */
static void
kt_woken(koro_t *self, struct kt_wake *w)
{
    if (KORO_UNLIKELY(w->join != NULL)) {
        kt_join(w->join);
        w->join = NULL;
    }
    if (KORO_UNLIKELY(w->cmd == KT_CANCEL))
        longjmp(*((struct kt_co *)w)->home, 1);
    koro__set_cur(self);
}

KORO_SWITCH_CC int
koro__switch(koro_t *from, koro_t *to)
{
    struct kt_wake *fw = from->koro_ctx_, *tw = to->koro_ctx_;
    /* Read before the hand-off: after it, `to` runs and may change its
     * parent (finish, be resumed by another) while we still look. */
    int resuming = to->koro_parent_ == from;
    int rc, asleep;

    if (KORO_UNLIKELY(!fw) && !(fw = kt_root_wake(from)))
        return kt_unswitch(from, to, KORO_ESYS);
    /* A root context is switched to only after it switched away, and is
     * never spawned (it has no stack range: koro_lo_ is NULL); a switch
     * to a root happens only from a coroutine (yield, finish). */
    if (to->koro_lo_ && KORO_UNLIKELY(!((struct kt_co *)tw)->live)) {
        rc = kt_spawn((struct kt_co *)tw);
        if (rc != 0)
            return kt_unswitch(from, to, rc);
        asleep = 1;
    } else if (kt_forked(tw)) {
        return kt_unswitch_forked(from, to, resuming);
    } else {
        asleep = kt_post(tw);
    }
    /* A resumer spins only for a child that was awake (spinning for us,
     * as in a tight ping-pong): a child it had to wake needs a processor
     * first, and the one we are on is the likeliest to be free soon (with
     * many coroutines this is every resume).  A yielder spins on its own
     * adaptive budget, which also gets a ping-pong out of the all-asleep
     * state; among many coroutines that budget falls to the floor. */
    kt_wait(fw, !asleep || !resuming);
    kt_woken(from, fw);
    return 0;
}

void
koro__bk_exit(koro_t *self, koro_t *to)
{
    struct kt_co *c = self->koro_ctx_;
    struct kt_wake *tw = to->koro_ctx_;
    jmp_buf *home = c->home;

    if (kt_forked(tw)) {
        /* fork() inside this coroutine: its resumer is not in the child. */
        static const char msg[] = "libkorutin: a coroutine returned in a "
                                  "child made by fork() inside it, where its "
                                  "resumer does not exist\n";

        koro__write_stderr(msg, sizeof msg - 1);
        abort();
    }
    /* After the post, `to` may run; it only reads c->thread and joins us,
     * so nothing else of ours may be touched but our own stack. */
    tw->join = c;
    kt_post(tw);
    longjmp(*home, 1);
}

void
koro__bk_fini(koro_t *k)
{
    struct kt_co *c = k->koro_ctx_;

    if (c->live && kt_forked(&c->w)) {
        /* Its thread is in the parent only: nothing to end. */
        c->live = 0;
        kt_wake_forget(&c->w);
    } else if (c->live) {
        c->w.cmd = KT_CANCEL;
        kt_post(&c->w);
        kt_join(c);
    } else {
        kt_wake_destroy(&c->w);
    }
}
