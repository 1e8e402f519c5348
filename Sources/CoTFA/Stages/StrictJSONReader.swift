import SafeText
import Foundation

/// Reads a model's JSON answer field by field, failing with the path of the first problem
/// ("action_units[2].intensity must be one of A-E"), which the repair turn quotes back to the model.
/// Strings are cleaned of control characters and escape sequences on the way in.
struct StrictJSONReader {
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    static let maxStringLength = 2000
    static let maxArrayLength = 40

    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String = "") {
        self.value = value
        self.path = path
    }

    private func place(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func member(_ key: String) throws -> StrictJSONReader {
        guard case .object(let members) = value else { throw Problem(description: "\(path.isEmpty ? "the answer" : path) must be a JSON object") }
        guard let found = members[key], found != .null else { throw Problem(description: "\(place(key)) is missing") }
        return StrictJSONReader(found, path: place(key))
    }

    func string(_ key: String, allowEmpty: Bool = false) throws -> String {
        try member(key).stringValue(allowEmpty: allowEmpty)
    }

    func stringValue(allowEmpty: Bool = false) throws -> String {
        guard case .string(let raw) = value else { throw Problem(description: "\(path) must be a string, not \(value.typeName)") }
        let text = TerminalText.strip(raw, keepNewlines: false).trimmingCharacters(in: .whitespacesAndNewlines)
        guard allowEmpty || !text.isEmpty else { throw Problem(description: "\(path) must not be empty") }
        guard text.count <= Self.maxStringLength else {
            throw Problem(description: "\(path) is \(text.count) characters long; keep it under \(Self.maxStringLength)")
        }
        return text
    }

    func array(_ key: String, allowEmpty: Bool = true) throws -> [StrictJSONReader] {
        let field = try member(key)
        guard case .array(let items) = field.value else {
            throw Problem(description: "\(field.path) must be an array, not \(field.value.typeName)")
        }
        guard allowEmpty || !items.isEmpty else { throw Problem(description: "\(field.path) must not be empty") }
        guard items.count <= Self.maxArrayLength else {
            throw Problem(description: "\(field.path) has \(items.count) entries; at most \(Self.maxArrayLength) are accepted")
        }
        return items.enumerated().map { StrictJSONReader($0.element, path: "\(field.path)[\($0.offset)]") }
    }

    func strings(_ key: String) throws -> [String] {
        try array(key).map { try $0.stringValue() }
    }
}
