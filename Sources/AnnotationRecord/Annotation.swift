import FACSKnowledge
import Foundation

/// One annotation as the project keeps it: what was annotated, for which emotion and level, how (mode, backend,
/// model, templates), every stage, both prompts, the grounded AUs, the grounding report and provenance.
/// CoT-FA produces it, the store saves it, the review screen and the exports read it back.
public struct Annotation: Codable, Sendable, Equatable {
    public var subject: AnnotationSubject
    public var emotion: String
    public var level: EmotionLevel
    public var mode: AnnotationMode
    /// "openai-chat" for a model endpoint, "offline-facs-rules" for the built-in reasoner.
    public var backend: String
    public var endpoint: String?
    public var modelID: String?
    public var templateVersion: String
    public var stages: [StageRecord]
    public var coarsePrompt: String
    public var finePrompt: String
    /// The AUs that passed grounding.
    @ScoredAUNotationList public var aus: [ScoredAU]
    /// The grounding report.
    public var findings: [Finding]
    /// Nil for records made without a run to describe (synthetic benchmark data, hand-made fixtures).
    public var provenance: AnnotationProvenance?

    // "modelId" so the project's snake_case JSON ("model_id") reads back into `modelID`.
    private enum CodingKeys: String, CodingKey {
        case subject, emotion, level, mode, backend, endpoint, modelID = "modelId", templateVersion, stages, coarsePrompt
        case finePrompt, aus, findings, provenance
    }

    public init(
        subject: AnnotationSubject, emotion: String, level: EmotionLevel, mode: AnnotationMode, backend: String,
        endpoint: String? = nil, modelID: String? = nil, templateVersion: String, stages: [StageRecord],
        coarsePrompt: String, finePrompt: String, aus: [ScoredAU], findings: [Finding], provenance: AnnotationProvenance? = nil
    ) {
        self.subject = subject
        self.emotion = emotion
        self.level = level
        self.mode = mode
        self.backend = backend
        self.endpoint = endpoint
        self.modelID = modelID
        self.templateVersion = templateVersion
        self.stages = stages
        self.coarsePrompt = coarsePrompt
        self.finePrompt = finePrompt
        self.aus = aus
        self.findings = findings
        self.provenance = provenance
    }

    /// Whether any finding is an error (curators should look before approving).
    public var hasGroundingErrors: Bool { findings.contains { $0.severity == .error } }
}
