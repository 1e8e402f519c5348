import CPUFeatures
import COpenBLAS
import FusedAttention
import Foundation

/// Multi-head scaled dot-product attention on [batch, length, heads * headDim] tensors.
///
/// Two paths. Long key sequences go through the fused kernel (`AttentionKernel`, Sources/FusedAttention):
/// scores, online softmax and the value product per block of 64 keys, never the whole score matrix. Short ones,
/// causal masks and processors without AVX2 take the blocked path: two `sgemm` calls per block of queries, each
/// head read in place with a row stride of `heads * headDim`. Both run blocks of every head in parallel.
public enum Attention {
    /// The fused kernel pads keys to blocks of 64; below one block most of its work would be padding (the motion
    /// module's 16-frame windows), so shorter sequences take the blocked path. From 64 keys on it is the faster
    /// one, even at cross-attention over 77 text tokens, where the padding costs 40% (measured 1.5-3x faster).
    package static let fusedMinimumKeys = 64

    /// Whether `precision` bf16 runs the fused kernel's BF16 variant on this processor (AVX512-BF16); elsewhere
    /// attention stays Float32 at bf16.
    package static let bf16KernelRuns = fused_attention_supports(FusedAttentionVariantAVX512BF16) != 0

    /// softmax(q k^T / sqrt(d) + mask) v for every batch item and head. `causal` hides later keys from each
    /// query (query i sees keys 0...i), as in CLIP's text encoder; it needs equal query and key lengths.
    /// `precision` bf16 runs the fused kernel's BF16 variant (q.k and p.v on BF16 operands, the softmax in
    /// Float32) where it runs and the sequence takes the fused kernel; every other case computes in Float32.
    public static func scaledDotProduct(query: Tensor, key: Tensor, value: Tensor, heads: Int,
                                        causal: Bool = false, precision: WeightPrecision = .f32) -> Tensor {
        checkShapes(query: query, key: key, value: value, heads: heads, causal: causal)
        if precision == .bf16, bf16KernelRuns, !causal, key.shape[1] >= fusedMinimumKeys {
            return fusedProduct(query: query, key: key, value: value, heads: heads, variant: FusedAttentionVariantAVX512BF16)
        }
        if !causal, key.shape[1] >= fusedMinimumKeys, let kernel = AttentionKernel.fastest {
            return fusedProduct(query: query, key: key, value: value, heads: heads, kernel: kernel)
        }
        return blockedProduct(query: query, key: key, value: value, heads: heads, causal: causal)
    }

    private static func checkShapes(query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool) {
        precondition(query.rank == 3 && key.rank == 3 && value.rank == 3, "attention takes [batch, length, width]")
        let batch = query.shape[0]
        let queryLength = query.shape[1]
        let keyLength = key.shape[1]
        let width = query.shape[2]
        precondition(key.shape[0] == batch && value.shape[0] == batch && value.shape[1] == keyLength,
                     "attention batch or key length mismatch: \(query.shape) \(key.shape) \(value.shape)")
        precondition(heads > 0 && key.shape[2] == width && value.shape[2] == width && width % heads == 0,
                     "attention width \(width) does not split into \(heads) heads")
        precondition(!causal || queryLength == keyLength, "causal attention needs equal query and key lengths")
    }

    /// Query rows per call of the fused kernel for heads of `headDim` on a core with `caches`. A call carries its
    /// rows' scaled queries and output accumulators ([rows][headDim] and [rows][headDim rounded up to 8]) across
    /// every key block, tile by tile, while each key block (64 keys and their values) streams through: the rows'
    /// state takes 5/8 of L1d, the rest holding the block's keys and values in flight. 64 rows at head width 40 on
    /// a 32 KiB L1d (Zen 4, where 64 was tuned), 96 on a 48 KiB L1d, 16 at width 160; a multiple of the 8-row tile,
    /// at most 512.
    package static func fusedRows(headDim: Int, caches: CPUCacheSizes = CPUCaches.machine) -> Int {
        let bytesPerRow = (headDim + (headDim + 7) / 8 * 8) * MemoryLayout<Float>.size
        let rows = caches.l1d * 5 / 8 / max(1, bytesPerRow) / 8 * 8
        return min(512, max(8, rows))
    }

