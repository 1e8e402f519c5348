#include "PackedMatrixProduct.h"

#include "CPUFeatures.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define PANEL PACKED_MATRIX_PANEL
/// Rows per tile: 12 rows x 2 vectors of 16 columns = 24 accumulators, two panel loads and 12 broadcasts per k.
#define TILE_ROWS PACKED_MATRIX_TILE_ROWS

int packed_matrix_supports(PackedMatrixVariant variant) {
    return variant == PackedMatrixVariantAVX512 && cpu_features_present(CPU_FEATURE_AVX512F | CPU_FEATURE_FMA);
}

PackedMatrixVariant packed_matrix_best_variant(void) {
    return packed_matrix_supports(PackedMatrixVariantAVX512) ? PackedMatrixVariantAVX512 : PackedMatrixVariantNone;
}

PackedMatrixBlocking packed_matrix_blocking_for(size_t l1d_bytes, size_t l2_bytes) {
    PackedMatrixBlocking blocking;
    // Inner values per block: a panel's block ([inner][32] floats) three times the core's L1d. A tile needs two
    // panel loads per 24 FMAs, which L2 feeds as fast as L1d, so the block need not stay in L1d; a longer block
    // means fewer passes over the output and fewer, longer streams of the weight from memory. On Zen 4 one L1d-full
    // (the rule before, with a quarter of L2 for the rows) ran up to 15% slower on the shapes of the UNet, the text
    // encoder and Winograd's products, and two, three and four L1d-fulls came within noise of each other
    // (scripts/bench/57-product-blocking.sh). 768 on a 32 KiB L1d, 1152 on a 48 KiB one. A multiple of 8, at least
    // 16, at most 2048 (beyond that a block is the whole product).
    int inner = (int)(3 * l1d_bytes / (PANEL * sizeof(float)) / 8 * 8);
    blocking.inner_block = inner < 16 ? 16 : inner > 2048 ? 2048 : inner;
    // Rows per block: the packed left block ([rows][inner] floats) takes half of L2, where every panel reads it
    // again; the rest holds the panel's block and the output rows. 168 rows on Zen 4's 1 MiB L2, 216 on a 2 MiB
    // L2 with 1152 inner values. A multiple of the 12-row tile (a packed left operand addresses its blocks by whole
    // tiles), at most 4092.
    const size_t most = 4096 / TILE_ROWS * TILE_ROWS;
    size_t rows = l2_bytes / 2 / ((size_t)blocking.inner_block * sizeof(float));
    rows = rows > most ? most : rows / TILE_ROWS * TILE_ROWS;
    blocking.row_block = rows < TILE_ROWS ? TILE_ROWS : (int)rows;
    return blocking;
}

static PackedMatrixBlocking machine_blocking;
static pthread_once_t machine_blocking_once = PTHREAD_ONCE_INIT;
static void read_machine_blocking(void) {
    const CPUCacheSizes caches = cpu_cache_sizes();
    machine_blocking = packed_matrix_blocking_for(caches.l1d, caches.l2);
}

PackedMatrixBlocking packed_matrix_blocking(void) {
    pthread_once(&machine_blocking_once, read_machine_blocking);
    return machine_blocking;
}

static int panels(int columns) { return (columns + PANEL - 1) / PANEL; }

size_t packed_matrix_count(int inner, int columns) { return (size_t)panels(columns) * PANEL * (size_t)inner; }

void packed_matrix_pack(const float *weight, ptrdiff_t column_stride, ptrdiff_t inner_stride, int inner, int columns,
                        int first_column, int last_column, float *packed) {
    const int end = last_column < columns ? last_column : panels(columns) * PANEL;
    for (int j = first_column; j < end; j++) {
        float *column = packed + (size_t)(j / PANEL) * PANEL * inner + j % PANEL;
        if (j < columns) {
            const float *source = weight + (ptrdiff_t)j * column_stride;
            for (int k = 0; k < inner; k++) column[(size_t)k * PANEL] = source[(ptrdiff_t)k * inner_stride];
        } else {
            for (int k = 0; k < inner; k++) column[(size_t)k * PANEL] = 0;
        }
    }
}

