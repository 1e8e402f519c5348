#ifndef WINOGRAD_CONVOLUTION_H
#define WINOGRAD_CONVOLUTION_H

#include <stddef.h>

#include "PackedMatrixProduct.h"

/// 3x3 convolution at stride 1 with one pixel of zero padding (the output keeps the input's size) by Winograd's
/// minimal filtering F(4x4, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks"): each 4x4
/// block of outputs (a tile) comes from the 6x6 input patch around it as Y = A^T [U . V] A, with the weight
/// transformed once at load (U = G g G^T per output and input channel) and the patch per call (V = B^T d B). Summed
/// over input channels, the 36 elementwise products become 36 matrix products [tiles x channels] x [channels x
/// outputs], run on the packed matrix product (PackedMatrixProduct.h): 36 multiplications per 16 outputs instead
/// of 144, 4x fewer. The transforms add and scale, so the sums are not bit-identical to a direct convolution.
///
/// Use: transform and pack the weight once (`winograd_transform_weight`); per call,
/// for each block of `rows` tiles: transform its input (`winograd_transform_input`, by channel ranges), multiply
/// (`winograd_multiply`, by panel ranges of 32 output channels), transform the products into the output
/// (`winograd_transform_output`, by output-channel ranges). Ranges of one stage may run on different threads.

/// Elements of a transformed 6x6 tile: the number of matrix products.
#define WINOGRAD_POSITIONS 36
/// Outputs per tile side.
#define WINOGRAD_TILE 4

/// Whether this processor runs the transforms and the packed product (AVX-512 with FMA).
int winograd_convolution_supported(void);

/// One convolution's geometry: [images, channels, height, width] in, [images, out_channels, height, width] out.
typedef struct {
    int images, channels, height, width, out_channels;
    /// Tiles per column and per row of one image (the last ones may hang over its edge), and in all.
    int tiles_y, tiles_x;
    ptrdiff_t tiles;
} WinogradPlan;

/// The plan, or -1 for an empty shape.
int winograd_plan(int images, int channels, int height, int width, int out_channels, WinogradPlan *plan);

/// Floats of the transformed weight: 36 packed matrices of `packed_matrix_count(channels, out_channels)` floats.
size_t winograd_packed_weight_count(int channels, int out_channels);

/// Writes U = G g G^T (in double, rounded once) for output channels `first_out..<last_out` of `weight`
/// ([out_channels, channels, 3, 3], PyTorch's layout) straight into their columns of the 36 packed matrices
/// [channels x out_channels] of `packed` (`winograd_packed_weight_count` floats); the call that covers the last
/// output also writes the last panel's padding columns as zeros. Ranges of outputs may run on separate threads.
void winograd_transform_weight(const float *weight, int channels, int out_channels, int first_out, int last_out,
                               float *packed);

/// Writes V = B^T d B of tiles `first_tile..<first_tile + rows` (counted over all images, row by row) and channels
/// `first_channel..<last_channel` of `input` ([images, channels, height, width]) into `transformed`
/// ([36][rows][channels]); outside the image d is zero. Returns 0, or -1 where this processor lacks AVX-512.
int winograd_transform_input(const WinogradPlan *plan, const float *input, ptrdiff_t first_tile, int rows,
                             int first_channel, int last_channel, float *transformed);

/// products[p] ([rows][out_channels]) = transformed[p] ([rows][channels]) x the packed weight of position p, for the
/// 36 positions and output channels of panels `first_panel..<last_panel`. `workspace` holds
/// `packed_matrix_workspace_count(blocking, channels)` floats. Returns 0, or -1 when the product does not run here.
int winograd_multiply(const WinogradPlan *plan, const PackedMatrixBlocking *blocking, const float *transformed, int rows,
                      const float *packed_weight, int first_panel, int last_panel, float *products, float *workspace);

/// Streamed weights: the transform made inside each call, block by block, instead of once at load. A transformed
/// weight takes 36 floats per 9 (4x the weight), which a process may not be able to hold for every layer; streamed,
/// a layer keeps its weight once, in the layout below, and each call transforms one block of channels of one panel
/// of 32 outputs at a time into a buffer that stays in L2, for the 36 products of that block. The transform costs
/// about 100 operations per 16 weights per call, against 36 multiply-adds per weight per tile for the products, so
/// it pays where the held form cannot be kept and the direct kernel is slower still (`ConvolutionChoice` measures
/// it). It runs in Float32 (the held transform runs in double), so the two agree to rounding, not bit for bit.

/// Floats of a weight in the streamed layout: [panels][channels][9][32], each tap of a panel's 32 outputs contiguous.
size_t winograd_streamed_weight_count(int channels, int out_channels);

/// Writes panels `first_panel..<last_panel` of `weight` ([out_channels, channels, 3, 3]) in the streamed layout into
/// `arranged` (`winograd_streamed_weight_count` floats), the last panel's columns past out_channels as zeros.
void winograd_arrange_weight(const float *weight, int channels, int out_channels, int first_panel, int last_panel,
                             float *arranged);

/// The inverse: writes panels `first_panel..<last_panel` of `arranged` back into `weight` ([out_channels, channels,
/// 3, 3]).
void winograd_unarrange_weight(const float *arranged, int channels, int out_channels, int first_panel, int last_panel,
                               float *weight);

/// Channels per block of a streamed multiply of `rows` tiles on a core with `l2_bytes` of L2 and `l3_share_bytes`
/// of L3 (its share; 0 where unknown): the block's transformed weight and its 36 packed left operands stay in L3
/// (see the rule in WinogradConvolution.c). A multiple of 16, at least 16.
int winograd_streamed_channel_block(size_t l2_bytes, size_t l3_share_bytes, int rows);

/// Floats of workspace one `winograd_multiply_streamed` call needs.
size_t winograd_streamed_workspace_count(int channel_block, int rows);

/// What `winograd_multiply` computes, from a weight in the streamed layout: for each panel of
/// `first_panel..<last_panel` and each block of `channel_block` channels, the block's U = G g G^T (Float32) into the
/// workspace, then its 36 products, added over the blocks. Returns 0, or -1 when the product does not run here.
int winograd_multiply_streamed(const WinogradPlan *plan, const PackedMatrixBlocking *blocking, int channel_block,
                               const float *transformed, int rows, const float *arranged, int first_panel, int last_panel,
                               float *products, float *workspace);

/// Writes Y = A^T m A (+ bias) of tiles `first_tile..<first_tile + rows` and output channels `first_out..<last_out`
/// into `output` ([images, out_channels, height, width]), the parts of a tile inside the image only. `bias` may be
/// NULL. Returns 0, or -1 where this processor lacks AVX-512.
int winograd_transform_output(const WinogradPlan *plan, const float *products, ptrdiff_t first_tile, int rows,
                              int first_out, int last_out, const float *bias, float *output);

#endif
