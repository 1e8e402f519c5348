import Foundation

/// Finds the JSON object in a model reply, forgiving what models commonly add: code fences, prose before and
/// after, trailing commas. What it returns still goes through strict validation.
public enum ReplyJSONExtractor {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public static func extract(_ reply: String) throws -> JSONValue {
        guard let start = reply.firstIndex(of: "{") else {
            throw Failure(description: "the reply contains no JSON object")
        }
        // Try each '{' in turn: prose may contain braces before the real object.
        var candidateStart: String.Index? = start
        var firstProblem: String?
        while let open = candidateStart {
            switch balancedObject(in: reply, from: open) {
            case .found(let text):
                let repaired = removingTrailingCommas(text)
                if let value = try? JSONValue(parsing: Data(repaired.utf8)), case .object = value {
                    return value
                }
                firstProblem = firstProblem ?? "the JSON object in the reply does not parse"
            case .unterminated:
                firstProblem = firstProblem ?? "the reply ends before its JSON object is closed"
            }
            candidateStart = reply[reply.index(after: open)...].firstIndex(of: "{")
        }
        throw Failure(description: firstProblem ?? "the reply contains no JSON object")
    }

    private enum Scan { case found(String), unterminated }

    /// The text from `open` to its matching '}', skipping braces inside strings.
    private static func balancedObject(in text: String, from open: String.Index) -> Scan {
        var depth = 0
        var inString = false
        var escaped = false
        var index = open
        while index < text.endIndex {
            let character = text[index]
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
            } else if character == "\"" {
                inString = true
            } else if character == "{" || character == "[" {
                depth += 1
            } else if character == "}" || character == "]" {
                depth -= 1
                if depth == 0 { return .found(String(text[open...index])) }
            }
            index = text.index(after: index)
        }
        return .unterminated
    }

    /// Drops a comma that comes right before '}' or ']' (outside strings), which JSON forbids and models write.
    static func removingTrailingCommas(_ text: String) -> String {
        var output: [Character] = []
        var inString = false
        var escaped = false
        var pendingComma: Int?
        for character in text {
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                output.append(character)
                continue
            }
            if character == "}" || character == "]", let comma = pendingComma {
                output.remove(at: comma)
            }
            if character == "," {
                pendingComma = output.count
            } else if !character.isWhitespace {
                pendingComma = nil
            }
            if character == "\"" { inString = true }
            output.append(character)
        }
        return String(output)
    }
}
