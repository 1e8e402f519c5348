#ifndef DIRECT_CONVOLUTION_KERNELS_H
#define DIRECT_CONVOLUTION_KERNELS_H

#include <stddef.h>

/// One tile of the convolution: `rows` output channels (at most `tile_rows`) by `positions` consecutive flat
/// positions (16, 32 or DIRECT_CONVOLUTION_POSITION_TILE = 48), summed over `channels` input channels and `taps` kernel taps.
///
/// `input` points at the tile's first position in the first channel's plane; `offsets[t]` is tap t's offset from
/// a position to the input it reads; `weight` points at the tile's first row, rows `weight_stride` floats apart,
/// each holding [channels][taps]; `output` at the tile's first position in its first row's plane. With `start`
/// NULL the tile adds to what `output` holds; otherwise it starts from `start[r]` (a bias, or zeros).
typedef void (*DirectConvolutionTile)(const float *input, ptrdiff_t plane_stride, const ptrdiff_t *offsets, int taps,
                                      int channels, const float *weight, ptrdiff_t weight_stride, int rows,
                                      int positions, const float *start, float *output);

typedef struct {
    /// Output channels of the widest tile; `tile` handles any `rows` up to it.
    int tile_rows;
    DirectConvolutionTile tile;
} DirectConvolutionKernels;

extern const DirectConvolutionKernels direct_convolution_avx512_kernels;
extern const DirectConvolutionKernels direct_convolution_avx2_kernels;

#endif
