// The AVX-512 kernels: tiles of 8 query rows, scores in 512-bit vectors of 16 keys, value rows in 16-wide
// vectors with an 8-wide (256-bit) tail, so a head width of 40 costs 2.5 vectors rather than 3.
#include "FusedAttention.h"
#include "FusedAttentionKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#define AVX512 __attribute__((target("avx512f,avx512vl,avx2,fma")))
#define INLINE_AVX512 static inline __attribute__((always_inline, target("avx512f,avx512vl,avx2,fma")))
#define TILE 8
#define KEYS FUSED_ATTENTION_KEY_BLOCK

/// 2^x for x <= 0; exactly 0 below 2^-126 (and for -inf, the hidden keys), NaN stays NaN.
INLINE_AVX512 __m512 exp2_nonpositive(__m512 x) {
    const __mmask16 representable = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-126.0f), _CMP_NLT_UQ);
    x = _mm512_max_ps(_mm512_set1_ps(-126.0f), x);
    const __m512 n = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512 f = _mm512_sub_ps(x, n);
    __m512 p = _mm512_set1_ps(EXP2_C6);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(EXP2_C5));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(EXP2_C4));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(EXP2_C3));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(EXP2_C2));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(EXP2_C1));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
    return _mm512_maskz_scalef_ps(representable, p, n);
}

