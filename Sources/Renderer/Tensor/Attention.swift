import COpenBLAS
import Foundation

/// Multi-head scaled dot-product attention on [batch, length, heads * headDim] tensors.
///
/// Each head is read in place with a row stride of `heads * headDim`, so no permute or copy precedes the two
/// `sgemm` calls per block of queries; blocks of every head run in parallel across cores.
public enum Attention {
    /// softmax(q k^T / sqrt(d) + mask) v for every batch item and head. `causal` hides later keys from each
    /// query (query i sees keys 0...i), as in CLIP's text encoder; it needs equal query and key lengths.
    public static func scaledDotProduct(query: Tensor, key: Tensor, value: Tensor, heads: Int,
                                        causal: Bool = false) -> Tensor {
        precondition(query.rank == 3 && key.rank == 3 && value.rank == 3, "attention takes [batch, length, width]")
        let batch = query.shape[0]
        let queryLength = query.shape[1]
        let keyLength = key.shape[1]
        let width = query.shape[2]
        precondition(key.shape[0] == batch && value.shape[0] == batch && value.shape[1] == keyLength,
                     "attention batch or key length mismatch: \(query.shape) \(key.shape) \(value.shape)")
        precondition(key.shape[2] == width && value.shape[2] == width && width % heads == 0,
                     "attention width \(width) does not split into \(heads) heads")
        precondition(!causal || queryLength == keyLength, "causal attention needs equal query and key lengths")
        let headDim = width / heads
        let scale = 1 / Float(headDim).squareRoot()
        var output = Tensor(zeros: [batch, queryLength, width])
        let pairs = batch * heads
        guard pairs > 0, queryLength > 0, keyLength > 0 else { return output }
        // Queries go in blocks whose scores (block x keys) stay near 2 MB, so the scores a block writes are still
        // in cache when softmax and the second product read them: the full 4096 x 4096 matrix of a 64x64 latent
        // would be 64 MB per head.
        let blockRows = max(1, min(queryLength, (1 << 19) / keyLength))
        let blocksPerHead = (queryLength + blockRows - 1) / blockRows
        let units = pairs * blocksPerHead
        let workers = min(units, max(1, ProcessInfo.processInfo.activeProcessorCount))
        let perWorker = (units + workers - 1) / workers
        // Blocks already occupy every core; OpenBLAS's own threads on top would make concurrent callers queue for
        // its thread pool (measured: 20x slower at CLIP's sizes). Each block's products run on their own core.
        let blasThreads = BLASThreads.count
        if workers > 1 { BLASThreads.count = 1 }
        defer { if workers > 1 { BLASThreads.count = blasThreads } }

        query.scalars.withUnsafeBufferPointer { q in
            key.scalars.withUnsafeBufferPointer { k in
                value.scalars.withUnsafeBufferPointer { v in
                    output.scalars.withUnsafeMutableBufferPointer { o in
                        let qBase = q.baseAddress!, kBase = k.baseAddress!, vBase = v.baseAddress!, oBase = o.baseAddress!
                        DispatchQueue.concurrentPerform(iterations: workers) { worker in
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
