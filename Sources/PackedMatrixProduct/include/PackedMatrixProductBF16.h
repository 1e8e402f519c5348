#ifndef PACKED_MATRIX_PRODUCT_BF16_H
#define PACKED_MATRIX_PRODUCT_BF16_H

#include "PackedMatrixProduct.h"

#include <stddef.h>
#include <stdint.h>

/// The packed matrix product with BFloat16 operands and Float32 sums, on AVX512-BF16's `vdpbf16ps`: each
/// instruction multiplies pairs of adjacent inner values and adds both products to a Float32 lane. So the packed
/// weight holds each panel as [inner / 2][32 columns][2]: a column's two values of one inner pair side by side.
/// The left operand is rounded to BF16 (to nearest, ties to even, as PyTorch rounds) while it is packed, pairs of
/// inner values into one 32-bit element per row. An odd `inner` is padded with a zero value.
///
/// Same blocking, panel split and threading rules as `packed_matrix_product`; the workspace of
/// `packed_matrix_workspace_count` is enough (a BF16 block takes half the bytes of a Float32 one).

/// Whether this processor runs the BF16 product (AVX-512 with AVX512-BF16, the OS saving the ZMM state).
int packed_matrix_bf16_supported(void);

/// Inner pairs of a packed BF16 weight: `inner` rounded up to even, halved.
int packed_matrix_bf16_pairs(int inner);

/// BF16 values of a packed weight: `columns` rounded up to whole panels, times `inner` rounded up to even.
size_t packed_matrix_bf16_count(int inner, int columns);

/// Packs weight columns `first_column..<last_column` as `packed_matrix_pack` does (same strides), each value rounded
/// to BF16, into pair-interleaved panels; padding columns and the padding inner value are zeros.
void packed_matrix_pack_bf16(const float *weight, ptrdiff_t column_stride, ptrdiff_t inner_stride, int inner, int columns,
                             int first_column, int last_column, uint16_t *packed);

/// The Float32 value of packed column `column`, inner value `k` (for checks and the unpacked form).
float packed_matrix_bf16_value(const uint16_t *packed, int inner, int column, int k);

/// output[r][j] = bias[j] + sum over k of bf16(left[r][k]) * weight[j][k] summed in Float32, for every row and
/// the columns of panels `first_panel..<last_panel`. `workspace` holds `packed_matrix_workspace_count` floats.
/// Returns 0, or -1 when this processor lacks AVX512-BF16 or `blocking->inner_block` is odd.
int packed_matrix_product_bf16(const PackedMatrixBlocking *blocking, const float *left, ptrdiff_t left_stride, int rows, int inner,
                               const uint16_t *packed, int columns, int first_panel, int last_panel, const float *bias,
                               float *output, ptrdiff_t output_stride, float *workspace);

#endif
