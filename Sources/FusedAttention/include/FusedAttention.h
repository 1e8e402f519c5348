#ifndef FUSED_ATTENTION_H
#define FUSED_ATTENTION_H

#include <stddef.h>

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
} FusedAttentionVariant;

/// Keys per block of the packed layout and of the online softmax.
#define FUSED_ATTENTION_KEY_BLOCK 64

/// The fastest variant this processor runs, or `FusedAttentionVariantNone`.
FusedAttentionVariant fused_attention_best_variant(void);

/// Whether this processor runs `variant`.
int fused_attention_supports(FusedAttentionVariant variant);

/// Floats of one packed head: keys transposed in blocks of 64, values with rows padded to a multiple of 8.
size_t fused_attention_packed_count(int key_count, int head_dim);

/// Packs keys `first_key..<last_key` of one head (`first_key` a multiple of 64; `last_key` either a multiple of
/// 64 or `key_count`). Padding keys past `key_count` are written as zeros.
void fused_attention_pack(const float *key, ptrdiff_t key_stride, const float *value, ptrdiff_t value_stride,
                          int key_count, int head_dim, int first_key, int last_key, float *packed);

/// Floats of workspace that one `fused_attention_rows` call needs for `rows` query rows.
size_t fused_attention_workspace_count(int rows, int head_dim);

/// output[r] = softmax(scale * query[r] . keys) . values for `rows` query rows against a packed head.
/// Returns 0, or -1 when `variant` does not run on this processor (nothing is written then).
int fused_attention_rows(FusedAttentionVariant variant, const float *packed, int key_count, int head_dim,
                         const float *query, ptrdiff_t query_stride, int rows, float scale,
                         float *output, ptrdiff_t output_stride, float *workspace);

#endif
