import Foundation
@testable import Store
import TestSupport
import XCTest

/// A store kept open while its PostgreSQL server restarts or goes away: it connects again on its next transaction,
/// runs again a transaction the restart cut before COMMIT, and gives a clear error in bounded time when the server
/// stays down. Each test that stops the server starts it again, so the cluster is never left stopped.
final class PostgresRestartTests: XCTestCase {
    private func backend(_ store: ProjectStore) throws -> PostgresBackend {
        try XCTUnwrap(store.database as? PostgresBackend)
    }

    private func serverProcess(_ store: ProjectStore) throws -> Int64 {
        try XCTUnwrap(try store.database.read { db in try Int64.fetchOne(db, sql: "SELECT pg_backend_pid()") })
    }

    func testAStoreOpenAcrossARestartWorksOnItsNextOperation() throws {
        let store = try ProjectStore(path: try TestPostgresCluster.makeDatabase())
        let ids = try store.addAnnotations((0..<3).map { sampleAnnotation($0) })
        try store.approve(id: ids[0], curator: "ann")
        let before = try serverProcess(store)

        try TestPostgresCluster.restartServer()
        let started = Date()
        try store.approve(id: ids[1], curator: "ann")
        XCTAssertLessThan(Date().timeIntervalSince(started), 30)
        XCTAssertNotEqual(try serverProcess(store), before, "the store must be on a new connection")
        XCTAssertEqual(try store.statusCounts(), StatusCounts(pending: 1, approved: 2, rejected: 0))
        XCTAssertEqual(try store.integrityProblems(), [])
    }

    /// The restart lands inside a transaction, after one statement and before COMMIT: the server rolled that
    /// attempt back, so the store runs the whole transaction again on a new connection, and its rows are there once.
    func testATransactionCutByARestartBeforeCommitRunsAgain() throws {
        let store = try ProjectStore(path: try TestPostgresCluster.makeDatabase())
        try store.database.write { db in try db.execute(sql: "CREATE TABLE probe (attempt INTEGER NOT NULL, step INTEGER NOT NULL)") }
        var attempts = 0
        try store.database.write { db in
            attempts += 1
            try db.execute(sql: "INSERT INTO probe VALUES (?, 1)", arguments: [attempts])
            if attempts == 1 { try TestPostgresCluster.restartServer() }
            try db.execute(sql: "INSERT INTO probe VALUES (?, 2)", arguments: [attempts])
        }
        XCTAssertEqual(attempts, 2)
        let rows = try store.database.read { db in try String.fetchAll(db, sql: "SELECT attempt || ':' || step FROM probe ORDER BY attempt, step") }
        XCTAssertEqual(rows, ["2:1", "2:2"], "the cut attempt left nothing, the second was kept whole")
    }

    func testAServerThatStaysDownGivesAClearErrorWithinABoundedTime() throws {
        var components = try XCTUnwrap(URLComponents(string: try TestPostgresCluster.makeDatabase()))
        // The cluster trusts loopback connections: any password is accepted, and it must not show.
        components.password = "s3cret-word"
        let store = try ProjectStore(path: components.string!)
        _ = try store.addAnnotations([sampleAnnotation(0)])
        let backend = try backend(store)
        backend.reconnectWaits = [0.1, 0.2, 0.4, 0.8]

        try TestPostgresCluster.stopServer()
        let started = Date()
        let failure: (any Error)?
        do {
            _ = try store.statusCounts()
            failure = nil
        } catch {
            failure = error
        }
        let elapsed = Date().timeIntervalSince(started)
        try TestPostgresCluster.restartServer()

        let message = "\(try XCTUnwrap(failure, "a store whose server is down must fail"))"
        let expected = "cannot reach postgres://\(components.user ?? "")@\(components.host ?? ""):\(components.port ?? 0)/"
            + "\(components.path.dropFirst())?sslmode=disable (password hidden): connection refused"
        XCTAssertTrue(message.contains(expected), message)
        XCTAssertFalse(message.contains("s3cret"), message)
        // Four waits of 1.5 s in all, each try refused at once.
        XCTAssertGreaterThanOrEqual(elapsed, 1.5)
        XCTAssertLessThan(elapsed, 15)
        // The default waits stay within about half a minute before the error.
        XCTAssertLessThanOrEqual(PostgresBackend.defaultReconnectWaits.reduce(0, +), 35)
        // Back up: the same store goes on.
        XCTAssertEqual(try store.statusCounts().pending, 1)
    }

    func testAStatementWithoutAReplyFailsAtItsDeadlineAndTheStoreGoesOn() throws {
        let store = try ProjectStore(path: try TestPostgresCluster.makeDatabase())
        try backend(store).queryTimeout = 1
        let started = Date()
        XCTAssertThrowsError(try store.database.read { db in try db.execute(sql: "SELECT pg_sleep(30)") }) { error in
            XCTAssertTrue("\(error)".contains("no reply while running a statement within 1 s"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        XCTAssertEqual(try store.statusCounts(), StatusCounts(pending: 0, approved: 0, rejected: 0))
    }

    /// Four curators' processes decide while the server restarts under them: each decision a process reported done
    /// is in the store, and no item is decided twice.
    func testDecisionsReportedDoneSurviveARestartMidRun() throws {
        let url = try TestPostgresCluster.makeDatabase()
        let store = try ProjectStore(path: url)
        let ids = try store.addAnnotations((0..<160).map { sampleAnnotation($0) })
        let run = try LoadRun.run(location: url, curators: 4, midway: (after: 10, action: TestPostgresCluster.restartServer))
        try run.checkEveryItemDecidedOnce(store, ids: ids)
        // The restart really landed mid-run: every process still had work after it.
        XCTAssertTrue(run.reported.allSatisfy { !$0.isEmpty }, "\(run.reported.map(\.count))")
        XCTAssertLessThan(run.reported[0].count, ids.count)
    }
}
