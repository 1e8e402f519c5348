#ifndef FUSED_ATTENTION_H
#define FUSED_ATTENTION_H

#include <stddef.h>
#include <stdint.h>

/// Softmax attention for one head over long key sequences, fused: scores, the online softmax and the value
/// product run per block of 64 keys, so the score matrix is never materialised.
///
/// Use: pack a head's keys and values once (`fused_attention_pack`, which any thread may run on disjoint key
/// ranges), then compute blocks of query rows against the packed head (`fused_attention_rows`), each call with
/// its own workspace. All strides count floats.

/// The instruction-set variants of the kernel. `FusedAttentionVariantNone` means the caller must use its own path.
typedef enum {
    FusedAttentionVariantNone = 0,
    FusedAttentionVariantAVX2 = 1,
    FusedAttentionVariantAVX512 = 2,
    /// BFloat16 operands, Float32 sums and softmax, on AVX512-BF16's `vdpbf16ps`: the head packed with
    /// `fused_attention_pack_bf16`, queries rounded to BF16 (before the scale, as PyTorch's bf16 attention rounds
    /// them) and the softmax weights rounded to BF16 for the value product; the running maximum, the sums and the
    /// output stay Float32. Never the best variant: a caller asks for it (`--precision bf16`).
    FusedAttentionVariantAVX512BF16 = 3,
} FusedAttentionVariant;

/// Keys per block of the packed layout and of the online softmax.
#define FUSED_ATTENTION_KEY_BLOCK 64

/// The fastest Float32 variant this processor runs, or `FusedAttentionVariantNone`.
FusedAttentionVariant fused_attention_best_variant(void);

/// Whether this processor runs `variant`.
int fused_attention_supports(FusedAttentionVariant variant);

/// Floats of one packed head: keys transposed in blocks of 64, values with rows padded to a multiple of 8.
size_t fused_attention_packed_count(int key_count, int head_dim);

/// Packs keys `first_key..<last_key` of one head (`first_key` a multiple of 64; `last_key` either a multiple of
/// 64 or `key_count`). Padding keys past `key_count` are written as zeros.
void fused_attention_pack(const float *key, ptrdiff_t key_stride, const float *value, ptrdiff_t value_stride,
                          int key_count, int head_dim, int first_key, int last_key, float *packed);

/// 32-bit elements of one head packed for `FusedAttentionVariantAVX512BF16`: per block of 64 keys, the keys as
/// [head_dim / 2 pairs][64 keys] (a key's two values of one pair side by side, an odd head_dim padded with a zero)
/// and the values as [32 key pairs][head_dim rounded up to 8] (two adjacent keys' values of one column side by side):
/// each pair is what one lane of `vdpbf16ps` sums.
size_t fused_attention_bf16_packed_count(int key_count, int head_dim);

/// As `fused_attention_pack`, in the BF16 layout, each value rounded to BF16 (to nearest, ties to even).
void fused_attention_pack_bf16(const float *key, ptrdiff_t key_stride, const float *value, ptrdiff_t value_stride,
                               int key_count, int head_dim, int first_key, int last_key, uint32_t *packed);

/// Floats of workspace that one `fused_attention_rows` call needs for `rows` query rows (any variant).
size_t fused_attention_workspace_count(int rows, int head_dim);

/// output[r] = softmax(scale * query[r] . keys) . values for `rows` query rows against a packed head (packed by
/// `fused_attention_pack_bf16` for `FusedAttentionVariantAVX512BF16`, else by `fused_attention_pack`).
/// Returns 0, or -1 when `variant` does not run on this processor (nothing is written then).
int fused_attention_rows(FusedAttentionVariant variant, const void *packed, int key_count, int head_dim,
                         const float *query, ptrdiff_t query_stride, int rows, float scale,
                         float *output, ptrdiff_t output_stride, float *workspace);

#endif
