#include "CPUFeatures.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#if defined(__x86_64__)
/// AVX512-BF16 from cpuid itself (leaf 7 subleaf 1, EAX bit 5) rather than the compiler's runtime, which knows the
/// feature only from clang 10 / GCC 10 on; and only where the OS saves the opmask and ZMM registers (XCR0 bits 5-7
/// with the SSE and AVX state, bits 1-2), without which an AVX-512 instruction faults.
static int avx512_bf16_usable(void) {
    unsigned eax, ebx, ecx, edx;
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid(1, eax, ebx, ecx, edx);
    if (!(ecx & (1u << 27))) return 0;  // OSXSAVE: xgetbv runs
    unsigned xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 0xE6u) != 0xE6u) return 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    if (!(ebx & (1u << 16)) || eax < 1) return 0;  // AVX512F, and subleaf 1 exists
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    return (eax >> 5) & 1;
}
#endif

/// Feature names as `TBD_CPU_DISABLE` spells them.
static const struct {
    const char *name;
    unsigned feature;
} feature_names[] = {
    {"avx2", CPU_FEATURE_AVX2},         {"fma", CPU_FEATURE_FMA},
    {"avx512f", CPU_FEATURE_AVX512F},   {"avx512vl", CPU_FEATURE_AVX512VL},
    {"avx512bf16", CPU_FEATURE_AVX512BF16},
};

unsigned cpu_features_parse_disabled(const char *list) {
    unsigned mask = 0;
    if (list == NULL) return 0;
    const char *item = list;
    while (*item != '\0') {
        const size_t length = strcspn(item, ",");
        size_t start = 0, end = length;
        while (start < end && (item[start] == ' ' || item[start] == '\t')) start++;
        while (end > start && (item[end - 1] == ' ' || item[end - 1] == '\t')) end--;
        int known = end == start;  // an empty item (",,") names nothing
        for (size_t i = 0; i < sizeof feature_names / sizeof feature_names[0] && !known; i++) {
            if (strlen(feature_names[i].name) == end - start && strncasecmp(item + start, feature_names[i].name, end - start) == 0) {
                mask |= feature_names[i].feature;
                known = 1;
            }
        }
        // A misspelt name must not pass silently: the check it was meant to disable would still run.
        if (!known) fprintf(stderr, "TBD_CPU_DISABLE: unknown feature '%.*s' ignored (known: avx2, fma, avx512f, avx512vl, avx512bf16)\n", (int)(end - start), item + start);
        item += length;
        if (*item == ',') item++;
    }
    return mask;
}

static unsigned disabled_features;
static pthread_once_t disabled_once = PTHREAD_ONCE_INIT;

static void read_disabled(void) { disabled_features = cpu_features_parse_disabled(getenv("TBD_CPU_DISABLE")); }

unsigned cpu_features_disabled(void) {
    pthread_once(&disabled_once, read_disabled);
    return disabled_features;
}

int cpu_features_present(unsigned features) {
    if (features & cpu_features_disabled()) return 0;
#if defined(__x86_64__)
    // The processor's features are read by a constructor before main, so this needs no __builtin_cpu_init.
    if ((features & CPU_FEATURE_AVX2) && !__builtin_cpu_supports("avx2")) return 0;
    if ((features & CPU_FEATURE_FMA) && !__builtin_cpu_supports("fma")) return 0;
    if ((features & CPU_FEATURE_AVX512F) && !__builtin_cpu_supports("avx512f")) return 0;
    if ((features & CPU_FEATURE_AVX512VL) && !__builtin_cpu_supports("avx512vl")) return 0;
    if ((features & CPU_FEATURE_AVX512BF16) && !avx512_bf16_usable()) return 0;
    return 1;
#else
    (void)features;
    return 0;
#endif
}

int cpu_vector_floats(void) {
    if (cpu_features_present(CPU_FEATURE_AVX512F | CPU_FEATURE_FMA)) return 16;
    if (cpu_features_present(CPU_FEATURE_AVX2 | CPU_FEATURE_FMA)) return 8;
    return 1;
}

static int from_sysconf(CPUCacheSizes *sizes) {
#if defined(_SC_LEVEL1_DCACHE_SIZE)
    const long l1d = sysconf(_SC_LEVEL1_DCACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE), l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
    sizes->l1d = l1d > 0 ? (size_t)l1d : 0;
    sizes->l2 = l2 > 0 ? (size_t)l2 : 0;
    sizes->l3 = l3 > 0 ? (size_t)l3 : 0;
    return sizes->l1d > 0 || sizes->l2 > 0 ? 0 : -1;
#else
    (void)sizes;
    return -1;
#endif
}

