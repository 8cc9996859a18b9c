/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* threads-ref.h - the references the threads backend is measured against. */
#ifndef KORO_THREADS_REF_H
#define KORO_THREADS_REF_H

/* A ring of n OS threads that the calling thread wakes in turn over POSIX
 * semaphores: post the worker's own semaphore, wait on the common one the
 * worker posts back.  With n = 1 this is the bare semaphore ping-pong
 * between two threads, the reference of the threads backend; with n > 1
 * it is the threads backend's own pattern (N coroutines resumed in turn
 * from main, one thread each) done with semaphores, for context.  One
 * round trip is what koro_resume() + koro_yield() do under the threads
 * backend: hand the CPU over and get it back. */
struct koro_sem_ring;

/* Start the n threads (and run every one once); NULL on failure. */
struct koro_sem_ring *koro_sem_ring_open(int n);

/* Round trips per second over rounds of all n threads, for at least
 * `seconds`; 0 on failure. */
double koro_sem_ring_run(struct koro_sem_ring *r, double seconds);

/* Stop and join the threads. */
void koro_sem_ring_close(struct koro_sem_ring *r);

#endif
