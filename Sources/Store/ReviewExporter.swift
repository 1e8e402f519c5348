import AnnotationRecord
import Foundation
import FileAccess

public enum ExportFormat: String, Codable, Sendable, CaseIterable {
    case jsonl, csv
}

/// One record per linked clip (falling back to the subject when an annotation has no clip links), or one per subject.
public enum ExportUnit: String, Codable, Sendable, CaseIterable {
    case clip, subject
}

public struct ExportSummary: Codable, Sendable, Equatable {
    public var path: String
    public var format: ExportFormat
    public var unit: ExportUnit
    public var records: Int
    public var annotations: Int
}

/// Writes the reviewed annotations for training scripts and the renderer. A file export is atomic (`OutputFile`):
/// the records go to a temporary file beside the target, which is flushed to disk and then renamed over it.
public struct ReviewExporter {
    public let store: ProjectStore

    public init(store: ProjectStore) {
        self.store = store
    }

    /// Exports to `path` through `OutputFile`: atomically for a regular file, written through to a FIFO or a
    /// device, to standard output for "-"; a symbolic link is refused.
    @discardableResult
    public func export(status: ReviewStatus? = .approved, format: ExportFormat, unit: ExportUnit, to path: String,
                       transform: (Data) -> Data = { $0 }) throws -> ExportSummary {
        if path != OutputFile.standardOutput {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw StoreError.invalidInput("cannot create the folder \(folder.path) for \(path)")
            }
        }
        var summary = ExportSummary(path: path, format: format, unit: unit, records: 0, annotations: 0)
        do {
            try OutputFile.write(to: path) { sink in
                summary = try write(status: status, format: format, unit: unit) { try sink(transform($0)) }
            }
        } catch let error as OutputFileError {
            throw StoreError.invalidInput(error.description)
        }
        summary.path = path
        return summary
    }

    /// Streams the export through `sink` in chunks (used for stdout).
    @discardableResult
    public func write(status: ReviewStatus? = .approved, format: ExportFormat, unit: ExportUnit, to sink: (Data) throws -> Void) throws -> ExportSummary {
        var buffer = Data()
        var records = 0
        var annotations = Set<Int64>()
        let encoder = ProjectJSON.encoder()
        if format == .csv {
            buffer.append(Self.csvLine(ExportRecord.csvColumns))
        }
        try forEachRecord(status: status, unit: unit) { record in
            switch format {
            case .jsonl:
                buffer.append(try encoder.encode(record))
                buffer.append(0x0A)
            case .csv:
                buffer.append(Self.csvLine(record.csvFields))
            }
            records += 1
            annotations.insert(record.annotationID)
            if buffer.count >= 1 << 20 {
                try sink(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if !buffer.isEmpty { try sink(buffer) }
        return ExportSummary(path: "-", format: format, unit: unit, records: records, annotations: annotations.count)
    }

    /// Every record in annotation order, read in one consistent snapshot.
    public func forEachRecord(status: ReviewStatus?, unit: ExportUnit, _ body: (ExportRecord) throws -> Void) throws {
        let linkJoin = unit == .clip ? "LEFT JOIN clip_link c ON c.annotation_id = a.id" : ""
        let linkColumns = unit == .clip ? "c.clip_path, c.actor_id AS clip_actor, c.view AS clip_view, c.emotion AS clip_emotion, c.level AS clip_level" : "NULL AS clip_path, NULL AS clip_actor, NULL AS clip_view, NULL AS clip_emotion, NULL AS clip_level"
        let orderLinks = unit == .clip ? ", c.id" : ""
        var arguments = StoreArguments()
        var whereClause = ""
        if let status {
            whereClause = "WHERE a.status = ?"
            arguments += [status.rawValue]
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        try store.database.read { db in
            // Per annotation, not per clip: a unit's clips share their curators' responses.
            var responsesByAnnotation: [Int64: [CuratorResponse]] = [:]
            func responses(_ id: Int64) throws -> [CuratorResponse] {
                if let known = responsesByAnnotation[id] { return known }
                let found = try StoreRow.fetchAll(db, sql: """
                    SELECT d.curator, d.action, d.reason, d.note FROM decision d
                    WHERE d.annotation_id = ? AND d.action IN ('approve', 'reject')
                      AND NOT EXISTS (SELECT 1 FROM decision u WHERE u.undoes_decision_id = d.id)
                    ORDER BY d.id
                    """, arguments: [id]).map {
                    CuratorResponse(curator: $0["curator"], decision: $0["action"], reason: $0["reason"], note: $0["note"])
                }
                if responsesByAnnotation.count > 4096 { responsesByAnnotation.removeAll() }
                responsesByAnnotation[id] = found
                return found
            }
            try db.forEachRow(sql: """
                SELECT a.id, a.current_revision, a.subject_id, s.kind, s.source_path, s.actor_id, s.view, a.emotion, a.level,
                       r.coarse_prompt, r.fine_prompt, r.aus_json, a.status, a.decided_by, a.decided_at, a.backend, a.model_id,
                       a.template_version, \(linkColumns),
                       standing.reason AS decision_reason, standing.note AS decision_note
                FROM annotation a
                JOIN subject s ON s.id = a.subject_id
                JOIN revision r ON r.annotation_id = a.id AND r.number = a.current_revision
                -- The decision that put a decided item in its status: the latest one to that status not undone.
                LEFT JOIN decision standing ON a.status <> 'pending' AND standing.id = (
                    SELECT d.id FROM decision d
                    WHERE d.annotation_id = a.id AND d.action IN ('approve', 'reject', 'edit') AND d.status_after = a.status
                      AND NOT EXISTS (SELECT 1 FROM decision u WHERE u.undoes_decision_id = d.id)
                    ORDER BY d.id DESC LIMIT 1)
                \(linkJoin)
                \(whereClause)
                ORDER BY a.id\(orderLinks)
                """, arguments: arguments
            ) { row in
                let clipPath: String? = row["clip_path"]
                let decidedAt: Date? = row["decided_at"]
                let subjectPath: String = row["source_path"]
                try body(ExportRecord(
                    annotationID: row["id"], revision: row["current_revision"], subjectID: row["subject_id"],
                    subjectKind: row["kind"], sourcePath: clipPath ?? subjectPath, subjectPath: subjectPath,
                    actor: row["clip_actor"] ?? row["actor_id"], view: row["clip_view"] ?? row["view"],
                    emotion: row["clip_emotion"] ?? row["emotion"], level: row["clip_level"] ?? row["level"],
                    coarsePrompt: row["coarse_prompt"], finePrompt: row["fine_prompt"],
                    aus: try ProjectJSON.decode([String].self, from: row["aus_json"]),
                    status: ReviewStatus(rawValue: row["status"])!, curator: row["decided_by"],
                    decidedAt: decidedAt.map(formatter.string(from:)), reason: row["decision_reason"], note: row["decision_note"],
                    backend: row["backend"], modelID: row["model_id"],
                    templateVersion: row["template_version"], responses: try responses(row["id"])))
            }
        }
    }

    /// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; lines end in CRLF.
    static func csvLine(_ fields: [String]) -> Data {
        let line = fields.map { field -> String in
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",")
        return Data((line + "\r\n").utf8)
    }
}
