import Foundation

/// What to ask of the server's structured output: `auto` starts with the stage's JSON schema and steps down when
/// the server refuses it; the others send exactly that.
public enum ResponseFormatMode: String, Sendable, CaseIterable, Codable {
    case auto
    case jsonSchema = "json_schema"
    case jsonObject = "json_object"
    case none
}

/// The `response_format` actually sent, from strictest to none.
public enum ResponseFormatLevel: Int, Sendable, Codable, Comparable, CustomStringConvertible {
    case none = 0
    case jsonObject = 1
    case jsonSchema = 2

    public var description: String {
        switch self {
        case .none: "none"
        case .jsonObject: "json_object"
        case .jsonSchema: "json_schema"
        }
    }

    public var lower: ResponseFormatLevel? { ResponseFormatLevel(rawValue: rawValue - 1) }

    public static func < (lhs: ResponseFormatLevel, rhs: ResponseFormatLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// The request field for this level, or nil when nothing is sent.
    func wireValue(schemaName: String, schema: JSONValue?) -> JSONValue? {
        switch self {
        case .none:
            return nil
        case .jsonObject:
            return .object(["type": .string("json_object")])
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
