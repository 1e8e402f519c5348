import FACSKnowledge

/// What an annotation run is asked for: the subject, the emotion and its level, the mode, and the backend with its
/// endpoint. An `Annotation` is a task with its result; the store's failed item is a task with its failure. Both
/// read its fields as their own (`annotation.subject`) and write them beside their own in JSON.
public struct AnnotationTask: Codable, Sendable, Equatable {
    public var subject: AnnotationSubject
    public var emotion: String
    public var level: EmotionLevel
    public var mode: AnnotationMode
    /// "openai-chat" for a model endpoint, "offline-facs-rules" for the built-in reasoner.
    public var backend: String
    /// The endpoint as it may be stored: no user, password or query (`VLMConfiguration.redactedBaseURL`).
    public var endpoint: String?

    public init(
        subject: AnnotationSubject, emotion: String, level: EmotionLevel, mode: AnnotationMode, backend: String,
        endpoint: String? = nil
    ) {
        self.subject = subject
        self.emotion = emotion
        self.level = level
        self.mode = mode
        self.backend = backend
        self.endpoint = endpoint
    }
}

/// A record of an annotation task (an `Annotation`, or a failed item): the task's fields read and write as the
/// record's own, `record.subject` for `record.task.subject`.
@dynamicMemberLookup
public protocol AnnotationTaskRecord {
    var task: AnnotationTask { get set }
}

extension AnnotationTaskRecord {
    public subscript<Value>(dynamicMember field: WritableKeyPath<AnnotationTask, Value>) -> Value {
        get { task[keyPath: field] }
        set { task[keyPath: field] = newValue }
    }
}
