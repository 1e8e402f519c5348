import AnnotationRecord
import FACSKnowledge
import Foundation

/// Failed items (see `FailedAnnotation`): kept in the store, not only as files, so a curator or a batch re-run
/// finds them where the annotations are.
extension ProjectStore {
    /// Stores a failed item with its transcript; returns its id (its own sequence, apart from annotation ids). With
    /// `retrying`, the item is a retry of that failed item, which is marked retried in the same transaction.
    public func addFailedAnnotation(_ failure: FailedAnnotation, retrying retriedID: Int64? = nil) throws -> Int64 {
        guard !failure.subject.sourcePath.isEmpty else { throw StoreError.invalidInput("failed item rejected: subject.sourcePath is empty") }
        guard !failure.emotion.isEmpty else { throw StoreError.invalidInput("failed item rejected: emotion is empty") }
        guard failure.stageIndex >= 1 else { throw StoreError.invalidInput("failed item rejected: stage index \(failure.stageIndex) is below 1") }
        let transcript = try ProjectJSON.string(failure.stages.sorted { $0.index < $1.index })
        let time = now
        return try database.write { db in
            // Absolute, like an annotation's subject, so a retry from another folder finds the file.
            let id = try db.insertReturningID(
                sql: """
                    INSERT INTO failed_annotation (source_path, subject_kind, content_hash, actor_id, view, description, emotion, level,
                        mode, backend, endpoint, model, stage_index, stage_title, error, transcript_json, record_path, text_only, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    StoredPath.absolute(failure.subject.sourcePath), failure.subject.kind.rawValue, failure.subject.contentHash,
                    failure.subject.actorID, failure.subject.view, failure.subject.description, failure.emotion.lowercased(),
                    failure.level.rawValue, failure.mode.rawValue, failure.backend, failure.endpoint, failure.model, failure.stageIndex,
                    failure.stageTitle, failure.error, transcript, failure.recordPath, failure.textOnly, time,
                ])
            if let retriedID { try self.markRetried(db, failedID: retriedID, annotationID: nil, failedAgainAs: id, time: time) }
            return id
        }
    }

    /// Stores the annotation a retry of failed item `failedID` produced, pending review like any other, and marks
    /// the failed item retried, in one transaction: the item leaves the open failures exactly when its annotation
    /// exists.
    public func addAnnotation(_ annotation: Annotation, retrying failedID: Int64) throws -> Int64 {
        try validate(annotation)
        return try database.write { db in
            let id = try self.insert(annotation, db: db)
            try self.markRetried(db, failedID: failedID, annotationID: id, failedAgainAs: nil, time: self.now)
            return id
        }
    }

    /// Failed items in id order (oldest first), after `afterID`: the open ones (not yet retried), or every one
    /// with `includeRetried`. Of the filter, emotion, level, actor and backend apply; a failed item has no review
    /// status, findings or conflict, so a filter on those is refused.
    public func failedAnnotations(
        filter: ReviewFilter = ReviewFilter(status: nil), includeRetried: Bool = false, limit: Int = 100, after afterID: Int64? = nil
    ) throws -> [FailedAnnotation] {
        guard filter.hasFindings == nil, filter.conflict == nil else {
            throw StoreError.invalidInput("failed items have no findings and no conflicts to filter on")
        }
        var conditions: [String] = includeRetried ? [] : ["retried_at IS NULL"]
        var arguments = StoreArguments()
        for (column, value) in [("emotion", filter.emotion), ("actor_id", filter.actor), ("backend", filter.backend)] {
            guard let value else { continue }
            conditions.append("\(column) = ?")
            arguments += [value]
        }
        if let level = filter.level {
            conditions.append("level = ?")
            arguments += [level]
        }
        if let afterID {
            conditions.append("id > ?")
            arguments += [afterID]
        }
        arguments += [max(0, limit)]
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try database.read { db in
            try StoreRow.fetchAll(db, sql: "SELECT * FROM failed_annotation \(whereClause) ORDER BY id LIMIT ?", arguments: arguments)
                .map(Self.failedAnnotation)
        }
    }

    public func failedAnnotation(id: Int64) throws -> FailedAnnotation? {
        try database.read { db in
            try StoreRow.fetchOne(db, sql: "SELECT * FROM failed_annotation WHERE id = ?", arguments: [id]).map(Self.failedAnnotation)
        }
    }

    /// Failed items not yet retried: the work `tbd review list --status failed` shows.
    public func failedAnnotationCount() throws -> Int {
        try database.read { db in try self.openFailureCount(db) }
    }

    func openFailureCount(_ db: any StoreDatabase) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM failed_annotation WHERE retried_at IS NULL") ?? 0
    }

    /// Marks a failed item retried; refused for a missing item or one retried already, so two retries of the same
    /// item cannot both leave an annotation.
    private func markRetried(_ db: any StoreDatabase, failedID: Int64, annotationID: Int64?, failedAgainAs newFailedID: Int64?, time: Date) throws {
        guard let row = try StoreRow.fetchOne(
            db, sql: "SELECT retried_at, retried_annotation_id, retried_failed_id FROM failed_annotation WHERE id = ?", arguments: [failedID])
        else {
            throw StoreError.invalidInput("no failed item \(failedID)")
        }
        guard (row["retried_at"] as Date?) == nil else {
            let annotation: Int64? = row["retried_annotation_id"]
            let failed: Int64? = row["retried_failed_id"]
            let result = annotation.map { "annotation #\($0)" } ?? failed.map { "failed item \($0)" } ?? "nothing"
            throw StoreError.invalidInput("failed item \(failedID) was retried already (it gave \(result))")
        }
        try db.execute(
            sql: "UPDATE failed_annotation SET retried_at = ?, retried_annotation_id = ?, retried_failed_id = ? WHERE id = ?",
            arguments: [time, annotationID, newFailedID, failedID])
    }

    private static func failedAnnotation(_ row: StoreRow) throws -> FailedAnnotation {
        let kind: String = row["subject_kind"]
        var item = FailedAnnotation(
            subject: AnnotationSubject(
                sourcePath: row["source_path"], kind: try StoredValue.decode(SubjectKind.self, kind),
                actorID: row["actor_id"], view: row["view"], contentHash: row["content_hash"], description: row["description"]),
            emotion: row["emotion"], level: try StoredValue.level(row["level"]),
            mode: try StoredValue.decode(AnnotationMode.self, row["mode"]), backend: row["backend"],
            endpoint: row["endpoint"], model: row["model"], stageIndex: row["stage_index"], stageTitle: row["stage_title"],
            error: row["error"], stages: try ProjectJSON.decode([StageRecord].self, from: row["transcript_json"]),
            recordPath: row["record_path"], textOnly: row["text_only"])
        item.id = row["id"]
        item.createdAt = row["created_at"]
        item.retriedAt = row["retried_at"]
        item.retriedAnnotationID = row["retried_annotation_id"]
        item.retriedFailedID = row["retried_failed_id"]
        return item
    }
}
