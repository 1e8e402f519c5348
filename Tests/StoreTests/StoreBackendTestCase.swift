import Foundation
import Store
import TestSupport
import XCTest

/// The store's tests, written once for both backends: a test class derives from this one and runs on SQLite, and
/// its `...OnPostgres` subclass runs every test again, each on a fresh database of the test cluster
/// (`scripts/postgres-test-cluster.sh`). Without a cluster the PostgreSQL subclasses fail, saying how to start one.
class StoreBackendTestCase: XCTestCase {
    enum Backend { case sqlite, postgres }

    class var backend: Backend { .sqlite }
    var isPostgres: Bool { type(of: self).backend == .postgres }
    private var folders: [URL] = []

    /// Where a new, empty store lives on this class's backend: a file in a temporary folder, or a new database.
    func makeStoreLocation() throws -> String {
        switch type(of: self).backend {
        case .sqlite:
            let folder = try makeTemporaryFolder("tbd-store")
            folders.append(folder)
            return folder.appendingPathComponent("tbd.sqlite").path
        case .postgres:
            return try TestPostgresCluster.makeDatabase()
        }
    }

    /// A new, empty store on this class's backend.
    func makeStore(clock: TestClock? = nil) throws -> ProjectStore {
        let location = try makeStoreLocation()
        guard let clock else { return try ProjectStore(path: location) }
        return try ProjectStore(path: location, options: .init(clock: { clock.now }))
    }

    override func tearDown() {
        for folder in folders { try? FileManager.default.removeItem(at: folder) }
        folders = []
        super.tearDown()
    }
}

/// Every test of a class written for both backends runs on PostgreSQL too: its `...OnPostgresTests` subclass
/// declares each one (Linux XCTest does not run inherited tests), except those that test SQLite files themselves.
final class StoreBackendCoverageTests: XCTestCase {
    /// Upgrades of SQLite files written by earlier builds: PostgreSQL stores start at this build's schema.
    static let sqliteOnly: Set<String> = [
        "testAStoreFromBeforeV4GainsTheTable", "testFailedItemsFromBeforeV7AreOpenAndNotTextOnly", "testAV7DatabaseIsUpgradedAndKeepsItsData",
    ]

    func testEveryTestOfABackendGenericClassRunsOnPostgreSQL() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let declared = try NSRegularExpression(pattern: #"^    func (test\w+)\(\)"#, options: [.anchorsMatchLines])
        let overridden = try NSRegularExpression(pattern: #"^    override func (test\w+)\(\)"#, options: [.anchorsMatchLines])
        func names(_ pattern: NSRegularExpression, _ text: String) -> Set<String> {
            Set(pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range(at: 1), in: text)!]) })
        }
        var generic = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".swift") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            guard text.contains(": StoreBackendTestCase {"), file != "StoreBackendTestCase.swift" else { continue }
            if file != "StoreCopyTests.swift" { generic += 1 } else { continue }
            XCTAssertTrue(text.contains("OnPostgresTests: "), "\(file) has no PostgreSQL subclass")
            XCTAssertEqual(names(declared, text).subtracting(Self.sqliteOnly), names(overridden, text), "\(file): declare each test in its OnPostgresTests subclass")
        }
        XCTAssertGreaterThanOrEqual(generic, 8)
    }
}
