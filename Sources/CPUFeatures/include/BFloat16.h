#ifndef BFLOAT16_H
#define BFLOAT16_H

#include <stdint.h>
#include <string.h>

/// BFloat16 conversions shared by the kernels' BF16 variants (here because every kernel target already depends on
/// CPUFeatures, and each must round the same way).

/// `value` rounded to BFloat16, to nearest with ties to even, as PyTorch's `tensor.to(torch.bfloat16)` rounds. NaN
/// stays NaN (quiet); infinities and values that round past the largest finite BF16 become infinities.
static inline uint16_t bf16_from_float(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((bits >> 16) | 0x0040u);
    bits += 0x7FFFu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

/// The float a BFloat16 holds (exact).
static inline float bf16_to_float(uint16_t value) {
    const uint32_t bits = (uint32_t)value << 16;
    float result;
    memcpy(&result, &bits, sizeof result);
    return result;
}

#endif
