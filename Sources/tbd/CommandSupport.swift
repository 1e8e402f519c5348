import ArgumentParser
import FACSKnowledge
import Foundation

/// A user-facing failure: printed to stderr as "Error: ..." with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func loadTable() throws -> FACSTable {
    do {
        return try FACSTable.bundled()
    } catch {
        throw CLIError("\(error)")
    }
}

/// Wraps any Encodable so one call site can print either a single value or a list.
struct AnyEncodable: Encodable {
    private let encodeValue: (Encoder) throws -> Void
    init<Value: Encodable>(_ value: Value) { encodeValue = value.encode }
    func encode(to encoder: Encoder) throws { try encodeValue(encoder) }
}

/// Pretty, key-sorted, snake_case JSON with ISO-8601 times: the CLI's stable machine-readable form.
func printJSON<Value: Encodable>(_ value: Value) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.dateEncodingStrategy = .iso8601
    let data = try encoder.encode(value)
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}
