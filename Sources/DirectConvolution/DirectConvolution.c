#include "DirectConvolution.h"
#include "DirectConvolutionKernels.h"

#include "CPUFeatures.h"

#include <string.h>

#define POSITION_TILE DIRECT_CONVOLUTION_POSITION_TILE
/// The most kernel taps a plan takes (7x7), so tap offsets fit on the stack.
#define MAX_TAPS 49

int direct_convolution_supports(DirectConvolutionVariant variant) {
    switch (variant) {
    case DirectConvolutionVariantAVX512: return cpu_features_present(CPU_FEATURE_AVX512F | CPU_FEATURE_FMA);
    case DirectConvolutionVariantAVX2: return cpu_features_present(CPU_FEATURE_AVX2 | CPU_FEATURE_FMA);
    default: return 0;
    }
}

DirectConvolutionVariant direct_convolution_best_variant(void) {
    if (direct_convolution_supports(DirectConvolutionVariantAVX512)) return DirectConvolutionVariantAVX512;
    if (direct_convolution_supports(DirectConvolutionVariantAVX2)) return DirectConvolutionVariantAVX2;
    return DirectConvolutionVariantNone;
}

size_t direct_convolution_weight_block_floats(size_t l2_bytes) {
    // A channel block's weights (the thread's output channels x the block's channels x taps) stay in the core's
    // L2 while every position tile passes over them; the rest of L2 holds the tile's input rows (kernel-height
    // rows of each block channel) and the output tiles being summed. 3/8 of L2 for the weights: 96 Ki floats on
    // Zen 4's 1 MiB L2, the size it was tuned to there; 192 Ki on a 2 MiB Xeon L2.
    const size_t floats = l2_bytes / sizeof(float) * 3 / 8;
    // At least one tile's worth (8 rows x 8 channels x 49 taps), whatever a cache report says.
    return floats < 8 * 8 * 49 ? 8 * 8 * 49 : floats;
}

static ptrdiff_t round_up(ptrdiff_t value, ptrdiff_t multiple) { return (value + multiple - 1) / multiple * multiple; }

int direct_convolution_plan(int images, int channels, int height, int width, int out_channels,
                            int kernel_height, int kernel_width, DirectConvolutionPlan *plan) {
    if (images <= 0 || channels <= 0 || height <= 0 || width <= 0 || out_channels <= 0) return -1;
    if (kernel_height % 2 == 0 || kernel_width % 2 == 0 || kernel_height * kernel_width > MAX_TAPS) return -1;
    const int top = kernel_height / 2, left = kernel_width / 2;
    plan->images = images;
    plan->channels = channels;
    plan->height = height;
    plan->width = width;
    plan->out_channels = out_channels;
    plan->kernel_height = kernel_height;
    plan->kernel_width = kernel_width;
    plan->padding_top = top;
    plan->padding_left = left;
    // The zero columns ending a row are also the left padding of the next row, and the zero rows after an
    // image the top padding of the next image.
    plan->row_stride = width + left;
    plan->image_rows = height + top;
    // Room before the origin for the first row's upward and leftward taps, aligned to a 64-byte line.
    plan->origin = round_up((ptrdiff_t)top * plan->row_stride + left, 16);
    plan->position_count = round_up(((ptrdiff_t)(images - 1) * plan->image_rows + height) * plan->row_stride, 16);
    // Room after the last computed position for its downward and rightward taps.
    ptrdiff_t plane = plan->origin + plan->position_count + (ptrdiff_t)top * plan->row_stride + left;
    plane = round_up(plane, 16);
    // Planes a multiple of 4 KB apart would make the channels' loads alias in the cache: step off by a line.
    if (plane % 1024 == 0) plane += 16;
    plan->plane_stride = plane;
    plan->weight_block_floats = (ptrdiff_t)direct_convolution_weight_block_floats(cpu_cache_sizes().l2);
    return 0;
}

size_t direct_convolution_padded_count(const DirectConvolutionPlan *plan, int planes) {
    return (size_t)plan->plane_stride * (size_t)planes;
}

