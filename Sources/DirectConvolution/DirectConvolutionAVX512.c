// The AVX-512 tile: up to 8 output channels by 48 positions (three 16-wide vectors), 24 accumulators; the last
// tile of a plane may be one or two vectors. Per input
// channel and tap it loads three input vectors and broadcasts one weight per output channel: 24 FMAs per 3 vector
// loads and 8 broadcasts, so the FMA units, not the loads, set the pace.
#include "DirectConvolution.h"
#include "DirectConvolutionKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define INLINE_AVX512 static inline __attribute__((always_inline, target("avx512f,avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx2,fma")))

INLINE_AVX512 void tile_rows(const int rows, const int vectors, const float *input, ptrdiff_t plane_stride, const ptrdiff_t *offsets,
                             int taps, int channels, const float *weight, ptrdiff_t weight_stride, const float *start,
                             float *output, ptrdiff_t output_stride) {
    __m512 acc[8][3];
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++)
            acc[r][v] = start != NULL ? _mm512_set1_ps(start[r]) : _mm512_loadu_ps(output + r * output_stride + 16 * v);
    for (int c = 0; c < channels; c++) {
        const float *plane = input + (ptrdiff_t)c * plane_stride;
        const float *w = weight + (ptrdiff_t)c * taps;
        for (int t = 0; t < taps; t++) {
            const float *at = plane + offsets[t];
            __m512 x[3];
            for (int v = 0; v < vectors; v++) x[v] = _mm512_loadu_ps(at + 16 * v);
            for (int r = 0; r < rows; r++) {
                const __m512 k = _mm512_set1_ps(w[r * weight_stride + t]);
                for (int v = 0; v < vectors; v++) acc[r][v] = _mm512_fmadd_ps(k, x[v], acc[r][v]);
            }
        }
    }
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++) _mm512_storeu_ps(output + r * output_stride + 16 * v, acc[r][v]);
}

AVX512 static void tile(const float *input, ptrdiff_t plane_stride, const ptrdiff_t *offsets, int taps, int channels,
                        const float *weight, ptrdiff_t weight_stride, int rows, int positions, const float *start,
                        float *output) {
    // The output planes are as far apart as the input planes (one plan describes both).
    switch (rows * 4 + positions / 16) {
#define CASE(n, v) case n * 4 + v: tile_rows(n, v, input, plane_stride, offsets, taps, channels, weight, weight_stride, start, output, plane_stride); break;
#define ROWS(n) CASE(n, 3) CASE(n, 2) CASE(n, 1)
    ROWS(8) ROWS(7) ROWS(6) ROWS(5) ROWS(4) ROWS(3) ROWS(2) ROWS(1)
#undef ROWS
#undef CASE
    default: break;
    }
}

const DirectConvolutionKernels direct_convolution_avx512_kernels = {8, tile};
#else
const DirectConvolutionKernels direct_convolution_avx512_kernels = {8, 0};
#endif
