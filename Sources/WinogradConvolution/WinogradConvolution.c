#include "WinogradConvolution.h"

#include "CPUFeatures.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define POSITIONS WINOGRAD_POSITIONS
#define TILE WINOGRAD_TILE
/// Input side of a tile's patch: 4 outputs need 4 + 3 - 1 inputs.
#define PATCH 6
/// Channels transformed together, one per lane of a 16-float vector: the transforms' arithmetic runs on whole
/// vectors and a tile's 36 transformed values of 16 channels are 36 contiguous 64-byte stores.
#define LANES 16

#if defined(__x86_64__)
#define AVX512 __attribute__((target("avx512f,avx2,fma")))
#else
#define AVX512
#endif

int winograd_convolution_supported(void) {
    return cpu_features_present(CPU_FEATURE_AVX512F | CPU_FEATURE_FMA) && packed_matrix_best_variant() != PackedMatrixVariantNone;
}

int winograd_plan(int images, int channels, int height, int width, int out_channels, WinogradPlan *plan) {
    if (images <= 0 || channels <= 0 || height <= 0 || width <= 0 || out_channels <= 0) return -1;
    plan->images = images;
    plan->channels = channels;
    plan->height = height;
    plan->width = width;
    plan->out_channels = out_channels;
    plan->tiles_y = (height + TILE - 1) / TILE;
    plan->tiles_x = (width + TILE - 1) / TILE;
    plan->tiles = (ptrdiff_t)images * plan->tiles_y * plan->tiles_x;
    return 0;
}

size_t winograd_packed_weight_count(int channels, int out_channels) {
    return (size_t)POSITIONS * packed_matrix_count(channels, out_channels);
}

/// Input channels transformed together: their taps are laid out tap by tap first, so both products below run
/// along contiguous channels, on whole vectors.
#define WEIGHT_CHANNELS 64

