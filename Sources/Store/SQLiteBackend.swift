import Foundation
import GRDB

/// The store on one SQLite file through GRDB: WAL, `synchronous = FULL`, IMMEDIATE write transactions that
/// serialise writers across processes, a busy timeout, and read-only mode.
final class SQLiteBackend: StoreBackend, @unchecked Sendable {
    let pool: DatabasePool
    let path: String

    init(path: String, readOnly: Bool, busyTimeout: TimeInterval, automaticCheckpoints: Bool) throws {
        self.path = path
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // FULL: a decision acknowledged to the curator survives a power cut, not only a killed process.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if !automaticCheckpoints { try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch let error as DatabaseError {
            throw StoreError.invalidInput("\(path) cannot be opened as a review database: \(error.message ?? "\(error)")")
        }
    }

    var dialect: SQLDialect { .sqlite }

    func write<T>(_ body: (any StoreDatabase) throws -> T) throws -> T {
        // GRDB's pool write is an IMMEDIATE transaction (the pool's default for writes).
        try pool.write { db in try body(Connection(db: db, isWriting: true)) }
    }

    func read<T>(_ body: (any StoreDatabase) throws -> T) throws -> T {
        try pool.read { db in try body(Connection(db: db, isWriting: false)) }
    }

    func appliedMigrations() throws -> [String] {
        try pool.read { db in try StoreSchema.migrator().appliedMigrations(db) }
    }

    func migrate(readOnly: Bool) throws {
        let migrator = StoreSchema.migrator()
        let (applied, superseded) = try pool.read { db in
            (try migrator.appliedIdentifiers(db), try migrator.hasBeenSuperseded(db))
        }
        if superseded {
            let unknown = applied.subtracting(StoreSchema.migrationNames).sorted()
            throw StoreError.newerSchema(path: path, unknownMigrations: unknown)
        }
        if readOnly {
            guard applied.isSuperset(of: StoreSchema.migrationNames) else {
                throw StoreError.invalidInput("\(path) is read-only and needs a schema upgrade; open it once where it can be written")
            }
            return
        }
        try migrator.migrate(pool)
    }

    func engineProblems() throws -> [String] {
        try pool.read { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            problems += try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { "foreign key: \($0)" }
            return problems
        }
    }

    func checkpoint() throws {
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
    }

    /// GRDB's own reading of a date stored as text, so dates read back exactly as before.
    static func date(fromText text: String) -> Date? {
        Date.fromDatabaseValue(text.databaseValue)
    }

    /// A date as GRDB writes it into SQLite.
    static func text(from date: Date) -> String {
        String.fromDatabaseValue(date.databaseValue) ?? "\(date.timeIntervalSince1970)"
    }

    private final class Connection: StreamingStoreDatabase {
        let db: Database
        let isWriting: Bool
        private(set) var changesCount = 0
        private(set) var lastInsertedRowID: Int64 = 0

        init(db: Database, isWriting: Bool) {
            self.db = db
            self.isWriting = isWriting
        }

        var dialect: SQLDialect { .sqlite }

        func execute(sql: String, arguments: StoreArguments) throws {
            try db.execute(sql: sql, arguments: Self.bind(arguments))
            changesCount = db.changesCount
            lastInsertedRowID = db.lastInsertedRowID
        }

        func fetchRows(sql: String, arguments: StoreArguments) throws -> [StoreRow] {
            try Row.fetchAll(db, sql: sql, arguments: Self.bind(arguments)).map { row in
                StoreRow(columns: Array(row.columnNames), values: row.databaseValues.map(Self.value))
            }
        }

        func streamRows(sql: String, arguments: StoreArguments, _ body: (StoreRow) throws -> Void) throws {
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: Self.bind(arguments))
            while let row = try cursor.next() {
                try body(StoreRow(columns: Array(row.columnNames), values: row.databaseValues.map(Self.value)))
            }
        }

        func insertReturningID(sql: String, arguments: StoreArguments) throws -> Int64 {
            try execute(sql: sql, arguments: arguments)
            return lastInsertedRowID
        }

        private static func bind(_ arguments: StoreArguments) -> StatementArguments {
            StatementArguments(arguments.map { argument -> DatabaseValue in
                switch argument.storeValue {
                case .null: return .null
                case .integer(let number): return number.databaseValue
                case .real(let number): return number.databaseValue
                case .text(let text): return text.databaseValue
                case .blob(let data): return data.databaseValue
                case .date(let date): return date.databaseValue
                }
            })
        }

        private static func value(_ stored: DatabaseValue) -> StoreValue {
            switch stored.storage {
            case .null: return .null
            case .int64(let number): return .integer(number)
            case .double(let number): return .real(number)
            case .string(let text): return .text(text)
            case .blob(let data): return .blob(data)
            }
        }
    }
}
