#ifndef COMPUTE_THREADS_H
#define COMPUTE_THREADS_H

/// The threads the numerical kernels split their work across: one per online core besides the caller's, started at
/// first use. A worker that finishes a region keeps polling for the next one for a short while before it sleeps,
/// because the networks run thousands of regions a second: waking a sleeping thread takes tens of microseconds (more
/// in a virtual machine), and a split that waits for it leaves the other cores idle for that long each time.

/// `body(context, index)` for every index in [0, count), on the calling thread and the workers; returns when all
/// are done. Returns 0, or -1 without running anything where the workers are busy with another caller's region
/// (a region run from inside a region, or from two threads at once): the caller then runs it another way.
int compute_threads_run(long count, void (*body)(void *context, long index), void *context);

/// How many threads `compute_threads_run` spreads a region over: the workers and the caller.
int compute_threads_count(void);

/// How long, in nanoseconds, a worker polls for the next region before it sleeps (1 ms unless set; 0 sleeps at
/// once). Takes effect for the next wait of each worker.
void compute_threads_set_polling(long nanoseconds);

#endif
