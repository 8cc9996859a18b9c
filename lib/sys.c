/* sys.c - the few operating-system services the core itself needs. */
#include "koro-int.h"

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
