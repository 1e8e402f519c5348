import COpenBLAS
import Foundation

/// Multi-head scaled dot-product attention on [batch, length, heads * headDim] tensors.
///
/// Each head is read in place with a row stride of `heads * headDim`, so no permute or copy precedes the two
/// `sgemm` calls per head; heads run in parallel across cores.
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
        let workers = min(pairs, max(1, ProcessInfo.processInfo.activeProcessorCount))
        let perWorker = (pairs + workers - 1) / workers
        // Heads already occupy every core; OpenBLAS's own threads on top would make concurrent callers queue for
        // its thread pool (measured: 20x slower at CLIP's sizes). Each head's products run on their own core.
        let blasThreads = BLASThreads.count
        if workers > 1 { BLASThreads.count = 1 }
        defer { if workers > 1 { BLASThreads.count = blasThreads } }

        query.scalars.withUnsafeBufferPointer { q in
            key.scalars.withUnsafeBufferPointer { k in
                value.scalars.withUnsafeBufferPointer { v in
                    output.scalars.withUnsafeMutableBufferPointer { o in
                        let qBase = q.baseAddress!, kBase = k.baseAddress!, vBase = v.baseAddress!, oBase = o.baseAddress!
                        DispatchQueue.concurrentPerform(iterations: workers) { worker in
                            let scores = UnsafeMutablePointer<Float>.allocate(capacity: queryLength * keyLength)
                            defer { scores.deallocate() }
                            for pair in (worker * perWorker)..<min(pairs, (worker + 1) * perWorker) {
                                let b = pair / heads, h = pair % heads
                                let qHead = qBase + b * queryLength * width + h * headDim
                                let kHead = kBase + b * keyLength * width + h * headDim
                                let vHead = vBase + b * keyLength * width + h * headDim
                                let oHead = oBase + b * queryLength * width + h * headDim
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                                            Int32(queryLength), Int32(keyLength), Int32(headDim), scale,
                                            qHead, Int32(width), kHead, Int32(width), 0, scores, Int32(keyLength))
                                for row in 0..<queryLength {
                                    let rowStart = scores + row * keyLength
                                    if causal {
                                        for column in (row + 1)..<max(row + 1, keyLength) { rowStart[column] = -.infinity }
                                    }
                                    softmaxInPlace(rowStart, count: keyLength)
                                }
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                            Int32(queryLength), Int32(headDim), Int32(keyLength), 1,
                                            scores, Int32(keyLength), vHead, Int32(width), 0, oHead, Int32(width))
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
