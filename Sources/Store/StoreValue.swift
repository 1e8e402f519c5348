import Foundation

/// One value bound to, or read from, either database: the storage classes both backends agree on. Dates stay
/// dates here; each backend stores them its own way (SQLite as GRDB's text, PostgreSQL as `timestamptz`).
enum StoreValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    case date(Date)
}

/// A Swift value that binds as a statement argument.
protocol StoreBindable {
    var storeValue: StoreValue { get }
}

/// A Swift value read back from a column; nil when the stored value cannot be this type.
protocol StoreValueConvertible: StoreBindable {
    static func from(_ value: StoreValue) -> Self?
}

/// Statement arguments, bound in order to the `?` placeholders.
typealias StoreArguments = [any StoreBindable]

extension Int64: StoreValueConvertible {
    var storeValue: StoreValue { .integer(self) }
    static func from(_ value: StoreValue) -> Int64? {
        switch value {
        case .integer(let number): return number
        case .real(let number): return Int64(exactly: number)
        default: return nil
        }
    }
}

extension Int: StoreValueConvertible {
    var storeValue: StoreValue { .integer(Int64(self)) }
    static func from(_ value: StoreValue) -> Int? { Int64.from(value).map { Int($0) } }
}

extension Double: StoreValueConvertible {
    var storeValue: StoreValue { .real(self) }
    static func from(_ value: StoreValue) -> Double? {
        switch value {
        case .real(let number): return number
        case .integer(let number): return Double(number)
        default: return nil
        }
    }
}

/// Stored as 0 and 1 on both backends, as SQLite (and GRDB) always did.
extension Bool: StoreValueConvertible {
    var storeValue: StoreValue { .integer(self ? 1 : 0) }
    static func from(_ value: StoreValue) -> Bool? { Int64.from(value).map { $0 != 0 } }
}

extension String: StoreValueConvertible {
    var storeValue: StoreValue { .text(self) }
    static func from(_ value: StoreValue) -> String? {
        if case .text(let text) = value { return text }
        return nil
    }
}

extension Data: StoreValueConvertible {
    var storeValue: StoreValue { .blob(self) }
    static func from(_ value: StoreValue) -> Data? {
        switch value {
        case .blob(let data): return data
        case .text(let text): return Data(text.utf8)
        default: return nil
        }
    }
}

extension Date: StoreValueConvertible {
    var storeValue: StoreValue { .date(self) }
    static func from(_ value: StoreValue) -> Date? {
        switch value {
        case .date(let date): return date
        case .text(let text): return SQLiteBackend.date(fromText: text)
        default: return nil
        }
    }
}

extension Optional: StoreBindable where Wrapped: StoreBindable {
    var storeValue: StoreValue { self?.storeValue ?? .null }
}

extension Optional: StoreValueConvertible where Wrapped: StoreValueConvertible {
    static func from(_ value: StoreValue) -> Wrapped?? {
        if case .null = value { return .some(nil) }
        return Wrapped.from(value).map { .some($0) }
    }
}
