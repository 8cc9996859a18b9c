/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* overflow.c - what a broken canary looks like.  A child process runs a
 * coroutine that writes over the bytes just below its stack, as a call
 * chain too deep for the stack would; at its next switch the library
 * reports the coroutine by name and aborts.  The parent checks the report
 * and the signal.  Exits 0 when both are right, 77 where there is no
 * fork(). */
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
int
main(void)
{
    puts("SKIP: no fork() here");
    exit(77);
}
#else
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned char *stack; /* the coroutine's */

/* Runs near the top of its stack, and overwrites its lowest 256 bytes
 * (where the canary lies) and everything below them. */
static void
careless(void *arg)
{
    void *lo, *hi;

    (void)arg;
    koro_stack_bounds(koro_self(), &lo, &hi);
    memset(stack, 0x5a, (size_t)((unsigned char *)lo + 256 - stack));
    koro_yield(); /* the check: the process ends here */
    puts("not reached");
}

int
main(void)
{
    char report[512];
    int fd[2], status;
    ssize_t n, len = 0;
    pid_t pid;
    koro_t k;

    fflush(stdout);
    if (pipe(fd) != 0 || (pid = fork()) < 0) {
        puts("SKIP: no pipe() or fork() here");
        exit(77);
    }
    if (pid == 0) { /* the child: its standard error goes into the pipe */
        size_t size = koro_stack_min() + 16384;

        dup2(fd[1], 2);
        stack = malloc(size);
        if (!stack || koro_init(&k, careless, NULL, stack, size) != 0)
            _exit(1);
        koro_set_name(&k, "careless");
        koro_resume(&k);
        _exit(0); /* not reached */
    }
    close(fd[1]);
    while (len < (ssize_t)sizeof report - 1 &&
           (n = read(fd[0], report + len, sizeof report - 1 - (size_t)len)) > 0)
        len += n;
    report[len] = '\0';
    waitpid(pid, &status, 0);
    printf("the child said: %s", report);
    if (WIFSIGNALED(status))
        printf("and was killed by signal %d (SIGABRT is %d)\n",
               WTERMSIG(status), SIGABRT);
    exit(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT &&
                 strstr(report, "stack overflow in coroutine") &&
                 strstr(report, "\"careless\"")
             ? 0
             : 1);
}
#endif
