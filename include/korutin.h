/* korutin.h - the whole public API of libkorutin.
 *
 * Stackful, asymmetric (Lua-like) coroutines in C.  The library never
 * allocates: the caller provides every coroutine object and every stack, and
 * a coroutine runs on the memory it was given for its whole life, so pointers
 * to its locals stay valid across switches.
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

/* KORO_API marks the exported functions.  On Windows, define KORO_STATIC
 * when linking the static library. */
#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(KORO_BUILDING_DLL)
#define KORO_API __declspec(dllexport)
#elif defined(KORO_STATIC)
#define KORO_API
#else
#define KORO_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define KORO_API __attribute__((visibility("default")))
#else
#define KORO_API
#endif

/* Status of a coroutine, as returned by koro_status(). */
#define KORO_SUSPENDED 1 /* created, or yielded: koro_resume() may run it */
#define KORO_RUNNING 2   /* it is the current coroutine */
#define KORO_NORMAL 3    /* it resumed another coroutine and waits for it */
#define KORO_DEAD 4      /* its function returned */

/* Error codes: every function that can fail returns one of these negative
 * values (0 means success).  koro_strerror() describes each. */
#define KORO_EINVAL (-1)    /* NULL or invalid argument, not initialised */
#define KORO_ESTACK (-2)    /* stack smaller than koro_stack_min() */
#define KORO_EDEAD (-3)     /* the coroutine has finished */
#define KORO_ERUNNING (-4)  /* the coroutine is the one running now */
#define KORO_ENORMAL (-5)   /* the coroutine is an ancestor of the caller */
#define KORO_ENOTCORO (-6)  /* called outside any coroutine */
#define KORO_ESTARTED (-7)  /* the coroutine has already been started */
#define KORO_ENOSYS (-8)    /* not supported by this build or backend */
#define KORO_ESYS (-9)      /* the operating system refused (e.g. threads) */
#define KORO_EDEADLK (-10)  /* every coroutine left is blocked forever */
#define KORO_EAGAIN (-11)   /* the operation would block */
#define KORO_ETIMEDOUT (-12) /* the timeout expired */
#define KORO_ECLOSED (-13)  /* the channel is closed */
#define KORO_ENOSCHED (-14) /* not inside a coroutine run by a scheduler */
#define KORO_EBUSY (-15)    /* the object is in use */
#define KORO_ELAST (-15)    /* the lowest error code */

/* A coroutine.  The caller allocates it anywhere (static, automatic, an
 * array, the heap).  Its size is the same under every backend: 64 bytes on
 * 64-bit targets, 36 on 32-bit ones.  The fields are private. */
typedef struct koro koro_t;
struct koro {
    void *koro_ctx_;         /* backend context (asm: the saved SP) */
    koro_t *koro_parent_;    /* the resumer, while running or normal */
    unsigned char *koro_lo_; /* lowest usable byte of the stack */
    unsigned char *koro_hi_; /* one past the highest usable byte */
    const char *koro_name_;  /* optional name, for diagnostics */
    koro_t *koro_next_;      /* scheduler: queue link or wait record */
    void *koro_sched_;       /* scheduler that owns it, if any */
    uint32_t koro_state_;    /* status, tagged to catch garbage */
    uint32_t koro_flags_;
};

typedef void (*koro_fn)(void *arg);

/* Prepare k to run fn(arg) on [stack, stack + stack_size).  O(1), no
 * allocation; any alignment of stack is accepted.  The stack must outlive
 * the coroutine (until it is dead or koro_fini() was called).
 * Returns 0, KORO_EINVAL (NULL k, fn or stack) or KORO_ESTACK. */
KORO_API int koro_init(koro_t *k, koro_fn fn, void *arg, void *stack,
                       size_t stack_size);

/* Run k until it yields or returns.  Returns 0, or KORO_EINVAL, KORO_EDEAD,
 * KORO_ERUNNING (k is the caller), KORO_ENORMAL (k is an ancestor of the
 * caller), KORO_ESYS (the backend could not start it). */
KORO_API int koro_resume(koro_t *k);

/* Return to whoever resumed the current coroutine.  Returns 0 when resumed
 * again, or KORO_ENOTCORO outside any coroutine. */
KORO_API int koro_yield(void);

/* The coroutine running on this OS thread, or NULL outside any. */
KORO_API koro_t *koro_self(void);

/* KORO_SUSPENDED, KORO_RUNNING, KORO_NORMAL, KORO_DEAD, or KORO_EINVAL. */
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

/* The usable stack of k: [*lo, *hi).  Returns 0 or KORO_EINVAL. */
KORO_API int koro_stack_bounds(const koro_t *k, void **lo, void **hi);

/* Opt-in stacks with a guard page (the only functions that map memory).
 * koro_stack_alloc() maps at least size usable bytes, rounded up to whole
 * pages, above one inaccessible page; *stack and *usable are what to pass
 * to koro_init().  koro_stack_free() unmaps it (size: the size given to
 * koro_stack_alloc(), or *usable).  Return 0, KORO_EINVAL, KORO_ESTACK
 * (size below koro_stack_min()), KORO_ESYS or KORO_ENOSYS. */
KORO_API int koro_stack_alloc(size_t size, void **stack, size_t *usable);
KORO_API int koro_stack_free(void *stack, size_t size);

/* Opt-in: report a coroutine running into its guard page ("libkorutin:
 * stack overflow in coroutine ...") and abort, instead of a bare SIGSEGV.
 * Installs a process-wide SIGSEGV/SIGBUS handler that runs on the calling
 * thread's alternate signal stack (its own if it has one, otherwise a
 * static per-thread buffer): call it once in every thread that runs
 * coroutines on guarded stacks.  Other faults go to the previous handler.
 * Returns 0, KORO_ESYS or KORO_ENOSYS. */
KORO_API int koro_overflow_handler_install(void);

#ifdef __cplusplus
}
#endif

#endif /* KORUTIN_H */
