/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
// t-cxx.cc - C++ exceptions inside coroutines, under the backend this
// program links (one program per built backend: tests/cxx-NAME).
//
// What works everywhere: an exception thrown and caught inside one
// coroutine, across frames and yields, destructors included.  What the
// C++ runtime keeps per OS thread (the stack of exceptions being handled)
// is shared by all coroutines of a thread under asm, sjlj, ucontext and
// emscripten, and per coroutine under threads and win32: shown here with
// std::current_exception() in interleaved catch blocks.  An exception that
// leaves the coroutine function calls std::terminate() and runs no
// destructors (checked in a child process where there is fork()).
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "korutin.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#if !defined(_WIN32) && !defined(__EMSCRIPTEN__)
#include <csignal>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#define T_FORK 1
#endif
#ifdef __has_feature
#if __has_feature(thread_sanitizer)
#define T_TSAN 1
#endif
#endif
#ifdef __SANITIZE_THREAD__
#define T_TSAN 1
#endif

namespace
{

int failures;

#define EXPECT(cond)                                                           \
    do {                                                                       \
        if (!(cond)) {                                                         \
            std::fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__,      \
                         #cond);                                               \
            failures++;                                                        \
        }                                                                      \
    } while (0)

bool
own_thread()
{
    const char *b = koro_backend();

    return !std::strncmp(b, "threads", 7) || !std::strncmp(b, "win32", 5);
}

const std::size_t kStack = 1u << 18;

struct Stack {
    unsigned char *mem;
    explicit Stack(std::size_t n)
        : mem(static_cast<unsigned char *>(std::malloc(n)))
    {
        if (!mem)
            std::abort();
    }
    ~Stack()
    {
        std::free(mem);
    }
    Stack(const Stack &) = delete;
    Stack &operator=(const Stack &) = delete;
};

std::size_t
stack_size()
{
    std::size_t min = koro_stack_min();

    return min > kStack ? min : kStack;
}

// ---------------------------------------------------------------------
// Throw and catch inside each coroutine, yields everywhere around it.

struct Counted {
    int *n;
    explicit Counted(int *c) : n(c)
    {
    }
    ~Counted()
    {
        ++*n;
    }
};

struct Worker {
    int id;
    int caught;
    int destroyed;
};

[[noreturn]] void
deep_throw(Worker *w, int depth)
{
    Counted c(&w->destroyed);

    if (depth > 0)
        deep_throw(w, depth - 1);
    koro_yield(); // a switch between the frames and the throw
    throw std::runtime_error("worker " + std::to_string(w->id));
}

void
body_worker(void *arg)
{
    Worker *w = static_cast<Worker *>(arg);
    const std::string mine = "worker " + std::to_string(w->id);

    for (int round = 0; round < 5; round++) {
        try {
            koro_yield();
            deep_throw(w, 3);
        } catch (const std::runtime_error &e) {
            // No yield in here: the safe pattern.
            if (mine == e.what())
                w->caught++;
        }
        koro_yield();
    }
}

void
throw_and_catch_interleaved()
{
    const int n = 4;
    Stack mem(n * stack_size());
    koro_t k[n];
    Worker w[n];
    bool alive = true;

    for (int i = 0; i < n; i++) {
        w[i] = Worker{i, 0, 0};
        EXPECT(koro_init(&k[i], body_worker, &w[i], mem.mem + i * stack_size(),
                         stack_size()) == 0);
    }
    while (alive) {
        alive = false;
        for (int i = 0; i < n; i++)
            if (koro_status(&k[i]) == KORO_SUSPENDED) {
                EXPECT(koro_resume(&k[i]) == 0);
                alive = true;
            }
    }
    for (int i = 0; i < n; i++) {
        EXPECT(w[i].caught == 5);
        EXPECT(w[i].destroyed == 5 * 4);
    }
    EXPECT(std::uncaught_exceptions() == 0);
    EXPECT(!std::current_exception());
}

// ---------------------------------------------------------------------
// The safe way to keep an exception across a yield: copy it out of the
// catch block with std::current_exception(), yield outside, rethrow
// with std::rethrow_exception().

struct Kept {
    int id;
    bool ok;
};

void
body_keep(void *arg)
{
    Kept *kp = static_cast<Kept *>(arg);
    std::exception_ptr p;

    try {
        throw std::runtime_error(std::to_string(kp->id));
    } catch (...) {
        p = std::current_exception();
    }
    koro_yield();
    try {
        std::rethrow_exception(p);
    } catch (const std::runtime_error &e) {
        kp->ok = std::to_string(kp->id) == e.what();
    }
}

void
exception_ptr_across_yields()
{
    Stack mem(2 * stack_size());
    koro_t a, b;
    Kept ka{1, false}, kb{2, false};

    EXPECT(koro_init(&a, body_keep, &ka, mem.mem, stack_size()) == 0);
    EXPECT(koro_init(&b, body_keep, &kb, mem.mem + stack_size(),
                     stack_size()) == 0);
    EXPECT(koro_resume(&a) == 0);
    EXPECT(koro_resume(&b) == 0);
    EXPECT(koro_resume(&a) == 0);
    EXPECT(koro_resume(&b) == 0);
    EXPECT(ka.ok && kb.ok);
    EXPECT(koro_status(&a) == KORO_DEAD && koro_status(&b) == KORO_DEAD);
}

// ---------------------------------------------------------------------
// The hazard: inside a catch block, after a yield, the exception being
// handled is the thread's latest, which may be another coroutine's.
// Ended in last-in first-out order, so that the runtime's stack of
// caught exceptions stays consistent.

struct InCatch {
    int id;
    int seen; // the id of what std::current_exception() gave after a yield
};

void
body_in_catch(void *arg)
{
    InCatch *c = static_cast<InCatch *>(arg);

    try {
        throw c->id;
    } catch (int) {
        koro_yield();
        try {
            std::rethrow_exception(std::current_exception());
        } catch (int got) {
            c->seen = got;
        }
        koro_yield();
    }
}

void
current_exception_after_yield()
{
    Stack mem(2 * stack_size());
    koro_t a, b;
    InCatch ca{1, 0}, cb{2, 0};

    EXPECT(koro_init(&a, body_in_catch, &ca, mem.mem, stack_size()) == 0);
    EXPECT(koro_init(&b, body_in_catch, &cb, mem.mem + stack_size(),
                     stack_size()) == 0);
    EXPECT(koro_resume(&a) == 0); // a in its catch block
    EXPECT(koro_resume(&b) == 0); // b in its catch block, on top
    EXPECT(koro_resume(&a) == 0); // a looks
    EXPECT(koro_resume(&b) == 0); // b looks
    EXPECT(koro_resume(&b) == 0); // b leaves its catch block first
    EXPECT(koro_resume(&a) == 0);
    EXPECT(cb.seen == 2);
    std::printf("current_exception() after a yield in a catch block: %s\n",
                ca.seen == 1 ? "the coroutine's own" : "another coroutine's");
    EXPECT(ca.seen == (own_thread() ? 1 : 2));
    EXPECT(!std::current_exception());
}

#ifdef T_FORK
// ---------------------------------------------------------------------
// An exception that leaves the coroutine function: std::terminate(),
// and the coroutine's destructors do not run.

int pipe_w = -1;

struct Tell {
    ~Tell()
    {
        if (write(pipe_w, "d", 1) != 1)
            std::abort();
    }
};

void
body_escape(void *)
{
    Tell t;

    koro_yield();
    throw std::runtime_error("escapes");
}

void
escaping_exception_terminates()
{
    int fd[2], st;
    char c;
    pid_t pid;

    EXPECT(pipe(fd) == 0);
    std::fflush(nullptr);
    pid = fork();
    EXPECT(pid >= 0);
    if (pid == 0) {
        Stack mem(stack_size());
        koro_t k;

        close(fd[0]);
        pipe_w = fd[1];
        std::signal(SIGALRM, SIG_DFL);
        alarm(20);
        std::signal(SIGABRT, SIG_DFL);
        if (koro_init(&k, body_escape, nullptr, mem.mem, stack_size()) != 0 ||
            koro_resume(&k) != 0)
            _exit(2);
        std::set_terminate([] {
            if (write(pipe_w, "t", 1) != 1)
                _exit(3);
            std::abort();
        });
        koro_resume(&k);
        _exit(4); // not reached: the exception cannot leave the coroutine
    }
    close(fd[1]);
    std::string got;
    while (read(fd[0], &c, 1) == 1)
        got += c;
    close(fd[0]);
    EXPECT(waitpid(pid, &st, 0) == pid);
    EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    EXPECT(got == "t"); // terminate ran, the destructor did not
}
#endif

} // namespace

int
main()
{
    std::printf("libkorutin backend: %s\n", koro_backend());
#ifdef T_TSAN
    // As tests/tmain.c: TSan defers signal delivery to its own points, so
    // sjlj's context-creating handler never runs on the alternate stack.
    if (!std::strncmp(koro_backend(), "sjlj", 4)) {
        std::printf("SKIP: the sjlj backend creates contexts in a signal "
                    "handler, which ThreadSanitizer defers\n");
        return 77;
    }
#endif
    throw_and_catch_interleaved();
    exception_ptr_across_yields();
    current_exception_after_yield();
#ifdef T_FORK
    escaping_exception_terminates();
#else
    std::printf("SKIP: escaping_exception_terminates: no fork() here\n");
#endif
    std::printf("%s: C++ exceptions: %s\n", koro_backend(),
                failures ? "FAIL" : "PASS");
    return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
