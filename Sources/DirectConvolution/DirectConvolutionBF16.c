#include "DirectConvolutionBF16.h"

#include "BFloat16.h"
#include "CPUFeatures.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define POSITION_TILE DIRECT_CONVOLUTION_POSITION_TILE
#define TILE_ROWS 8
#define MAX_TAPS 49

int direct_convolution_bf16_supported(void) { return cpu_features_present(CPU_FEATURE_AVX512F | CPU_FEATURE_AVX512BF16); }

int direct_convolution_bf16_pairs(int channels) { return (channels + 1) / 2; }

size_t direct_convolution_bf16_padded_count(const DirectConvolutionPlan *plan) {
    return (size_t)plan->plane_stride * (size_t)direct_convolution_bf16_pairs(plan->channels);
}

void direct_convolution_pad_bf16(const DirectConvolutionPlan *plan, const float *input, int first_pair, int last_pair,
                                 uint32_t *padded) {
    const int height = plan->height, width = plan->width, channels = plan->channels;
    for (int p = first_pair; p < last_pair; p++) {
        uint32_t *plane = padded + (ptrdiff_t)p * plan->plane_stride;
        memset(plane, 0, sizeof(uint32_t) * (size_t)plan->plane_stride);
        const int low = 2 * p, high = 2 * p + 1;
        for (int n = 0; n < plan->images; n++) {
            const float *first = input + ((ptrdiff_t)n * channels + low) * height * width;
            const float *second = high < channels ? first + (ptrdiff_t)height * width : NULL;
            uint32_t *target = plane + plan->origin + (ptrdiff_t)n * plan->image_rows * plan->row_stride;
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++) {
                    const ptrdiff_t at = (ptrdiff_t)y * width + x;
                    const uint32_t upper = second != NULL ? bf16_from_float(second[at]) : 0;
                    target[(ptrdiff_t)y * plan->row_stride + x] = bf16_from_float(first[at]) | upper << 16;
                }
        }
    }
}

size_t direct_convolution_bf16_weight_count(int out_channels, int channels, int taps) {
    return (size_t)out_channels * (size_t)direct_convolution_bf16_pairs(channels) * (size_t)taps;
}

void direct_convolution_pack_weight_bf16(const float *weight, int out_channels, int channels, int taps, uint32_t *packed) {
    const int pairs = direct_convolution_bf16_pairs(channels);
    for (int o = 0; o < out_channels; o++)
        for (int p = 0; p < pairs; p++)
            for (int t = 0; t < taps; t++) {
                const float *row = weight + (ptrdiff_t)o * channels * taps;
                const uint32_t low = bf16_from_float(row[(ptrdiff_t)(2 * p) * taps + t]);
                const uint32_t high = 2 * p + 1 < channels ? bf16_from_float(row[(ptrdiff_t)(2 * p + 1) * taps + t]) : 0;
                packed[((ptrdiff_t)o * pairs + p) * taps + t] = low | high << 16;
            }
}

#if defined(__x86_64__)
#define INLINE_BF16 static inline __attribute__((always_inline, target("avx512f,avx512bf16")))
#define BF16 __attribute__((target("avx512f,avx512bf16")))

/// As the AVX-512 Float32 tile, one `vdpbf16ps` (a channel pair) where that has one FMA (a channel).
INLINE_BF16 void tile_rows(const int rows, const int vectors, const uint32_t *input, ptrdiff_t plane_stride, const ptrdiff_t *offsets,
                           int taps, int pairs, const uint32_t *weight, ptrdiff_t weight_stride, const float *start, float *output,
                           ptrdiff_t output_stride) {
    __m512 acc[TILE_ROWS][3];
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++)
            acc[r][v] = start != NULL ? _mm512_set1_ps(start[r]) : _mm512_loadu_ps(output + r * output_stride + 16 * v);
    for (int p = 0; p < pairs; p++) {
        const uint32_t *plane = input + (ptrdiff_t)p * plane_stride;
        const uint32_t *w = weight + (ptrdiff_t)p * taps;
        for (int t = 0; t < taps; t++) {
            const uint32_t *at = plane + offsets[t];
            __m512bh x[3];
            for (int v = 0; v < vectors; v++) x[v] = (__m512bh)_mm512_loadu_si512(at + 16 * v);
            for (int r = 0; r < rows; r++) {
                const __m512bh k = (__m512bh)_mm512_set1_epi32((int)w[r * weight_stride + t]);
                for (int v = 0; v < vectors; v++) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], k, x[v]);
            }
        }
    }
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++) _mm512_storeu_ps(output + r * output_stride + 16 * v, acc[r][v]);
}

