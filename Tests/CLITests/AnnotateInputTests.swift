import Foundation
import MediaIO
import Store
import TestSupport
import XCTest

/// What `tbd annotate` checks before any model call, and the paths it stores.
final class AnnotateInputTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryFolder("tbd-annotate-input") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func tbd(_ arguments: [String], in directory: URL? = nil) throws -> ProgramRun {
        try BuiltProgram.run("tbd", arguments, in: directory ?? folder)
    }

    private func writePortrait(_ name: String) throws {
        try ImageEncoding.png(RGBImage(width: 16, height: 16, filledWith: (180, 140, 120))).write(to: folder.appendingPathComponent(name))
    }

    func testAFileThatIsNotAPictureIsRefusedAndNothingIsStored() throws {
        try Data("# Astronaut\nnot a picture\n".utf8).write(to: folder.appendingPathComponent("astronaut.md"))
        let run = try tbd(["annotate", "--image", "astronaut.md", "--emotion", "happy", "--db", "tbd.sqlite"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("--image astronaut.md is not an image or a video with a frame"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("tbd.sqlite").path))
    }

    func testTheSameAnnotationTwiceNeedsAgain() throws {
        try writePortrait("face.png")
        let arguments = ["annotate", "--image", "face.png", "--emotion", "happy", "--level", "3", "--db", "tbd.sqlite"]
        XCTAssertEqual(try tbd(arguments).status, 0)
        let twice = try tbd(arguments)
        XCTAssertNotEqual(twice.status, 0)
        XCTAssertTrue(twice.stderr.contains("already annotated as happy level 3 (cot): #1"), twice.stderr)
        XCTAssertTrue(twice.stderr.contains("--again"), twice.stderr)
        let store = folder.appendingPathComponent("tbd.sqlite").path
        XCTAssertEqual(try ProjectStore(path: store).statusCounts().pending, 1)

        let again = try tbd(arguments + ["--again"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("warning:"), again.stderr)
        XCTAssertEqual(try ProjectStore(path: store).statusCounts().pending, 2)
        // Another level is another annotation, not a duplicate.
        XCTAssertEqual(try tbd(["annotate", "--image", "face.png", "--emotion", "happy", "--level", "1", "--db", "tbd.sqlite"]).status, 0)
    }

    /// A relative --image is stored absolute, so `review show` from another folder names a file that exists.
    func testARelativeImagePathIsStoredAbsolute() throws {
        try writePortrait("face.png")
        XCTAssertEqual(try tbd(["annotate", "--image", "face.png", "--emotion", "sad", "--db", "tbd.sqlite"]).status, 0)
        let elsewhere = try makeTemporaryFolder("tbd-annotate-elsewhere")
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let database = folder.appendingPathComponent("tbd.sqlite").path
        let shown = try tbd(["review", "show", "1", "--db", database, "--json"], in: elsewhere)
        XCTAssertEqual(shown.status, 0, shown.stderr)
        let path = try XCTUnwrap((shown.jsonObject?["subject"] as? [String: Any])?["source_path"] as? String, shown.stdout)
        XCTAssertEqual(URL(fileURLWithPath: path).resolvingSymlinksInPath().path,
                       folder.appendingPathComponent("face.png").resolvingSymlinksInPath().path)
        XCTAssertTrue(path.hasPrefix("/"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
    }
}
