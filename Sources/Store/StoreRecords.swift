import AnnotationRecord
import FACSKnowledge
import Foundation

// The Codable records that map the store's tables one to one; column names are the snake_case of the properties.

struct SubjectRow: StoreRecord {
    static let databaseTableName = "subject"
    var id: Int64?
    var sourcePath: String
    var kind: String
    var actorId: String?
    var view: String?
    var contentHash: String?
    var description: String?
    var createdAt: Date
}

struct AnnotationRow: StoreRecord {
    static let databaseTableName = "annotation"
    var id: Int64?
    var subjectId: Int64
    var emotion: String
    var level: Int
    var mode: String
    var backend: String
    var endpoint: String?
    var modelId: String?
    var templateVersion: String
    var stagesJson: String
    var provenanceJson: String
    var status: String
    var currentRevision: Int
    var findingSeverity: Int
    var claimedBy: String?
    var claimExpiresAt: Date?
    var decidedBy: String?
    var decidedAt: Date?
    var createdAt: Date
    var updatedAt: Date
}

struct RevisionRow: StoreRecord {
    static let databaseTableName = "revision"
    static let primaryKey = ["annotation_id", "number"]
    var annotationId: Int64
    var number: Int
    var coarsePrompt: String
    var finePrompt: String
    var ausJson: String
    var findingsJson: String
    var author: String
    var createdAt: Date
}

struct DecisionRow: StoreRecord {
    static let databaseTableName = "decision"
    var id: Int64?
    var annotationId: Int64
    var action: String
    var reason: String?
    var note: String?
    var curator: String
    var statusBefore: String
    var statusAfter: String
    var revisionBefore: Int
    var revisionAfter: Int
    var undoesDecisionId: Int64?
    var createdAt: Date
}

struct AuditRow: StoreRecord {
    static let databaseTableName = "audit_log"
    var id: Int64?
    var at: Date
    var curator: String
    var action: String
    var annotationId: Int64?
    var beforeJson: String?
    var afterJson: String?
}

struct RenderRow: StoreRecord {
    static let databaseTableName = "render"
    var id: Int64?
    var annotationId: Int64
    var revision: Int
    var parametersJson: String
    var seed: Int64
    var modelPath: String
    var modelHash: String?
    var outputsJson: String
    var timingsJson: String
    var status: String
    var error: String?
    var createdAt: Date
    var updatedAt: Date
}

struct ClipLinkRow: StoreRecord {
    static let databaseTableName = "clip_link"
    var id: Int64?
    var annotationId: Int64
    var clipPath: String
    var actorId: String?
    var view: String?
    var emotion: String?
    var level: Int?
}

/// Whether a TEXT column's JSON is an object or an array, as render parameters, outputs and timings must be.
enum StoredJSON {
    static func isValidObjectOrArray(_ text: String) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else { return false }
        return object is [String: Any] || object is [Any]
    }
}

/// Typed values out of TEXT and INTEGER columns; a value this build does not know is an error naming it.
enum StoredValue {
    static func level(_ raw: Int) throws -> EmotionLevel {
        guard let level = EmotionLevel(rawValue: raw) else { throw StoreError.invalidInput("stored level \(raw) is not 1, 2 or 3") }
        return level
    }

    static func decode<Value: RawRepresentable>(_ type: Value.Type, _ raw: String) throws -> Value where Value.RawValue == String {
        guard let value = Value(rawValue: raw) else { throw StoreError.invalidInput("stored value '\(raw)' is not a known \(Value.self)") }
        return value
    }
}

struct RenderItemRow: StoreRecord {
    static let databaseTableName = "render_item"
    var id: Int64?
    var annotationId: Int64
    var revision: Int
    var settingsHash: String
    var status: String
    var worker: String?
    var leasedAt: Date?
    var leaseExpiresAt: Date?
    var attempts: Int
    var renderId: Int64?
    var error: String?
    var createdAt: Date
    var finishedAt: Date?
}
