// The AVX2 kernels: tiles of 4 query rows in 256-bit vectors, sized for the 16 registers AVX2 has.
#include "FusedAttention.h"
#include "FusedAttentionKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE_AVX2 static inline __attribute__((always_inline, target("avx2,fma")))
#define TILE 4
#define KEYS FUSED_ATTENTION_KEY_BLOCK

/// 2^x for x <= 0; exactly 0 below 2^-126 (and for -inf, the hidden keys), NaN stays NaN.
INLINE_AVX2 __m256 exp2_nonpositive(__m256 x) {
    const __m256 underflow = _mm256_cmp_ps(x, _mm256_set1_ps(-126.0f), _CMP_LT_OQ);
    x = _mm256_max_ps(_mm256_set1_ps(-126.0f), x);
    const __m256 n = _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m256 f = _mm256_sub_ps(x, n);
    __m256 p = _mm256_set1_ps(EXP2_C6);
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(EXP2_C5));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(EXP2_C4));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(EXP2_C3));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(EXP2_C2));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(EXP2_C1));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f));
    // 2^n built in the exponent bits; n is in [-126, 0] here.
    const __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(underflow, _mm256_mul_ps(p, _mm256_castsi256_ps(exponent)));
}

INLINE_AVX2 float horizontal_max(__m256 x) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

INLINE_AVX2 float horizontal_sum(__m256 x) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// 4 rows x 16 keys per pass: 8 accumulators, two key loads and four broadcasts per query element.
AVX2 static void scores(const float *queries, const float *keys, int head_dim, float *out) {
    for (int first = 0; first < KEYS; first += 16) {
        __m256 acc[TILE][2];
        for (int r = 0; r < TILE; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
        for (int c = 0; c < head_dim; c++) {
            const __m256 k0 = _mm256_loadu_ps(keys + c * KEYS + first);
            const __m256 k1 = _mm256_loadu_ps(keys + c * KEYS + first + 8);
            for (int r = 0; r < TILE; r++) {
                const __m256 q = _mm256_broadcast_ss(queries + r * head_dim + c);
                acc[r][0] = _mm256_fmadd_ps(q, k0, acc[r][0]);
                acc[r][1] = _mm256_fmadd_ps(q, k1, acc[r][1]);
            }
        }
        for (int r = 0; r < TILE; r++) {
            _mm256_storeu_ps(out + r * KEYS + first, acc[r][0]);
            _mm256_storeu_ps(out + r * KEYS + first + 8, acc[r][1]);
        }
    }
}

AVX2 static void weigh(float *scores, int valid_keys, float *row_max, float *row_sum, float *rescale) {
    float previous[8] = {0}, current[8] = {0};
    for (int r = 0; r < TILE; r++) {
        float *row = scores + r * KEYS;
        for (int j = valid_keys; j < KEYS; j++) row[j] = -INFINITY;
        __m256 top = _mm256_set1_ps(-INFINITY);
        for (int v = 0; v < KEYS; v += 8) top = _mm256_max_ps(top, _mm256_loadu_ps(row + v));
        const float block_max = horizontal_max(top);
        previous[r] = row_max[r];
        current[r] = block_max > row_max[r] ? block_max : row_max[r];
        row_max[r] = current[r];
    }
    float factor[8];
    _mm256_storeu_ps(factor, exp2_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(previous), _mm256_loadu_ps(current))));
    for (int r = 0; r < TILE; r++) {
        float *row = scores + r * KEYS;
        const __m256 shift = _mm256_set1_ps(current[r]);
        __m256 total = _mm256_setzero_ps();
        for (int v = 0; v < KEYS; v += 8) {
            const __m256 w = exp2_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(row + v), shift));
            _mm256_storeu_ps(row + v, w);
            total = _mm256_add_ps(total, w);
        }
        row_sum[r] = row_sum[r] * factor[r] + horizontal_sum(total);
        rescale[r] = factor[r];
    }
}

/// One group of up to 24 output columns (`vectors` of 8) for the tile's 4 rows: 12 accumulators, 3 value
/// vectors and a broadcast weight fill the 16 registers.
INLINE_AVX2 void accumulate_group(const float *weights, const float *values, int padded_dim, const float *rescale,
                                  float *accumulated, const int vectors) {
    __m256 acc[TILE][3];
    for (int r = 0; r < TILE; r++) {
        const __m256 factor = _mm256_set1_ps(rescale[r]);
        for (int g = 0; g < vectors; g++) acc[r][g] = _mm256_mul_ps(factor, _mm256_loadu_ps(accumulated + r * padded_dim + g * 8));
    }
    for (int j = 0; j < KEYS; j++) {
        __m256 v[3];
        for (int g = 0; g < vectors; g++) v[g] = _mm256_loadu_ps(values + j * padded_dim + g * 8);
        for (int r = 0; r < TILE; r++) {
            const __m256 weight = _mm256_broadcast_ss(weights + r * KEYS + j);
            for (int g = 0; g < vectors; g++) acc[r][g] = _mm256_fmadd_ps(weight, v[g], acc[r][g]);
        }
    }
    for (int r = 0; r < TILE; r++)
        for (int g = 0; g < vectors; g++) _mm256_storeu_ps(accumulated + r * padded_dim + g * 8, acc[r][g]);
}

AVX2 static void accumulate(const float *weights, const float *values, int padded_dim, const float *rescale,
                            float *accumulated) {
    for (int first = 0; first < padded_dim; first += 24) {
        const int vectors = (padded_dim - first < 24 ? padded_dim - first : 24) / 8;
        switch (vectors) {
        case 1: accumulate_group(weights, values + first, padded_dim, rescale, accumulated + first, 1); break;
        case 2: accumulate_group(weights, values + first, padded_dim, rescale, accumulated + first, 2); break;
        default: accumulate_group(weights, values + first, padded_dim, rescale, accumulated + first, 3); break;
        }
    }
}

const FusedAttentionKernels fused_attention_avx2_kernels = {TILE, scores, weigh, accumulate};

#else
const FusedAttentionKernels fused_attention_avx2_kernels = {0, 0, 0, 0};
#endif
