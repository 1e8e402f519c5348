#include "PackedMatrixProductBF16.h"

#include "BFloat16.h"
#include "CPUFeatures.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define PANEL PACKED_MATRIX_PANEL
#define TILE_ROWS PACKED_MATRIX_TILE_ROWS

int packed_matrix_bf16_supported(void) {
    return cpu_features_present(CPU_FEATURE_AVX512F | CPU_FEATURE_AVX512BF16);
}

int packed_matrix_bf16_pairs(int inner) { return (inner + 1) / 2; }

static int panels(int columns) { return (columns + PANEL - 1) / PANEL; }
static int row_tiles(int rows) { return (rows + TILE_ROWS - 1) / TILE_ROWS; }

size_t packed_matrix_bf16_count(int inner, int columns) {
    return (size_t)panels(columns) * PANEL * 2 * (size_t)packed_matrix_bf16_pairs(inner);
}

/// Where column j's inner value k sits: panel, then pair, then column, then which of the pair.
static size_t bf16_index(int inner, int column, int k) {
    const size_t pairs = (size_t)packed_matrix_bf16_pairs(inner);
    return (size_t)(column / PANEL) * PANEL * 2 * pairs + (size_t)(k / 2) * PANEL * 2 + (size_t)(column % PANEL) * 2 + (size_t)(k % 2);
}

void packed_matrix_pack_bf16(const float *weight, ptrdiff_t column_stride, ptrdiff_t inner_stride, int inner, int columns,
                             int first_column, int last_column, uint16_t *packed) {
    const int end = last_column < columns ? last_column : panels(columns) * PANEL;
    const int padded = 2 * packed_matrix_bf16_pairs(inner);
    for (int j = first_column; j < end; j++) {
        const float *source = weight + (ptrdiff_t)j * column_stride;
        for (int k = 0; k < padded; k++)
            packed[bf16_index(inner, j, k)] = j < columns && k < inner ? bf16_from_float(source[(ptrdiff_t)k * inner_stride]) : 0;
    }
}

float packed_matrix_bf16_value(const uint16_t *packed, int inner, int column, int k) {
    return bf16_to_float(packed[bf16_index(inner, column, k)]);
}

/// Packs rows `0..<rows` of `left` (tiles of 12, rows past `rows` zero), inner values `k0..<k0 + depth`, rounded to
/// BF16: tile t is [pairs][12] 32-bit elements at `target + t * pairs * 12`, element (p, r) holding row r's values
/// k0 + 2p (low half) and k0 + 2p + 1 (high half), the latter zero past `inner`.
static void pack_tiles_bf16(const float *left, ptrdiff_t left_stride, int rows, int inner, int k0, int depth, uint32_t *target) {
    const int pairs = (depth + 1) / 2;
    for (int t = 0; t < row_tiles(rows); t++) {
        uint32_t *tile_target = target + (size_t)t * pairs * TILE_ROWS;
        for (int r = 0; r < TILE_ROWS; r++) {
            const int row = t * TILE_ROWS + r;
            if (row >= rows) {
                for (int p = 0; p < pairs; p++) tile_target[p * TILE_ROWS + r] = 0;
                continue;
            }
            const float *source = left + (ptrdiff_t)row * left_stride + k0;
            for (int p = 0; p < pairs; p++) {
                const uint32_t low = bf16_from_float(source[2 * p]);
                const uint32_t high = k0 + 2 * p + 1 < inner ? bf16_from_float(source[2 * p + 1]) : 0;
                tile_target[p * TILE_ROWS + r] = low | high << 16;
            }
        }
    }
}

#if defined(__x86_64__)
#define AVX512BF16 __attribute__((target("avx512f,avx512bf16")))

/// One tile: `rows` (<= TILE) rows of the packed left block [pairs][12] times the panel block [pairs][32][2], added
/// to `output` or started from `start` (32 values); `columns` (<= 32) are stored. As the Float32 tile, with one
/// `vdpbf16ps` (two inner values) where that has one FMA, and like it inlined for 12, 8 and 4 rows.
AVX512BF16 static inline __attribute__((always_inline)) void tile_of(const int TILE, int pairs, const uint32_t *left,
                                                                     const uint16_t *panel, const float *start, int rows,
                                                                     int columns, float *output, ptrdiff_t output_stride) {
    const __mmask16 low = columns >= 16 ? 0xFFFF : (__mmask16)((1u << columns) - 1);
    const __mmask16 high = columns >= 32 ? 0xFFFF : columns <= 16 ? 0 : (__mmask16)((1u << (columns - 16)) - 1);
    __m512 acc[TILE_ROWS][2];
    for (int r = 0; r < TILE; r++) {
        if (start != NULL || r >= rows) {
            acc[r][0] = start != NULL ? _mm512_loadu_ps(start) : _mm512_setzero_ps();
            acc[r][1] = start != NULL ? _mm512_loadu_ps(start + 16) : _mm512_setzero_ps();
        } else {
            acc[r][0] = _mm512_maskz_loadu_ps(low, output + r * output_stride);
            acc[r][1] = _mm512_maskz_loadu_ps(high, output + r * output_stride + 16);
        }
    }
    for (int p = 0; p < pairs; p++) {
        const __m512bh b0 = (__m512bh)_mm512_loadu_si512(panel + (size_t)p * PANEL * 2);
        const __m512bh b1 = (__m512bh)_mm512_loadu_si512(panel + (size_t)p * PANEL * 2 + PANEL);
        const uint32_t *a = left + p * TILE_ROWS;
        for (int r = 0; r < TILE; r++) {
            const __m512bh x = (__m512bh)_mm512_set1_epi32((int)a[r]);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], x, b1);
        }
    }
    for (int r = 0; r < rows; r++) {
        _mm512_mask_storeu_ps(output + r * output_stride, low, acc[r][0]);
        _mm512_mask_storeu_ps(output + r * output_stride + 16, high, acc[r][1]);
    }
}

