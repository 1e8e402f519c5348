import Foundation

/// Decodes JSON as `JSONDecoder` does, with errors that say where. On Linux, Foundation's decoder reports a number
/// that does not fit the type asked for (`"in_channels": 1.5` for a whole number, 1e20 for an `Int`) as "not valid
/// JSON", with no key. When the document is valid JSON, this finds the number that was refused and throws a
/// `DecodingError` with its key path, which `FileErrorText` puts in words ("in_channels: expected a whole number,
/// found 1.5"; "layers[2]: 1e+20 is out of range").
public enum LocatingJSONDecoder {
    /// At most this many numbers are tried, each with one more decode: a configuration holds a few dozen.
    static let candidateLimit = 256

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            guard let root = try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed) else {
                throw DecodingError.dataCorrupted(context)
            }
            // Numbers that are not whole, or too large for an Int, are the likely culprits: tried first.
            let numbers = numbers(in: root, at: [])
            let ordered = numbers.filter { !isWholeNumber($0.value) } + numbers.filter { isWholeNumber($0.value) }
            for (path, number) in ordered.prefix(candidateLimit) where refusedValue(at: path, of: type, in: root) {
                let keys = path.map(PathKey.init)
                // A whole number refused is too large for the type (1e20 for an Int, 300 for a UInt8).
                if number.doubleValue.rounded() == number.doubleValue {
                    throw DecodingError.dataCorrupted(.init(codingPath: keys, debugDescription: "\(number) is out of range"))
                }
                throw DecodingError.typeMismatch(Int.self, .init(codingPath: keys, debugDescription: "found \(number)"))
            }
            throw DecodingError.dataCorrupted(context)
        }
    }

    /// One step into a JSON document: an object's key or an array's index.
    enum PathComponent: Equatable {
        case key(String)
        case index(Int)
    }

    private struct PathKey: CodingKey {
        let stringValue: String
        let intValue: Int?
        init(_ component: PathComponent) {
            switch component {
            case .key(let key): (stringValue, intValue) = (key, nil)
            case .index(let index): (stringValue, intValue) = ("\(index)", index)
            }
        }
        init?(stringValue: String) { (self.stringValue, intValue) = (stringValue, nil) }
        init?(intValue: Int) { (stringValue, self.intValue) = ("\(intValue)", intValue) }
    }

    /// Whether the document decodes past the refusal once the number at `path` is replaced by 0.
    private static func refusedValue<T: Decodable>(at path: [PathComponent], of type: T.Type, in root: Any) -> Bool {
        guard let patched = try? JSONSerialization.data(withJSONObject: replacing(path[...], in: root), options: .fragmentsAllowed) else {
            return false
        }
        do {
            _ = try JSONDecoder().decode(type, from: patched)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            return false
        } catch {}
        return true
    }

    /// Every number in the document (booleans excluded) with its path, in document order of the parser.
    private static func numbers(in value: Any, at path: [PathComponent]) -> [(path: [PathComponent], value: NSNumber)] {
        switch value {
        case let object as [String: Any]:
            return object.keys.sorted().flatMap { numbers(in: object[$0]!, at: path + [.key($0)]) }
        case let array as [Any]:
            return array.enumerated().flatMap { numbers(in: $0.element, at: path + [.index($0.offset)]) }
        case let number as NSNumber where String(cString: number.objCType) != "c":
            return [(path, number)]
        default:
            return []
        }
    }

    private static func replacing(_ path: ArraySlice<PathComponent>, in value: Any) -> Any {
        guard let step = path.first else { return 0 }
        switch (step, value) {
        case (.key(let key), var object as [String: Any]):
            object[key] = object[key].map { replacing(path.dropFirst(), in: $0) }
            return object
        case (.index(let index), var array as [Any]) where array.indices.contains(index):
            array[index] = replacing(path.dropFirst(), in: array[index])
            return array
        default:
            return value
        }
    }

    private static func isWholeNumber(_ number: NSNumber) -> Bool {
        let value = number.doubleValue
        return value.rounded() == value && abs(value) < 9.2e18
    }
}
