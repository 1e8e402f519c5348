import AnnotationRecord
import FACSKnowledge
import Foundation

extension ProjectStore {
    /// Annotations of the same subject (path, kind and content hash, as the store identifies subjects) with the
    /// same emotion, level and mode, oldest first: what a new one would duplicate.
    public func annotationIDs(
        sameAs subject: AnnotationSubject, emotion: String, level: EmotionLevel, mode: AnnotationMode
    ) throws -> [Int64] {
        try database.read { db in
            try Int64.fetchAll(db, sql: """
                SELECT a.id FROM annotation a JOIN subject s ON s.id = a.subject_id
                WHERE s.source_path = ? AND s.kind = ? AND coalesce(s.content_hash, '') = coalesce(?, '')
                  AND a.emotion = ? AND a.level = ? AND a.mode = ?
                ORDER BY a.id
                """,
                arguments: [
                    StoredPath.absolute(subject.sourcePath), subject.kind.rawValue, subject.contentHash, emotion.lowercased(),
                    level.rawValue, mode.rawValue,
                ])
        }
    }
}
