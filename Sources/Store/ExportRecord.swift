import Foundation

/// One curator's standing decision on an exported item (several when more than one curator decides each item).
public struct CuratorResponse: Codable, Sendable, Equatable {
    public var curator: String
    /// "approve" or "reject".
    public var decision: String
    public var reason: String?
    public var note: String?

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(curator, forKey: .curator)
        try container.encode(decision, forKey: .decision)
        try container.encode(reason, forKey: .reason)
        try container.encode(note, forKey: .note)
    }
}

/// One line of an export: the approved revision of an annotation for one clip (or its subject).
public struct ExportRecord: Codable, Sendable, Equatable {
    public var annotationID: Int64
    public var revision: Int
    public var subjectID: Int64
    public var subjectKind: String
    /// The clip's path when exported per clip, else the subject's source path.
    public var sourcePath: String
    public var subjectPath: String
    public var actor: String?
    public var view: String?
    public var emotion: String
    public var level: Int
    public var coarsePrompt: String
    public var finePrompt: String
    public var aus: [String]
    public var status: ReviewStatus
    public var curator: String?
    public var decidedAt: String?
    /// For a rejected record, the reject reason code; nil otherwise.
    public var reason: String?
    /// The note of the decision that stands (a rejection's explanation, an approval's remark).
    public var note: String?
    public var backend: String
    public var modelID: String?
    public var templateVersion: String
    /// Every curator's standing decision, oldest first; the final one is `status`, `curator` and `reason`.
    public var responses: [CuratorResponse] = []

    /// Column order of the CSV form; the JSONL form uses the same names.
    public static let csvColumns = [
        "annotation_id", "revision", "subject_id", "subject_kind", "source_path", "subject_path", "actor", "view",
        "emotion", "level", "coarse_prompt", "fine_prompt", "aus", "status", "curator", "decided_at", "backend",
        "model_id", "template_version", "reason", "note", "responses",
    ]

    var csvFields: [String] {
        [
            String(annotationID), String(revision), String(subjectID), subjectKind, sourcePath, subjectPath, actor ?? "",
            view ?? "", emotion, String(level), coarsePrompt, finePrompt, aus.joined(separator: "+"), status.rawValue,
            curator ?? "", decidedAt ?? "", backend, modelID ?? "", templateVersion, reason ?? "", note ?? "",
            responses.map { "\($0.curator):\($0.decision)" + ($0.reason.map { "(\($0))" } ?? "") }.joined(separator: ";"),
        ]
    }

    /// Every key is written, a missing value as null: a consumer sees one shape for every record, as
    /// docs/review-queue.md documents (the synthesized encoder would leave nil keys out).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(annotationID, forKey: .annotationID)
        try container.encode(revision, forKey: .revision)
        try container.encode(subjectID, forKey: .subjectID)
        try container.encode(subjectKind, forKey: .subjectKind)
        try container.encode(sourcePath, forKey: .sourcePath)
        try container.encode(subjectPath, forKey: .subjectPath)
        try container.encode(actor, forKey: .actor)
        try container.encode(view, forKey: .view)
        try container.encode(emotion, forKey: .emotion)
        try container.encode(level, forKey: .level)
        try container.encode(coarsePrompt, forKey: .coarsePrompt)
        try container.encode(finePrompt, forKey: .finePrompt)
        try container.encode(aus, forKey: .aus)
        try container.encode(status, forKey: .status)
        try container.encode(curator, forKey: .curator)
        try container.encode(decidedAt, forKey: .decidedAt)
        try container.encode(reason, forKey: .reason)
        try container.encode(note, forKey: .note)
        try container.encode(backend, forKey: .backend)
        try container.encode(modelID, forKey: .modelID)
        try container.encode(templateVersion, forKey: .templateVersion)
        try container.encode(responses, forKey: .responses)
    }
}
