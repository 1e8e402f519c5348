@testable import BatchAnnotation
import AnnotationRecord
import Foundation
import TestSupport
import XCTest

final class ScannerTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = try makeTemporaryFolder("tbd-scan")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    private func touch(_ relative: String, _ contents: String = "x") throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: url)
    }

    func testMEADLayoutWithQuirksAndStrayFiles() throws {
        let files = [
            "M003/video/front/angry/level_1/001.mp4",
            "M003/video/front/angry/level_1/002.mp4",
            "M003/video/left_30/happy/level_3/001.mp4",
            "M003/audio/angry/level_1/001.m4a",
            "W021/video/1/front/sad/level_2/001.mp4",        // the extra folder level
            "W009/VIDEO/FRONT/Surprised/LEVEL_2/003.MP4",   // upper case
            "flat/M012#fear#level_3#004.mp4",               // flattened
            "flat/W015#top#contempt#level_1#001.mp4",       // flattened with a view
            "M003/video/front/angry/level_1/notes.txt",
            "M003/video/front/angry/level_1/.DS_Store",
            "M003/video/front/bored/level_1/001.mp4",
            "M003/video/sideways/angry/level_1/001.mp4",
            "M003/video/front/angry/level_9/001.mp4",
            "M003/video/front/angry/001.mp4",
            "README.mp4",
            "flat/garbage#name.mp4",
        ]
        for file in files { try touch(file) }
        let result = try MEADScanner().scan(root: root.path)
        let labels = result.clips.map { "\($0.actor) \($0.view) \($0.emotion) \($0.level)" }
        XCTAssertEqual(labels, [
            "M003 front angry 1", "M003 front angry 1", "M003 left_30 happy 3", "W009 front surprised 2",
            "W021 front sad 2", "M012 front fear 3", "W015 top contempt 1",
        ])
        let prefix = root.path + "/"
        let reasons = Dictionary(uniqueKeysWithValues: result.skipped.map { (String($0.path.dropFirst(prefix.count)), $0.reason) })
        XCTAssertEqual(reasons["M003/audio/angry/level_1/001.m4a"], "audio file (annotations come from video)")
        XCTAssertEqual(reasons["M003/video/front/angry/level_1/notes.txt"], "not a video file (.txt)")
        XCTAssertEqual(reasons["M003/video/front/angry/level_1/.DS_Store"], "hidden file")
        XCTAssertEqual(reasons["M003/video/front/bored/level_1/001.mp4"], "unknown emotion 'bored'")
        XCTAssertEqual(reasons["M003/video/sideways/angry/level_1/001.mp4"], "unknown view 'sideways'")
        XCTAssertEqual(reasons["M003/video/front/angry/level_9/001.mp4"], "unknown level 'level_9'")
        XCTAssertEqual(reasons["M003/video/front/angry/001.mp4"], "unexpected folder depth under M003/video/")
        XCTAssertEqual(reasons["README.mp4"], "not under an actor folder (M### or W###)")
        XCTAssertEqual(reasons["flat/garbage#name.mp4"], "flattened name not understood (expected ACTOR#emotion#level_N#clip)")
        XCTAssertEqual(result.clips.count + result.skipped.count, files.count, "every file is either a clip or a reported skip")
        XCTAssertEqual(result.skippedByReason.first?.count, 1)
    }

    func testMissingRootIsAnError() {
        XCTAssertThrowsError(try MEADScanner().scan(root: "/nonexistent/mead")) { error in
            XCTAssertEqual(error as? BatchError, .notADirectory("/nonexistent/mead"))
        }
    }

    func testHDTFClipsAreNeutralWithSpeakers() throws {
        for file in ["RD_Radio1_000.mp4", "RD_Radio1_001.mp4", "WDA_BarackObama_000.mp4", "WRA_Someone.mp4", "list.txt"] {
            try touch(file)
        }
        let result = try HDTFScanner().scan(root: root.path)
        XCTAssertEqual(result.clips.map(\.actor), ["RD_Radio1", "RD_Radio1", "WDA_BarackObama", "WRA_Someone"])
        XCTAssertTrue(result.clips.allSatisfy { $0.emotion == "neutral" && $0.level == 1 && $0.dataset == .hdtf })
        XCTAssertEqual(result.skipped.map(\.reason), ["not a video file (.txt)"])
    }

    func testCSVManifest() throws {
        try touch("clips/a.mp4")
        try touch("manifest.csv", """
            path,emotion,level,subject,actor
            clips/a.mp4,happy,3,"a woman in her thirties, smiling",A1
            /abs/b.png,anger,Moderate,,
            clips/c.mp4,bored,2,,
            clips/d.mp4,sad,7,,
            clips/e.mp4,neutral,,,
            ,happy,1,,

            """)
        let result = try ManifestReader().read(path: root.appendingPathComponent("manifest.csv").path)
        XCTAssertEqual(result.clips.count, 3)
        XCTAssertEqual(result.clips[0].path, root.appendingPathComponent("clips/a.mp4").path)
        XCTAssertEqual(result.clips[0].subject, "a woman in her thirties, smiling")
        XCTAssertEqual(result.clips[0].actor, "A1")
        XCTAssertEqual(result.clips[0].level, 3)
        XCTAssertEqual(result.clips[1].emotion, "angry")
        XCTAssertEqual(result.clips[1].level, 2)
        XCTAssertEqual(result.clips[1].actor, "b")
        XCTAssertEqual(result.clips[2].emotion, "neutral")
        XCTAssertEqual(result.clips[2].level, 1)
        XCTAssertEqual(result.skipped.map(\.reason), [
            "unknown emotion 'bored'", "level must be 1, 2, 3 or Mild/Moderate/Intense, not '7'", "no path",
        ])
        XCTAssertTrue(result.skipped[0].path.hasSuffix("manifest.csv:4"))
    }

    func testJSONLinesManifestAndErrors() throws {
        try touch("m.jsonl", """
            {"path": "x.mp4", "emotion": "fear", "level": 2}
            {"image": "y.jpg", "emotion": "surprise", "level": "Intense", "subject": "an older man"}
            """)
        let result = try ManifestReader().read(path: root.appendingPathComponent("m.jsonl").path)
        XCTAssertEqual(result.clips.map(\.emotion), ["fear", "surprised"])
        XCTAssertEqual(result.clips.map(\.level), [2, 3])
        try touch("broken.jsonl", "{\"path\": \"x.mp4\"\n")
        XCTAssertThrowsError(try ManifestReader().read(path: root.appendingPathComponent("broken.jsonl").path)) { error in
            XCTAssertEqual("\(error)", "manifest \(root.appendingPathComponent("broken.jsonl").path), line 1: not a JSON object")
        }
        try touch("noheader.csv", "a,b\n1,2\n")
        XCTAssertThrowsError(try ManifestReader().read(path: root.appendingPathComponent("noheader.csv").path))
        XCTAssertThrowsError(try ManifestReader().read(path: root.appendingPathComponent("missing.csv").path))
    }
}
