import Evaluation
import Foundation

/// Scores a generated clip against its ground truth through the cache: the content hashes of both and the metric
/// set make the key, so a clip scored before (under any path) is read back, and one scored now is kept at once.
struct ClipScoring {
    let metrics: [EvaluationMetric]
    let networks: EvaluationNetworks
    let cache: EvaluationCache

    /// The evaluation, and whether it came from the cache.
    func score(generated: String, groundTruth: String) throws -> (evaluation: ClipEvaluation, cached: Bool) {
        let generatedClip = try ClipFrames(path: generated)
        let truthClip = try ClipFrames(path: groundTruth)
        let key = EvaluationCache.key(generatedHash: try generatedClip.contentHash(), referenceHash: try truthClip.contentHash(), metrics: metrics)
        if let kept = cache.load(key: key, generated: generated, reference: groundTruth) { return (kept, true) }
        let evaluation = try VideoEvaluation.evaluate(generated: generatedClip, reference: truthClip, metrics: metrics, networks: networks)
        try cache.save(evaluation, key: key)
        return (evaluation, false)
    }
}

/// Where a run of many clips stands: the clip just done, how many are left, and the seconds they should take at
/// the pace of the clips scored (not read from the cache) so far.
public struct EvaluationProgress: Sendable {
    public let done: Int
    public let count: Int
    public let name: String
    public let cached: Bool
    public let seconds: Double
    public let remainingSeconds: Double?
}

/// The pace of a run: each clip's seconds, cache hits apart since they cost almost nothing.
struct EvaluationPace {
    private var scoredSeconds = 0.0
    private var scored = 0

    mutating func record(seconds: Double, cached: Bool) {
        guard !cached else { return }
        scoredSeconds += seconds
        scored += 1
    }

    /// Seconds for REMAINING clips at the pace so far; nil before any clip was scored.
    func estimate(remaining: Int) -> Double? {
        scored == 0 ? (remaining == 0 ? 0 : nil) : scoredSeconds / Double(scored) * Double(remaining)
    }
}
