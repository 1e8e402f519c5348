import AnnotationRecord
import CSV
import DatasetLayout
import FACSKnowledge
import Foundation

/// Reads a generic manifest: CSV with a header row, or JSON Lines (`.jsonl`, `.ndjson`), one item per row with
/// `path` (image or video; relative paths are relative to the manifest's folder), `emotion`, `level` (1-3 or
/// Mild/Moderate/Intense), and optional `subject` (text describing the person), `actor` and `view`.
/// Rows that cannot be used are skipped with the line number and the reason.
public struct ManifestReader: Sendable {
    public init() {}

    public func read(path: String) throws -> ScanResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BatchError.unreadableManifest(path: path, reason: "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw BatchError.unreadableManifest(path: path, reason: "is not UTF-8 text")
        }
        let folder = (path as NSString).deletingLastPathComponent
        let rows: [(line: Int, fields: [String: String])]
        switch (path as NSString).pathExtension.lowercased() {
        case "jsonl", "ndjson", "json": rows = try jsonLines(text, path: path)
        default: rows = try csvRows(text, path: path)
        }
        var result = ScanResult()
        for row in rows {
            switch clip(from: row.fields, folder: folder) {
            case .success(let clip): result.clips.append(clip)
            case .failure(let reason):
                result.skipped.append(SkippedFile(path: "\(path):\(row.line)", reason: reason.text))
            }
        }
        return result
    }

    struct RowProblem: Error {
        let text: String
    }

    private func clip(from fields: [String: String], folder: String) -> Result<DatasetClip, RowProblem> {
        func value(_ key: String) -> String? {
            fields[key].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let rawPath = value("path") ?? value("image") ?? value("video") else { return .failure(RowProblem(text: "no path")) }
        guard let rawEmotion = value("emotion") else { return .failure(RowProblem(text: "no emotion")) }
        let emotion = rawEmotion.lowercased()
        guard let canonical = MEADPath.emotions.first(where: { $0 == emotion }) ?? Self.emotionAliases[emotion] else {
            return .failure(RowProblem(text: "unknown emotion '\(rawEmotion)'"))
        }
        let level: Int
        if let rawLevel = value("level") {
            guard let parsed = EmotionLevel(parsing: rawLevel) else { return .failure(RowProblem(text: "level must be 1, 2, 3 or Mild/Moderate/Intense, not '\(rawLevel)'")) }
            level = parsed.rawValue
        } else if canonical == "neutral" {
            level = 1
        } else {
            return .failure(RowProblem(text: "no level"))
        }
        // An over-long subject is refused here, with its row, rather than after the unit's model calls.
        do { try TextLimits.check(value("subject"), field: "subject", limit: TextLimits.subject) } catch {
            return .failure(RowProblem(text: "\(error)"))
        }
        let path = rawPath.hasPrefix("/") ? rawPath : (folder as NSString).appendingPathComponent(rawPath)
        let actor = value("actor") ?? ((rawPath as NSString).lastPathComponent as NSString).deletingPathExtension
        return .success(DatasetClip(
            dataset: .manifest, path: path, actor: actor, emotion: canonical, level: level,
            view: value("view")?.lowercased() ?? "front", subject: value("subject")))
    }

    /// FACS nouns and common words mapped onto MEAD's emotion names.
    static let emotionAliases = [
        "anger": "angry", "disgust": "disgusted", "fearful": "fear", "afraid": "fear", "happiness": "happy",
        "joy": "happy", "sadness": "sad", "surprise": "surprised", "calm": "neutral",
    ]

    private func csvRows(_ text: String, path: String) throws -> [(line: Int, fields: [String: String])] {
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: true)
        } catch {
            throw BatchError.unreadableManifest(path: path, reason: "no CSV header row")
        }
        let header = (reader.headerRow ?? []).map { $0.lowercased() }
        guard header.contains(where: { ["path", "image", "video"].contains($0) }), header.contains("emotion") else {
            throw BatchError.unreadableManifest(path: path, reason: "the header must name a path (or image/video) column and an emotion column")
        }
        var rows: [(Int, [String: String])] = []
        var line = 1
        while let fields = reader.next() {
            line += 1
            if fields.allSatisfy(\.isEmpty) { continue }
            rows.append((line, Dictionary(zip(header, fields), uniquingKeysWith: { first, _ in first })))
        }
        if let error = reader.error {
            throw BatchError.unreadableManifest(path: path, reason: "CSV error after line \(line): \(error)")
        }
        return rows
    }

    private func jsonLines(_ text: String, path: String) throws -> [(line: Int, fields: [String: String])] {
        var rows: [(Int, [String: String])] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                throw BatchError.badManifestRow(path: path, line: index + 1, reason: "not a JSON object")
            }
            var fields: [String: String] = [:]
            for (key, value) in object {
                switch value {
                case let text as String: fields[key.lowercased()] = text
                case let number as NSNumber: fields[key.lowercased()] = number.stringValue
                default: continue
                }
            }
            rows.append((index + 1, fields))
        }
        return rows
    }
}
