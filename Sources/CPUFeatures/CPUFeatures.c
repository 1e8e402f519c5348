#include "CPUFeatures.h"

int cpu_features_present(unsigned features) {
#if defined(__x86_64__)
    // The processor's features are read by a constructor before main, so this needs no __builtin_cpu_init.
    if ((features & CPU_FEATURE_AVX2) && !__builtin_cpu_supports("avx2")) return 0;
    if ((features & CPU_FEATURE_FMA) && !__builtin_cpu_supports("fma")) return 0;
    if ((features & CPU_FEATURE_AVX512F) && !__builtin_cpu_supports("avx512f")) return 0;
    if ((features & CPU_FEATURE_AVX512VL) && !__builtin_cpu_supports("avx512vl")) return 0;
    return 1;
#else
    (void)features;
    return 0;
#endif
}
