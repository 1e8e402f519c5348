import Foundation
import TestSupport
import XCTest

/// The checkpoint converter refuses bad input without deleting anything it did not make. Its refusals come
/// before torch is imported, so plain python3 runs them.
final class ConverterScriptTests: XCTestCase {
    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scripts/convert-hallo.py").standardized

    private func convert(_ arguments: [String], in folder: URL) throws -> ProgramRun {
        try BuiltProgram.run(executable: URL(fileURLWithPath: "/usr/bin/env"), ["python3", Self.script.path] + arguments, in: folder)
    }

    func testARefusedConversionLeavesSomeonesPartialFolderAlone() throws {
        let folder = try makeTemporaryFolder("tbd-convert")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A folder of someone's notes that happens to carry the name the converter once used for its own work.
        let notes = folder.appendingPathComponent("talking.partial")
        try FileManager.default.createDirectory(at: notes, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: notes.appendingPathComponent("notes.txt"))
        let missing = try convert(["--pretrained", folder.appendingPathComponent("nowhere").path,
                                   "--out", folder.appendingPathComponent("talking").path], in: folder)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("missing folder"), missing.stderr)
        let occupied = folder.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: occupied.appendingPathComponent("file"))
        let full = try convert(["--pretrained", folder.path, "--out", occupied.path], in: folder)
        XCTAssertNotEqual(full.status, 0)
        XCTAssertTrue(full.stderr.contains("exists and is not empty"), full.stderr)
        XCTAssertEqual(try String(contentsOf: notes.appendingPathComponent("notes.txt"), encoding: .utf8), "keep me")
        XCTAssertEqual(try String(contentsOf: occupied.appendingPathComponent("file"), encoding: .utf8), "mine")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["occupied", "talking.partial"],
                       "no folder of the converter's own is left behind")
    }
}
