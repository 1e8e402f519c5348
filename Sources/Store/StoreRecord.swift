import Foundation

/// A Codable struct that maps one table row to row: column names are the snake_case of its properties. Read with
/// `fetchOne`/`fetchAll`, written with `insert`.
protocol StoreRecord: Codable {
    static var databaseTableName: String { get }
    /// The primary key columns; `["id"]` means an id the database assigns on insert.
    static var primaryKey: [String] { get }
}

extension StoreRecord {
    static var primaryKey: [String] { ["id"] }

    static func fetchAll(_ db: any StoreDatabase, sql: String, arguments: StoreArguments = []) throws -> [Self] {
        try db.fetchRows(sql: sql, arguments: arguments).map { try Self(from: StoreRowDecoder(row: $0)) }
    }

    static func fetchOne(_ db: any StoreDatabase, sql: String, arguments: StoreArguments = []) throws -> Self? {
        try fetchAll(db, sql: sql, arguments: arguments).first
    }

    /// The row with this primary key (values in `primaryKey` order), locked for update in a writing transaction.
    static func fetchOne(_ db: any StoreDatabase, key: StoreArguments) throws -> Self? {
        let condition = primaryKey.map { "\($0) = ?" }.joined(separator: " AND ")
        return try fetchOne(db, sql: "SELECT * FROM \(databaseTableName) WHERE \(condition)\(db.forUpdate)", arguments: key)
    }

    /// Inserts the row; a nil `id` is assigned by the database and left in `db.lastInsertedRowID`.
    func insert(_ db: any StoreDatabase) throws {
        let encoder = StoreRowEncoder()
        try encode(to: encoder)
        let columns = encoder.storage.columns
        let sql = "INSERT INTO \(Self.databaseTableName) (\(columns.map(\.name).joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
        let arguments: StoreArguments = columns.map(\.value)
        if Self.primaryKey == ["id"] {
            try db.insertReturningID(sql: sql, arguments: arguments)
        } else {
            try db.execute(sql: sql, arguments: arguments)
        }
    }
}

/// Property names to column names: `claimExpiresAt` is `claim_expires_at`.
enum SnakeCase {
    static func column(_ property: String) -> String {
        var column = ""
        for character in property {
            if character.isUppercase {
                column += "_" + character.lowercased()
            } else {
                column.append(character)
            }
        }
        return column
    }
}

/// Decodes a record from a row; only the flat keyed form the records use.
private struct StoreRowDecoder: Decoder {
    let row: StoreRow
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Container<Key>(row: row))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw StoreError.invalidInput("a stored row decodes only into a flat record")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw StoreError.invalidInput("a stored row decodes only into a flat record")
    }

    struct Container<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let row: StoreRow
        var codingPath: [any CodingKey] = []
        var allKeys: [Key] { row.columns.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { row.value(SnakeCase.column(key.stringValue)) != nil }

        func decodeNil(forKey key: Key) throws -> Bool {
            guard let value = row.value(SnakeCase.column(key.stringValue)) else { return true }
            return value == .null
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            let column = SnakeCase.column(key.stringValue)
            guard let stored = row.value(column) else {
                throw StoreError.invalidInput("the stored row has no column \(column)")
            }
            guard let convertible = T.self as? any StoreValueConvertible.Type, let value = convertible.from(stored) as? T else {
                throw StoreError.invalidInput("stored column \(column) holds \(stored), not \(T.self)")
            }
            return value
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            throw StoreError.invalidInput("a stored row decodes only into a flat record")
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw StoreError.invalidInput("a stored row decodes only into a flat record")
        }

        func superDecoder() throws -> any Decoder { throw StoreError.invalidInput("a stored row decodes only into a flat record") }
        func superDecoder(forKey key: Key) throws -> any Decoder { try superDecoder() }
    }
}

/// Encodes a record's present properties as (column, value) pairs; a nil optional is left out, so the column
/// takes its default (NULL, or the id the database assigns).
private final class StoreRowEncoder: Encoder {
    final class Storage {
        var columns: [(name: String, value: any StoreBindable)] = []
    }

    let storage = Storage()
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(Container<Key>(storage: storage))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { fatalError("a record encodes only as a flat row") }
    func singleValueContainer() -> any SingleValueEncodingContainer { fatalError("a record encodes only as a flat row") }

    struct Container<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let storage: Storage
        var codingPath: [any CodingKey] = []

        mutating func encodeNil(forKey key: Key) throws {
            storage.columns.append((SnakeCase.column(key.stringValue), Optional<Int64>.none))
        }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            guard let bindable = value as? any StoreBindable else {
                throw StoreError.invalidInput("\(T.self) cannot be stored in column \(key.stringValue)")
            }
            storage.columns.append((SnakeCase.column(key.stringValue), bindable))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            fatalError("a record encodes only as a flat row")
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { fatalError("a record encodes only as a flat row") }
        mutating func superEncoder() -> any Encoder { fatalError("a record encodes only as a flat row") }
        mutating func superEncoder(forKey key: Key) -> any Encoder { fatalError("a record encodes only as a flat row") }
    }
}
