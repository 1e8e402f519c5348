import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// The store on a PostgreSQL server through postgres-nio. One connection per store, one transaction at a time on
/// it; writers in other processes run concurrently, each read-then-write guarded by a row lock (`FOR UPDATE`) and
/// claims taken with `FOR UPDATE SKIP LOCKED`. A transaction the server aborts for a deadlock or a serialization
/// failure is run again from the start; a connection the server dropped (a restart) is opened again.
final class PostgresBackend: StoreBackend, @unchecked Sendable {
    let location: PostgresLocation
    private let readOnly: Bool
    private let lock = NSLock()
    private var connection: PostgresConnection?
    private let logger = Logger(label: "tbd.store.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    /// How often a transaction aborted by the server for a transient reason (deadlock, serialization, a lost
    /// connection) is tried again before the error is reported.
    static let attempts = 5

    init(location: PostgresLocation, readOnly: Bool) throws {
        self.location = location
        self.readOnly = readOnly
        lock.lock()
        defer { lock.unlock() }
        _ = try openConnection()
    }

    deinit {
        try? connection?.close().wait()
    }

    var dialect: SQLDialect { .postgres }

    func write<T>(_ body: (any StoreDatabase) throws -> T) throws -> T {
        if readOnly { throw StoreError.invalidInput("\(location) was opened read-only") }
        return try transaction(begin: "BEGIN ISOLATION LEVEL READ COMMITTED", isWriting: true, body)
    }

    func read<T>(_ body: (any StoreDatabase) throws -> T) throws -> T {
        try transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", isWriting: false, body)
    }

    func appliedMigrations() throws -> [String] {
        try read { db in try Self.appliedMigrations(db) }
    }

    func migrate(readOnly: Bool) throws {
        let body: (any StoreDatabase) throws -> Void = { db in
            if !readOnly {
                // One migrator at a time across processes; the lock ends with the transaction.
                try db.execute(sql: "SELECT pg_advisory_xact_lock(7215061020)")
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS store_migration (identifier TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            }
            let exists = try Bool.fetchOne(db, sql: "SELECT to_regclass('store_migration') IS NOT NULL") ?? false
            let applied = exists ? Set(try String.fetchAll(db, sql: "SELECT identifier FROM store_migration")) : []
            let unknown = applied.subtracting(StoreSchema.migrationNames).sorted()
            guard unknown.isEmpty else { throw StoreError.newerSchema(path: self.location.description, unknownMigrations: unknown) }
            if readOnly {
                guard applied.isSuperset(of: StoreSchema.migrationNames) else {
                    throw StoreError.invalidInput("\(self.location) is read-only and needs a schema upgrade; open it once where it can be written")
                }
                return
            }
            for (name, statements) in PostgresSchema.migrations where !applied.contains(name) {
                for statement in statements { try db.execute(sql: statement) }
                try db.execute(sql: "INSERT INTO store_migration (identifier) VALUES (?)", arguments: [name])
            }
        }
        if readOnly { try read(body) } else { try write(body) }
    }

    static func appliedMigrations(_ db: any StoreDatabase) throws -> [String] {
        guard try Bool.fetchOne(db, sql: "SELECT to_regclass('store_migration') IS NOT NULL") ?? false else { return [] }
        let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM store_migration"))
        return StoreSchema.migrationNames.filter(applied.contains) + applied.subtracting(StoreSchema.migrationNames).sorted()
    }

    func engineProblems() throws -> [String] { [] }

    func checkpoint() throws {}

    // MARK: Transactions

    private func transaction<T>(begin: String, isWriting: Bool, _ body: (any StoreDatabase) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        var attempt = 1
        while true {
            let session: Session
            do {
                session = Session(connection: try openConnection(), logger: logger, isWriting: isWriting)
                try session.execute(sql: begin, arguments: [])
            } catch {
                // The server may be restarting: wait and connect again.
                connection = nil
                if attempt < Self.attempts, Self.isTransient(error) {
                    attempt += 1
                    Thread.sleep(forTimeInterval: 0.2 * Double(attempt))
                    continue
                }
                throw Self.storeError(error, location: location)
            }
            let result: T
            do {
                result = try body(session)
            } catch {
                _ = try? session.execute(sql: "ROLLBACK", arguments: [])
                if connection?.isClosed ?? true { connection = nil }
                // A deadlock or serialization failure aborts the whole transaction; the body runs again on fresh
                // data. So does a connection lost before COMMIT was sent, when nothing of it can have been kept.
                if attempt < Self.attempts, Self.isRetryable(error) {
                    attempt += 1
                    Thread.sleep(forTimeInterval: 0.05 * Double(attempt))
                    continue
                }
                if error is StoreError { throw error }
                throw Self.storeError(error, location: location)
            }
            do {
                try session.execute(sql: "COMMIT", arguments: [])
                return result
            } catch {
                if connection?.isClosed ?? true { connection = nil }
                // Refused at COMMIT for a serialization failure: nothing was kept, so run it again.
                if attempt < Self.attempts, let state = Self.sqlState(error), state == "40001" || state == "40P01" {
                    attempt += 1
                    continue
                }
                // The connection broke while COMMIT was under way: the server may or may not have kept the
                // transaction, so it is not run again (that could apply a change twice); the caller is told.
                if Self.sqlState(error) == nil, Self.isTransient(error) {
                    throw StoreError.invalidInput(
                        "\(location): the connection broke while a change was being committed; whether it was kept is unknown, so check before repeating it")
                }
                throw Self.storeError(error, location: location)
            }
        }
    }

    private func openConnection() throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: try Self.tls(location.tls))
        configuration.options.connectTimeout = .seconds(10)
        do {
            let opened = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1, logger: logger
            ).wait()
            connection = opened
            return opened
        } catch {
            throw Self.storeError(error, location: location)
        }
    }

    private static func tls(_ mode: PostgresLocation.TLSMode) throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable:
            return .disable
        case .prefer, .require:
            // libpq's prefer and require encrypt without checking the certificate; verify-full checks it.
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            let context = try NIOSSLContext(configuration: configuration)
            return mode == .prefer ? .prefer(context) : .require(context)
        case .verifyFull:
            return .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }

    // MARK: Errors

    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Deadlock, serialization failure, or a connection that broke before the transaction's end.
    static func isRetryable(_ error: any Error) -> Bool {
        if let state = sqlState(error) { return state == "40001" || state == "40P01" }
        return isTransient(error)
    }

    /// The server is not there (restarting, shutting down) or the connection broke.
    static func isTransient(_ error: any Error) -> Bool {
        if let state = sqlState(error) { return state.hasPrefix("08") || state == "57P01" || state == "57P03" }
        if let error = error as? PSQLError {
            return [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown].contains(error.code)
        }
        return error is ChannelError || error is IOError
    }

    /// The server's own message (never the URL's password, which is not in it) as the store's error.
    static func storeError(_ error: any Error, location: PostgresLocation) -> StoreError {
        if let error = error as? StoreError { return error }
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] {
                let detail = psql.serverInfo?[.detail].map { " (\($0))" } ?? ""
                return .invalidInput("\(location): \(message)\(detail)")
            }
            return .invalidInput("\(location): \(psql.code)\(psql.underlying.map { ": \($0)" } ?? "")")
        }
        return .invalidInput("\(location): \(error)")
    }

    // MARK: One transaction's statements

    private final class Session: StoreDatabase {
        let connection: PostgresConnection
        let logger: Logger
        let isWriting: Bool
        private(set) var changesCount = 0
        private(set) var lastInsertedRowID: Int64 = 0

        init(connection: PostgresConnection, logger: Logger, isWriting: Bool) {
            self.connection = connection
            self.logger = logger
            self.isWriting = isWriting
        }

        var dialect: SQLDialect { .postgres }

        func execute(sql: String, arguments: StoreArguments) throws {
            let result = try run(sql: sql, arguments: arguments)
            changesCount = result.metadata.rows ?? 0
        }

        func fetchRows(sql: String, arguments: StoreArguments) throws -> [StoreRow] {
            try run(sql: sql, arguments: arguments).rows.map { row in
                var columns: [String] = []
                var values: [StoreValue] = []
                for cell in row {
                    columns.append(cell.columnName)
                    values.append(try Self.value(cell))
                }
                return StoreRow(columns: columns, values: values)
            }
        }

        func insertReturningID(sql: String, arguments: StoreArguments) throws -> Int64 {
            let rows = try fetchRows(sql: sql + " RETURNING id", arguments: arguments)
            guard let id = rows.first.flatMap({ Int64.from($0.values[0]) }) else {
                throw StoreError.invalidInput("an insert returned no id")
            }
            changesCount = rows.count
            lastInsertedRowID = id
            return id
        }

        private func run(sql: String, arguments: StoreArguments) throws -> PostgresQueryResult {
            var bindings = PostgresBindings(capacity: arguments.count)
            for argument in arguments {
                switch argument.storeValue {
                case .null: bindings.appendNull()
                case .integer(let number): bindings.append(number)
                case .real(let number): bindings.append(number)
                case .text(let text): bindings.append(text)
                case .blob(let data): try bindings.append(data)
                case .date(let date): bindings.append(date)
                }
            }
            let query = PostgresQuery(unsafeSQL: PostgresPlaceholders.numbered(sql), binds: bindings)
            return try connection.query(query, logger: logger).wait()
        }

        private static func value(_ cell: PostgresCell) throws -> StoreValue {
            guard cell.bytes != nil else { return .null }
            switch cell.dataType {
            case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
            case .int2, .int4, .int8, .oid: return .integer(try cell.decode(Int64.self))
            case .float4, .float8: return .real(try cell.decode(Double.self))
            case .numeric:
                let number = try cell.decode(Decimal.self)
                let integer = NSDecimalNumber(decimal: number).int64Value
                return Decimal(integer) == number ? .integer(integer) : .real(NSDecimalNumber(decimal: number).doubleValue)
            case .bytea: return .blob(try cell.decode(Data.self))
            case .timestamptz, .timestamp: return .date(try cell.decode(Date.self))
            default: return .text(try cell.decode(String.self))
            }
        }
    }
}

/// The store's `?` placeholders as PostgreSQL's `$1, $2, ...`, leaving quoted text and identifiers alone.
enum PostgresPlaceholders {
    static func numbered(_ sql: String) -> String {
        var result = ""
        result.reserveCapacity(sql.utf8.count + 16)
        var number = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                result.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                result.append(character)
            } else if character == "?" {
                number += 1
                result += "$\(number)"
            } else {
                result.append(character)
            }
        }
        return result
    }
}
