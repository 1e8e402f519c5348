import FACSKnowledge
import Foundation
import Store

/// The text file `e` opens in $EDITOR: the prompts and AUs of the current revision in marked sections.
public enum PromptEditFile {
    public struct Contents: Equatable, Sendable {
        public var coarse: String
        public var fine: String
        public var aus: [ScoredAU]
    }

    public static func render(_ detail: AnnotationDetail) -> String {
        """
        # Annotation #\(detail.id): \(detail.emotion), level \(detail.level.rawValue), revision \(detail.current.number).
        # Edit the text under [coarse], [fine] and [aus] (AUs in FACS notation, e.g. 6C R12A 25).
        # Lines starting with # are ignored. Save and quit to store a new revision; leave it unchanged to cancel.
        [coarse]
        \(detail.current.coarsePrompt)
        [fine]
        \(detail.current.finePrompt)
        [aus]
        \(detail.current.aus.map(\.description).joined(separator: " "))

        """
    }

    /// Reads the file back; sections may come in any order, and a missing section is an error.
    public static func parse(_ text: String) throws -> Contents {
        var sections: [String: [String]] = [:]
        var section: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") { continue }
            if trimmed.hasPrefix("["), trimmed.hasSuffix("]") {
                let name = String(trimmed.dropFirst().dropLast()).lowercased()
                guard ["coarse", "fine", "aus"].contains(name) else {
                    throw StoreError.invalidInput("unknown section [\(name)] in the edited file")
                }
                section = name
                sections[name, default: []] = []
                continue
            }
            if let section { sections[section, default: []].append(String(line)) }
        }
        func sectionText(_ name: String) throws -> String {
            guard let lines = sections[name] else { throw StoreError.invalidInput("the edited file lost its [\(name)] section") }
            return lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let aus: [ScoredAU]
        do { aus = try ScoredAU.list(notation: try sectionText("aus")) } catch let error as AUNotationError {
            throw StoreError.invalidInput("under [aus]: \(error)")
        }
        return Contents(coarse: try sectionText("coarse"), fine: try sectionText("fine"), aus: aus)
    }
}
