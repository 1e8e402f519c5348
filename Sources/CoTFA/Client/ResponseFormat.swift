import Foundation

/// What to ask of the server's structured output: `auto` starts at the top of the server's ladder
/// (`ChatServerKind.ladder`) and steps down when the server refuses a level; the others send exactly that.
public enum ResponseFormatMode: String, Sendable, CaseIterable, Codable {
    case auto
    case jsonSchema = "json_schema"
    case jsonObjectSchema = "json_object_schema"
    case jsonObject = "json_object"
    case none
}

/// The `response_format` actually sent, from strictest to none.
public enum ResponseFormatLevel: Int, Sendable, Codable, Comparable, CustomStringConvertible {
    case none = 0
    /// `{"type": "json_object"}`: any JSON object; the schema is only in the question's words.
    case jsonObject = 1
    /// `{"type": "json_object", "schema": {...}}`: llama.cpp's server and llama-cpp-python compile the schema into a
    /// grammar, so even a tiny model's reply has the required keys; servers that do not know the field ignore it.
    case jsonObjectSchema = 2
    /// `{"type": "json_schema", "json_schema": {"name", "strict", "schema"}}`: OpenAI's form, which vLLM (guided
    /// decoding) and Ollama 0.5+ (its native `format` with the schema) honour.
    case jsonSchema = 3

    public var description: String {
        switch self {
        case .none: "none"
        case .jsonObject: "json_object"
        case .jsonObjectSchema: "json_object+schema"
        case .jsonSchema: "json_schema"
        }
    }

    public static func < (lhs: ResponseFormatLevel, rhs: ResponseFormatLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// The request field for this level, or nil when nothing is sent. Without a schema the schema levels send
    /// plain `json_object`.
    func wireValue(schemaName: String, schema: JSONValue?) -> JSONValue? {
        switch self {
        case .none:
            return nil
        case .jsonObject:
            return .object(["type": .string("json_object")])
        case .jsonObjectSchema:
            guard let schema else { return .object(["type": .string("json_object")]) }
            return .object(["type": .string("json_object"), "schema": schema])
        case .jsonSchema:
            guard let schema else { return .object(["type": .string("json_object")]) }
            return .object([
                "type": .string("json_schema"),
                "json_schema": .object(["name": .string(schemaName), "strict": .bool(true), "schema": schema]),
            ])
        }
    }
}

/// Remembers, per endpoint and model, the strictest response format the server accepted, so later requests
/// (from any thread) start there instead of being refused again.
public final class ResponseFormatMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var levels: [String: ResponseFormatLevel] = [:]

    public init() {}

    /// Shared by every client in the process.
    public static let shared = ResponseFormatMemory()

    public func level(for endpoint: String) -> ResponseFormatLevel? {
        lock.lock()
        defer { lock.unlock() }
        return levels[endpoint]
    }

    /// Records a refusal: the endpoint will be asked at `level` (or lower) from now on.
    public func stepDown(_ endpoint: String, to level: ResponseFormatLevel) {
        lock.lock()
        defer { lock.unlock() }
        levels[endpoint] = min(levels[endpoint] ?? level, level)
    }
}
