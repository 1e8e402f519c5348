import AnnotationRecord
import FACSKnowledge
import Foundation

/// An item the pipeline could not annotate, as the store keeps it: what was asked (subject, emotion, level, mode,
/// endpoint and model), where and why it failed, and the transcript (every stage that ran, each request and raw
/// reply). Stored by `ProjectStore.addFailedAnnotation`; `id` and `createdAt` are set by the store.
public struct FailedAnnotation: Sendable, Equatable, Codable {
    public var id: Int64?
    public var subject: AnnotationSubject
    public var emotion: String
    public var level: EmotionLevel
    public var mode: AnnotationMode
    public var backend: String
    /// The endpoint as it may be stored: no user, password or query (`VLMConfiguration.redactedBaseURL`).
    public var endpoint: String?
    public var model: String?
    public var stageIndex: Int
    public var stageTitle: String
    public var error: String
    public var stages: [StageRecord]
    /// The `cotfa-failed/` file written beside the store, when one was.
    public var recordPath: String?
    public var createdAt: Date?

    public init(
        subject: AnnotationSubject, emotion: String, level: EmotionLevel, mode: AnnotationMode, backend: String,
        endpoint: String?, model: String?, stageIndex: Int, stageTitle: String, error: String, stages: [StageRecord],
        recordPath: String? = nil
    ) {
        self.subject = subject
        self.emotion = emotion
        self.level = level
        self.mode = mode
        self.backend = backend
        self.endpoint = endpoint
        self.model = model
        self.stageIndex = stageIndex
        self.stageTitle = stageTitle
        self.error = error
        self.stages = stages
        self.recordPath = recordPath
    }
}
