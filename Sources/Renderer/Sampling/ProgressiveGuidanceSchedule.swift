import Foundation

/// How the text condition moves from the coarse prompt to the fine prompt(s) over a sampling run.
///
/// The run's N steps are counted from the start of denoising (step 0 is the noisiest). Split fractions
/// s_1 < ... < s_{k-1} cut it into k stages: step i belongs to stage j when s_j <= i/N < s_{j+1} (s_0 = 0,
/// s_k = 1), so stage j starts at B_j = ceil(s_j N). Each step's condition is a convex combination of the k
/// prompt embeddings e_0 (coarse) ... e_{k-1} (finest); `weights(atStep:)` gives its coefficients.
///
/// - `paper`: inside stage j < k-1 the condition is (1 - a) e_j + a e_{j+1} with a = i / N, the fraction of the
///   run already done; the last stage is e_{k-1} alone. The condition therefore jumps at every boundary, as the
///   published algorithms do. See docs/renderer.md for why this reading of Algorithm 2.
/// - `smooth`: the same pairwise blend with a = (i - B_j) / (B_{j+1} - B_j), the progress inside the stage, so
///   e_{j+1}'s weight climbs by equal steps to 1 exactly where its stage begins: no jump.
/// - `hard`: e_j alone throughout stage j, a plain switch (A1111's `[from:to:when]`).
public struct ProgressiveGuidanceSchedule: Sendable, Equatable {
    public enum Mode: String, CaseIterable, Sendable, Codable { case paper, smooth, hard }

    public let stepCount: Int
    public let splits: [Double]
    public let mode: Mode
    /// B_0 = 0, B_1 ... B_{k-1}, B_k = N: the first step of each stage, then the step count.
    public let boundaries: [Int]

    public static let defaultSplits = [0.4]

    public init(stepCount: Int, splits: [Double] = defaultSplits, mode: Mode = .paper) throws {
        guard stepCount >= 1 else { throw GuidanceScheduleError.invalid("the run needs at least one step, got \(stepCount)") }
        guard !splits.isEmpty else { throw GuidanceScheduleError.invalid("give at least one split fraction (k = splits + 1 stages)") }
        guard splits.allSatisfy({ $0 > 0 && $0 < 1 && $0.isFinite }) else {
            throw GuidanceScheduleError.invalid("split fractions must lie strictly between 0 and 1, got \(splits)")
        }
        guard zip(splits, splits.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw GuidanceScheduleError.invalid("split fractions must increase, got \(splits)")
        }
        // The tiny allowance keeps 0.4 * 50 = 20.000000000000004 at 20.
        let inner = splits.map { Int(($0 * Double(stepCount) - 1e-9).rounded(.up)) }
        let boundaries = [0] + inner + [stepCount]
        for stage in 0..<(boundaries.count - 1) where boundaries[stage] >= boundaries[stage + 1] {
            throw GuidanceScheduleError.invalid(
                "stage \(stage + 1) of \(boundaries.count - 1) gets no steps with \(stepCount) steps and splits \(splits)")
        }
        self.stepCount = stepCount
        self.splits = splits
        self.mode = mode
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
        var weights = [Double](repeating: 0, count: stageCount)
        guard stage < stageCount - 1, mode != .hard else {
            weights[stage] = 1
            return weights
        }
        // progress = done / span, kept as a ratio so both weights are exact quotients (31/50, not 1 - 0.38).
        let (done, span): (Int, Int)
        switch mode {
        case .paper: (done, span) = (step, stepCount)
        case .smooth, .hard: (done, span) = (step - boundaries[stage], boundaries[stage + 1] - boundaries[stage])
        }
        weights[stage] = Double(span - done) / Double(span)
        weights[stage + 1] = Double(done) / Double(span)
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

public enum GuidanceScheduleError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let reason): return "invalid progressive guidance schedule: \(reason)" }
    }
}
