import Foundation
import Renderer

/// Where a rendering job takes its prompt pairs from.
public enum PairSource: Sendable, Equatable {
    /// Every approved annotation of the store, at its current revision.
    case approved
    /// One annotation of the store, at its current revision, whatever its status.
    case annotation(Int64)
    /// A review-queue JSONL export.
    case exportFile(String)
    /// One pair given directly.
    case prompts(coarse: String, fine: String)
    /// Pairs built by the caller (the ablation's rows), rendered in the order given.
    case pairs([PromptPair])

    /// Whether the pairs come out of the store (which must then be given).
    public var needsStore: Bool {
        switch self {
        case .approved, .annotation: true
        case .exportFile, .prompts, .pairs: false
        }
    }
}
