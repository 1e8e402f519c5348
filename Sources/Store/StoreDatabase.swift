import Foundation

/// What the store's code needs from a database inside one transaction: statements with bound arguments, rows
/// back, the id an insert made, and the few places where SQLite and PostgreSQL write SQL differently
/// (`SQLDialect`). The store's SQL is written once with `?` placeholders; each backend binds it its own way.
protocol StoreDatabase: AnyObject {
    var dialect: SQLDialect { get }
    /// Whether this transaction may write: row locks (`FOR UPDATE`) are taken only then.
    var isWriting: Bool { get }
    /// Rows the last `execute` inserted, updated or deleted.
    var changesCount: Int { get }
    /// The id of the row the last `insertReturningID` (or record insert) made.
    var lastInsertedRowID: Int64 { get }

    func execute(sql: String, arguments: StoreArguments) throws
    func fetchRows(sql: String, arguments: StoreArguments) throws -> [StoreRow]
    /// Runs an INSERT into a table with an `id` column and returns the new row's id.
    @discardableResult
    func insertReturningID(sql: String, arguments: StoreArguments) throws -> Int64
}

extension StoreDatabase {
    func execute(sql: String) throws { try execute(sql: sql, arguments: []) }

    /// `FOR UPDATE` where the backend needs a row lock for a read-then-write (PostgreSQL in a writing
    /// transaction); nothing on SQLite, whose IMMEDIATE transaction already holds the whole database.
    var forUpdate: String { dialect == .postgres && isWriting ? " FOR UPDATE" : "" }
}

/// Where the two dialects differ; everything else in the store's SQL is written once for both.
enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// `FOR UPDATE OF alias SKIP LOCKED` on PostgreSQL, so concurrent claimers pass over rows another transaction
    /// is claiming instead of waiting for them; SQLite's write lock already serialises claimers.
    func skipLocked(_ alias: String) -> String {
        self == .postgres ? " FOR UPDATE OF \(alias) SKIP LOCKED" : ""
    }

    /// An integer member of a JSON object held in a TEXT column.
    func jsonInteger(_ column: String, key: String) -> String {
        switch self {
        case .sqlite: return "json_extract(\(column), '$.\(key)')"
        case .postgres: return "(\(column)::jsonb ->> '\(key)')::bigint"
        }
    }
}

/// A database the store opens: transactions of the right kind, each its own all-or-nothing unit.
protocol StoreBackend: AnyObject, Sendable {
    var dialect: SQLDialect { get }
    /// A transaction that may write; the backend serialises or locks so that a read-then-write inside is safe.
    func write<T>(_ body: (any StoreDatabase) throws -> T) throws -> T
    /// A read-only transaction over one consistent snapshot.
    func read<T>(_ body: (any StoreDatabase) throws -> T) throws -> T
    /// Migration names applied to this database, in order of `StoreSchema.migrationNames` where known.
    func appliedMigrations() throws -> [String]
    /// Applies the missing migrations; refuses a database made by a newer build.
    func migrate(readOnly: Bool) throws
    /// The database's own consistency checks (SQLite's integrity and foreign-key checks; none on PostgreSQL,
    /// which enforces foreign keys on every statement).
    func engineProblems() throws -> [String]
    /// Folds SQLite's WAL back into the database file; nothing to do on PostgreSQL.
    func checkpoint() throws
}

extension StoreDatabase {
    /// Calls `body` with each row in turn, so a large export never holds every row: SQLite steps a cursor,
    /// PostgreSQL fetches a batch at a time from a cursor declared in the transaction.
    func forEachRow(sql: String, arguments: StoreArguments, _ body: (StoreRow) throws -> Void) throws {
        if let streaming = self as? any StreamingStoreDatabase {
            try streaming.streamRows(sql: sql, arguments: arguments, body)
        } else {
            for row in try fetchRows(sql: sql, arguments: arguments) { try body(row) }
        }
    }
}

/// A connection that can hand rows over one at a time while other statements run between them.
protocol StreamingStoreDatabase: StoreDatabase {
    func streamRows(sql: String, arguments: StoreArguments, _ body: (StoreRow) throws -> Void) throws
}