BF16 static void tile(const uint32_t *input, ptrdiff_t plane_stride, const ptrdiff_t *offsets, int taps, int pairs,
                      const uint32_t *weight, ptrdiff_t weight_stride, int rows, int positions, const float *start, float *output) {
    switch (rows * 4 + positions / 16) {
#define CASE(n, v) case n * 4 + v: tile_rows(n, v, input, plane_stride, offsets, taps, pairs, weight, weight_stride, start, output, plane_stride); break;
#define ROWS(n) CASE(n, 3) CASE(n, 2) CASE(n, 1)
    ROWS(8) ROWS(7) ROWS(6) ROWS(5) ROWS(4) ROWS(3) ROWS(2) ROWS(1)
#undef ROWS
#undef CASE
    default: break;
    }
}

static void compute(const DirectConvolutionPlan *plan, const uint32_t *padded, const uint32_t *packed_weight, const float *bias,
                    int first_out, int last_out, ptrdiff_t first_position, ptrdiff_t last_position, float *flat_output) {
    const int taps = plan->kernel_height * plan->kernel_width;
    ptrdiff_t offsets[MAX_TAPS];
    for (int ky = 0; ky < plan->kernel_height; ky++)
        for (int kx = 0; kx < plan->kernel_width; kx++)
            offsets[ky * plan->kernel_width + kx] = (ptrdiff_t)(ky - plan->padding_top) * plan->row_stride + (kx - plan->padding_left);
    const int pairs = direct_convolution_bf16_pairs(plan->channels);
    const ptrdiff_t weight_stride = (ptrdiff_t)pairs * taps;
    const ptrdiff_t plane = plan->plane_stride;
    // The Float32 rule's channel block, in pairs: a pair of BF16 weights takes the bytes of one float.
    const int rows = last_out - first_out;
    ptrdiff_t block = plan->weight_block_floats / (rows * taps > 0 ? rows * taps : 1);
    if (block < 4) block = 4;
    if (block > pairs) block = pairs;
    const float zeros[64] = {0};
    for (int p0 = 0; p0 < pairs; p0 += block) {
        const int count = pairs - p0 < block ? pairs - p0 : (int)block;
        for (ptrdiff_t position = first_position; position < last_position; position += POSITION_TILE) {
            const uint32_t *input = padded + (ptrdiff_t)p0 * plane + plan->origin + position;
            const int positions = last_position - position < POSITION_TILE ? (int)(last_position - position) : POSITION_TILE;
            for (int o = first_out; o < last_out; o += TILE_ROWS) {
                const int tile_count = last_out - o < TILE_ROWS ? last_out - o : TILE_ROWS;
                const float *start = p0 > 0 ? NULL : (bias != NULL ? bias + o : zeros);
                tile(input, plane, offsets, taps, count, packed_weight + (ptrdiff_t)o * weight_stride + (ptrdiff_t)p0 * taps, weight_stride,
                     tile_count, positions, start, flat_output + (ptrdiff_t)o * plane + plan->origin + position);
            }
        }
    }
}
#endif

int direct_convolution_compute_bf16(const DirectConvolutionPlan *plan, const uint32_t *padded, const uint32_t *packed_weight,
                                    const float *bias, int first_out, int last_out, ptrdiff_t first_position,
                                    ptrdiff_t last_position, float *flat_output) {
    if (!direct_convolution_bf16_supported()) return -1;
#if defined(__x86_64__)
    compute(plan, padded, packed_weight, bias, first_out, last_out, first_position, last_position, flat_output);
    return 0;
#else
    return -1;
#endif
}
