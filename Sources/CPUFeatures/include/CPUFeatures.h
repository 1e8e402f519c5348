#ifndef CPU_FEATURES_H
#define CPU_FEATURES_H

/// Instruction-set features the C kernels' vector variants need, as bits to combine.
enum {
    CPU_FEATURE_AVX2 = 1 << 0,
    CPU_FEATURE_FMA = 1 << 1,
    CPU_FEATURE_AVX512F = 1 << 2,
    CPU_FEATURE_AVX512VL = 1 << 3,
};

/// Whether this processor has every feature in `features` (a combination of `CPU_FEATURE_` bits). Always 0 on
/// processors other than x86-64, which run none of the kernels' vector variants.
int cpu_features_present(unsigned features);

#endif