/// Writes tiles `first_tile..<last_tile` (12 rows each, counted from `left`) of inner values `k0..<k0 + depth`,
/// each tile [depth][12] at `target + (t - first_tile) * depth * 12`; rows past `rows` as zeros.
static void pack_tiles(const float *left, ptrdiff_t left_stride, int rows, int k0, int depth, int first_tile,
                       int last_tile, float *target) {
    for (int t = first_tile; t < last_tile; t++) {
        float *tile_target = target + (size_t)(t - first_tile) * depth * TILE_ROWS;
        for (int r = 0; r < TILE_ROWS; r++) {
            const int row = t * TILE_ROWS + r;
            if (row < rows) {
                const float *source = left + (ptrdiff_t)row * left_stride + k0;
                for (int k = 0; k < depth; k++) tile_target[k * TILE_ROWS + r] = source[k];
            } else {
                for (int k = 0; k < depth; k++) tile_target[k * TILE_ROWS + r] = 0;
            }
        }
    }
}

static int row_tiles(int rows) { return (rows + TILE_ROWS - 1) / TILE_ROWS; }

size_t packed_matrix_left_count(int rows, int inner) { return (size_t)row_tiles(rows) * TILE_ROWS * (size_t)inner; }

void packed_matrix_pack_left(const PackedMatrixBlocking *blocking, const float *left, ptrdiff_t left_stride, int rows,
                             int inner, int first_tile, int last_tile, float *packed_left) {
    const int INNER_BLOCK = blocking->inner_block;
    // Inner block by inner block, all tiles of a block together: tile t of the block at k0 sits at
    // k0 * tiles * 12 + t * depth * 12.
    const int tiles = row_tiles(rows);
    for (int k0 = 0; k0 < inner; k0 += INNER_BLOCK) {
        const int depth = inner - k0 < INNER_BLOCK ? inner - k0 : INNER_BLOCK;
        pack_tiles(left, left_stride, rows, k0, depth, first_tile, last_tile,
                   packed_left + (size_t)k0 * tiles * TILE_ROWS + (size_t)first_tile * depth * TILE_ROWS);
    }
}

size_t packed_matrix_workspace_count(const PackedMatrixBlocking *blocking, int inner) {
    (void)inner;
    return (size_t)(blocking->row_block + TILE_ROWS) * blocking->inner_block;
}

#if defined(__x86_64__)
#define AVX512 __attribute__((target("avx512f,avx2,fma")))

/// One tile: `rows` (<= TILE) rows of the packed left block [depth][12] times the panel block [depth][32], added
/// to `output` or started from `start` (32 values: the bias, or zeros); `columns` (<= 32) are stored. `TILE` is a
/// constant where this is inlined (12, 8 or 4), so a block's last tile of a few rows does only the multiplications
/// of rows that exist, rounded up to 4: the 8 tiles of a Winograd product over an 8x8 image, for one, would
/// otherwise spend a third of its FMAs on padding rows.
AVX512 static inline __attribute__((always_inline)) void tile_of(const int TILE, int depth, const float *left, const float *panel,
                                                                 const float *start, int rows, int columns, float *output,
                                                                 ptrdiff_t output_stride) {
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
    for (int k = 0; k < depth; k++) {
        const __m512 b0 = _mm512_loadu_ps(panel + k * PANEL);
        const __m512 b1 = _mm512_loadu_ps(panel + k * PANEL + 16);
        const float *a = left + k * TILE_ROWS;
        for (int r = 0; r < TILE; r++) {
            const __m512 x = _mm512_set1_ps(a[r]);
            acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
        }
    }
    for (int r = 0; r < rows; r++) {
        _mm512_mask_storeu_ps(output + r * output_stride, low, acc[r][0]);
        _mm512_mask_storeu_ps(output + r * output_stride + 16, high, acc[r][1]);
    }
}