AVX512 void winograd_transform_weight(const float *weight, int channels, int out_channels, int first_out, int last_out,
                                      float *packed) {
    // The same sums in the same order for every channel as a scalar loop would do, with no fused multiply-adds, so
    // the transformed weight does not depend on the vector width.
#pragma clang fp contract(off)
    // G, the 6x3 weight transform of F(4x4, 3x3) with interpolation points 0, -1, 1, 1/2, -1/2 and infinity.
    static const double g[PATCH][3] = {
        {1.0 / 4, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
        {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1},
    };
    // Position p's matrix [channels x out_channels] in the packed product's panels: output o's column is at
    // (o / PANEL) * PANEL * channels + o % PANEL, its value for channel c PANEL floats further per channel.
    const size_t matrix = packed_matrix_count(channels, out_channels);
    double taps[9][WEIGHT_CHANNELS];
    double left[PATCH][3][WEIGHT_CHANNELS];
    for (int o = first_out; o < last_out; o++) {
        float *column = packed + (size_t)(o / PACKED_MATRIX_PANEL) * PACKED_MATRIX_PANEL * channels + o % PACKED_MATRIX_PANEL;
        for (int c0 = 0; c0 < channels; c0 += WEIGHT_CHANNELS) {
            const int count = channels - c0 < WEIGHT_CHANNELS ? channels - c0 : WEIGHT_CHANNELS;
            const float *k = weight + ((size_t)o * channels + c0) * 9;
            for (int c = 0; c < count; c++)
                for (int t = 0; t < 9; t++) taps[t][c] = k[c * 9 + t];
            // left = G g (6x3), then U = left G^T (6x6).
            for (int i = 0; i < PATCH; i++)
                for (int j = 0; j < 3; j++)
                    for (int c = 0; c < count; c++)
                        left[i][j][c] = g[i][0] * taps[j][c] + g[i][1] * taps[3 + j][c] + g[i][2] * taps[6 + j][c];
            for (int i = 0; i < PATCH; i++)
                for (int j = 0; j < PATCH; j++) {
                    float *target = column + (size_t)(i * PATCH + j) * matrix + (size_t)c0 * PACKED_MATRIX_PANEL;
                    for (int c = 0; c < count; c++)
                        target[(size_t)c * PACKED_MATRIX_PANEL] =
                            (float)(left[i][0][c] * g[j][0] + left[i][1][c] * g[j][1] + left[i][2][c] * g[j][2]);
                }
        }
    }
    // The last panel's columns past out_channels are zeros, written by whoever transforms the last output.
    if (last_out == out_channels && out_channels % PACKED_MATRIX_PANEL != 0) {
        const int first_padding = out_channels, end = (out_channels / PACKED_MATRIX_PANEL + 1) * PACKED_MATRIX_PANEL;
        for (int p = 0; p < POSITIONS; p++)
            for (int o = first_padding; o < end; o++) {
                float *column = packed + (size_t)p * matrix + (size_t)(o / PACKED_MATRIX_PANEL) * PACKED_MATRIX_PANEL * channels
                                + o % PACKED_MATRIX_PANEL;
                for (int c = 0; c < channels; c++) column[(size_t)c * PACKED_MATRIX_PANEL] = 0;
            }
    }
}

/// B^T applied to six values `step` apart, lane by lane: r = B^T d.
#define INPUT_TRANSFORM(d, r, at)                                                               \
    for (int l = 0; l < LANES; l++) {                                                           \
        const float d0 = d[at(0)][l], d1 = d[at(1)][l], d2 = d[at(2)][l];                       \
        const float d3 = d[at(3)][l], d4 = d[at(4)][l], d5 = d[at(5)][l];                       \
        r[at(0)][l] = 4 * d0 - 5 * d2 + d4;                                                     \
        r[at(1)][l] = -4 * d1 - 4 * d2 + d3 + d4;                                               \
        r[at(2)][l] = 4 * d1 - 4 * d2 - d3 + d4;                                                \
        r[at(3)][l] = -2 * d1 - d2 + 2 * d3 + d4;                                               \
        r[at(4)][l] = 2 * d1 - d2 - 2 * d3 + d4;                                                \
        r[at(5)][l] = 4 * d1 - 5 * d3 + d5;                                                     \
    }

AVX512 static void transform_tile_input(const WinogradPlan *plan, const float *input, ptrdiff_t tile, int row, int rows,
                                        int first_channel, int count, float *transformed) {
    const int height = plan->height, width = plan->width;
    const ptrdiff_t per_image = (ptrdiff_t)plan->tiles_y * plan->tiles_x;
    const int n = (int)(tile / per_image);
    const int ty = (int)(tile % per_image) / plan->tiles_x, tx = (int)(tile % per_image) % plan->tiles_x;
    const int y0 = ty * TILE - 1, x0 = tx * TILE - 1;
    const int inside = y0 >= 0 && x0 >= 0 && y0 + PATCH <= height && x0 + PATCH <= width;
    float d[POSITIONS][LANES] __attribute__((aligned(64)));
    float t[POSITIONS][LANES] __attribute__((aligned(64)));
    const ptrdiff_t plane = (ptrdiff_t)height * width;
    const float *base = input + ((ptrdiff_t)n * plan->channels + first_channel) * plane;
    for (int l = 0; l < LANES; l++) {
        if (l >= count) {
            for (int p = 0; p < POSITIONS; p++) d[p][l] = 0;
            continue;
        }
        const float *source = base + l * plane;
        if (inside) {
            for (int i = 0; i < PATCH; i++)
                for (int j = 0; j < PATCH; j++) d[i * PATCH + j][l] = source[(ptrdiff_t)(y0 + i) * width + x0 + j];
        } else {
            for (int i = 0; i < PATCH; i++) {
                const int y = y0 + i;
                for (int j = 0; j < PATCH; j++) {
                    const int x = x0 + j;
                    d[i * PATCH + j][l] = y >= 0 && y < height && x >= 0 && x < width ? source[(ptrdiff_t)y * width + x] : 0;
                }
            }
        }
    }
    // Columns first (t = B^T d), then rows (V = t B).
    for (int j = 0; j < PATCH; j++) {
#define AT(i) ((i) * PATCH + j)
        INPUT_TRANSFORM(d, t, AT)
#undef AT
    }
    for (int i = 0; i < PATCH; i++) {
#define AT(j) (i * PATCH + (j))
        INPUT_TRANSFORM(t, d, AT)
#undef AT
    }
    const size_t stride = (size_t)rows * plan->channels;
    float *target = transformed + (size_t)row * plan->channels + first_channel;
    for (int p = 0; p < POSITIONS; p++) memcpy(target + p * stride, d[p], sizeof(float) * (size_t)count);
}

int winograd_transform_input(const WinogradPlan *plan, const float *input, ptrdiff_t first_tile, int rows,
                             int first_channel, int last_channel, float *transformed) {
    if (!winograd_convolution_supported()) return -1;
    // Channel groups outside: neighbouring tiles of one group read the same input lines, still in L1.
    for (int c = first_channel; c < last_channel; c += LANES) {
        const int count = last_channel - c < LANES ? last_channel - c : LANES;
        for (int row = 0; row < rows; row++) transform_tile_input(plan, input, first_tile + row, row, rows, c, count, transformed);
    }
    return 0;
}

int winograd_multiply(const WinogradPlan *plan, const PackedMatrixBlocking *blocking, const float *transformed, int rows,
                      const float *packed_weight, int first_panel, int last_panel, float *products, float *workspace) {
    const PackedMatrixVariant variant = packed_matrix_best_variant();
    const int channels = plan->channels, outputs = plan->out_channels;
    const size_t weight_stride = packed_matrix_count(channels, outputs);
    for (int p = 0; p < POSITIONS; p++) {
        const int status = packed_matrix_product(
            variant, blocking, transformed + (size_t)p * rows * channels, channels, rows, channels, NULL,
            packed_weight + (size_t)p * weight_stride, outputs, first_panel, last_panel, NULL,
            products + (size_t)p * rows * outputs, outputs, workspace);
        if (status != 0) return status;
    }
    return 0;
}

// Streamed weights (see the header).

/// Taps per 3x3 kernel.
#define TAPS 9

size_t winograd_streamed_weight_count(int channels, int out_channels) {
    return packed_matrix_count(channels, out_channels) * TAPS;
}

void winograd_arrange_weight(const float *weight, int channels, int out_channels, int first_panel, int last_panel,
                             float *arranged) {
    for (int panel = first_panel; panel < last_panel; panel++)
        for (int column = 0; column < PACKED_MATRIX_PANEL; column++) {
            const int o = panel * PACKED_MATRIX_PANEL + column;
            float *target = arranged + (size_t)panel * channels * TAPS * PACKED_MATRIX_PANEL + column;
            const float *source = weight + (size_t)o * channels * TAPS;
            for (int k = 0; k < channels * TAPS; k++) target[(size_t)k * PACKED_MATRIX_PANEL] = o < out_channels ? source[k] : 0;
        }
}

void winograd_unarrange_weight(const float *arranged, int channels, int out_channels, int first_panel, int last_panel,
                               float *weight) {
    for (int panel = first_panel; panel < last_panel; panel++)
        for (int column = 0; column < PACKED_MATRIX_PANEL; column++) {
            const int o = panel * PACKED_MATRIX_PANEL + column;
            if (o >= out_channels) break;
            const float *source = arranged + (size_t)panel * channels * TAPS * PACKED_MATRIX_PANEL + column;
            float *target = weight + (size_t)o * channels * TAPS;
            for (int k = 0; k < channels * TAPS; k++) target[k] = source[(size_t)k * PACKED_MATRIX_PANEL];
        }
}

int winograd_streamed_channel_block(size_t l2_bytes, size_t l3_share_bytes, int rows) {
    // A block's transformed weight (36 x 32 floats per channel) is made once per panel and read once; its 36 packed
    // left operands (36 x rows per channel) are read again for every panel. Both stay in this core's share of L3,
    // half of it, capped at 8x L2 where a processor reports an L3 larger than one core uses (a virtual machine may
    // report the host's), and 4x L2 where it reports none. Longer blocks mean fewer passes adding partial sums: on
    // Zen 4, 2x640x32x32 -> 640 took 53 ms a call in blocks of 224 channels and 49.5 ms in one block of 640.
    size_t share = l3_share_bytes == 0 ? 8 * l2_bytes : l3_share_bytes < 16 * l2_bytes ? l3_share_bytes : 16 * l2_bytes;
    const size_t padded_rows = (size_t)(rows + PACKED_MATRIX_TILE_ROWS - 1) / PACKED_MATRIX_TILE_ROWS * PACKED_MATRIX_TILE_ROWS;
    const size_t per_channel = (size_t)POSITIONS * (PACKED_MATRIX_PANEL + padded_rows) * sizeof(float);
    const size_t block = share / 2 / per_channel / LANES * LANES;
    return block < LANES ? LANES : block > 8192 ? 8192 : (int)block;
}

size_t winograd_streamed_workspace_count(int channel_block, int rows) {
    // The 36 packed left operands of one channel block, the block's transformed weight, the products of one block
    // of one panel, in that order.
    return (size_t)POSITIONS * packed_matrix_left_count(rows, channel_block) + (size_t)POSITIONS * channel_block * PACKED_MATRIX_PANEL
           + (size_t)rows * PACKED_MATRIX_PANEL;
}

/// G (6x3) applied to three vectors: r = G (a, b, c). G's rows are 1/4 (1, 0, 0), -1/6 (1, 1, 1), -1/6 (1, -1, 1),
/// 1/24 (1, 2, 4), 1/24 (1, -2, 4) and (0, 0, 1); the sums shared between rows are made once.
AVX512 static inline void weight_transform(__m512 a, __m512 b, __m512 c, __m512 r[PATCH]) {
    const __m512 outer = _mm512_add_ps(a, c);
    const __m512 quarter = _mm512_fmadd_ps(a, _mm512_set1_ps(1.0f / 24), _mm512_mul_ps(c, _mm512_set1_ps(1.0f / 6)));
    const __m512 middle = _mm512_mul_ps(b, _mm512_set1_ps(1.0f / 12));
    r[0] = _mm512_mul_ps(a, _mm512_set1_ps(0.25f));
    r[1] = _mm512_mul_ps(_mm512_add_ps(outer, b), _mm512_set1_ps(-1.0f / 6));
    r[2] = _mm512_mul_ps(_mm512_sub_ps(outer, b), _mm512_set1_ps(-1.0f / 6));
    r[3] = _mm512_add_ps(quarter, middle);
    r[4] = _mm512_sub_ps(quarter, middle);
    r[5] = c;
}

/// U = G g G^T of channels `first..<first + count` of one panel (`panel`: [channels][9][32]) into `block`
/// ([36][count][32]: position p's matrix is the packed product's one panel of `count` inner values). Every value
/// stays in registers: 9 taps in, 18 of G g, 6 of each row out, stored straight into the block.
AVX512 static void transform_weight_block(const float *panel, int first, int count, float *block) {
    const size_t matrix = (size_t)count * PACKED_MATRIX_PANEL;
    for (int c = 0; c < count; c++)
        for (int half = 0; half < PACKED_MATRIX_PANEL; half += LANES) {
            const float *taps = panel + (size_t)(first + c) * TAPS * PACKED_MATRIX_PANEL + half;
            __m512 g[TAPS], left[3][PATCH], row[PATCH];
            for (int t = 0; t < TAPS; t++) g[t] = _mm512_loadu_ps(taps + t * PACKED_MATRIX_PANEL);
            // Columns first (left = G g, 6x3, kept by column), then rows (U = left G^T, 6x6).
            for (int j = 0; j < 3; j++) weight_transform(g[j], g[3 + j], g[6 + j], left[j]);
            float *target = block + (size_t)c * PACKED_MATRIX_PANEL + half;
            for (int i = 0; i < PATCH; i++) {
                weight_transform(left[0][i], left[1][i], left[2][i], row);
                for (int j = 0; j < PATCH; j++) _mm512_storeu_ps(target + (size_t)(i * PATCH + j) * matrix, row[j]);
            }
        }
}

AVX512 static void add_partial(const float *partial, int rows, int width, float *target, int target_stride) {
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < width; j++) target[(size_t)r * target_stride + j] += partial[r * PACKED_MATRIX_PANEL + j];
}

