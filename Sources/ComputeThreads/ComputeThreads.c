#define _GNU_SOURCE
#include "ComputeThreads.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef void (*region_body)(void *context, long index);

/// How long a worker polls for the next region before it sleeps. Between two regions of a network's evaluation
/// the caller runs a few microseconds of serial work; a millisecond covers that with a wide margin and costs an
/// idle program one millisecond of polling per region, no more.
static _Atomic long polling_nanoseconds = 1000000;

void compute_threads_set_polling(long nanoseconds) {
    atomic_store_explicit(&polling_nanoseconds, nanoseconds < 0 ? 0 : nanoseconds, memory_order_relaxed);
}

/// One region at a time. `ticket` holds the region's generation in its high half and the next index to hand out in
/// its low half, so a worker that wakes late cannot take an index of a newer region for an older one: it takes
/// indices only by a compare-and-swap that names the generation it read the region's fields under.
static struct {
    _Atomic uint64_t ticket;
    _Atomic uint32_t generation;   // the futex word sleeping workers wait on
    _Atomic(region_body) body;
    _Atomic(void *) context;
    _Atomic long count;
    _Atomic long done;
    _Atomic int sleeping;
    atomic_flag busy;
    int workers;
} pool = {.busy = ATOMIC_FLAG_INIT};

static pthread_once_t pool_started = PTHREAD_ONCE_INIT;

static inline void pause_briefly(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static long nanoseconds_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000000000L + now.tv_nsec;
}

/// Runs indices of region `generation` until none is left or a newer region has begun.
static void take_indices(uint32_t generation) {
    for (;;) {
        uint64_t ticket = atomic_load_explicit(&pool.ticket, memory_order_acquire);
        if ((uint32_t)(ticket >> 32) != generation) return;
        const long index = (long)(uint32_t)ticket;
        const long count = atomic_load_explicit(&pool.count, memory_order_relaxed);
        const region_body body = atomic_load_explicit(&pool.body, memory_order_relaxed);
        void *const context = atomic_load_explicit(&pool.context, memory_order_relaxed);
        if (index >= count) return;
        if (!atomic_compare_exchange_weak_explicit(&pool.ticket, &ticket, ticket + 1, memory_order_acq_rel,
                                                   memory_order_acquire)) {
            continue;
        }
        body(context, index);
        atomic_fetch_add_explicit(&pool.done, 1, memory_order_release);
    }
}

/// The generation of the next region after `seen`: polled for `polling_nanoseconds`, then slept for.
static uint32_t next_generation(uint32_t seen) {
    const long start = nanoseconds_now();
    const long polling = atomic_load_explicit(&polling_nanoseconds, memory_order_relaxed);
    for (unsigned polls = 1; polling > 0; polls++) {
        const uint32_t generation = atomic_load_explicit(&pool.generation, memory_order_acquire);
        if (generation != seen) return generation;
        pause_briefly();
        if (polls % 64 == 0 && nanoseconds_now() - start > polling) break;
    }
    for (;;) {
        atomic_fetch_add(&pool.sleeping, 1);
        // The futex sleeps only while the word still holds `seen`: a region published before this point wakes it.
        if (atomic_load(&pool.generation) == seen) {
            syscall(SYS_futex, &pool.generation, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
        }
        atomic_fetch_sub(&pool.sleeping, 1);
        const uint32_t generation = atomic_load_explicit(&pool.generation, memory_order_acquire);
        if (generation != seen) return generation;
    }
}

static void *worker_loop(void *unused) {
    (void)unused;
    uint32_t seen = 0;
    for (;;) {
        seen = next_generation(seen);
        take_indices(seen);
    }
    return NULL;
}

static void start_pool(void) {
    cpu_set_t allowed;
    int cores = 1;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
        cores = CPU_COUNT(&allowed);
    } else {
        cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    }
    int started = 0;
    for (int worker = 0; worker < cores - 1; worker++) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&thread, &attributes, worker_loop, NULL) == 0) started++;
        pthread_attr_destroy(&attributes);
    }
    pool.workers = started;
}

int compute_threads_count(void) {
    pthread_once(&pool_started, start_pool);
    return pool.workers + 1;
}

int compute_threads_run(long count, void (*body)(void *context, long index), void *context) {
    if (count <= 0) return 0;
    if (count > INT_MAX) return -1;
    pthread_once(&pool_started, start_pool);
    if (pool.workers == 0 || count == 1) {
        for (long index = 0; index < count; index++) body(context, index);
        return 0;
    }
    if (atomic_flag_test_and_set_explicit(&pool.busy, memory_order_acquire)) return -1;
    uint32_t generation = atomic_load_explicit(&pool.generation, memory_order_relaxed) + 1;
    if (generation == 0) generation = 1;  // workers start having seen 0
    atomic_store_explicit(&pool.body, body, memory_order_relaxed);
    atomic_store_explicit(&pool.context, context, memory_order_relaxed);
    atomic_store_explicit(&pool.count, count, memory_order_relaxed);
    atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
    atomic_store_explicit(&pool.ticket, (uint64_t)generation << 32, memory_order_release);
    atomic_store(&pool.generation, generation);
    if (atomic_load(&pool.sleeping) > 0) {
        syscall(SYS_futex, &pool.generation, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    }
    take_indices(generation);
    // The caller's share is done: wait for the indices workers took, yielding if one was descheduled mid-index.
    for (unsigned polls = 1; atomic_load_explicit(&pool.done, memory_order_acquire) < count; polls++) {
        pause_briefly();
        if (polls % 4096 == 0) sched_yield();
    }
    atomic_flag_clear_explicit(&pool.busy, memory_order_release);
    return 0;
}