AVX512 static void tile(int depth, const float *left, const float *panel, const float *start, int rows, int columns,
                        float *output, ptrdiff_t output_stride) {
    if (rows > 8) tile_of(TILE_ROWS, depth, left, panel, start, rows, columns, output, output_stride);
    else if (rows > 4) tile_of(8, depth, left, panel, start, rows, columns, output, output_stride);
    else tile_of(4, depth, left, panel, start, rows, columns, output, output_stride);
}

AVX512 static void product(const PackedMatrixBlocking *blocking, const float *left, ptrdiff_t left_stride, int rows, int inner, const float *packed_left,
                           const float *packed, int columns, int first_panel, int last_panel, const float *bias,
                           float *output, ptrdiff_t output_stride, float *workspace) {
    const int INNER_BLOCK = blocking->inner_block, ROW_BLOCK = blocking->row_block;
    float start[PANEL];
    const int all_tiles = row_tiles(rows);
    for (int k0 = 0; k0 < inner; k0 += INNER_BLOCK) {
        const int depth = inner - k0 < INNER_BLOCK ? inner - k0 : INNER_BLOCK;
        for (int m0 = 0; m0 < rows; m0 += ROW_BLOCK) {
            const int block_rows = rows - m0 < ROW_BLOCK ? rows - m0 : ROW_BLOCK;
            const int tiles = row_tiles(block_rows);
            const float *block;
            if (packed_left != NULL) {
                block = packed_left + (size_t)k0 * all_tiles * TILE_ROWS + (size_t)(m0 / TILE_ROWS) * depth * TILE_ROWS;
            } else {
                pack_tiles(left + (ptrdiff_t)m0 * left_stride, left_stride, block_rows, k0, depth, 0, tiles, workspace);
                block = workspace;
            }
            for (int p = first_panel; p < last_panel; p++) {
                const int first_column = p * PANEL;
                const int valid = columns - first_column < PANEL ? columns - first_column : PANEL;
                const float *from = NULL;
                if (k0 == 0) {
                    for (int j = 0; j < PANEL; j++) start[j] = bias != NULL && j < valid ? bias[first_column + j] : 0;
                    from = start;
                }
                const float *panel = packed + (size_t)p * PANEL * inner + (size_t)k0 * PANEL;
                for (int t = 0; t < tiles; t++) {
                    const int tile_rows = block_rows - t * TILE_ROWS < TILE_ROWS ? block_rows - t * TILE_ROWS : TILE_ROWS;
                    tile(depth, block + (size_t)t * depth * TILE_ROWS, panel, from, tile_rows, valid,
                         output + (ptrdiff_t)(m0 + t * TILE_ROWS) * output_stride + first_column, output_stride);
                }
            }
        }
    }
}
#endif

int packed_matrix_product(PackedMatrixVariant variant, const PackedMatrixBlocking *blocking, const float *left, ptrdiff_t left_stride, int rows, int inner,
                          const float *packed_left, const float *packed, int columns, int first_panel, int last_panel, const float *bias,
                          float *output, ptrdiff_t output_stride, float *workspace) {
    if (!packed_matrix_supports(variant)) return -1;
#if defined(__x86_64__)
    if (rows <= 0 || first_panel >= last_panel) return 0;
    if (inner <= 0) {
        for (int r = 0; r < rows; r++)
            for (int j = first_panel * PANEL; j < last_panel * PANEL && j < columns; j++)
                output[(ptrdiff_t)r * output_stride + j] = bias != NULL ? bias[j] : 0;
        return 0;
    }
    product(blocking, left, left_stride, rows, inner, packed_left, packed, columns, first_panel, last_panel, bias, output, output_stride, workspace);
    return 0;
#else
    return -1;
#endif
}
