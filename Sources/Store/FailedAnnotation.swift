import AnnotationRecord
import FACSKnowledge
import Foundation

/// An item the pipeline could not annotate, as the store keeps it: what was asked (its `task`: subject, emotion,
/// level, mode, backend and endpoint; and the model), where and why it failed, and the transcript (every stage that
/// ran, each request and raw reply). The task's fields read as its own (`failure.subject`) and sit beside the others
/// in JSON. Stored by `ProjectStore.addFailedAnnotation`; `id` and `createdAt` are set by the store.
public struct FailedAnnotation: AnnotationTaskRecord, Sendable, Equatable, Codable {
    public var id: Int64?
    public var task: AnnotationTask
    public var model: String?
    public var stageIndex: Int
    public var stageTitle: String
    public var error: String
    public var stages: [StageRecord]
    /// The `cotfa-failed/` file written beside the store, when one was.
    public var recordPath: String?
    /// The image was described in words rather than sent (a text-only model); a retry asks the same way.
    public var textOnly: Bool
    public var createdAt: Date?
    /// Set by the store once the item was retried: when, and the annotation or the new failed item it gave.
    public var retriedAt: Date?
    public var retriedAnnotationID: Int64?
    public var retriedFailedID: Int64?

    private enum CodingKeys: String, CodingKey {
        case id, model, stageIndex, stageTitle, error, stages, recordPath, textOnly, createdAt, retriedAt
        case retriedAnnotationID = "retriedAnnotationId", retriedFailedID = "retriedFailedId"
    }

    public init(
        subject: AnnotationSubject, emotion: String, level: EmotionLevel, mode: AnnotationMode, backend: String,
        endpoint: String?, model: String?, stageIndex: Int, stageTitle: String, error: String, stages: [StageRecord],
        recordPath: String? = nil, textOnly: Bool = false
    ) {
        task = AnnotationTask(subject: subject, emotion: emotion, level: level, mode: mode, backend: backend, endpoint: endpoint)
        self.model = model
        self.stageIndex = stageIndex
        self.stageTitle = stageTitle
        self.error = error
        self.stages = stages
        self.recordPath = recordPath
        self.textOnly = textOnly
    }

    public init(from decoder: Decoder) throws {
        task = try AnnotationTask(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(Int64.self, forKey: .id)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        stageIndex = try container.decode(Int.self, forKey: .stageIndex)
        stageTitle = try container.decode(String.self, forKey: .stageTitle)
        error = try container.decode(String.self, forKey: .error)
        stages = try container.decode([StageRecord].self, forKey: .stages)
        recordPath = try container.decodeIfPresent(String.self, forKey: .recordPath)
        textOnly = try container.decodeIfPresent(Bool.self, forKey: .textOnly) ?? false
        createdAt = try container.decodeIfPresent(Date.self, forKey: .createdAt)
        retriedAt = try container.decodeIfPresent(Date.self, forKey: .retriedAt)
        retriedAnnotationID = try container.decodeIfPresent(Int64.self, forKey: .retriedAnnotationID)
        retriedFailedID = try container.decodeIfPresent(Int64.self, forKey: .retriedFailedID)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(id, forKey: .id)
        try task.encode(to: encoder)
        try container.encodeIfPresent(model, forKey: .model)
        try container.encode(stageIndex, forKey: .stageIndex)
        try container.encode(stageTitle, forKey: .stageTitle)
        try container.encode(error, forKey: .error)
        try container.encode(stages, forKey: .stages)
        try container.encodeIfPresent(recordPath, forKey: .recordPath)
        try container.encode(textOnly, forKey: .textOnly)
        try container.encodeIfPresent(createdAt, forKey: .createdAt)
        try container.encodeIfPresent(retriedAt, forKey: .retriedAt)
        try container.encodeIfPresent(retriedAnnotationID, forKey: .retriedAnnotationID)
        try container.encodeIfPresent(retriedFailedID, forKey: .retriedFailedID)
    }
}
