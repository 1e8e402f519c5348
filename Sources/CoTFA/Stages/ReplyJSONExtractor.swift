import Foundation

/// Finds the JSON object in a model reply, forgiving what models commonly add: code fences, prose before and
/// after, trailing commas. What it returns still goes through strict validation.
///
/// A reply is untrusted input of any size, so the work is bounded before anything is read: a reply over
/// `maxReplyBytes` is refused unread, and at most `maxCandidates` braces are tried as the object's start, each
/// try one pass over the bytes. Reading each '{' to the end of the reply in turn was quadratic: 2 MB of braces
/// never finished.
public enum ReplyJSONExtractor {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The longest reply a stage reads, in bytes of UTF-8: 256 KiB. The largest valid answer (40 AUs, each with a
    /// reason of 2000 characters) is about 80 KB of ASCII, 240 KB in a script of three bytes a character.
    public static let maxReplyBytes = 256 * 1024

    /// How many '{' are tried as the start of the object. Prose before the real object rarely holds more than one
    /// or two braces, and every try may read the rest of the reply.
    public static let maxCandidates = 16

    public static func extract(_ reply: String) throws -> JSONValue {
        let size = reply.utf8.count
        guard size <= maxReplyBytes else {
            throw Failure(description: "the reply is \(size) bytes long, over the \(maxReplyBytes) bytes a stage reads, so it was not read")
        }
        // Bytes, not Characters: every character the scan looks for is ASCII, which UTF-8 never uses inside a
        // longer character.
        let bytes = Array(reply.utf8)
        guard var open = bytes.firstIndex(of: UInt8(ascii: "{")) else {
            throw Failure(description: "the reply contains no JSON object")
        }
        var firstProblem: String?
        for _ in 0..<maxCandidates {
            switch balancedObject(in: bytes, from: open) {
            case .found(let close):
                let repaired = removingTrailingCommas(bytes[open...close])
                if let value = try? JSONValue(parsing: Data(repaired)), case .object = value {
                    return value
                }
                firstProblem = firstProblem ?? "the JSON object in the reply does not parse"
            case .unterminated:
                firstProblem = firstProblem ?? "the reply ends before its JSON object is closed"
            }
            guard let next = bytes[(open + 1)...].firstIndex(of: UInt8(ascii: "{")) else {
                throw Failure(description: firstProblem ?? "the reply contains no JSON object")
            }
            open = next
        }
        throw Failure(description: "\(firstProblem ?? "the reply contains no JSON object") (the first \(maxCandidates) '{' of the reply were tried)")
    }

    private enum Scan { case found(close: Int), unterminated }

    /// The position of the '}' matching the '{' at `open`, skipping braces inside strings.
    private static func balancedObject(in bytes: [UInt8], from open: Int) -> Scan {
        var depth = 0
        var inString = false
        var escaped = false
        for index in open..<bytes.count {
            let byte = bytes[index]
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                depth += 1
            } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return .found(close: index) }
            }
        }
        return .unterminated
    }

    /// Drops a comma that comes right before '}' or ']' (outside strings), which JSON forbids and models write.
    static func removingTrailingCommas(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var inString = false
        var escaped = false
        var pendingComma: Int?
        for byte in text {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                output.append(byte)
                continue
            }
            if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]"), let comma = pendingComma {
                // Only white space follows the comma, so the removal moves a few bytes, not the output.
                output.remove(at: comma)
            }
            if byte == UInt8(ascii: ",") {
                pendingComma = output.count
            } else if !(byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09) {
                pendingComma = nil
            }
            if byte == UInt8(ascii: "\"") { inString = true }
            output.append(byte)
        }
        return output
    }
}
