import AnnotationRecord
import FACSKnowledge
import Foundation
import GRDB

/// Failed items (see `FailedAnnotation`): kept in the store, not only as files, so a curator or a batch re-run
/// finds them where the annotations are.
extension ProjectStore {
    /// Stores a failed item with its transcript; returns its id (its own sequence, apart from annotation ids).
    public func addFailedAnnotation(_ failure: FailedAnnotation) throws -> Int64 {
        guard !failure.subject.sourcePath.isEmpty else { throw StoreError.invalidInput("failed item rejected: subject.sourcePath is empty") }
        guard !failure.emotion.isEmpty else { throw StoreError.invalidInput("failed item rejected: emotion is empty") }
        guard failure.stageIndex >= 1 else { throw StoreError.invalidInput("failed item rejected: stage index \(failure.stageIndex) is below 1") }
        let transcript = try ProjectJSON.string(failure.stages.sorted { $0.index < $1.index })
        let time = now
        return try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO failed_annotation (source_path, subject_kind, content_hash, actor_id, view, description, emotion, level,
                        mode, backend, endpoint, model, stage_index, stage_title, error, transcript_json, record_path, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    failure.subject.sourcePath, failure.subject.kind.rawValue, failure.subject.contentHash, failure.subject.actorID, failure.subject.view,
                    failure.subject.description, failure.emotion.lowercased(), failure.level.rawValue, failure.mode.rawValue,
                    failure.backend, failure.endpoint, failure.model, failure.stageIndex, failure.stageTitle, failure.error,
                    transcript, failure.recordPath, time,
                ])
            return db.lastInsertedRowID
        }
    }

    /// Failed items, newest first.
    public func failedAnnotations(limit: Int = 100) throws -> [FailedAnnotation] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM failed_annotation ORDER BY id DESC LIMIT ?", arguments: [max(0, limit)])
                .map(Self.failedAnnotation)
        }
    }

    public func failedAnnotation(id: Int64) throws -> FailedAnnotation? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM failed_annotation WHERE id = ?", arguments: [id]).map(Self.failedAnnotation)
        }
    }

    public func failedAnnotationCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM failed_annotation") ?? 0 }
    }

    private static func failedAnnotation(_ row: Row) throws -> FailedAnnotation {
        let kind: String = row["subject_kind"]
        var item = FailedAnnotation(
            subject: AnnotationSubject(
                sourcePath: row["source_path"], kind: try StoredValue.decode(SubjectKind.self, kind),
                actorID: row["actor_id"], view: row["view"], contentHash: row["content_hash"], description: row["description"]),
            emotion: row["emotion"], level: try StoredValue.level(row["level"]),
            mode: try StoredValue.decode(AnnotationMode.self, row["mode"]), backend: row["backend"],
            endpoint: row["endpoint"], model: row["model"], stageIndex: row["stage_index"], stageTitle: row["stage_title"],
            error: row["error"], stages: try ProjectJSON.decode([StageRecord].self, from: row["transcript_json"]),
            recordPath: row["record_path"])
        item.id = row["id"]
        item.createdAt = row["created_at"]
        return item
    }
}
