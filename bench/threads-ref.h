/* threads-ref.h - the reference the threads backend is measured against. */
#ifndef KORO_THREADS_REF_H
#define KORO_THREADS_REF_H

/* Round trips per second of a bare ping-pong between two OS threads over
 * two POSIX semaphores, run for at least min_seconds; 0 on failure.  One
 * round trip is what koro_resume() + koro_yield() do under the threads
 * backend: hand the CPU over and get it back. */
double koro_bench_sem_pingpong(double min_seconds);

/* The same among n threads woken in turn by one (context, not the
 * reference: the kernel makes this pattern slower). */
double koro_bench_sem_roundrobin(int n, double min_seconds);

#endif
