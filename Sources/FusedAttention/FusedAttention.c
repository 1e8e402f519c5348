#include "FusedAttention.h"
#include "FusedAttentionKernels.h"

#include "BFloat16.h"
#include "CPUFeatures.h"

#include <math.h>
#include <string.h>

#define KEY_BLOCK FUSED_ATTENTION_KEY_BLOCK
/// The largest tile of any variant, so one workspace size fits them all.
#define MAX_TILE_ROWS 8

static int padded_width(int head_dim) { return (head_dim + 7) / 8 * 8; }
static int key_blocks(int key_count) { return (key_count + KEY_BLOCK - 1) / KEY_BLOCK; }

int fused_attention_supports(FusedAttentionVariant variant) {
    switch (variant) {
    case FusedAttentionVariantAVX512:
        return cpu_features_present(CPU_FEATURE_AVX512F | CPU_FEATURE_AVX512VL | CPU_FEATURE_FMA);
    case FusedAttentionVariantAVX2: return cpu_features_present(CPU_FEATURE_AVX2 | CPU_FEATURE_FMA);
    case FusedAttentionVariantAVX512BF16:
        return cpu_features_present(CPU_FEATURE_AVX512F | CPU_FEATURE_AVX512VL | CPU_FEATURE_FMA | CPU_FEATURE_AVX512BF16);
    default: return 0;
    }
}

FusedAttentionVariant fused_attention_best_variant(void) {
    if (fused_attention_supports(FusedAttentionVariantAVX512)) return FusedAttentionVariantAVX512;
    if (fused_attention_supports(FusedAttentionVariantAVX2)) return FusedAttentionVariantAVX2;
    return FusedAttentionVariantNone;
}

size_t fused_attention_packed_count(int key_count, int head_dim) {
    return (size_t)key_blocks(key_count) * KEY_BLOCK * (size_t)(head_dim + padded_width(head_dim));
}

void fused_attention_pack(const float *key, ptrdiff_t key_stride, const float *value, ptrdiff_t value_stride,
                          int key_count, int head_dim, int first_key, int last_key, float *packed) {
    const int width = padded_width(head_dim);
    const int end = last_key < key_count ? last_key : key_blocks(key_count) * KEY_BLOCK;
    float *keys = packed;
    float *values = packed + (size_t)key_blocks(key_count) * KEY_BLOCK * head_dim;
    for (int j = first_key; j < end; j++) {
        // Keys go in transposed: block b holds [head_dim][64], so a vector load covers consecutive keys.
        float *key_column = keys + (size_t)(j / KEY_BLOCK) * KEY_BLOCK * head_dim + j % KEY_BLOCK;
        float *value_row = values + (size_t)j * width;
        if (j < key_count) {
            const float *k = key + (ptrdiff_t)j * key_stride, *v = value + (ptrdiff_t)j * value_stride;
            for (int c = 0; c < head_dim; c++) key_column[c * KEY_BLOCK] = k[c];
            memcpy(value_row, v, sizeof(float) * head_dim);
            memset(value_row + head_dim, 0, sizeof(float) * (width - head_dim));
        } else {
            for (int c = 0; c < head_dim; c++) key_column[c * KEY_BLOCK] = 0;
            memset(value_row, 0, sizeof(float) * width);
        }
    }
}

static int pairs_of(int head_dim) { return (head_dim + 1) / 2; }

size_t fused_attention_bf16_packed_count(int key_count, int head_dim) {
    return (size_t)key_blocks(key_count) * (KEY_BLOCK * (size_t)pairs_of(head_dim) + KEY_BLOCK / 2 * (size_t)padded_width(head_dim));
}

void fused_attention_pack_bf16(const float *key, ptrdiff_t key_stride, const float *value, ptrdiff_t value_stride,
                               int key_count, int head_dim, int first_key, int last_key, uint32_t *packed) {
    const int width = padded_width(head_dim), pairs = pairs_of(head_dim);
    const int end = last_key < key_count ? last_key : key_blocks(key_count) * KEY_BLOCK;
    uint32_t *keys = packed;
    // 16-bit halves of the value pairs: on x86 the low half of a 32-bit element is the first in memory.
    uint16_t *values = (uint16_t *)(packed + (size_t)key_blocks(key_count) * KEY_BLOCK * pairs);
    for (int j = first_key; j < end; j++) {
        uint32_t *key_column = keys + (size_t)(j / KEY_BLOCK) * KEY_BLOCK * pairs + j % KEY_BLOCK;
        // Keys j and j + 1 share a row of pairs: key j's value of column c is half j % 2 of element (j / 2, c).
        uint16_t *value_row = values + ((size_t)(j / 2) * width * 2) + j % 2;
        const float *k = key + (ptrdiff_t)j * key_stride, *v = value + (ptrdiff_t)j * value_stride;
        for (int p = 0; p < pairs; p++) {
            const uint32_t low = j < key_count ? bf16_from_float(k[2 * p]) : 0;
            const uint32_t high = j < key_count && 2 * p + 1 < head_dim ? bf16_from_float(k[2 * p + 1]) : 0;
            key_column[p * KEY_BLOCK] = low | high << 16;
        }
        for (int c = 0; c < width; c++) value_row[2 * c] = j < key_count && c < head_dim ? bf16_from_float(v[c]) : 0;
    }
}

