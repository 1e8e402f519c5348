import AnnotationRecord
import FACSKnowledge
import Foundation

/// A subject as stored, with its row id; in JSON the id sits beside the subject's own fields.
@dynamicMemberLookup
public struct StoredSubject: Codable, Sendable, Equatable {
    public var id: Int64
    public var subject: AnnotationSubject

    public subscript<Value>(dynamicMember keyPath: KeyPath<AnnotationSubject, Value>) -> Value { subject[keyPath: keyPath] }

    public init(id: Int64, subject: AnnotationSubject) {
        self.id = id
        self.subject = subject
    }

    private enum CodingKeys: String, CodingKey { case id }

    public init(from decoder: Decoder) throws {
        id = try decoder.container(keyedBy: CodingKeys.self).decode(Int64.self, forKey: .id)
        subject = try AnnotationSubject(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try subject.encode(to: encoder)
    }
}

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

/// Everything about one annotation: what `tbd review show` prints and the terminal UI draws.
public struct AnnotationDetail: Codable, Sendable, Equatable {
    public var id: Int64
    public var subject: StoredSubject
    public var emotion: String
    public var level: EmotionLevel
    public var mode: AnnotationMode
    public var backend: String
    public var endpoint: String?
    public var modelID: String?
    public var templateVersion: String
    public var stages: [StageRecord]
    public var provenanceJSON: String
    public var status: ReviewStatus
    public var current: Revision
    public var revisions: [Revision]
    public var decisions: [Decision]
    /// A live claim; an expired one is reported as nil.
    public var claim: Claim?
    public var decidedBy: String?
    public var decidedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    /// The annotation as the current revision has it: the typed record the pipeline stored, with the curators'
    /// edits applied.
    public var annotation: Annotation {
        Annotation(
            subject: subject.subject, emotion: emotion, level: level, mode: mode, backend: backend, endpoint: endpoint,
            modelID: modelID, templateVersion: templateVersion, stages: stages, coarsePrompt: current.coarsePrompt,
            finePrompt: current.finePrompt, aus: current.aus, findings: current.findings,
            provenance: try? ProjectJSON.decode(AnnotationProvenance.self, from: provenanceJSON))
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
    public var total: Int
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
