import Foundation
import FileAccess

/// One approved prompt pair to render, as the review queue's JSONL export writes it (snake_case keys; other
/// keys are ignored).
public struct PromptPair: Codable, Sendable, Equatable {
    public var annotationID: Int64
    public var revision: Int
    public var coarsePrompt: String
    public var finePrompt: String
    public var emotion: String?
    /// The clip the annotation describes (a reference frame comes from it with `--reference auto`).
    public var sourcePath: String?

    public init(annotationID: Int64, revision: Int, coarsePrompt: String, finePrompt: String,
                emotion: String? = nil, sourcePath: String? = nil) {
        self.annotationID = annotationID
        self.revision = revision
        self.coarsePrompt = coarsePrompt
        self.finePrompt = finePrompt
        self.emotion = emotion
        self.sourcePath = sourcePath
    }

    enum CodingKeys: String, CodingKey {
        case annotationID = "annotation_id", revision, coarsePrompt = "coarse_prompt", finePrompt = "fine_prompt"
        case emotion, sourcePath = "source_path"
    }

    /// Every line of a JSONL export; a bad line is an error naming its number. Records repeated for several
    /// clips of one annotation revision are kept once (the first).
    public static func readJSONL(_ url: URL) throws -> [PromptPair] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw RenderError.invalid("cannot read \(FileErrorText.describe(error, path: url.path))")
        }
        var pairs = [PromptPair]()
        var seen = Set<String>()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            do {
                let pair = try JSONDecoder().decode(PromptPair.self, from: Data(trimmed.utf8))
                if seen.insert("\(pair.annotationID)/\(pair.revision)").inserted { pairs.append(pair) }
            } catch {
                throw RenderError.invalid("\(url.path) line \(index + 1) is not a prompt-pair record: \(error)")
            }
        }
        return pairs
    }
}
