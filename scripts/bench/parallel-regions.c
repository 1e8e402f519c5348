// The cost of starting a parallel region, as the networks start thousands a second: regions of two iterations, each
// a fixed spin, through the compute threads (Sources/ComputeThreads) and through Dispatch's pool (dispatch_apply_f,
// what the Tensors module used before), with a serial gap between regions as the networks have between operations.
// Prints, per way and gap, the median and 90th percentile of (region time - one iteration's spin).
// Built by scripts/bench/58-parallel-regions.sh.
#include <dispatch/dispatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ComputeThreads.h"

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void spin(long nanoseconds) {
    const long end = now_ns() + nanoseconds;
    while (now_ns() < end) {}
}

static long body_ns;
static void body(void *context, long index) { (void)context; (void)index; spin(body_ns); }
static void dispatch_body(void *context, size_t index) { body(context, (long)index); }

static int compare(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    enum { regions = 2000 };
    static double overhead[regions];
    const long bodies[] = {20000, 100000};
    const long gaps[] = {0, 20000, 200000};
    printf("%-16s %8s %8s %12s %12s\n", "way", "body us", "gap us", "median us", "p90 us");
    for (int round = 0; round < 2; round++) {
        for (size_t b = 0; b < sizeof bodies / sizeof *bodies; b++) {
            for (size_t g = 0; g < sizeof gaps / sizeof *gaps; g++) {
                for (int way = 0; way < 2; way++) {
                    body_ns = bodies[b];
                    for (int r = 0; r < regions; r++) {
                        spin(gaps[g]);
                        const long start = now_ns();
                        if (way == 0) {
                            compute_threads_run(2, body, NULL);
                        } else {
                            dispatch_apply_f(2, dispatch_get_global_queue(DISPATCH_QUEUE_PRIORITY_DEFAULT, 0), NULL, dispatch_body);
                        }
                        overhead[r] = (double)(now_ns() - start - body_ns) / 1000.0;
                    }
                    qsort(overhead, regions, sizeof *overhead, compare);
                    printf("%-16s %8ld %8ld %12.2f %12.2f\n", way == 0 ? "compute threads" : "Dispatch", bodies[b] / 1000,
                           gaps[g] / 1000, overhead[regions / 2], overhead[regions * 9 / 10]);
                }
            }
        }
    }
    return 0;
}