AVX512BF16 static void tile(int pairs, const uint32_t *left, const uint16_t *panel, const float *start, int rows, int columns,
                            float *output, ptrdiff_t output_stride) {
    if (rows > 8) tile_of(TILE_ROWS, pairs, left, panel, start, rows, columns, output, output_stride);
    else if (rows > 4) tile_of(8, pairs, left, panel, start, rows, columns, output, output_stride);
    else tile_of(4, pairs, left, panel, start, rows, columns, output, output_stride);
}

static void product(const PackedMatrixBlocking *blocking, const float *left, ptrdiff_t left_stride, int rows, int inner,
                    const uint16_t *packed, int columns, int first_panel, int last_panel, const float *bias, float *output,
                    ptrdiff_t output_stride, uint32_t *workspace) {
    // The inner block is a multiple of 8, so every block but an odd inner's last starts and ends on a pair.
    const int INNER_BLOCK = blocking->inner_block, ROW_BLOCK = blocking->row_block;
    const size_t panel_values = (size_t)PANEL * 2 * packed_matrix_bf16_pairs(inner);
    float start[PANEL];
    for (int k0 = 0; k0 < inner; k0 += INNER_BLOCK) {
        const int depth = inner - k0 < INNER_BLOCK ? inner - k0 : INNER_BLOCK;
        const int pairs = (depth + 1) / 2;
        for (int m0 = 0; m0 < rows; m0 += ROW_BLOCK) {
            const int block_rows = rows - m0 < ROW_BLOCK ? rows - m0 : ROW_BLOCK;
            pack_tiles_bf16(left + (ptrdiff_t)m0 * left_stride, left_stride, block_rows, inner, k0, depth, workspace);
            for (int p = first_panel; p < last_panel; p++) {
                const int first_column = p * PANEL;
                const int valid = columns - first_column < PANEL ? columns - first_column : PANEL;
                const float *from = NULL;
                if (k0 == 0) {
                    for (int j = 0; j < PANEL; j++) start[j] = bias != NULL && j < valid ? bias[first_column + j] : 0;
                    from = start;
                }
                const uint16_t *panel = packed + (size_t)p * panel_values + (size_t)(k0 / 2) * PANEL * 2;
                for (int t = 0; t < row_tiles(block_rows); t++) {
                    const int tile_rows = block_rows - t * TILE_ROWS < TILE_ROWS ? block_rows - t * TILE_ROWS : TILE_ROWS;
                    tile(pairs, workspace + (size_t)t * pairs * TILE_ROWS, panel, from, tile_rows, valid,
                         output + (ptrdiff_t)(m0 + t * TILE_ROWS) * output_stride + first_column, output_stride);
                }
            }
        }
    }
}
#endif

int packed_matrix_product_bf16(const PackedMatrixBlocking *blocking, const float *left, ptrdiff_t left_stride, int rows, int inner,
                               const uint16_t *packed, int columns, int first_panel, int last_panel, const float *bias,
                               float *output, ptrdiff_t output_stride, float *workspace) {
    // A block must start on an inner pair; every blocking packed_matrix_blocking_for gives is a multiple of 8.
    if (!packed_matrix_bf16_supported() || blocking->inner_block % 2 != 0) return -1;
#if defined(__x86_64__)
    if (rows <= 0 || first_panel >= last_panel) return 0;
    if (inner <= 0) {
        for (int r = 0; r < rows; r++)
            for (int j = first_panel * PANEL; j < last_panel * PANEL && j < columns; j++)
                output[(ptrdiff_t)r * output_stride + j] = bias != NULL ? bias[j] : 0;
        return 0;
    }
    product(blocking, left, left_stride, rows, inner, packed, columns, first_panel, last_panel, bias, output, output_stride,
            (uint32_t *)workspace);
    return 0;
#else
    return -1;
#endif
}
