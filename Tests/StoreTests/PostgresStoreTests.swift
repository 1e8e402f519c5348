import Foundation
@testable import Store
import TestSupport
import XCTest

/// What only the PostgreSQL backend has: several connections writing at once (claims with `SKIP LOCKED`, row locks
/// on decisions), its URL and password rules, and its integrity check on rows changed behind the store's back.
final class PostgresStoreTests: XCTestCase {
    /// Runs `body(index)` on `count` threads at once and waits for all of them.
    private func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) -> [any Error] {
        let group = DispatchGroup()
        let errors = LockedList<any Error>()
        for index in 0..<count {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do { try body(index) } catch { errors.append(error) }
            }
        }
        group.wait()
        return errors.items
    }

    func testConcurrentClaimersNeverTakeTheSameItem() throws {
        let url = try TestPostgresCluster.makeDatabase()
        let ids = try ProjectStore(path: url).addAnnotations((0..<40).map { sampleAnnotation($0) })
        let claimed = LockedList<Int64>()
        // Four curators, each on a connection of its own, claim and approve until the queue is empty.
        let errors = concurrently(4) { index in
            let store = try ProjectStore(path: url)
            let curator = "curator\(index)"
            while let claim = try store.claimNext(curator: curator) {
                claimed.append(claim.annotationID)
                try store.approve(id: claim.annotationID, curator: curator)
            }
        }
        XCTAssertEqual(errors.map { "\($0)" }, [])
        XCTAssertEqual(claimed.items.sorted(), ids)
        let store = try ProjectStore(path: url)
        XCTAssertEqual(try store.statusCounts().approved, 40)
        XCTAssertEqual(try store.integrityProblems(), [])
    }

    func testConcurrentDecisionsAndUndosKeepTheCountsExact() throws {
        let url = try TestPostgresCluster.makeDatabase()
        let ids = try ProjectStore(path: url).addAnnotations((0..<24).map { sampleAnnotation($0) })
        // Opposite status changes at once (approve, and undo back to pending) lock the count rows from both sides.
        let errors = concurrently(4) { index in
            let store = try ProjectStore(path: url)
            let curator = "curator\(index)"
            for id in ids where Int(id) % 4 == index {
                try store.approve(id: id, curator: curator)
                if id % 3 == 0 { try store.undoLast(curator: curator, reclaim: false) }
            }
        }
        XCTAssertEqual(errors.map { "\($0)" }, [])
        let store = try ProjectStore(path: url)
        let undone = ids.filter { $0 % 3 == 0 }.count
        XCTAssertEqual(try store.statusCounts(), StatusCounts(pending: undone, approved: ids.count - undone, rejected: 0))
        XCTAssertEqual(try store.integrityProblems(), [])
    }

    func testTheCheckFindsRowsChangedBehindTheStoresBack() throws {
        let url = try TestPostgresCluster.makeDatabase()
        let store = try ProjectStore(path: url)
        _ = try store.addAnnotations((0..<5).map { sampleAnnotation($0) })
        try store.approve(id: 1, curator: "ann")
        XCTAssertEqual(try store.integrityProblems(), [])
        XCTAssertEqual(try BuiltProgram.run("tbd", ["review", "check", "--db", url, "--json"]).status, 0)

        _ = try TestPostgresCluster.psql(url, "UPDATE status_count SET count = count + 1 WHERE status = 'approved'")
        _ = try TestPostgresCluster.psql(url, "UPDATE annotation SET current_revision = 2 WHERE id = 3")
        _ = try TestPostgresCluster.psql(url, "ALTER TABLE audit_log DISABLE TRIGGER audit_no_delete")
        _ = try TestPostgresCluster.psql(url, "DELETE FROM audit_log WHERE action = 'approve'")
        let problems = try store.integrityProblems()
        for expected in [
            "1 status counts disagree with the annotations", "1 annotations point at a missing current revision",
            "1 decisions without an audit entry",
        ] {
            XCTAssertTrue(problems.contains(expected), "\(expected) not among \(problems)")
        }
        let run = try BuiltProgram.run("tbd", ["review", "check", "--db", url, "--json"])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertEqual((run.jsonObject?["problems"] as? [String])?.count, problems.count, run.stdout)
    }

    func testADatabaseMadeByANewerBuildIsRefused() throws {
        let url = try TestPostgresCluster.makeDatabase()
        _ = try ProjectStore(path: url)
        _ = try TestPostgresCluster.psql(url, "INSERT INTO store_migration (identifier) VALUES ('v99-from-the-future')")
        XCTAssertThrowsError(try ProjectStore(path: url)) { error in
            XCTAssertTrue("\(error)".contains("v99-from-the-future"), "\(error)")
        }
    }

    func testACommandThatOnlyReadsLeavesADatabaseWithoutAStoreUntouched() throws {
        let url = try TestPostgresCluster.makeDatabase()
        let run = try BuiltProgram.run("tbd", ["review", "list", "--db", url])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("no review database"), run.stderr)
        XCTAssertEqual(try TestPostgresCluster.psql(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "0")
        // A command that writes makes the tables, and then the reading one works.
        XCTAssertEqual(try ProjectStore(path: url).appliedMigrations(), StoreSchema.migrationNames)
        XCTAssertEqual(try BuiltProgram.run("tbd", ["review", "list", "--db", url]).status, 0)
    }

    /// The cluster serves TLS with a self-signed certificate: `require` encrypts without checking it, `verify-full`
    /// checks it and so refuses this one, `disable` stays plain.
    func testSSLModeRequireEncryptsTheConnection() throws {
        var components = try XCTUnwrap(URLComponents(string: try TestPostgresCluster.makeDatabase()))
        let usesTLS = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        components.query = "sslmode=require"
        let encrypted = try ProjectStore(path: components.string!)
        XCTAssertEqual(try encrypted.database.read { db in try Bool.fetchOne(db, sql: usesTLS) }, true)
        XCTAssertTrue(encrypted.path.hasSuffix("?sslmode=require"), encrypted.path)
        components.query = "sslmode=disable"
        XCTAssertEqual(try ProjectStore(path: components.string!).database.read { db in try Bool.fetchOne(db, sql: usesTLS) }, false)
        components.query = "sslmode=verify-full"
        XCTAssertThrowsError(try ProjectStore(path: components.string!))
    }

    /// An export reads its rows from a cursor a batch at a time, running each record's own query between
    /// batches; the output is the same whatever the batch size, one row or every row at once.
    func testAnExportStreamedInSmallBatchesIsUnchanged() throws {
        let store = try ProjectStore(path: try TestPostgresCluster.makeDatabase())
        let ids = try store.addAnnotations((0..<7).map { sampleAnnotation($0, sourcePath: "data/mead/M003/unit_\($0)") })
        try store.addClipLink(ClipLink(annotationID: ids[1], clipPath: "a/001.mp4", actorID: "M003", view: "front", emotion: "happy", level: 2))
        try store.addClipLink(ClipLink(annotationID: ids[1], clipPath: "a/002.mp4", actorID: "M003", view: "front", emotion: "happy", level: 2))
        for id in ids where id != ids[4] { try store.approve(id: id, curator: "ann") }
        try store.reject(id: ids[4], curator: "bob", reason: .wrongEmotion, note: "sad")
        let backend = try XCTUnwrap(store.database as? PostgresBackend)
        func export(_ rowsPerFetch: Int) throws -> String {
            backend.rowsPerFetch = rowsPerFetch
            var output = Data()
            _ = try ReviewExporter(store: store).write(status: nil, format: .jsonl, unit: .clip, to: { output.append($0) })
            return String(decoding: output, as: UTF8.self)
        }
        let whole = try export(10_000)
        XCTAssertEqual(whole.split(separator: "\n").count, 8, whole)
        XCTAssertEqual(try export(1), whole)
        XCTAssertEqual(try export(3), whole)
    }

    func testThePasswordIsNeitherKeptInThePathNorPrinted() throws {
        let cluster = try XCTUnwrap(URLComponents(string: try TestPostgresCluster.url()))
        // The cluster trusts loopback connections, so any password is accepted, and must still never show.
        var withPassword = cluster
        withPassword.password = "s3cret-word"
        withPassword.path = URLComponents(string: try TestPostgresCluster.makeDatabase())!.path
        let store = try ProjectStore(path: withPassword.string!)
        XCTAssertFalse(store.path.contains("s3cret"), store.path)
        // A server that is not there: the error names the database, not the password.
        var closed = withPassword
        closed.port = 1
        XCTAssertThrowsError(try ProjectStore(path: closed.string!)) { error in
            XCTAssertFalse("\(error)".contains("s3cret"), "\(error)")
            XCTAssertTrue("\(error)".contains("127.0.0.1:1"), "\(error)")
        }
        let run = try BuiltProgram.run("tbd", ["review", "stats", "--db", closed.string!])
        XCTAssertEqual(run.status, 1)
        XCTAssertFalse((run.stdout + run.stderr).contains("s3cret"), run.stderr)
    }
}

