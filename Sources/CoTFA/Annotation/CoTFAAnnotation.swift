import FACSKnowledge
import Foundation

/// A finished annotation: the stages, both prompts, the grounded AUs, the grounding report and provenance.
/// Its fields are the review store's new annotation, one to one.
public struct CoTFAAnnotation: Codable, Sendable {
    public var subject: AnnotationSubject
    public var emotion: String
    public var level: Int
    public var mode: String
    public var backend: String
    public var endpoint: String?
    public var modelID: String?
    public var templateVersion: String
    public var stages: [StageRecord]
    public var coarsePrompt: String
    public var finePrompt: String
    /// FACS notation ("6C", "R12A") of the AUs that passed grounding.
    public var aus: [String]
    /// The grounding report.
    public var findings: [Finding]
    public var provenance: AnnotationProvenance

    public var provenanceJSON: String { provenance.jsonText }

    /// Whether any finding is an error (curators should look before approving).
    public var hasGroundingErrors: Bool { findings.contains { $0.severity == .error } }
}

/// An item that could not be annotated. Every stage that ran is kept, raw replies included, so nothing is lost.
public struct AnnotationFailure: Error, Sendable, CustomStringConvertible, Codable {
    public var stageIndex: Int
    public var stageTitle: String
    public var reason: String
    public var stages: [StageRecord]

    public var description: String { "stage \(stageTitle) failed: \(reason)" }
}