size_t fused_attention_workspace_count(int rows, int head_dim) {
    const size_t padded_rows = (size_t)(rows + MAX_TILE_ROWS - 1) / MAX_TILE_ROWS * MAX_TILE_ROWS;
    return padded_rows * (size_t)(head_dim + padded_width(head_dim) + 2) + MAX_TILE_ROWS * (KEY_BLOCK + 1);
}

static const FusedAttentionKernels *kernels_for(FusedAttentionVariant variant) {
    if (!fused_attention_supports(variant)) return NULL;
    switch (variant) {
    case FusedAttentionVariantAVX512: return &fused_attention_avx512_kernels;
    case FusedAttentionVariantAVX2: return &fused_attention_avx2_kernels;
    default: return NULL;
    }
}

int fused_attention_rows(FusedAttentionVariant variant, const void *packed_head, int key_count, int head_dim,
                         const float *query, ptrdiff_t query_stride, int rows, float scale,
                         float *output, ptrdiff_t output_stride, float *workspace) {
    const FusedAttentionBF16Kernels *bf16 = NULL;
    const FusedAttentionKernels *kernels = NULL;
    if (variant == FusedAttentionVariantAVX512BF16) {
        if (!fused_attention_supports(variant)) return -1;
        bf16 = &fused_attention_avx512bf16_kernels;
    } else {
        kernels = kernels_for(variant);
        if (kernels == NULL) return -1;
    }
    const int tile_rows = bf16 ? bf16->tile_rows : kernels->tile_rows;
    const int tiles = (rows + tile_rows - 1) / tile_rows;
    const int padded_rows = tiles * tile_rows;
    const int width = padded_width(head_dim);
    const int blocks = key_blocks(key_count);

    float *queries = workspace;
    float *accumulated = queries + (size_t)padded_rows * head_dim;
    float *row_max = accumulated + (size_t)padded_rows * width;
    float *row_sum = row_max + padded_rows;
    float *scores = row_sum + padded_rows;
    float *rescale = scores + tile_rows * KEY_BLOCK;

    // Scores in base 2 cost one multiplication less per weight than e^x.
    const float factor = scale * 1.4426950408889634f;
    const int pairs = pairs_of(head_dim);
    // BF16 queries are rounded unscaled, in pairs (fewer 32-bit elements than the workspace's head_dim floats);
    // their scores are scaled in Float32.
    uint32_t *query_pairs = (uint32_t *)queries;
    for (int r = 0; r < padded_rows; r++) {
        const float *source = r < rows ? query + (ptrdiff_t)r * query_stride : NULL;
        if (bf16) {
            uint32_t *q = query_pairs + (size_t)r * pairs;
            for (int p = 0; p < pairs; p++) {
                const uint32_t low = r < rows ? bf16_from_float(source[2 * p]) : 0;
                const uint32_t high = r < rows && 2 * p + 1 < head_dim ? bf16_from_float(source[2 * p + 1]) : 0;
                q[p] = low | high << 16;
            }
        } else {
            float *q = queries + (size_t)r * head_dim;
            if (r < rows) {
                for (int c = 0; c < head_dim; c++) q[c] = source[c] * factor;
            } else {
                memset(q, 0, sizeof(float) * head_dim);
            }
        }
        row_max[r] = -INFINITY;
        row_sum[r] = 0;
    }
    memset(accumulated, 0, sizeof(float) * (size_t)padded_rows * width);

    const float *packed = packed_head;
    const float *values = packed + (size_t)blocks * KEY_BLOCK * head_dim;
    const uint32_t *bf16_keys = packed_head;
    const uint32_t *bf16_values = bf16_keys + (size_t)blocks * KEY_BLOCK * pairs;
    // Key blocks outside, tiles inside: a block's keys and values (64 x head_dim each) stay in L1 while every
    // tile of this call's rows passes over them.
    for (int b = 0; b < blocks; b++) {
        const float *block_keys = packed + (size_t)b * KEY_BLOCK * head_dim;
        const float *block_values = values + (size_t)b * KEY_BLOCK * width;
        const int valid = key_count - b * KEY_BLOCK < KEY_BLOCK ? key_count - b * KEY_BLOCK : KEY_BLOCK;
        for (int t = 0; t < tiles; t++) {
            const int first = t * tile_rows;
            if (bf16) {
                bf16->scores(query_pairs + (size_t)first * pairs, bf16_keys + (size_t)b * KEY_BLOCK * pairs, pairs, factor, scores);
                bf16->weigh(scores, valid, row_max + first, row_sum + first, rescale);
                bf16->accumulate(scores, bf16_values + (size_t)b * KEY_BLOCK / 2 * width, width, rescale, accumulated + (size_t)first * width);
            } else {
                kernels->scores(queries + (size_t)first * head_dim, block_keys, head_dim, scores);
                kernels->weigh(scores, valid, row_max + first, row_sum + first, rescale);
                kernels->accumulate(scores, block_values, width, rescale, accumulated + (size_t)first * width);
            }
        }
    }
    for (int r = 0; r < rows; r++) {
        // A NaN sum stays NaN, so non-finite inputs show in the output.
        const float inverse = row_sum[r] == 0 ? 0 : 1 / row_sum[r];
        const float *a = accumulated + (size_t)r * width;
        float *o = output + (ptrdiff_t)r * output_stride;
        for (int c = 0; c < head_dim; c++) o[c] = a[c] * inverse;
    }
    return 0;
}
