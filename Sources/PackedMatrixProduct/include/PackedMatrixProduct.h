#ifndef PACKED_MATRIX_PRODUCT_H
#define PACKED_MATRIX_PRODUCT_H

#include <stddef.h>

/// The matrix product of a layer input [rows, inner] with a weight packed once at load: output [rows, columns]
/// = bias + left x weight^T. The weight is stored in panels of 32 output columns, each panel [inner][32]
/// contiguous, so the product never repacks it (a general sgemm packs its whole right operand on every call,
/// which dominates at the few rows of a text encoder).
///
/// Use: pack (`packed_matrix_pack`) once, then compute any range of panels (`packed_matrix_product`), one call per
/// thread on disjoint panel ranges, each with its own workspace. Strides count floats.

/// The instruction-set variants. `PackedMatrixVariantNone` means the caller must use its own path.
typedef enum {
    PackedMatrixVariantNone = 0,
    PackedMatrixVariantAVX512 = 2,
} PackedMatrixVariant;

/// Output columns per panel.
#define PACKED_MATRIX_PANEL 32
/// Rows per tile of the packed left operand.
#define PACKED_MATRIX_TILE_ROWS 12

/// How the product blocks its operands for the caches: `inner_block` inner values per pass (a panel's block of
/// [inner_block][32] floats stays in L1d), `row_block` rows of the left operand per pass (a multiple of 12; the
/// packed block stays in L2). The sums come out the same for any blocking: a tile adds its block's terms to what
/// the previous block stored, in the same order.
typedef struct {
    int inner_block, row_block;
} PackedMatrixBlocking;

/// The blocking for a core with these cache sizes (see the rules in PackedMatrixProduct.c).
PackedMatrixBlocking packed_matrix_blocking_for(size_t l1d_bytes, size_t l2_bytes);

/// The blocking for this machine's caches (`cpu_cache_sizes`), computed once.
PackedMatrixBlocking packed_matrix_blocking(void);

/// The fastest variant this processor runs, or `PackedMatrixVariantNone`.
PackedMatrixVariant packed_matrix_best_variant(void);

/// Whether this processor runs `variant`.
int packed_matrix_supports(PackedMatrixVariant variant);

/// Floats of a packed weight: `columns` rounded up to whole panels, times `inner`.
size_t packed_matrix_count(int inner, int columns);

/// Packs weight rows `first_column..<last_column` (whole panels, except at the end) of `weight`, which holds
/// column j's `inner` values at `weight + j * column_stride + k * inner_stride` ([columns, inner] with
/// column_stride = inner and inner_stride = 1 for PyTorch's linear weight; [inner, columns] transposed). Padding
/// columns of the last panel are written as zeros.
void packed_matrix_pack(const float *weight, ptrdiff_t column_stride, ptrdiff_t inner_stride, int inner, int columns,
                        int first_column, int last_column, float *packed);

/// Floats of a packed left operand of `rows` rows (tiles of 12 rows, every inner value).
size_t packed_matrix_left_count(int rows, int inner);

/// Packs tiles `first_tile..<last_tile` (rows 12 * first_tile on) of the left operand [rows, inner] for
/// `packed_matrix_product` with the same `blocking`; threads may pack disjoint tile ranges of one buffer. Worth it when several calls share
/// one left operand (the text encoder's few rows split by panels): otherwise each call packs its own.
void packed_matrix_pack_left(const PackedMatrixBlocking *blocking, const float *left, ptrdiff_t left_stride, int rows, int inner, int first_tile,
                             int last_tile, float *packed_left);

/// Floats of workspace one `packed_matrix_product` call needs.
size_t packed_matrix_workspace_count(const PackedMatrixBlocking *blocking, int inner);

/// output[r][j] = bias[j] + sum over k of left[r][k] * weight[j][k], for every row and the columns of panels
/// `first_panel..<last_panel`. With `packed_left` (from `packed_matrix_pack_left`) the left operand is read from it
/// and `left` may be NULL; otherwise it is packed block by block into `workspace`. `bias` may be NULL. Returns 0, or
/// -1 when `variant` does not run here.
int packed_matrix_product(PackedMatrixVariant variant, const PackedMatrixBlocking *blocking, const float *left, ptrdiff_t left_stride, int rows, int inner,
                          const float *packed_left, const float *packed, int columns, int first_panel, int last_panel, const float *bias,
                          float *output, ptrdiff_t output_stride, float *workspace);

// The module's umbrella header (named after the target) must include its other headers for Swift to see them.
#include "PackedMatrixProductBF16.h"

#endif
