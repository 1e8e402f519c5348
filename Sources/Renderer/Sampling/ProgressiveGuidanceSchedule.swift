import Foundation
import Tensors

/// How the text condition moves from the coarse prompt to the fine prompt(s) over a sampling run.
///
/// The run's T steps are counted from the start of denoising (t = 0 is the noisiest step). Split fractions
/// s_1 < ... < s_{k-1} cut it into k stages at B_j = round(s_j T) (half to even, as Python's `round`, which the
/// paper's algorithms are written in), with B_0 = 0 and B_k = T. Each step's condition is a convex combination
/// of the k prompt embeddings e_0 (coarse) ... e_{k-1} (finest); `weights(atStep:)` gives its coefficients.
///
/// - `paper`: the paper's Algorithms 1 and 2. Inside stage j, p = (t - B_j) / (B_{j+1} - B_j) is the position in
///   the stage and alpha = alpha_max - p (alpha_max - alpha_min); the condition is alpha e_j + (1 - alpha) e_{j+1},
///   and the last stage, which has no next prompt, blends with the previous one: alpha e_{k-1} + (1 - alpha) e_{k-2}.
///   With the defaults (1.0, 0.5) every stage starts on its own prompt alone, so the condition jumps at each
///   boundary, as in the published algorithm.
/// - `smooth`: stage j < k-1 blends e_j towards e_{j+1} by the progress inside the stage, reaching e_{j+1} exactly
///   where its stage begins: no jump. The last stage is e_{k-1} alone.
/// - `hard`: e_j alone throughout stage j, a plain switch (A1111's `[from:to:when]`).
public struct ProgressiveGuidanceSchedule: Sendable, Equatable {
    public enum Mode: String, CaseIterable, Sendable, Codable { case paper, smooth, hard }

    public let stepCount: Int
    public let splits: [Double]
    public let mode: Mode
    /// alpha at the first step of a stage in `paper` mode (the paper's alpha_max).
    public let alphaMax: Double
    /// The value alpha approaches at the end of a stage in `paper` mode (the paper's alpha_min).
    public let alphaMin: Double
    /// B_0 = 0, B_1 ... B_{k-1}, B_k = T: the first step of each stage, then the step count.
    public let boundaries: [Int]

    public static let defaultSplits = [0.4]
    public static let defaultAlphaMax = 1.0
    public static let defaultAlphaMin = 0.5

    public init(stepCount: Int, splits: [Double] = defaultSplits, mode: Mode = .paper,
                alphaMax: Double = defaultAlphaMax, alphaMin: Double = defaultAlphaMin) throws {
        guard stepCount >= 1 else { throw GuidanceScheduleError.invalid("the run needs at least one step, got \(stepCount)") }
        guard !splits.isEmpty else { throw GuidanceScheduleError.invalid("give at least one split fraction (k = splits + 1 stages)") }
        guard splits.allSatisfy({ $0 > 0 && $0 < 1 && $0.isFinite }) else {
            throw GuidanceScheduleError.invalid("split fractions must lie strictly between 0 and 1, got \(splits)")
        }
        guard zip(splits, splits.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw GuidanceScheduleError.invalid("split fractions must increase, got \(splits)")
        }
        // alpha and 1 - alpha are both weights, so both bounds must lie in [0, 1]; alpha never grows inside a stage.
        guard alphaMax.isFinite, alphaMin.isFinite, alphaMin >= 0, alphaMax <= 1, alphaMin <= alphaMax else {
            throw GuidanceScheduleError.invalid("alpha bounds need 0 <= alpha_min <= alpha_max <= 1, got alpha_min \(alphaMin), alpha_max \(alphaMax)")
        }
        let inner = splits.map { Int(($0 * Double(stepCount)).rounded(.toNearestOrEven)) }
        let boundaries = [0] + inner + [stepCount]
        for stage in 0..<(boundaries.count - 1) where boundaries[stage] >= boundaries[stage + 1] {
            throw GuidanceScheduleError.invalid(
                "stage \(stage + 1) of \(boundaries.count - 1) gets no steps with \(stepCount) steps and splits \(splits)")
        }
        self.stepCount = stepCount
        self.splits = splits
        self.mode = mode
        self.alphaMax = alphaMax
        self.alphaMin = alphaMin
        self.boundaries = boundaries
    }

    public var stageCount: Int { boundaries.count - 1 }

    /// The stage (0 = coarse) that step `step` belongs to.
    public func stage(atStep step: Int) -> Int {
        precondition(step >= 0 && step < stepCount, "step \(step) outside 0..<\(stepCount)")
        return (0..<stageCount).last { boundaries[$0] <= step }!
    }

    /// One weight per stage's embedding, coarse first; they are non-negative and sum to 1.
    public func weights(atStep step: Int) -> [Double] {
        let stage = stage(atStep: step)
        let (start, length) = (boundaries[stage], boundaries[stage + 1] - boundaries[stage])
        var weights = [Double](repeating: 0, count: stageCount)
        switch mode {
        case .hard:
            weights[stage] = 1
        case .smooth:
            guard stage < stageCount - 1 else {
                weights[stage] = 1
                break
            }
            // Kept as quotients of integers so both weights are exact (31/50, not 1 - 0.38).
            weights[stage] = Double(start + length - step) / Double(length)
            weights[stage + 1] = Double(step - start) / Double(length)
        case .paper:
            let position = Double(step - start) / Double(length)
            let alpha = alphaMax - position * (alphaMax - alphaMin)
            let partner = stage < stageCount - 1 ? stage + 1 : stage - 1
            weights[stage] = alpha
            weights[partner] += 1 - alpha
        }
        return weights
    }

    /// The condition for step `step`: the embeddings (one per stage, equal shapes) combined with its weights.
    public func condition(from embeddings: [Tensor], atStep step: Int) throws -> Tensor {
        guard embeddings.count == stageCount else {
            throw GuidanceScheduleError.invalid("\(stageCount) stages need \(stageCount) prompt embeddings, got \(embeddings.count)")
        }
        guard embeddings.allSatisfy({ $0.shape == embeddings[0].shape }) else {
            throw GuidanceScheduleError.invalid("prompt embeddings differ in shape")
        }
        let weights = weights(atStep: step)
        var result = Tensor(zeros: embeddings[0].shape)
        for (embedding, weight) in zip(embeddings, weights) where weight != 0 {
            result = result.scaledSum(1, embedding, Float(weight))
        }
        return result
    }
}
