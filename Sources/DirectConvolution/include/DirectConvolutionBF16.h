#ifndef DIRECT_CONVOLUTION_BF16_H
#define DIRECT_CONVOLUTION_BF16_H

#include "DirectConvolution.h"

#include <stddef.h>
#include <stdint.h>

/// The direct convolution with BFloat16 inputs and weights and Float32 sums, on AVX512-BF16's `vdpbf16ps`, which
/// multiplies pairs of adjacent values: so input channels go in pairs. The padded input holds one plane per channel
/// pair, each position a 32-bit element with channel 2p's BF16 value in its low half and channel 2p + 1's in its
/// high half (zero past an odd channel count); the weight is packed once as [out][channel pairs][taps] of the same
/// pairs. Values are rounded to nearest, ties to even (PyTorch's rounding). Same plan, positions, output layout and
/// `direct_convolution_unpad` as the Float32 variants; tiles are 8 output channels by 48 positions.

/// Whether this processor runs the BF16 convolution (AVX-512 with AVX512-BF16, the OS saving the ZMM state).
int direct_convolution_bf16_supported(void);

/// Channel pairs of `channels`.
int direct_convolution_bf16_pairs(int channels);

/// 32-bit elements of the padded BF16 input (one plane per channel pair).
size_t direct_convolution_bf16_padded_count(const DirectConvolutionPlan *plan);

/// Writes channel pairs `first_pair..<last_pair` of `input` ([images, channels, height, width]) into `padded`,
/// zeros included.
void direct_convolution_pad_bf16(const DirectConvolutionPlan *plan, const float *input, int first_pair, int last_pair,
                                 uint32_t *padded);

/// 32-bit elements of a packed BF16 weight: out_channels x channel pairs x taps.
size_t direct_convolution_bf16_weight_count(int out_channels, int channels, int taps);

/// Packs `weight` ([out_channels, channels, taps] floats, PyTorch's layout) as BF16 channel pairs.
void direct_convolution_pack_weight_bf16(const float *weight, int out_channels, int channels, int taps, uint32_t *packed);

/// As `direct_convolution_compute`, from the BF16 padded input and packed weight. Returns 0, or -1 when this
/// processor lacks AVX512-BF16.
int direct_convolution_compute_bf16(const DirectConvolutionPlan *plan, const uint32_t *padded, const uint32_t *packed_weight,
                                    const float *bias, int first_out, int last_out, ptrdiff_t first_position,
                                    ptrdiff_t last_position, float *flat_output);

#endif
