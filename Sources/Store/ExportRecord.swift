import Foundation

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
    public var backend: String
    public var modelID: String?
    public var templateVersion: String

    /// Column order of the CSV form; the JSONL form uses the same names.
    public static let csvColumns = [
        "annotation_id", "revision", "subject_id", "subject_kind", "source_path", "subject_path", "actor", "view",
        "emotion", "level", "coarse_prompt", "fine_prompt", "aus", "status", "curator", "decided_at", "backend",
        "model_id", "template_version",
    ]

    var csvFields: [String] {
        [
            String(annotationID), String(revision), String(subjectID), subjectKind, sourcePath, subjectPath, actor ?? "",
            view ?? "", emotion, String(level), coarsePrompt, finePrompt, aus.joined(separator: "+"), status.rawValue,
            curator ?? "", decidedAt ?? "", backend, modelID ?? "", templateVersion,
        ]
    }
}
