import FACSKnowledge
import Foundation

/// One annotation as the project keeps it: what was annotated, for which emotion and level, how (mode, backend,
/// model, templates), every stage, both prompts, the grounded AUs, the grounding report and provenance.
/// CoT-FA produces it, the store saves it, the review screen and the exports read it back.
///
/// The first of those, from the subject to the endpoint, are its `task`, read and written as its own fields
/// (`annotation.subject`, `annotation.emotion = ...`) and written beside the others in JSON.
public struct Annotation: AnnotationTaskRecord, Codable, Sendable, Equatable {
    public var task: AnnotationTask
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
        case modelID = "modelId", templateVersion, stages, coarsePrompt, finePrompt, aus, findings, provenance
    }

    public init(
        subject: AnnotationSubject, emotion: String, level: EmotionLevel, mode: AnnotationMode, backend: String,
        endpoint: String? = nil, modelID: String? = nil, templateVersion: String, stages: [StageRecord],
        coarsePrompt: String, finePrompt: String, aus: [ScoredAU], findings: [Finding], provenance: AnnotationProvenance? = nil
    ) {
        task = AnnotationTask(subject: subject, emotion: emotion, level: level, mode: mode, backend: backend, endpoint: endpoint)
        self.modelID = modelID
        self.templateVersion = templateVersion
        self.stages = stages
        self.coarsePrompt = coarsePrompt
        self.finePrompt = finePrompt
        self.aus = aus
        self.findings = findings
        self.provenance = provenance
    }

    public init(from decoder: Decoder) throws {
        task = try AnnotationTask(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        modelID = try container.decodeIfPresent(String.self, forKey: .modelID)
        templateVersion = try container.decode(String.self, forKey: .templateVersion)
        stages = try container.decode([StageRecord].self, forKey: .stages)
        coarsePrompt = try container.decode(String.self, forKey: .coarsePrompt)
        finePrompt = try container.decode(String.self, forKey: .finePrompt)
        _aus = try container.decode(ScoredAUNotationList.self, forKey: .aus)
        findings = try container.decode([Finding].self, forKey: .findings)
        provenance = try container.decodeIfPresent(AnnotationProvenance.self, forKey: .provenance)
    }

    public func encode(to encoder: Encoder) throws {
        try task.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(modelID, forKey: .modelID)
        try container.encode(templateVersion, forKey: .templateVersion)
        try container.encode(stages, forKey: .stages)
        try container.encode(coarsePrompt, forKey: .coarsePrompt)
        try container.encode(finePrompt, forKey: .finePrompt)
        try container.encode(_aus, forKey: .aus)
        try container.encode(findings, forKey: .findings)
        try container.encodeIfPresent(provenance, forKey: .provenance)
    }

    /// Whether any finding is an error (curators should look before approving).
    public var hasGroundingErrors: Bool { findings.contains { $0.severity == .error } }
}
