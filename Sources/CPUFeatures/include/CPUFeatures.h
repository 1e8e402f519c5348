#ifndef CPU_FEATURES_H
#define CPU_FEATURES_H

#include <stddef.h>

/// Instruction-set features the C kernels' vector variants need, as bits to combine.
enum {
    CPU_FEATURE_AVX2 = 1 << 0,
    CPU_FEATURE_FMA = 1 << 1,
    CPU_FEATURE_AVX512F = 1 << 2,
    CPU_FEATURE_AVX512VL = 1 << 3,
    CPU_FEATURE_AVX512BF16 = 1 << 4,
};

/// Whether this processor has every feature in `features` (a combination of `CPU_FEATURE_` bits) and none of them
/// is masked off by `TBD_CPU_DISABLE`. Always 0 on processors other than x86-64, which run none of the kernels'
/// vector variants.
int cpu_features_present(unsigned features);

/// The features masked off by the environment variable `TBD_CPU_DISABLE`, read once per process: a comma list of
/// `avx2`, `fma`, `avx512f`, `avx512vl`, `avx512bf16` (any case), so the kernels' fallbacks run (and can be tested)
/// on a processor that has the feature. `TBD_CPU_DISABLE=avx512bf16` runs `--precision bf16` on the Float32
/// kernels. An unknown name is reported on stderr and ignored.
unsigned cpu_features_disabled(void);

/// The mask a `TBD_CPU_DISABLE` value names (what `cpu_features_disabled` reads; NULL names none).
unsigned cpu_features_parse_disabled(const char *list);

/// Floats per vector register of the widest vector variant this processor runs: 16 (AVX-512), 8 (AVX2 with FMA),
/// else 1.
int cpu_vector_floats(void);

/// Where a cache size was read.
typedef enum {
    CPUCacheSourceNone = 0,
    CPUCacheSourceSysconf = 1,
    CPUCacheSourceCPUID = 2,
    CPUCacheSourceSysfs = 3,
} CPUCacheSource;

/// Data-cache sizes in bytes: the L1 data cache and L2 of one core, and the L3 as the processor reports it
/// (shared between cores). Every block size of the kernels is a function of these.
typedef struct {
    size_t l1d, l2, l3;
    CPUCacheSource source;
} CPUCacheSizes;

/// This machine's caches, read on first use and kept: from `sysconf(_SC_LEVEL1_DCACHE_SIZE)` and its L2/L3
/// siblings; where glibc reports nothing, from cpuid (leaf 4 on Intel, 0x8000001D on AMD); then from
/// /sys/devices/system/cpu/cpu0/cache. A level none of them reports is 0, except L1d and L2, which the kernels
/// cannot do without: those fall back to 32 KiB and 1 MiB (and `source` says CPUCacheSourceNone).
CPUCacheSizes cpu_cache_sizes(void);

/// Reads the caches again from one source only (for checks: `tbd model bench` prints what each says). Returns
/// 0 and fills what that source reports (levels it does not report are 0), or -1 when it reports nothing.
int cpu_cache_sizes_from(CPUCacheSource source, CPUCacheSizes *sizes);

// The module's umbrella header (named after the target) must include its other headers for Swift to see them.
#include "BFloat16.h"

#endif
