import Foundation
@testable import Tensors

/// Scaled dot-product attention evaluated directly in double precision, one query row at a time: the reference
/// the blocked and fused paths are checked against.
func directAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int, causal: Bool) -> Tensor {
    let (batch, lq, lk, width) = (q.shape[0], q.shape[1], k.shape[1], q.shape[2])
    let d = width / heads
    var out = Tensor(zeros: q.shape)
    var scores = [Double](repeating: 0, count: lk)
    for b in 0..<batch {
        let (qBase, kBase) = (b * lq * width, b * lk * width)
        for h in 0..<heads {
            for i in 0..<lq {
                var top = -Double.infinity
                for j in 0..<lk {
                    var dot = 0.0
                    for c in 0..<d { dot += Double(q.scalars[qBase + i * width + h * d + c]) * Double(k.scalars[kBase + j * width + h * d + c]) }
                    scores[j] = causal && j > i ? -.infinity : dot / Double(d).squareRoot()
                    top = max(top, scores[j])
                }
                var total = 0.0
                for j in 0..<lk {
                    scores[j] = exp(scores[j] - top)
                    total += scores[j]
                }
                for c in 0..<d {
                    var sum = 0.0
                    for j in 0..<lk { sum += scores[j] * Double(v.scalars[kBase + j * width + h * d + c]) }
                    out.scalars[qBase + i * width + h * d + c] = Float(sum / total)
                }
            }
        }
    }
    return out
}