int winograd_multiply_streamed(const WinogradPlan *plan, const PackedMatrixBlocking *blocking, int channel_block,
                               const float *transformed, int rows, const float *arranged, int first_panel, int last_panel,
                               float *products, float *workspace) {
    const PackedMatrixVariant variant = packed_matrix_best_variant();
    if (variant == PackedMatrixVariantNone || !winograd_convolution_supported()) return -1;
    const int channels = plan->channels, outputs = plan->out_channels;
    // One channel block at a time: its 36 left operands packed once for every panel, then per panel the block's
    // transformed weight and its 36 products. The product packs a left operand on every call otherwise, once per
    // panel, which cost more than the products at 128 tiles. The packed operands take the blocking of one inner
    // block, which `channel_block` (<= the blocking's inner block) is.
    PackedMatrixBlocking single = *blocking;
    if (single.inner_block < channel_block) single.inner_block = channel_block;
    const size_t left_count = packed_matrix_left_count(rows, channel_block);
    float *const packed_left = workspace;
    float *const block = packed_left + (size_t)POSITIONS * left_count;
    float *const partial = block + (size_t)POSITIONS * channel_block * PACKED_MATRIX_PANEL;
    const int row_tiles = (rows + PACKED_MATRIX_TILE_ROWS - 1) / PACKED_MATRIX_TILE_ROWS;
    for (int first = 0; first < channels; first += channel_block) {
        const int count = channels - first < channel_block ? channels - first : channel_block;
        for (int p = 0; p < POSITIONS; p++)
            packed_matrix_pack_left(&single, transformed + (size_t)p * rows * channels + first, channels, rows, count, 0, row_tiles,
                                    packed_left + (size_t)p * left_count);
        for (int panel = first_panel; panel < last_panel; panel++) {
            const int first_out = panel * PACKED_MATRIX_PANEL;
            const int width = outputs - first_out < PACKED_MATRIX_PANEL ? outputs - first_out : PACKED_MATRIX_PANEL;
            transform_weight_block(arranged + (size_t)panel * channels * TAPS * PACKED_MATRIX_PANEL, first, count, block);
            for (int p = 0; p < POSITIONS; p++) {
                float *target = products + (size_t)p * rows * outputs + first_out;
                // The first block writes its sums into the products; later ones add theirs.
                const int status = packed_matrix_product(
                    variant, &single, NULL, channels, rows, count, packed_left + (size_t)p * left_count,
                    block + (size_t)p * count * PACKED_MATRIX_PANEL, width, 0, 1, NULL,
                    first == 0 ? target : partial, first == 0 ? outputs : PACKED_MATRIX_PANEL, NULL);
                if (status != 0) return status;
                if (first > 0) add_partial(partial, rows, width, target, outputs);
            }
        }
    }
    return 0;
}

