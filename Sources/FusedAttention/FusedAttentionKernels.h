#ifndef FUSED_ATTENTION_KERNELS_H
#define FUSED_ATTENTION_KERNELS_H

#include <stdint.h>

/// The three steps that differ between instruction sets, for one tile of query rows and one block of 64 keys.
/// Scores are in base 2: the queries arrive multiplied by scale * log2(e), so the kernels exponentiate with 2^x.
typedef struct {
    /// Query rows per tile; tiles are padded with zero rows.
    int tile_rows;
    /// scores[r][j] = queries[r] . keys[j] for the tile (queries [tile_rows][head_dim], keys [head_dim][64]).
    void (*scores)(const float *queries, const float *keys, int head_dim, float *scores);
    /// Turns each row of scores into weights 2^(score - running max), hiding keys from `valid_keys` on, and
    /// updates the running maximum and sum; `rescale[r]` is what the row's accumulated output must be multiplied by.
    void (*weigh)(float *scores, int valid_keys, float *row_max, float *row_sum, float *rescale);
    /// accumulated[r] = accumulated[r] * rescale[r] + weights[r] . values, values [64][padded_dim].
    void (*accumulate)(const float *weights, const float *values, int padded_dim, const float *rescale, float *accumulated);
} FusedAttentionKernels;

/// The BF16 variant's steps: operands in pairs of BF16 values, one 32-bit element a pair (FusedAttention.h).
typedef struct {
    int tile_rows;
    /// scores[r][j] = factor * (queries[r] . keys[j]) summed in Float32 (queries [tile_rows][pairs], keys [pairs][64]).
    void (*scores)(const uint32_t *queries, const uint32_t *keys, int pairs, float factor, float *scores);
    /// As the Float32 variant's.
    void (*weigh)(float *scores, int valid_keys, float *row_max, float *row_sum, float *rescale);
    /// As the Float32 variant's, with the weights rounded to BF16 first (values [32 key pairs][padded_dim]).
    void (*accumulate)(const float *weights, const uint32_t *values, int padded_dim, const float *rescale, float *accumulated);
} FusedAttentionBF16Kernels;

extern const FusedAttentionKernels fused_attention_avx512_kernels;
extern const FusedAttentionBF16Kernels fused_attention_avx512bf16_kernels;
extern const FusedAttentionKernels fused_attention_avx2_kernels;

/// Coefficients of 2^f = e^(f ln 2) on |f| <= 1/2 (Taylor, degree 6: relative error under 2e-7).
#define EXP2_C1 0.6931471805599453f
#define EXP2_C2 0.2402265069591007f
#define EXP2_C3 0.05550410866482158f
#define EXP2_C4 0.009618129107628477f
#define EXP2_C5 0.0013333558146428443f
#define EXP2_C6 0.00015403530393381608f

#endif
