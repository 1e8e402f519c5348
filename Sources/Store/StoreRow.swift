import Foundation

/// One result row, by column name, from either backend.
struct StoreRow: CustomStringConvertible {
    let columns: [String]
    let values: [StoreValue]

    func value(_ column: String) -> StoreValue? {
        columns.firstIndex(of: column).map { values[$0] }
    }

    /// The column as `Value`. A missing column or a value of another type is a programming error in the store's
    /// SQL, not bad input, and stops the process as GRDB's row subscript does.
    subscript<Value: StoreValueConvertible>(_ column: String) -> Value {
        guard let stored = value(column) else { fatalError("no column \(column) in \(columns)") }
        guard let value = Value.from(stored) else { fatalError("column \(column) holds \(stored), not \(Value.self)") }
        return value
    }

    var description: String {
        zip(columns, values).map { "\($0)=\($1)" }.joined(separator: " ")
    }
}

extension StoreValueConvertible {
    static func fetchOne(_ db: any StoreDatabase, sql: String, arguments: StoreArguments = []) throws -> Self? {
        guard let row = try db.fetchRows(sql: sql, arguments: arguments).first, let first = row.values.first else { return nil }
        if case .null = first { return nil }
        guard let value = from(first) else { throw StoreError.invalidInput("stored value \(first) is not a \(Self.self)") }
        return value
    }

    static func fetchAll(_ db: any StoreDatabase, sql: String, arguments: StoreArguments = []) throws -> [Self] {
        try db.fetchRows(sql: sql, arguments: arguments).map { row in
            guard let first = row.values.first, let value = from(first) else {
                throw StoreError.invalidInput("stored value \(row) is not a \(Self.self)")
            }
            return value
        }
    }
}

extension StoreRow {
    static func fetchOne(_ db: any StoreDatabase, sql: String, arguments: StoreArguments = []) throws -> StoreRow? {
        try db.fetchRows(sql: sql, arguments: arguments).first
    }

    static func fetchAll(_ db: any StoreDatabase, sql: String, arguments: StoreArguments = []) throws -> [StoreRow] {
        try db.fetchRows(sql: sql, arguments: arguments)
    }
}
