// The AVX2 tile: up to 4 output channels by 48 positions (six 8-wide vectors, processed in runs of three so 12
// accumulators, 3 inputs and a broadcast fit the 16 registers); the last tile of a plane may be 16 or 32 positions.
#include "DirectConvolution.h"
#include "DirectConvolutionKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define INLINE_AVX2 static inline __attribute__((always_inline, target("avx2,fma")))
#define AVX2 __attribute__((target("avx2,fma")))

INLINE_AVX2 void half_tile(const int rows, const int vectors, const float *input, ptrdiff_t plane_stride, const ptrdiff_t *offsets,
                           int taps, int channels, const float *weight, ptrdiff_t weight_stride, const float *start,
                           float *output, ptrdiff_t output_stride) {
    __m256 acc[4][3];
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++)
            acc[r][v] = start != NULL ? _mm256_set1_ps(start[r]) : _mm256_loadu_ps(output + r * output_stride + 8 * v);
    for (int c = 0; c < channels; c++) {
        const float *plane = input + (ptrdiff_t)c * plane_stride;
        const float *w = weight + (ptrdiff_t)c * taps;
        for (int t = 0; t < taps; t++) {
            const float *at = plane + offsets[t];
            __m256 x[3];
            for (int v = 0; v < vectors; v++) x[v] = _mm256_loadu_ps(at + 8 * v);
            for (int r = 0; r < rows; r++) {
                const __m256 k = _mm256_broadcast_ss(w + r * weight_stride + t);
                for (int v = 0; v < vectors; v++) acc[r][v] = _mm256_fmadd_ps(k, x[v], acc[r][v]);
            }
        }
    }
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++) _mm256_storeu_ps(output + r * output_stride + 8 * v, acc[r][v]);
}

AVX2 static void tile(const float *input, ptrdiff_t plane_stride, const ptrdiff_t *offsets, int taps, int channels,
                      const float *weight, ptrdiff_t weight_stride, int rows, int positions, const float *start,
                      float *output) {
    for (int first = 0; first < positions; first += 24) {
        const int vectors = positions - first >= 24 ? 3 : (positions - first) / 8;
        const float *in = input + first;
        float *out = output + first;
        switch (rows * 4 + vectors) {
#define CASE(n, v) case n * 4 + v: half_tile(n, v, in, plane_stride, offsets, taps, channels, weight, weight_stride, start, out, plane_stride); break;
#define ROWS(n) CASE(n, 3) CASE(n, 2) CASE(n, 1)
        ROWS(4) ROWS(3) ROWS(2) ROWS(1)
#undef ROWS
#undef CASE
        default: break;
        }
    }
}

const DirectConvolutionKernels direct_convolution_avx2_kernels = {4, tile};
#else
const DirectConvolutionKernels direct_convolution_avx2_kernels = {4, 0};
#endif