/// 8 rows x 32 keys per pass: 16 accumulators, two key loads and eight broadcasts per query element.
AVX512 static void scores(const float *queries, const float *keys, int head_dim, float *out) {
    for (int half = 0; half < KEYS; half += 32) {
        __m512 acc[TILE][2];
        for (int r = 0; r < TILE; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
        for (int c = 0; c < head_dim; c++) {
            const __m512 k0 = _mm512_loadu_ps(keys + c * KEYS + half);
            const __m512 k1 = _mm512_loadu_ps(keys + c * KEYS + half + 16);
            for (int r = 0; r < TILE; r++) {
                const __m512 q = _mm512_set1_ps(queries[r * head_dim + c]);
                acc[r][0] = _mm512_fmadd_ps(q, k0, acc[r][0]);
                acc[r][1] = _mm512_fmadd_ps(q, k1, acc[r][1]);
            }
        }
        for (int r = 0; r < TILE; r++) {
            _mm512_storeu_ps(out + r * KEYS + half, acc[r][0]);
            _mm512_storeu_ps(out + r * KEYS + half + 16, acc[r][1]);
        }
    }
}

AVX512 static void weigh(float *scores, int valid_keys, float *row_max, float *row_sum, float *rescale) {
    // Only the last block of a head has hidden keys.
    if (valid_keys < KEYS)
        for (int r = 0; r < TILE; r++)
            for (int j = valid_keys; j < KEYS; j++) scores[r * KEYS + j] = -INFINITY;
    float previous[16] = {0}, current[16] = {0};
    for (int r = 0; r < TILE; r++) {
        const float *row = scores + r * KEYS;
        __m512 top = _mm512_max_ps(_mm512_loadu_ps(row), _mm512_loadu_ps(row + 16));
        top = _mm512_max_ps(top, _mm512_max_ps(_mm512_loadu_ps(row + 32), _mm512_loadu_ps(row + 48)));
        const float block_max = _mm512_reduce_max_ps(top);
        previous[r] = row_max[r];
        current[r] = block_max > row_max[r] ? block_max : row_max[r];
        row_max[r] = current[r];
    }
    // One vector exponential rescales all eight rows' running sums and outputs.
    const __m512 factors = exp2_nonpositive(_mm512_sub_ps(_mm512_loadu_ps(previous), _mm512_loadu_ps(current)));
    float factor[16];
    _mm512_storeu_ps(factor, factors);
    for (int r = 0; r < TILE; r++) {
        float *row = scores + r * KEYS;
        const __m512 shift = _mm512_set1_ps(current[r]);
        __m512 total = _mm512_setzero_ps();
        for (int v = 0; v < KEYS; v += 16) {
            const __m512 w = exp2_nonpositive(_mm512_sub_ps(_mm512_loadu_ps(row + v), shift));
            _mm512_storeu_ps(row + v, w);
            total = _mm512_add_ps(total, w);
        }
        row_sum[r] = row_sum[r] * factor[r] + _mm512_reduce_add_ps(total);
        rescale[r] = factor[r];
    }
}

/// One group of up to 48 output columns for the tile's 8 rows: `full` 16-wide vectors and, with `tail`, an
/// 8-wide one. At most 24 accumulators and 3 value vectors, within the 32 registers.
INLINE_AVX512 void accumulate_group(const float *weights, const float *values, int padded_dim, const float *rescale,
                                    float *accumulated, const int full, const int tail) {
    __m512 acc[TILE][3];
    __m256 acc_tail[TILE];
    for (int r = 0; r < TILE; r++) {
        const __m512 factor = _mm512_set1_ps(rescale[r]);
        for (int g = 0; g < full; g++) acc[r][g] = _mm512_mul_ps(factor, _mm512_loadu_ps(accumulated + r * padded_dim + g * 16));
        if (tail) acc_tail[r] = _mm256_mul_ps(_mm512_castps512_ps256(factor), _mm256_loadu_ps(accumulated + r * padded_dim + full * 16));
    }
    for (int j = 0; j < KEYS; j++) {
        const float *row = values + j * padded_dim;
        __m512 v[3];
        for (int g = 0; g < full; g++) v[g] = _mm512_loadu_ps(row + g * 16);
        const __m256 v_tail = tail ? _mm256_loadu_ps(row + full * 16) : _mm256_setzero_ps();
        for (int r = 0; r < TILE; r++) {
            const float w = weights[r * KEYS + j];
            const __m512 weight = _mm512_set1_ps(w);
            for (int g = 0; g < full; g++) acc[r][g] = _mm512_fmadd_ps(weight, v[g], acc[r][g]);
            if (tail) acc_tail[r] = _mm256_fmadd_ps(_mm256_set1_ps(w), v_tail, acc_tail[r]);
        }
    }
    for (int r = 0; r < TILE; r++) {
        for (int g = 0; g < full; g++) _mm512_storeu_ps(accumulated + r * padded_dim + g * 16, acc[r][g]);
        if (tail) _mm256_storeu_ps(accumulated + r * padded_dim + full * 16, acc_tail[r]);
    }
}

AVX512 static void accumulate(const float *weights, const float *values, int padded_dim, const float *rescale,
                              float *accumulated) {
    for (int first = 0; first < padded_dim; first += 48) {
        const int eighths = (padded_dim - first < 48 ? padded_dim - first : 48) / 8;
        const float *v = values + first;
        float *a = accumulated + first;
        // Constant arguments, so each case compiles to its own fully unrolled loop.
        switch (eighths) {
        case 1: accumulate_group(weights, v, padded_dim, rescale, a, 0, 1); break;
        case 2: accumulate_group(weights, v, padded_dim, rescale, a, 1, 0); break;
        case 3: accumulate_group(weights, v, padded_dim, rescale, a, 1, 1); break;
        case 4: accumulate_group(weights, v, padded_dim, rescale, a, 2, 0); break;
        case 5: accumulate_group(weights, v, padded_dim, rescale, a, 2, 1); break;
        default: accumulate_group(weights, v, padded_dim, rescale, a, 3, 0); break;
        }
    }
}

const FusedAttentionKernels fused_attention_avx512_kernels = {TILE, scores, weigh, accumulate};

// The BF16 variant: the same tiles, one `vdpbf16ps` (a pair of head or key values) where the Float32 kernels have
// one FMA; `weigh` (the softmax) is the Float32 one.
#define AVX512_BF16 __attribute__((target("avx512f,avx512vl,avx512bf16,avx2,fma")))
#define INLINE_AVX512_BF16 static inline __attribute__((always_inline, target("avx512f,avx512vl,avx512bf16,avx2,fma")))

AVX512_BF16 static void scores_bf16(const uint32_t *queries, const uint32_t *keys, int pairs, float factor, float *out) {
    const __m512 scale = _mm512_set1_ps(factor);
    for (int half = 0; half < KEYS; half += 32) {
        __m512 acc[TILE][2];
        for (int r = 0; r < TILE; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
        for (int p = 0; p < pairs; p++) {
            const __m512bh k0 = (__m512bh)_mm512_loadu_si512(keys + p * KEYS + half);
            const __m512bh k1 = (__m512bh)_mm512_loadu_si512(keys + p * KEYS + half + 16);
            for (int r = 0; r < TILE; r++) {
                const __m512bh q = (__m512bh)_mm512_set1_epi32((int)queries[r * pairs + p]);
                acc[r][0] = _mm512_dpbf16_ps(acc[r][0], q, k0);
                acc[r][1] = _mm512_dpbf16_ps(acc[r][1], q, k1);
            }
        }
        for (int r = 0; r < TILE; r++) {
            _mm512_storeu_ps(out + r * KEYS + half, _mm512_mul_ps(scale, acc[r][0]));
            _mm512_storeu_ps(out + r * KEYS + half + 16, _mm512_mul_ps(scale, acc[r][1]));
        }
    }
}

/// As `accumulate_group`, over 32 key pairs; `weights` are the tile's BF16 weight pairs [TILE][32].
INLINE_AVX512_BF16 void accumulate_group_bf16(const uint32_t *weights, const uint32_t *values, int padded_dim, const float *rescale,
                                              float *accumulated, const int full, const int tail) {
    __m512 acc[TILE][3];
    __m256 acc_tail[TILE];
    for (int r = 0; r < TILE; r++) {
        const __m512 factor = _mm512_set1_ps(rescale[r]);
        for (int g = 0; g < full; g++) acc[r][g] = _mm512_mul_ps(factor, _mm512_loadu_ps(accumulated + r * padded_dim + g * 16));
        if (tail) acc_tail[r] = _mm256_mul_ps(_mm512_castps512_ps256(factor), _mm256_loadu_ps(accumulated + r * padded_dim + full * 16));
    }
    for (int j = 0; j < KEYS / 2; j++) {
        const uint32_t *row = values + j * padded_dim;
        __m512bh v[3];
        for (int g = 0; g < full; g++) v[g] = (__m512bh)_mm512_loadu_si512(row + g * 16);
        const __m256bh v_tail = tail ? (__m256bh)_mm256_loadu_si256((const __m256i *)(row + full * 16)) : (__m256bh)_mm256_setzero_si256();
        for (int r = 0; r < TILE; r++) {
            const int w = (int)weights[r * (KEYS / 2) + j];
            const __m512bh weight = (__m512bh)_mm512_set1_epi32(w);
            for (int g = 0; g < full; g++) acc[r][g] = _mm512_dpbf16_ps(acc[r][g], weight, v[g]);
            if (tail) acc_tail[r] = _mm256_dpbf16_ps(acc_tail[r], (__m256bh)_mm256_set1_epi32(w), v_tail);
        }
    }
    for (int r = 0; r < TILE; r++) {
        for (int g = 0; g < full; g++) _mm512_storeu_ps(accumulated + r * padded_dim + g * 16, acc[r][g]);
        if (tail) _mm256_storeu_ps(accumulated + r * padded_dim + full * 16, acc_tail[r]);
    }
}

AVX512_BF16 static void accumulate_bf16(const float *weights, const uint32_t *values, int padded_dim, const float *rescale,
                                        float *accumulated) {
    // The weights rounded to BF16 (to nearest, ties to even), adjacent keys already side by side as pairs.
    uint32_t pairs[TILE * KEYS / 2];
    for (int i = 0; i < TILE * KEYS; i += 16)
        _mm256_storeu_si256((__m256i *)((uint16_t *)pairs + i), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(weights + i)));
    for (int first = 0; first < padded_dim; first += 48) {
        const int eighths = (padded_dim - first < 48 ? padded_dim - first : 48) / 8;
        const uint32_t *v = values + first;
        float *a = accumulated + first;
        switch (eighths) {
        case 1: accumulate_group_bf16(pairs, v, padded_dim, rescale, a, 0, 1); break;
        case 2: accumulate_group_bf16(pairs, v, padded_dim, rescale, a, 1, 0); break;
        case 3: accumulate_group_bf16(pairs, v, padded_dim, rescale, a, 1, 1); break;
        case 4: accumulate_group_bf16(pairs, v, padded_dim, rescale, a, 2, 0); break;
        case 5: accumulate_group_bf16(pairs, v, padded_dim, rescale, a, 2, 1); break;
        default: accumulate_group_bf16(pairs, v, padded_dim, rescale, a, 3, 0); break;
        }
    }
}

const FusedAttentionBF16Kernels fused_attention_avx512bf16_kernels = {TILE, scores_bf16, weigh, accumulate_bf16};

#else
const FusedAttentionKernels fused_attention_avx512_kernels = {0, 0, 0, 0};
const FusedAttentionBF16Kernels fused_attention_avx512bf16_kernels = {0, 0, 0, 0};
#endif
