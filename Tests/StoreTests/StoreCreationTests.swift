import Foundation
@testable import Store
import TestSupport
import XCTest

/// Only commands that write may create a database; the others open an existing one or say it is missing.
final class StoreCreationTests: XCTestCase {
    func testWithoutCreateIfMissingAMissingDatabaseIsAnErrorAndNothingIsCreated() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("data/tbd.sqlite").path
        XCTAssertThrowsError(try ProjectStore(path: path, options: .init(createIfMissing: false))) { error in
            XCTAssertEqual(error as? StoreError, .noDatabase(path: path))
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("data").path), "not even the folder")

        // A folder where the file should be is not a database either.
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        XCTAssertThrowsError(try ProjectStore(path: path, options: .init(createIfMissing: false)))
    }

    func testAnExistingDatabaseOpensWithoutCreateIfMissing() throws {
        let (store, folder) = try makeTemporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let id = try store.addAnnotation(sampleAnnotation(1))
        let reader = try ProjectStore(path: store.path, options: .init(createIfMissing: false))
        XCTAssertEqual(try reader.show(id: id).id, id)
    }
}
