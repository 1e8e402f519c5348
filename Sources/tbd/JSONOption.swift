import AnnotationRecord
import ArgumentParser
import Foundation

struct JSONOption: ParsableArguments {
    @Flag(name: .long, help: "Print JSON (stable, documented in docs/cli-json.md).")
    var json = false
}

/// Wraps any Encodable so one call site can print either a single value or a list.
struct AnyEncodable: Encodable {
    private let encodeValue: (Encoder) throws -> Void
    init<Value: Encodable>(_ value: Value) { encodeValue = value.encode }
    func encode(to encoder: Encoder) throws { try encodeValue(encoder) }
}

/// Pretty, in the project's JSON form: the CLI's stable machine-readable output.
func printJSON<Value: Encodable>(_ value: Value) throws {
    let data = try ProjectJSON.encoder(pretty: true).encode(value)
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}