    /// The fused kernel on `kernel`'s instruction set, which must run on this processor; `caches` sets the rows per
    /// call (`fusedRows`), the machine's unless a check asks for another.
    package static func fusedProduct(query: Tensor, key: Tensor, value: Tensor, heads: Int, kernel: AttentionKernel,
                                     caches: CPUCacheSizes = CPUCaches.machine) -> Tensor {
        precondition(kernel.isSupported, "the \(kernel.rawValue) attention kernel does not run on this processor")
        return fusedProduct(query: query, key: key, value: value, heads: heads, variant: kernel.variant, caches: caches)
    }

    /// The fused kernel's `variant` (a Float32 one, or `FusedAttentionVariantAVX512BF16` on its own packed layout).
    package static func fusedProduct(query: Tensor, key: Tensor, value: Tensor, heads: Int, variant: FusedAttentionVariant,
                                     caches: CPUCacheSizes = CPUCaches.machine) -> Tensor {
        checkShapes(query: query, key: key, value: value, heads: heads, causal: false)
        precondition(fused_attention_supports(variant) != 0, "the attention kernel variant \(variant.rawValue) does not run on this processor")
        let bf16 = variant == FusedAttentionVariantAVX512BF16
        let batch = query.shape[0], queryLength = query.shape[1], keyLength = key.shape[1], width = query.shape[2]
        let headDim = width / heads
        let scale = 1 / Float(headDim).squareRoot()
        var output = Tensor(zeros: [batch, queryLength, width])
        let pairs = batch * heads
        guard pairs > 0, queryLength > 0, keyLength > 0 else { return output }
        // 32-bit elements either way: floats, or pairs of BF16 values.
        let packedCount = bf16 ? fused_attention_bf16_packed_count(Int32(keyLength), Int32(headDim))
            : fused_attention_packed_count(Int32(keyLength), Int32(headDim))
        // Heads are packed in groups of about 8 MB (keys transposed, values padded), so the copy stays small
        // next to the inputs however many frames a batch holds.
        let groupPairs = max(1, min(pairs, (1 << 21) / max(1, packedCount)))
        let packChunk = 1024
        let packChunks = (keyLength + packChunk - 1) / packChunk
        // Each call's rows reuse every key block across several tiles while their state stays in L1d; a head
        // still splits into many units for the cores to share.
        let unitRows = fusedRows(headDim: headDim, caches: caches)
        let unitsPerHead = (queryLength + unitRows - 1) / unitRows
        let workspaceCount = fused_attention_workspace_count(Int32(unitRows), Int32(headDim))
        let packed = UnsafeMutableRawPointer.allocate(byteCount: groupPairs * packedCount * 4, alignment: 64)
        defer { packed.deallocate() }
        let packedFloats = bf16 ? nil : packed.bindMemory(to: Float.self, capacity: groupPairs * packedCount)
        let packedPairs = bf16 ? packed.bindMemory(to: UInt32.self, capacity: groupPairs * packedCount) : nil

        query.scalars.withUnsafeBufferPointer { q in
            key.scalars.withUnsafeBufferPointer { k in
                value.scalars.withUnsafeBufferPointer { v in
                    output.scalars.withUnsafeMutableBufferPointer { o in
                        let qBase = q.baseAddress!, kBase = k.baseAddress!, vBase = v.baseAddress!, oBase = o.baseAddress!
                        for firstPair in stride(from: 0, to: pairs, by: groupPairs) {
                            let count = min(groupPairs, pairs - firstPair)
                            parallelPerform(iterations: count * packChunks) { unit in
                                let pair = firstPair + unit / packChunks, firstKey = (unit % packChunks) * packChunk
                                let b = pair / heads, h = pair % heads
                                let offset = b * keyLength * width + h * headDim
                                let lastKey = Int32(min(keyLength, firstKey + packChunk))
                                if let packedPairs {
                                    fused_attention_pack_bf16(kBase + offset, width, vBase + offset, width, Int32(keyLength), Int32(headDim),
                                                              Int32(firstKey), lastKey, packedPairs + (pair - firstPair) * packedCount)
                                } else {
                                    fused_attention_pack(kBase + offset, width, vBase + offset, width, Int32(keyLength), Int32(headDim),
                                                         Int32(firstKey), lastKey, packedFloats! + (pair - firstPair) * packedCount)
                                }
                            }
                            parallelPerform(iterations: count * unitsPerHead) { unit in
                                let pair = firstPair + unit / unitsPerHead, firstRow = (unit % unitsPerHead) * unitRows
                                let b = pair / heads, h = pair % heads
                                let offset = (b * queryLength + firstRow) * width + h * headDim
                                let workspace = UnsafeMutablePointer<Float>.allocate(capacity: workspaceCount)
                                defer { workspace.deallocate() }
                                let status = fused_attention_rows(
                                    variant, packed + (pair - firstPair) * packedCount * 4, Int32(keyLength), Int32(headDim),
                                    qBase + offset, width, Int32(min(unitRows, queryLength - firstRow)), scale,
                                    oBase + offset, width, workspace)
                                precondition(status == 0, "the attention kernel variant \(variant.rawValue) refused to run")
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// The query rows of one block of the blocked path. A block's scores (block x keys) take twice the core's L2
    /// (2 MB on Zen 4's 1 MiB L2, where it was tuned): the first product writes them, softmax and the second
    /// product read them back from L2 and the L3 behind it, rather than from memory (the full 4096 x 4096 matrix
    /// of a 64x64 latent would be 64 MB per head).
    package static func blockedRows(queries: Int, keys: Int, caches: CPUCacheSizes = CPUCaches.machine) -> Int {
        max(1, min(queries, 2 * caches.l2 / MemoryLayout<Float>.size / max(1, keys)))
    }

    /// Queries in blocks against all keys with two `sgemm` calls per block; the score block stays in cache.
    package static func blockedProduct(query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool,
                                       caches: CPUCacheSizes = CPUCaches.machine) -> Tensor {
        let batch = query.shape[0]
        let queryLength = query.shape[1]
        let keyLength = key.shape[1]
        let width = query.shape[2]
        let headDim = width / heads
        let scale = 1 / Float(headDim).squareRoot()
        var output = Tensor(zeros: [batch, queryLength, width])
        let pairs = batch * heads
        guard pairs > 0, queryLength > 0, keyLength > 0 else { return output }
        let blockRows = blockedRows(queries: queryLength, keys: keyLength, caches: caches)
        let blocksPerHead = (queryLength + blockRows - 1) / blockRows
        let units = pairs * blocksPerHead
        let workers = min(units, max(1, ProcessInfo.processInfo.activeProcessorCount))
        let perWorker = (units + workers - 1) / workers
        // Blocks already occupy every core, so each block's products are single `sgemm` calls on their own core.
        BLASThreads.keepLibrarySingleThreaded()

        query.scalars.withUnsafeBufferPointer { q in
            key.scalars.withUnsafeBufferPointer { k in
                value.scalars.withUnsafeBufferPointer { v in
                    output.scalars.withUnsafeMutableBufferPointer { o in
                        let qBase = q.baseAddress!, kBase = k.baseAddress!, vBase = v.baseAddress!, oBase = o.baseAddress!
                        parallelPerform(iterations: workers) { worker in
                            let scores = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * keyLength)
                            let inverseSums = UnsafeMutablePointer<Float>.allocate(capacity: blockRows)
                            defer {
                                scores.deallocate()
                                inverseSums.deallocate()
                            }
                            for unit in (worker * perWorker)..<min(units, (worker + 1) * perWorker) {
                                let pair = unit / blocksPerHead
                                let firstRow = (unit % blocksPerHead) * blockRows
                                let rows = min(blockRows, queryLength - firstRow)
                                let b = pair / heads, h = pair % heads
                                let qBlock = qBase + (b * queryLength + firstRow) * width + h * headDim
                                let kHead = kBase + b * keyLength * width + h * headDim
                                let vHead = vBase + b * keyLength * width + h * headDim
                                let oBlock = oBase + (b * queryLength + firstRow) * width + h * headDim
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                                            Int32(rows), Int32(keyLength), Int32(headDim), scale,
                                            qBlock, Int32(width), kHead, Int32(width), 0, scores, Int32(keyLength))
                                for row in 0..<rows {
                                    let rowStart = scores + row * keyLength
                                    if causal {
                                        let queryIndex = firstRow + row
                                        for column in (queryIndex + 1)..<max(queryIndex + 1, keyLength) { rowStart[column] = -.infinity }
                                    }
                                    let total = exponentiateShifted(rowStart, count: keyLength)
                                    inverseSums[row] = total > 0 ? 1 / total : 0
                                }
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                            Int32(rows), Int32(headDim), Int32(keyLength), 1,
                                            scores, Int32(keyLength), vHead, Int32(width), 0, oBlock, Int32(width))
                                // Softmax's division, applied to the head's output row (headDim values, not keyLength).
                                for row in 0..<rows {
                                    let outRow = oBlock + row * width
                                    for column in 0..<headDim { outRow[column] *= inverseSums[row] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
