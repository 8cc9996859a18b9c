/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* sys.c - the few operating-system services the core itself needs. */
#include "koro-int.h"

#include <stdlib.h>

#if defined(_WIN32)
#include <io.h>
#define write_fd(fd, buf, n) _write((fd), (buf), (unsigned)(n))
#else
#include <unistd.h>
#define write_fd(fd, buf, n) write((fd), (buf), (n))
#endif

void
koro__write_stderr(const char *buf, size_t len)
{
    while (len > 0) {
        long n = (long)write_fd(2, buf, len);

        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

/* Formatting by hand: the report may run on an overflowed stack or in a
 * signal handler, so it needs almost no stack (printf wants kilobytes) and
 * only async-signal-safe calls. */
static char *
put_str(char *p, char *end, const char *s)
{
    while (*s && p < end)
        *p++ = *s++;
    return p;
}

static char *
put_ptr(char *p, char *end, const void *v)
{
    uintptr_t x = (uintptr_t)v;
    int shift;

    p = put_str(p, end, "0x");
    for (shift = (int)(sizeof x * 8) - 4; shift >= 0 && p < end; shift -= 4)
        *p++ = "0123456789abcdef"[(x >> shift) & 15];
    return p;
}

void
koro__overflow_abort(const koro_t *k, const char *what)
{
    char buf[256], *p = buf, *end = buf + sizeof buf;

    p = put_str(p, end, "libkorutin: stack overflow in coroutine ");
    p = put_ptr(p, end, k);
    p = put_str(p, end, " \"");
    p = put_str(p, end, k->koro_name_ ? k->koro_name_ : "(unnamed)");
    p = put_str(p, end, "\", stack [");
    p = put_ptr(p, end, koro__usable_lo(k));
    p = put_str(p, end, ", ");
    p = put_ptr(p, end, k->koro_hi_);
    p = put_str(p, end, "): ");
    p = put_str(p, end, what);
    p = put_str(p, end, "\n");
    koro__write_stderr(buf, (size_t)(p - buf));
    abort();
}
