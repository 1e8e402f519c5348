import AnnotationRecord
import Foundation

extension ProjectStore {
    /// Records the face found in the reference frame whose content hash is `contentHash` (the hash a subject
    /// keeps), replacing what an earlier run recorded for the same frame.
    public func recordReferenceFace(_ face: ReferenceFace, contentHash: String) throws {
        try Self.validate(face, contentHash: contentHash)
        try database.write { db in try self.upsert(face, contentHash: contentHash, db: db) }
    }

    /// The face recorded for a reference frame's content hash, if any.
    public func referenceFace(contentHash: String) throws -> ReferenceFace? {
        try database.read { db in try Self.referenceFace(contentHash: contentHash, db: db) }
    }

    static func validate(_ face: ReferenceFace, contentHash: String) throws {
        guard !contentHash.isEmpty else { throw StoreError.invalidInput("reference face rejected: the content hash is empty") }
        let problems = face.problems
        guard problems.isEmpty else {
            throw StoreError.invalidInput("reference face rejected: " + problems.joined(separator: "; "))
        }
    }

    func upsert(_ face: ReferenceFace, contentHash: String, db: any StoreDatabase) throws {
        try db.execute(
            sql: """
                INSERT INTO reference_face (content_hash, x1, y1, x2, y2, probability, landmarks_json, frame_width,
                    frame_height, frame_index, frame_seconds, detector, detected_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (content_hash) DO UPDATE SET x1 = excluded.x1, y1 = excluded.y1, x2 = excluded.x2,
                    y2 = excluded.y2, probability = excluded.probability, landmarks_json = excluded.landmarks_json,
                    frame_width = excluded.frame_width, frame_height = excluded.frame_height,
                    frame_index = excluded.frame_index, frame_seconds = excluded.frame_seconds,
                    detector = excluded.detector, detected_at = excluded.detected_at
                """,
            arguments: [
                contentHash, face.box[0], face.box[1], face.box[2], face.box[3], face.probability,
                try ProjectJSON.string(face.landmarks), face.frameWidth, face.frameHeight, face.frameIndex, face.frameSeconds,
                face.detector, now,
            ])
    }

    /// Reads a row back, checked like a new one: a row edited by hand into something unusable is reported, not
    /// drawn.
    static func referenceFace(contentHash: String, db: any StoreDatabase) throws -> ReferenceFace? {
        guard let row = try StoreRow.fetchOne(db, sql: "SELECT * FROM reference_face WHERE content_hash = ?", arguments: [contentHash]) else {
            return nil
        }
        let landmarks: [[Double]]
        do {
            landmarks = try ProjectJSON.decode([[Double]].self, from: row["landmarks_json"])
        } catch {
            throw StoreError.invalidInput("the reference face of \(contentHash) has unreadable landmarks: \(error)")
        }
        let face = ReferenceFace(
            box: [row["x1"], row["y1"], row["x2"], row["y2"]], probability: row["probability"], landmarks: landmarks,
            frameWidth: row["frame_width"], frameHeight: row["frame_height"], frameIndex: row["frame_index"],
            frameSeconds: row["frame_seconds"], detector: row["detector"], detectedAt: row["detected_at"])
        let problems = face.problems
        guard problems.isEmpty else {
            throw StoreError.invalidInput("the reference face of \(contentHash) is unusable: " + problems.joined(separator: "; "))
        }
        return face
    }
}