static int from_cpuid(CPUCacheSizes *sizes) {
#if defined(__x86_64__)
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return -1;
    const unsigned max_leaf = eax;
    // "GenuineIntel" has ebx "Genu"; "AuthenticAMD" (and Hygon's "HygonGenuine") describe caches in 0x8000001D.
    unsigned leaf = 4;
    if (ebx != 0x756e6547u) {
        if (__get_cpuid_max(0x80000000u, NULL) < 0x8000001Du) return -1;
        leaf = 0x8000001Du;
    } else if (max_leaf < 4) {
        return -1;
    }
    for (unsigned index = 0; index < 16; index++) {
        __cpuid_count(leaf, index, eax, ebx, ecx, edx);
        const unsigned type = eax & 0x1f, level = (eax >> 5) & 0x7;
        if (type == 0) break;
        if (type == 2) continue;  // instruction cache
        // Both leaves share the layout: ways, partitions, line size and sets, each stored minus one.
        const size_t bytes = (size_t)((ebx >> 22) + 1) * (((ebx >> 12) & 0x3ff) + 1) * ((ebx & 0xfff) + 1) * ((size_t)ecx + 1);
        if (level == 1) sizes->l1d = bytes;
        if (level == 2) sizes->l2 = bytes;
        if (level == 3) sizes->l3 = bytes;
    }
    return sizes->l1d > 0 || sizes->l2 > 0 ? 0 : -1;
#else
    (void)sizes;
    return -1;
#endif
}

/// Reads "32K", "1024K" or "32M" style sizes.
static size_t read_size(const char *path) {
    FILE *file = fopen(path, "r");
    if (file == NULL) return 0;
    char text[32] = {0};
    const int read = fgets(text, sizeof text, file) != NULL;
    fclose(file);
    if (!read) return 0;
    char *end = NULL;
    const unsigned long long value = strtoull(text, &end, 10);
    if (end != NULL && (*end == 'K' || *end == 'k')) return (size_t)value << 10;
    if (end != NULL && (*end == 'M' || *end == 'm')) return (size_t)value << 20;
    return (size_t)value;
}

static int from_sysfs(CPUCacheSizes *sizes) {
    for (int index = 0; index < 16; index++) {
        char path[96], type[16] = {0};
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", index);
        FILE *file = fopen(path, "r");
        if (file == NULL) break;
        const int read = fgets(type, sizeof type, file) != NULL;
        fclose(file);
        if (!read || strncmp(type, "Instruction", 11) == 0) continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", index);
        const size_t level = read_size(path);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
        const size_t bytes = read_size(path);
        if (level == 1) sizes->l1d = bytes;
        if (level == 2) sizes->l2 = bytes;
        if (level == 3) sizes->l3 = bytes;
    }
    return sizes->l1d > 0 || sizes->l2 > 0 ? 0 : -1;
}

int cpu_cache_sizes_from(CPUCacheSource source, CPUCacheSizes *sizes) {
    memset(sizes, 0, sizeof *sizes);
    sizes->source = source;
    switch (source) {
    case CPUCacheSourceSysconf: return from_sysconf(sizes);
    case CPUCacheSourceCPUID: return from_cpuid(sizes);
    case CPUCacheSourceSysfs: return from_sysfs(sizes);
    default: return -1;
    }
}

static CPUCacheSizes machine;
static pthread_once_t machine_once = PTHREAD_ONCE_INIT;

static void read_machine(void) {
    const CPUCacheSource order[] = {CPUCacheSourceSysconf, CPUCacheSourceCPUID, CPUCacheSourceSysfs};
    CPUCacheSizes found = {0, 0, 0, CPUCacheSourceNone};
    // Each level from the first source that reports it (glibc may know L1d but not L2 inside some VMs).
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        CPUCacheSizes sizes;
        if (cpu_cache_sizes_from(order[i], &sizes) != 0) continue;
        if (found.source == CPUCacheSourceNone) found.source = order[i];
        if (found.l1d == 0) found.l1d = sizes.l1d;
        if (found.l2 == 0) found.l2 = sizes.l2;
        if (found.l3 == 0) found.l3 = sizes.l3;
    }
    // The kernels need some L1d and L2 to size their blocks: without a report, Zen 4's (where they were first tuned).
    if (found.l1d == 0) found.l1d = 32 << 10;
    if (found.l2 == 0) found.l2 = 1 << 20;
    machine = found;
}

CPUCacheSizes cpu_cache_sizes(void) {
    pthread_once(&machine_once, read_machine);
    return machine;
}