void direct_convolution_pad(const DirectConvolutionPlan *plan, const float *input, int first_channel,
                            int last_channel, float *padded) {
    const int height = plan->height, width = plan->width;
    for (int c = first_channel; c < last_channel; c++) {
        float *plane = padded + (ptrdiff_t)c * plan->plane_stride;
        memset(plane, 0, sizeof(float) * (size_t)plan->plane_stride);
        for (int n = 0; n < plan->images; n++) {
            const float *source = input + ((ptrdiff_t)n * plan->channels + c) * height * width;
            float *target = plane + plan->origin + (ptrdiff_t)n * plan->image_rows * plan->row_stride;
            for (int y = 0; y < height; y++)
                memcpy(target + (ptrdiff_t)y * plan->row_stride, source + (ptrdiff_t)y * width, sizeof(float) * (size_t)width);
        }
    }
}

static const DirectConvolutionKernels *kernels_for(DirectConvolutionVariant variant) {
    if (!direct_convolution_supports(variant)) return NULL;
    switch (variant) {
    case DirectConvolutionVariantAVX512: return &direct_convolution_avx512_kernels;
    case DirectConvolutionVariantAVX2: return &direct_convolution_avx2_kernels;
    default: return NULL;
    }
}

int direct_convolution_tile_rows(DirectConvolutionVariant variant) {
    const DirectConvolutionKernels *kernels = kernels_for(variant);
    return kernels == NULL ? 0 : kernels->tile_rows;
}

int direct_convolution_compute(DirectConvolutionVariant variant, const DirectConvolutionPlan *plan,
                               const float *padded, const float *weight, const float *bias, int first_out,
                               int last_out, ptrdiff_t first_position, ptrdiff_t last_position, float *flat_output) {
    const DirectConvolutionKernels *kernels = kernels_for(variant);
    if (kernels == NULL) return -1;
    const int taps = plan->kernel_height * plan->kernel_width;
    ptrdiff_t offsets[MAX_TAPS];
    for (int ky = 0; ky < plan->kernel_height; ky++)
        for (int kx = 0; kx < plan->kernel_width; kx++)
            offsets[ky * plan->kernel_width + kx] =
                (ptrdiff_t)(ky - plan->padding_top) * plan->row_stride + (kx - plan->padding_left);
    const int channels = plan->channels;
    const ptrdiff_t weight_stride = (ptrdiff_t)channels * taps;
    const ptrdiff_t plane = plan->plane_stride;
    const int rows = last_out - first_out;
    ptrdiff_t block = plan->weight_block_floats / (rows * taps > 0 ? rows * taps : 1);
    if (block < 8) block = 8;
    if (block > channels) block = channels;
    float zeros[64] = {0};
    const int tile_rows = kernels->tile_rows;

    // Channel blocks outside, so the block's weights stay in L2; positions next, so a tile's inputs (the block's
    // channels around 48 positions) stay in L1 while every row block of outputs reads them.
    for (int c0 = 0; c0 < channels; c0 += block) {
        const int count = channels - c0 < block ? channels - c0 : (int)block;
        for (ptrdiff_t position = first_position; position < last_position; position += POSITION_TILE) {
            const float *input = padded + (ptrdiff_t)c0 * plane + plan->origin + position;
            const int positions = last_position - position < POSITION_TILE ? (int)(last_position - position) : POSITION_TILE;
            for (int o = first_out; o < last_out; o += tile_rows) {
                const int tile = last_out - o < tile_rows ? last_out - o : tile_rows;
                const float *start = c0 > 0 ? NULL : (bias != NULL ? bias + o : zeros);
                kernels->tile(input, plane, offsets, taps, count, weight + (ptrdiff_t)o * weight_stride + (ptrdiff_t)c0 * taps,
                              weight_stride, tile, positions, start, flat_output + (ptrdiff_t)o * plane + plan->origin + position);
            }
        }
    }
    return 0;
}

void direct_convolution_unpad(const DirectConvolutionPlan *plan, const float *flat_output, int first_out,
                              int last_out, float *output) {
    const int height = plan->height, width = plan->width;
    for (int o = first_out; o < last_out; o++) {
        const float *plane = flat_output + (ptrdiff_t)o * plan->plane_stride + plan->origin;
        for (int n = 0; n < plan->images; n++) {
            const float *source = plane + (ptrdiff_t)n * plan->image_rows * plan->row_stride;
            float *target = output + ((ptrdiff_t)n * plan->out_channels + o) * height * width;
            for (int y = 0; y < height; y++)
                memcpy(target + (ptrdiff_t)y * width, source + (ptrdiff_t)y * plan->row_stride, sizeof(float) * (size_t)width);
        }
    }
}
