import AnnotationRecord

/// An item that could not be annotated. Every stage that ran is kept, raw replies included, so nothing is lost.
public struct AnnotationFailure: Error, Sendable, CustomStringConvertible, Codable {
    public var stageIndex: Int
    public var stageTitle: String
    public var reason: String
    public var stages: [StageRecord]
    /// The model asked, once the endpoint check settled it; set by `CoTFAPipeline.annotate`.
    public var model: String? = nil

    public var description: String { "stage \(stageTitle) failed: \(reason)" }

    /// How much of each reply a failure shows on a terminal (`TerminalText.excerpt`); the failure record and the
    /// store keep the reply itself.
    public static let shownReplyBytes = 2048
}
