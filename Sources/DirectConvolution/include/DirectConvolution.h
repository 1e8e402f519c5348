#ifndef DIRECT_CONVOLUTION_H
#define DIRECT_CONVOLUTION_H

#include <stddef.h>

/// 2-D convolution at stride 1 with "same"-style zero padding, computed directly (no unfolded columns) on a
/// padded flat layout: each channel's images are laid out one after another as rows of `width + padding`
/// floats, with `padding` zero columns ending every row and `padding` zero rows between images. In that layout
/// every kernel tap is one constant offset, so 16 consecutive outputs read 16 consecutive inputs; the few outputs
/// that fall on padding are computed and dropped.
///
/// Use: describe the problem (`direct_convolution_plan`), pad the input into a buffer of `padded_count` floats
/// (`direct_convolution_pad`, any thread per channel range), compute blocks of output channels and positions
/// (`direct_convolution_compute`, one call per thread on disjoint ranges), then copy the valid outputs out
/// (`direct_convolution_unpad`). Strides count floats.

/// The instruction-set variants. `DirectConvolutionVariantNone` means the caller must use its own path.
typedef enum {
    DirectConvolutionVariantNone = 0,
    DirectConvolutionVariantAVX2 = 1,
    DirectConvolutionVariantAVX512 = 2,
} DirectConvolutionVariant;

/// The fastest variant this processor runs, or `DirectConvolutionVariantNone`.
DirectConvolutionVariant direct_convolution_best_variant(void);

/// Whether this processor runs `variant`.
int direct_convolution_supports(DirectConvolutionVariant variant);

/// The geometry of one convolution on the padded flat layout.
typedef struct {
    int images, channels, height, width;
    int out_channels, kernel_height, kernel_width, padding_top, padding_left;
    /// Floats per padded row (`width + padding_left`) and per channel plane.
    ptrdiff_t row_stride, plane_stride;
    /// Where image 0's first pixel sits in a plane, and the rows one image block takes (its rows and separator).
    ptrdiff_t origin, image_rows;
    /// The positions computed: `position_count` flat positions from `origin`, a multiple of 16.
    ptrdiff_t position_count;
    /// Floats of weights per channel block of `direct_convolution_compute`: from this machine's L2
    /// (`direct_convolution_weight_block_floats`); a caller may set another before computing (the sums come out
    /// the same: blocks only regroup when partial sums go through memory).
    ptrdiff_t weight_block_floats;
} DirectConvolutionPlan;

/// Floats of weights per channel block for a core with `l2_bytes` of L2: 3/8 of it (at least one full tile).
size_t direct_convolution_weight_block_floats(size_t l2_bytes);

/// Positions per full tile of every variant; the last tile of a range may hold 16 or 32.
#define DIRECT_CONVOLUTION_POSITION_TILE 48

/// The plan for [images, channels, height, width] convolved with [out_channels, channels, kh, kw] at stride 1,
/// with zero padding `padding_top`/`padding_left` on each side such that the output keeps the input's size:
/// kh == 2 * padding_top + 1 and kw == 2 * padding_left + 1. Returns 0, or -1 when the shape is not one it takes.
int direct_convolution_plan(int images, int channels, int height, int width, int out_channels,
                            int kernel_height, int kernel_width, DirectConvolutionPlan *plan);

/// Floats of one padded buffer (input or output) of `planes` planes.
size_t direct_convolution_padded_count(const DirectConvolutionPlan *plan, int planes);

/// Writes channels `first..<last` of `input` ([images, channels, height, width], contiguous) into `padded`,
/// zeros included.
void direct_convolution_pad(const DirectConvolutionPlan *plan, const float *input, int first_channel,
                            int last_channel, float *padded);

/// Output channels per tile of `variant` (0 when it does not run here): splitting output channels between threads
/// at multiples of it keeps every tile full.
int direct_convolution_tile_rows(DirectConvolutionVariant variant);

/// flat_output[o] = bias[o] + sum over channels and taps of weight[o][c][ky][kx] * padded[c] at the tap's offset,
/// for output channels `first_out..<last_out` and positions `first_position..<last_position` (counted from the
/// origin; `first_position` a multiple of 48 and `last_position` a multiple of 16). `bias` may be NULL. Returns 0, or -1 when `variant` does not run here.
int direct_convolution_compute(DirectConvolutionVariant variant, const DirectConvolutionPlan *plan,
                               const float *padded, const float *weight, const float *bias, int first_out,
                               int last_out, ptrdiff_t first_position, ptrdiff_t last_position, float *flat_output);

/// Copies output channels `first..<last` from the flat layout to `output` ([images, out_channels, height, width]).
void direct_convolution_unpad(const DirectConvolutionPlan *plan, const float *flat_output, int first_out,
                              int last_out, float *output);

// The module's umbrella header (named after the target) must include its other headers for Swift to see them.
#include "DirectConvolutionBF16.h"

#endif
