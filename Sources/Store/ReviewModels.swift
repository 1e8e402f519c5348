import AnnotationRecord
import FACSKnowledge
import Foundation

/// One version of an annotation's prompts. Revision 1 is what the pipeline produced.
public struct Revision: Codable, Sendable, Equatable {
    public var number: Int
    public var coarsePrompt: String
    public var finePrompt: String
    @ScoredAUNotationList public var aus: [ScoredAU]
    public var findings: [Finding]
    public var author: String
    public var createdAt: Date
}

public struct Decision: Codable, Sendable, Equatable {
    public var id: Int64
    public var annotationID: Int64
    public var action: ReviewAction
    public var reason: RejectReason?
    public var note: String?
    public var curator: String
    public var statusBefore: ReviewStatus
    public var statusAfter: ReviewStatus
    public var revisionBefore: Int
    public var revisionAfter: Int
    /// Set on an undo: the decision it reverted.
    public var undoesDecisionID: Int64?
    public var createdAt: Date
}

public struct Claim: Codable, Sendable, Equatable {
    public var annotationID: Int64
    public var curator: String
    public var expiresAt: Date
}

public struct AuditEntry: Codable, Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var curator: String
    public var action: String
    public var annotationID: Int64?
    public var beforeJSON: String?
    public var afterJSON: String?
}

/// A list row: enough to pick an item without loading its stages.
public struct AnnotationSummary: Codable, Sendable, Equatable {
    public var id: Int64
    public var status: ReviewStatus
    public var emotion: String
    public var level: EmotionLevel
    public var actorID: String?
    public var view: String?
    public var sourcePath: String
    public var backend: String
    public var modelID: String?
    public var revision: Int
    /// The worst finding of the current revision: nil, "info", "warning" or "error".
    public var worstFinding: FindingSeverity?
    public var claimedBy: String?
    public var decidedBy: String?
    public var coarsePrompt: String
}

/// Everything about one annotation: what `tbd review show` prints and the terminal UI draws. The record's own
/// fields read straight through (`detail.emotion`, `detail.stages`); its prompts, AUs and findings are the current
/// revision's.
@dynamicMemberLookup
public struct AnnotationDetail: Encodable, Sendable, Equatable {
    public var id: Int64
    /// The subject's row: annotations of the same subject share it.
    public var subjectID: Int64
    public var annotation: Annotation
    /// The provenance exactly as stored; `annotation.provenance` is its typed form when it reads as one.
    public var provenanceJSON: String
    public var status: ReviewStatus
    public var current: Revision
    public var revisions: [Revision]
    public var decisions: [Decision]
    /// A live claim; an expired one is reported as nil.
    public var claim: Claim?
    /// Set while the item's curators disagree and no reviewer has settled it.
    public var conflict: ReviewConflict?
    /// The face the batch run found in the subject's reference frame (looked up by its content hash), if any.
    public var referenceFace: ReferenceFace?
    public var decidedBy: String?
    public var decidedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public subscript<Value>(dynamicMember keyPath: KeyPath<Annotation, Value>) -> Value { annotation[keyPath: keyPath] }

    private enum CodingKeys: String, CodingKey {
        case id, subject, emotion, level, mode, backend, endpoint, modelID = "modelId", templateVersion, stages
        case provenanceJSON = "provenanceJson", status, current, revisions, decisions, claim, conflict, referenceFace, decidedBy, decidedAt
        case createdAt, updatedAt
    }

    private enum SubjectKeys: String, CodingKey { case id }

    /// The documented JSON shape: the record's fields beside the review state, the subject with its row id.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        let subjectEncoder = container.superEncoder(forKey: .subject)
        var subjectID = subjectEncoder.container(keyedBy: SubjectKeys.self)
        try subjectID.encode(self.subjectID, forKey: .id)
        try annotation.subject.encode(to: subjectEncoder)
        try container.encode(annotation.emotion, forKey: .emotion)
        try container.encode(annotation.level, forKey: .level)
        try container.encode(annotation.mode, forKey: .mode)
        try container.encode(annotation.backend, forKey: .backend)
        try container.encodeIfPresent(annotation.endpoint, forKey: .endpoint)
        try container.encodeIfPresent(annotation.modelID, forKey: .modelID)
        try container.encode(annotation.templateVersion, forKey: .templateVersion)
        try container.encode(annotation.stages, forKey: .stages)
        try container.encode(provenanceJSON, forKey: .provenanceJSON)
        try container.encode(status, forKey: .status)
        try container.encode(current, forKey: .current)
        try container.encode(revisions, forKey: .revisions)
        try container.encode(decisions, forKey: .decisions)
        try container.encodeIfPresent(claim, forKey: .claim)
        try container.encodeIfPresent(conflict, forKey: .conflict)
        try container.encodeIfPresent(referenceFace, forKey: .referenceFace)
        try container.encodeIfPresent(decidedBy, forKey: .decidedBy)
        try container.encodeIfPresent(decidedAt, forKey: .decidedAt)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

public struct ReviewStats: Codable, Sendable, Equatable {
    public struct CuratorCounts: Codable, Sendable, Equatable {
        public var curator: String
        public var approved: Int
        public var rejected: Int
        public var edited: Int
        public var undone: Int
        public var lastHour: Int
    }
    public struct EmotionCounts: Codable, Sendable, Equatable {
        public var emotion: String
        public var pending: Int
        public var approved: Int
        public var rejected: Int
    }
    public var pending: Int
    public var approved: Int
    public var rejected: Int
    /// Annotations: pending + approved + rejected.
    public var total: Int
    /// Failed items not yet retried (`failed_annotation`): not annotations, so not in `total`.
    public var failed: Int
    public var activeClaims: Int
    public var renders: Int
    public var clipLinks: Int
    public var byEmotion: [EmotionCounts]
    public var byCurator: [CuratorCounts]
    public var rejectReasons: [String: Int]
}

/// The three status counts the status line shows; cheap at any size.
public struct StatusCounts: Codable, Sendable, Equatable {
    public var pending: Int
    public var approved: Int
    public var rejected: Int

    public init(pending: Int, approved: Int, rejected: Int) {
        self.pending = pending
        self.approved = approved
        self.rejected = rejected
    }
}