/// A^T applied to six values, lane by lane: four results.
#define OUTPUT_TRANSFORM(m, r, in, out)                                                         \
    for (int l = 0; l < LANES; l++) {                                                           \
        const float m0 = m[in(0)][l], m1 = m[in(1)][l], m2 = m[in(2)][l];                       \
        const float m3 = m[in(3)][l], m4 = m[in(4)][l], m5 = m[in(5)][l];                       \
        const float sum12 = m1 + m2, difference12 = m1 - m2;                                    \
        const float sum34 = m3 + m4, difference34 = m3 - m4;                                    \
        r[out(0)][l] = m0 + sum12 + sum34;                                                      \
        r[out(1)][l] = difference12 + 2 * difference34;                                         \
        r[out(2)][l] = sum12 + 4 * sum34;                                                       \
        r[out(3)][l] = difference12 + 8 * difference34 + m5;                                    \
    }

AVX512 static void transform_tile_output(const WinogradPlan *plan, const float *products, ptrdiff_t tile, int row, int rows,
                                         int first_out, int count, const float *bias, float *output) {
    const int height = plan->height, width = plan->width, outputs = plan->out_channels;
    const ptrdiff_t per_image = (ptrdiff_t)plan->tiles_y * plan->tiles_x;
    const int n = (int)(tile / per_image);
    const int ty = (int)(tile % per_image) / plan->tiles_x, tx = (int)(tile % per_image) % plan->tiles_x;
    const int y0 = ty * TILE, x0 = tx * TILE;
    float m[POSITIONS][LANES] __attribute__((aligned(64)));
    float t[TILE * PATCH][LANES] __attribute__((aligned(64)));
    float y[TILE * TILE][LANES] __attribute__((aligned(64)));
    const size_t stride = (size_t)rows * outputs;
    const float *source = products + (size_t)row * outputs + first_out;
    for (int p = 0; p < POSITIONS; p++) {
        memcpy(m[p], source + p * stride, sizeof(float) * (size_t)count);
        for (int l = count; l < LANES; l++) m[p][l] = 0;
    }
    // Columns first (t = A^T m, 4x6), then rows (Y = t A, 4x4).
    for (int j = 0; j < PATCH; j++) {
#define IN(i) ((i) * PATCH + j)
#define OUT(i) ((i) * PATCH + j)
        OUTPUT_TRANSFORM(m, t, IN, OUT)
#undef IN
#undef OUT
    }
    for (int i = 0; i < TILE; i++) {
#define IN(j) (i * PATCH + (j))
#define OUT(j) (i * TILE + (j))
        OUTPUT_TRANSFORM(t, y, IN, OUT)
#undef IN
#undef OUT
    }
    const int rows_inside = height - y0 < TILE ? height - y0 : TILE;
    const int columns_inside = width - x0 < TILE ? width - x0 : TILE;
    const ptrdiff_t plane = (ptrdiff_t)height * width;
    for (int l = 0; l < count; l++) {
        const float start = bias != NULL ? bias[first_out + l] : 0;
        float *target = output + ((ptrdiff_t)n * outputs + first_out + l) * plane + (ptrdiff_t)y0 * width + x0;
        for (int i = 0; i < rows_inside; i++)
            for (int j = 0; j < columns_inside; j++) target[(ptrdiff_t)i * width + j] = y[i * TILE + j][l] + start;
    }
}

int winograd_transform_output(const WinogradPlan *plan, const float *products, ptrdiff_t first_tile, int rows,
                              int first_out, int last_out, const float *bias, float *output) {
    if (!winograd_convolution_supported()) return -1;
    for (int row = 0; row < rows; row++)
        for (int o = first_out; o < last_out; o += LANES) {
            const int count = last_out - o < LANES ? last_out - o : LANES;
            transform_tile_output(plan, products, first_tile + row, row, rows, o, count, bias, output);
        }
    return 0;
}
