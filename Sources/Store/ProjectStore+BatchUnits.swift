import AnnotationRecord
import Foundation

/// Where one batch unit stands: done with its annotation, or failed with its last error.
public struct BatchUnitRecord: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case done
        case failed
    }

    public var key: String
    public var status: Status
    public var annotationID: Int64?
    public var attempts: Int
    public var error: String?
    public var updatedAt: Date
}

extension ProjectStore {
    /// Stores a unit's annotation, links its clips, records the face found in its reference frame (under the
    /// subject's content hash, which it then needs) and marks the unit done, in one transaction: a kill at any
    /// moment leaves either all of it or none. A unit already done keeps its annotation; the id is returned.
    public func completeBatchUnit(key: String, annotation: Annotation, clips: [ClipLink], referenceFace: ReferenceFace? = nil) throws -> Int64 {
        try validate(annotation)
        if let referenceFace {
            guard let hash = annotation.subject.contentHash else {
                throw StoreError.invalidInput("reference face rejected: the annotation's subject has no content hash to keep it under")
            }
            try Self.validate(referenceFace, contentHash: hash)
        }
        return try database.write { db in
            if let existing = try Int64.fetchOne(
                db, sql: "SELECT annotation_id FROM batch_unit WHERE unit_key = ? AND status = 'done'", arguments: [key]) {
                return existing
            }
            let id = try self.insert(annotation, db: db)
            try self.insertLinks(clips, annotationID: id, db: db)
            if let referenceFace, let hash = annotation.subject.contentHash {
                try self.upsert(referenceFace, contentHash: hash, db: db)
            }
            let attempts = try Int.fetchOne(db, sql: "SELECT attempts FROM batch_unit WHERE unit_key = ?", arguments: [key]) ?? 0
            try db.execute(
                sql: """
                    INSERT INTO batch_unit (unit_key, status, annotation_id, attempts, error, updated_at)
                    VALUES (?, 'done', ?, ?, NULL, ?)
                    ON CONFLICT (unit_key) DO UPDATE SET status = 'done', annotation_id = excluded.annotation_id,
                        attempts = excluded.attempts, error = NULL, updated_at = excluded.updated_at
                    """,
                arguments: [key, id, attempts + 1, self.now])
            return id
        }
    }

    /// Links clips to the annotation of a unit that is already done, in one transaction, and returns how many
    /// links are new: a re-run with more views or a larger clip limit adds its new clips to the existing unit
    /// instead of finding the unit done and dropping them. Nil when the unit is not done.
    public func linkClipsToDoneUnit(key: String, clips: [ClipLink]) throws -> Int? {
        try database.write { db in
            guard let id = try Int64.fetchOne(
                db, sql: "SELECT annotation_id FROM batch_unit WHERE unit_key = ? AND status = 'done'", arguments: [key]) else {
                return nil
            }
            return try self.insertLinks(clips, annotationID: id, db: db)
        }
    }

    /// Inserts the links an annotation does not have yet; returns how many were new.
    @discardableResult
    private func insertLinks(_ clips: [ClipLink], annotationID: Int64, db: any StoreDatabase) throws -> Int {
        var added = 0
        for clip in clips {
            try db.execute(
                sql: """
                    INSERT INTO clip_link (annotation_id, clip_path, actor_id, view, emotion, level) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (annotation_id, clip_path) DO NOTHING
                    """,
                arguments: [annotationID, StoredPath.absolute(clip.clipPath), clip.actorID, clip.view, clip.emotion, clip.level])
            added += db.changesCount
        }
        return added
    }

    /// Records a failed attempt at a unit (never over a done one).
    public func failBatchUnit(key: String, error: String) throws {
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO batch_unit (unit_key, status, annotation_id, attempts, error, updated_at)
                    VALUES (?, 'failed', NULL, 1, ?, ?)
                    ON CONFLICT (unit_key) DO UPDATE SET attempts = batch_unit.attempts + 1, error = excluded.error,
                        updated_at = excluded.updated_at
                    WHERE batch_unit.status = 'failed'
                    """,
                arguments: [key, error, self.now])
        }
    }

    /// Every unit with a recorded outcome, by key.
    public func batchUnits() throws -> [String: BatchUnitRecord] {
        try database.read { db in
            let rows = try StoreRow.fetchAll(db, sql: "SELECT * FROM batch_unit")
            var records: [String: BatchUnitRecord] = [:]
            for row in rows {
                let key: String = row["unit_key"]
                records[key] = BatchUnitRecord(
                    key: key, status: BatchUnitRecord.Status(rawValue: row["status"]) ?? .failed,
                    annotationID: row["annotation_id"], attempts: row["attempts"], error: row["error"], updatedAt: row["updated_at"])
            }
            return records
        }
    }
}

extension ProjectStore {
    /// A cached model reply by the request's content address, if one was stored.
    public func cachedResponse(requestHash: String) throws -> Data? {
        try database.read { db in
            try Data.fetchOne(db, sql: "SELECT response FROM call_cache WHERE request_hash = ?", arguments: [requestHash])
        }
    }

    /// Keeps a model reply under its request's content address (the first one stored wins).
    public func storeResponse(requestHash: String, response: Data) throws {
        try database.write { db in
            try db.execute(
                sql: "INSERT INTO call_cache (request_hash, response, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [requestHash, response, self.now])
        }
    }

    public func cachedResponseCount() throws -> Int {
        try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM call_cache") ?? 0 }
    }
}
