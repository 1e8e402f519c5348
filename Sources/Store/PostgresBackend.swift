import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// The store on a PostgreSQL server through postgres-nio. One connection per store, one transaction at a time on
/// it; writers in other processes run concurrently, each read-then-write guarded by a row lock (`FOR UPDATE`) and
/// claims taken with `FOR UPDATE SKIP LOCKED`. A transaction the server aborts for a deadlock or a serialization
/// failure is run again from the start. A connection the server dropped (a restart) is opened again on the next
/// transaction, waiting longer between tries while the server is away, and a transaction it cut before COMMIT is
/// run again; every wait on the server has a deadline, so a store never hangs on a server that went away.
final class PostgresBackend: StoreBackend, @unchecked Sendable {
    let location: PostgresLocation
    private let readOnly: Bool
    private let lock = NSLock()
    private var connection: PostgresConnection?
    private let logger = Logger(label: "tbd.store.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    /// How often a transaction aborted by the server for a deadlock or a serialization failure is tried again
    /// before the error is reported.
    static let attempts = 5
    /// How long connecting may take: TCP, TLS and authentication together.
    var connectTimeout: TimeInterval = 10
    /// How long one statement may wait for the server's reply. The store's statements are short (row locks are
    /// held for one decision), so a reply this late means the server or the network is gone.
    var queryTimeout: TimeInterval = 120
    /// The waits before each new try while the server cannot be reached (a restart takes seconds): growing, about
    /// 30 seconds in all, then the transaction fails saying the server cannot be reached.
    var reconnectWaits = PostgresBackend.defaultReconnectWaits
    static let defaultReconnectWaits: [TimeInterval] = [0.1, 0.2, 0.4, 0.8, 1.5, 2.5, 4, 5, 5, 5, 5]
    /// How many rows a streamed read (an export, a copy) fetches from its cursor at a time.
    var rowsPerFetch = 500

    init(location: PostgresLocation, readOnly: Bool) throws {
        self.location = location
        self.readOnly = readOnly
        lock.lock()
        defer { lock.unlock() }
        do {
            _ = try openConnection()
        } catch {
            throw unreachable(error)
        }
    }

    deinit {
        dropConnection()
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
        var conflicts = 1
        var outages = 0
        // While the server cannot be reached, wait (longer each time) and try again; past the last wait, fail.
        func waitForServer(after error: any Error) throws {
            dropConnection()
            guard outages < reconnectWaits.count else { throw unreachable(error) }
            PostgresRetries.record(reconnection: true)
            Thread.sleep(forTimeInterval: reconnectWaits[outages])
            outages += 1
        }
        while true {
            let session: Session
            do {
                session = Session(
                    connection: try openConnection(), logger: logger, isWriting: isWriting, timeout: queryTimeout, rowsPerFetch: rowsPerFetch)
                try session.execute(sql: begin, arguments: [])
            } catch {
                if Self.isTransient(error) {
                    try waitForServer(after: error)
                    continue
                }
                dropConnection()
                throw Self.storeError(error, location: location)
            }
            let result: T
            do {
                result = try body(session)
            } catch {
                if session.connection.isClosed || Self.isTransient(error) || error is ServerTimeout {
                    dropConnection()
                } else {
                    // Ends the transaction on a connection that stays; a ROLLBACK that fails drops the connection.
                    do { try session.execute(sql: "ROLLBACK", arguments: []) } catch { dropConnection() }
                }
                // A deadlock or serialization failure aborts the whole transaction; the body runs again on fresh
                // data, a bounded number of times.
                if conflicts < Self.attempts, Self.isConflict(error) {
                    conflicts += 1
                    PostgresRetries.record(reconnection: false)
                    Thread.sleep(forTimeInterval: 0.05 * Double(conflicts))
                    continue
                }
                // A connection lost before COMMIT was sent: the server rolled the transaction back, so nothing of
                // it was kept and it runs again once the server is back.
                if Self.isTransient(error) {
                    try waitForServer(after: error)
                    continue
                }
                if error is StoreError { throw error }
                throw Self.storeError(error, location: location)
            }
            do {
                try session.execute(sql: "COMMIT", arguments: [])
                return result
            } catch {
                if session.connection.isClosed || Self.isTransient(error) || error is ServerTimeout { dropConnection() }
                // Refused at COMMIT for a serialization failure: nothing was kept, so run it again.
                if conflicts < Self.attempts, Self.isConflict(error) {
                    conflicts += 1
                    PostgresRetries.record(reconnection: false)
                    continue
                }
                // The connection broke (or the reply did not come) while COMMIT was under way: the server may or
                // may not have kept the transaction, so it is not run again (that could apply a change twice);
                // the caller is told the outcome is unknown.
                if Self.isTransient(error) || error is ServerTimeout {
                    throw StoreError.invalidInput(
                        "\(location): the connection broke while a change was being committed (\(Self.reason(error))); "
                            + "whether it was kept is unknown, so it was not repeated: check before repeating it")
                }
                throw Self.storeError(error, location: location)
            }
        }
    }

    private func openConnection() throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        connection = nil
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: try Self.tls(location.tls))
        configuration.options.connectTimeout = .milliseconds(Int64(connectTimeout * 1000))
        let connecting = PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1, logger: logger)
        // postgres-nio's own deadline covers connecting; this one only guards against a future never completed.
        let opened = try Self.wait(for: connecting, closing: nil, timeout: connectTimeout + 5) {
            ServerTimeout(what: "connecting", seconds: self.connectTimeout + 5)
        }
        connection = opened
        return opened
    }

    /// Forgets the connection, closing it when it is still open (its transaction, if any, is rolled back by the
    /// server).
    private func dropConnection() {
        if let connection, !connection.isClosed {
            // The connection is kept until its channel has closed: postgres-nio requires it closed before release.
            connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
        }
        connection = nil
    }

    /// The error of a server that stays away, naming the database without the password.
    private func unreachable(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if Self.sqlState(error) != nil, !Self.isTransient(error) { return Self.storeError(error, location: location) }
        let hidden = location.password == nil ? "" : " (password hidden)"
        return .invalidInput("cannot reach \(location)\(hidden): \(Self.reason(error))")
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

    /// A deadlock or a serialization failure: the server aborted the transaction, and running it again may work.
    static func isConflict(_ error: any Error) -> Bool {
        sqlState(error) == "40001" || sqlState(error) == "40P01"
    }

    /// The server is not there (restarting, shutting down, starting up) or the connection broke.
    static func isTransient(_ error: any Error) -> Bool {
        if let state = sqlState(error) { return state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03" }
        if error is ConnectionLost { return true }
        if let error = error as? PSQLError {
            return [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown].contains(error.code)
        }
        return error is ChannelError || error is IOError || error is NIOConnectionError
    }

    /// Why the server could not be reached, in a few words: "connection refused", "the database system is
    /// starting up", "no reply within 10 s".
    static func reason(_ error: any Error) -> String {
        switch error {
        case let psql as PSQLError:
            if let message = psql.serverInfo?[.message] { return message }
            if let underlying = psql.underlying { return reason(underlying) }
            switch psql.code {
            case .serverClosedConnection: return "the server closed the connection"
            case .clientClosedConnection: return "the connection was closed"
            default: return "\(psql.code)"
            }
        case let connecting as NIOConnectionError:
            if let failure = connecting.connectionErrors.first { return reason(failure.error) }
            if connecting.dnsAError != nil || connecting.dnsAAAAError != nil { return "host not found" }
            return "no address to connect to"
        case let io as IOError:
            return io.errnoCode == ECONNREFUSED ? "connection refused" : String(cString: strerror(io.errnoCode))
        case ChannelError.connectTimeout(let amount):
            return "no answer within \(amount.nanoseconds / 1_000_000_000) s"
        case let timeout as ServerTimeout:
            return timeout.description
        case is ConnectionLost:
            return "the server closed the connection"
        default:
            return "\(error)"
        }
    }

    /// The server's own message (never the URL's password, which is not in it) as the store's error.
    static func storeError(_ error: any Error, location: PostgresLocation) -> StoreError {
        if let error = error as? StoreError { return error }
        if let psql = error as? PSQLError, let message = psql.serverInfo?[.message] {
            let detail = psql.serverInfo?[.detail].map { " (\($0))" } ?? ""
            return .invalidInput("\(location): \(message)\(detail)")
        }
        return .invalidInput("\(location): \(reason(error))")
    }

    /// No reply from the server in time.
    struct ServerTimeout: Error, CustomStringConvertible {
        var what: String
        var seconds: TimeInterval
        var description: String { "no reply while \(what) within \(Int(seconds.rounded(.up))) s" }
    }

    /// The connection closed while a statement waited for its reply.
    struct ConnectionLost: Error {}

    /// Waits for `future` at most `timeout` seconds, and no longer than `closing` stays open: postgres-nio leaves a
    /// statement written to a connection that has just closed unanswered, so the close ends the wait too.
    static func wait<T>(
        for future: EventLoopFuture<T>, closing: PostgresConnection?, timeout: TimeInterval, _ timedOut: () -> any Error
    ) throws -> T {
        let outcome = Outcome<T>()
        future.whenComplete { outcome.settle($0) }
        closing?.closeFuture.whenComplete { _ in outcome.settle(.failure(ConnectionLost())) }
        guard outcome.done.wait(timeout: .now() + timeout) == .success else {
            closing?.close().whenComplete { _ in }
            throw timedOut()
        }
        return try outcome.result!.get()
    }

    /// The first result of a wait; later ones are dropped.
    private final class Outcome<T>: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var settled: Result<T, any Error>?

        func settle(_ result: Result<T, any Error>) {
            lock.lock()
            defer { lock.unlock() }
            guard settled == nil else { return }
            settled = result
            done.signal()
        }

        var result: Result<T, any Error>? {
            lock.lock()
            defer { lock.unlock() }
            return settled
        }
    }

    // MARK: One transaction's statements

    private final class Session: StreamingStoreDatabase {
        let connection: PostgresConnection
        let logger: Logger
        let isWriting: Bool
        private(set) var changesCount = 0
        private(set) var lastInsertedRowID: Int64 = 0

        let timeout: TimeInterval
        let rowsPerFetch: Int
        private var cursors = 0

        init(connection: PostgresConnection, logger: Logger, isWriting: Bool, timeout: TimeInterval, rowsPerFetch: Int) {
            self.connection = connection
            self.logger = logger
            self.isWriting = isWriting
            self.timeout = timeout
            self.rowsPerFetch = max(1, rowsPerFetch)
        }

        /// Rows a batch at a time from a cursor inside the transaction, so an export holds one batch, not every
        /// row; `body` may run statements of its own between batches, which one result streamed over the
        /// connection would not allow.
        func streamRows(sql: String, arguments: StoreArguments, _ body: (StoreRow) throws -> Void) throws {
            cursors += 1
            let cursor = "store_rows_\(cursors)"
            try execute(sql: "DECLARE \(cursor) NO SCROLL CURSOR FOR \(sql)", arguments: arguments)
            while true {
                let rows = try fetchRows(sql: "FETCH FORWARD \(rowsPerFetch) FROM \(cursor)", arguments: [])
                for row in rows { try body(row) }
                if rows.count < rowsPerFetch { break }
            }
            try execute(sql: "CLOSE \(cursor)", arguments: [])
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
            // A connection that closed while idle (a server restart) is not asked at all.
            guard !connection.isClosed else { throw ConnectionLost() }
            return try PostgresBackend.wait(for: connection.query(query, logger: logger), closing: connection, timeout: timeout) {
                ServerTimeout(what: "running a statement", seconds: timeout)
            }
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

/// How often stores in this process found their PostgreSQL server gone and waited to try again, and how often a
/// transaction was run again after a deadlock or serialization failure: the load benchmark reports them.
public enum PostgresRetries {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var reconnections = 0
    nonisolated(unsafe) private static var conflicts = 0

    static func record(reconnection: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if reconnection { reconnections += 1 } else { conflicts += 1 }
    }

    /// The waits for a server that could not be reached, and the transactions run again after a conflict.
    public static var counts: (reconnections: Int, conflicts: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (reconnections, conflicts)
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
