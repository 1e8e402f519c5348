import AnnotationRecord
import Foundation
import Glibc
import Store
import TestSupport
import XCTest

/// Permissions as an ordinary user meets them. The tests run as root, which reads and writes anything, so `tbd`
/// is started as `nobody` through setpriv(1) when the test runs as root, and directly otherwise.
final class UnprivilegedAccessCommandTests: XCTestCase {
    private func folder() throws -> URL {
        let folder = try makeTemporaryFolder("tbd-unprivileged")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        XCTAssertEqual(chmod(folder.path, 0o755), 0)
        return folder
    }

    private func tbdAsUser(_ arguments: [String]) throws -> ProgramRun {
        let tbd = try BuiltProgram.url("tbd")
        guard getuid() == 0 else { return try BuiltProgram.run(executable: tbd, arguments) }
        return try BuiltProgram.run(
            executable: URL(fileURLWithPath: "/usr/bin/setpriv"),
            ["--reuid=65534", "--regid=65534", "--clear-groups", "--", tbd.path] + arguments)
    }

    func testReadOnlyStoreCanBeListedButNotChanged() throws {
        let folder = try folder()
        let path = folder.appendingPathComponent("tbd.sqlite").path
        do {
            let store = try ProjectStore(path: path)
            _ = try store.addAnnotation(sampleAnnotation())
            try store.checkpoint()
        }
        XCTAssertEqual(chmod(path, 0o444), 0)
        // The folder stays writable: SQLite creates its shared-memory file beside a WAL database even to read it.
        XCTAssertEqual(chmod(folder.path, 0o777), 0)
        let listed = try tbdAsUser(["review", "list", "--db", path])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertTrue(listed.stdout.contains("#1 pending"), listed.stdout)
        let approved = try tbdAsUser(["review", "approve", "1", "--db", path, "--curator", "ann"])
        XCTAssertNotEqual(approved.status, 0, "a read-only store takes no decision")
        XCTAssertTrue(try ProjectStore(path: path).show(id: 1).status == .pending, "nothing was decided")

        // Without a writable folder SQLite cannot read it at all: a clear message rather than SQLite's own.
        try? FileManager.default.removeItem(atPath: path + "-shm")
        try? FileManager.default.removeItem(atPath: path + "-wal")
        XCTAssertEqual(chmod(folder.path, 0o755), 0)
        let locked = try tbdAsUser(["review", "list", "--db", path])
        XCTAssertNotEqual(locked.status, 0)
        XCTAssertTrue(locked.stderr.contains("copy it to a folder you can write"), locked.stderr)
    }

    func testUnreadableMEADFolderFailsTheRunAndNamesTheFolder() throws {
        let folder = try folder()
        let root = folder.appendingPathComponent("mead")
        for actor in ["M003", "M005"] {
            let clips = root.appendingPathComponent("\(actor)/video/front/happy/level_1")
            try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
            XCTAssertTrue(FileManager.default.createFile(atPath: clips.appendingPathComponent("001.mp4").path, contents: Data("x".utf8)))
        }
        let storeFolder = folder.appendingPathComponent("store")
        try FileManager.default.createDirectory(at: storeFolder, withIntermediateDirectories: true)
        XCTAssertEqual(chmod(storeFolder.path, 0o777), 0)
        XCTAssertEqual(chmod(root.appendingPathComponent("M005/video").path, 0o000), 0)
        defer { chmod(root.appendingPathComponent("M005/video").path, 0o755) }

        let run = try tbdAsUser(["batch", "mead", root.path, "--dry-run", "--db", storeFolder.appendingPathComponent("tbd.sqlite").path])
        XCTAssertNotEqual(run.status, 0, "an actor left out is not a success: \(run.stdout)")
        XCTAssertTrue(run.stderr.contains("M005/video"), run.stderr)
        XCTAssertTrue(run.stderr.contains("permission denied"), run.stderr)
    }
}