/// `postgres://` URLs, sslmode and the password sources, read without a server.
final class PostgresLocationTests: XCTestCase {
    func testTheURLsPartsAndItsPrintedFormWithoutThePassword() throws {
        let location = try PostgresLocation(url: "postgres://ann:p%40ss@db.example:6543/review?sslmode=require", environment: [:])
        XCTAssertEqual(location.host, "db.example")
        XCTAssertEqual(location.port, 6543)
        XCTAssertEqual(location.user, "ann")
        XCTAssertEqual(location.database, "review")
        XCTAssertEqual(location.password, "p@ss")
        XCTAssertEqual(location.tls, .require)
        XCTAssertEqual(location.description, "postgres://ann@db.example:6543/review?sslmode=require")
        XCTAssertEqual(StoreLocation.displayed("postgresql://ann:p%40ss@db.example/review"), "postgresql://ann@db.example/review")
        XCTAssertEqual(StoreLocation.displayed("data/tbd.sqlite"), "data/tbd.sqlite")
    }

    func testBadURLsAreRefusedWithoutQuotingThem() {
        for url in ["postgres://ann:secret@/review", "postgres://ann:secret@host", "postgres://ann:secret@host/db?sslmode=sometimes",
                    "postgres://ann:secret@host/db?options=-c"] {
            XCTAssertThrowsError(try PostgresLocation(url: url, environment: [:]), url) { error in
                XCTAssertFalse("\(error)".contains("secret"), "\(error)")
            }
        }
    }

    func testThePasswordComesFromPGPASSWORDThenAPrivatePasswordFile() throws {
        XCTAssertEqual(try PostgresLocation(url: "postgres://ann@h/db", environment: ["PGPASSWORD": "fromenv"]).password, "fromenv")
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("pgpass")
        try "# comment\nother:5432:db:ann:wrong\nh:5432:*:ann:pa\\:ss\n*:*:*:*:fallback\n".write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        let environment = ["PGPASSFILE": file.path]
        XCTAssertEqual(try PostgresLocation(url: "postgres://ann@h/db", environment: environment).password, "pa:ss")
        XCTAssertEqual(try PostgresLocation(url: "postgres://bob@x:7/y", environment: environment).password, "fallback")
        // Readable by others: ignored, as libpq ignores it.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        XCTAssertNil(try PostgresLocation(url: "postgres://ann@h/db", environment: environment).password)
    }
}

/// A list that several threads append to at once.
private final class LockedList<Element>: @unchecked Sendable {
    private let lock = NSLock()
    private var elements: [Element] = []

    func append(_ element: Element) {
        lock.lock()
        elements.append(element)
        lock.unlock()
    }

    var items: [Element] {
        lock.lock()
        defer { lock.unlock() }
        return elements
    }
}
