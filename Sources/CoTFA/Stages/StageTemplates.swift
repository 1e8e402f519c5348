import ContentHashing
import Foundation

/// The prompt templates and JSON schemas compiled in from `Resources/templates/`. Placeholders are written
/// `{{name}}`; rendering fails on a placeholder without a value, so a template edit cannot silently send braces.
public struct StageTemplates: Sendable {
    public static let directory = "Resources/templates/"
    static let names = [
        "system.txt", "stage1-facial-information.txt", "stage2-action-units.txt", "stage3-muscles.txt",
        "stage4-prompt-design.txt", "describe.txt", "repair.txt", "label-coarse.txt", "label-fine.txt",
        "offline-coarse.txt", "offline-fine.txt", "offline-fine-rest.txt", "offline-variation.txt",
        "schemas/stage1-facial-information.json", "schemas/stage2-action-units.json", "schemas/stage3-muscles.json",
        "schemas/stage4-prompt-design.json", "schemas/describe.json",
    ]

    private let texts: [String: String]
    private let schemas: [String: JSONValue]
    /// "tpl-" and 12 hex digits of a hash over every template's name and bytes: changes whenever any wording does.
    public let version: String

    public static func bundled() throws -> StageTemplates {
        var files: [String: Data] = [:]
        for name in names {
            guard let data = EmbeddedResources.data(directory + name) else {
                throw StageTemplateError("\(directory + name) is not embedded in this build")
            }
            files[name] = data
        }
        return try StageTemplates(files: files)
    }

    /// Templates from explicit bytes, keyed by name relative to `Resources/templates/`.
    public init(files: [String: Data]) throws {
        var texts: [String: String] = [:]
        var schemas: [String: JSONValue] = [:]
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for name in files.keys.sorted() {
            let data = files[name]!
            hash = FNV1a.hash64(Array(name.utf8) + [0] + Array(data) + [0], seed: hash)
            if name.hasSuffix(".json") {
                do {
                    schemas[name] = try JSONValue(parsing: data)
                } catch {
                    throw StageTemplateError("\(Self.directory + name) is not valid JSON")
                }
            } else {
                texts[name] = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        for name in Self.names where files[name] == nil {
            throw StageTemplateError("\(Self.directory + name) is missing")
        }
        self.texts = texts
        self.schemas = schemas
        let hex = String(hash, radix: 16)
        version = "tpl-" + String((String(repeating: "0", count: 16 - hex.count) + hex).prefix(12))
    }

    public func schema(_ name: String) -> JSONValue? { schemas["schemas/\(name).json"] }

    /// Fills `{{placeholders}}`; every placeholder needs a value.
    public func render(_ name: String, _ values: [String: String]) throws -> String {
        guard let template = texts[name] else { throw StageTemplateError("no template named \(name)") }
        var output = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw StageTemplateError("\(name): unclosed {{")
            }
            let key = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard let value = values[key] else { throw StageTemplateError("\(name): no value for {{\(key)}}") }
            output += value
            rest = rest[close.upperBound...]
        }
        return output + rest
    }
}
