import Foundation
import MediaIO
import XCTest

final class BadInputTests: TemporaryFolderTestCase {
    /// Every way a file can be unusable, with the kind of error it must give.
    private func badInputs() throws -> [(String, MediaError.Kind)] {
        let textFile = path("notes.txt")
        try "plain text, no pictures".write(toFile: textFile, atomically: true, encoding: .utf8)
        let randomBytes = path("noise.mp4")
        // Fixed noise (a linear congruential sequence): truly random bytes now and then look like raw audio to a probe.
        var state: UInt32 = 12_345
        let noise = (0..<4096).map { _ -> UInt8 in
            state = state &* 1_103_515_245 &+ 12_345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
        try Data(noise).write(to: URL(fileURLWithPath: randomBytes))
        return [
            (path("missing.mp4"), .fileNotFound),
            (Fixtures.path("empty.mp4"), .emptyFile),
            (Fixtures.path("truncated.mp4"), .notMedia),
            (Fixtures.path("not-video.mp4"), .notMedia),
            (textFile, .notMedia),
            (randomBytes, .notMedia),
            (folder.path, .unreadable),
            (Fixtures.path("tone.wav"), .noVideoStream),
        ]
    }

    func testEveryBadInputGivesAClearMediaError() throws {
        for (file, kind) in try badInputs() {
            for operation in ["readFrame", "readAllFrames", "probe", "middle"] {
                let error = assertMediaError(kind) {
                    switch operation {
                    case "readFrame": _ = try FrameReader.readFrame(path: file)
                    case "readAllFrames": _ = try FrameReader.readAllFrames(path: file)
                    case "middle": _ = try FrameReader.readFrame(path: file, choice: .middle)
                    default: _ = try MediaProbe.probe(path: file)
                    }
                }
                XCTAssertTrue(error?.description.hasPrefix(file + ": ") ?? false, "\(operation): \(String(describing: error))")
                XCTAssertFalse(error?.reason.isEmpty ?? true)
            }
        }
    }

    func testAVideoCutMidStreamYieldsItsIntactFramesOrAClearError() throws {
        // A clip whose index is at the front but whose data is cut short: the frames before the cut decode;
        // asking past them is an error, never a crash or a hang.
        let frontIndexed = path("front.mp4")
        let writer = try VideoWriter(path: frontIndexed, width: 64, height: 48, fps: 25, codec: .mpeg4)
        for index in 0..<30 {
            try writer.append(RGBImage(width: 64, height: 48, filledWith: (UInt8(index * 8), 100, UInt8(200 - index * 5))))
        }
        _ = try writer.finish()
        let data = try Data(contentsOf: URL(fileURLWithPath: frontIndexed))
        let cut = path("cut.mp4")
        try data.prefix(data.count - 400).write(to: URL(fileURLWithPath: cut))
        let first = try FrameReader.readFrame(path: cut)
        assertColour(first.meanColor(), (0, 100, 200))
        let frames = try FrameReader.readAllFrames(path: cut)
        XCTAssertGreaterThan(frames.count, 0)
        XCTAssertLessThan(frames.count, 30)
        assertMediaError(.frameOutOfRange) { try FrameReader.readFrame(path: cut, choice: .index(29)) }
        // A time after the cut is not answered with an earlier frame.
        assertMediaError(.noFrames) { try FrameReader.readFrame(path: cut, choice: .time(seconds: 1.15)) }
    }

    func testNamedPipesAndDevicesAreRefusedWithoutBlocking() throws {
        let pipe = path("pipe.mp4")
        XCTAssertEqual(mkfifo(pipe, 0o600), 0)
        assertMediaError(.unreadable) { try FrameReader.readFrame(path: pipe) }
        let link = path("link.mp4")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: pipe)
        assertMediaError(.unreadable) { try FrameReader.readFrame(path: link) }
        let goodLink = path("good-link.mp4")
        try FileManager.default.createSymbolicLink(atPath: goodLink, withDestinationPath: Fixtures.path("colours-h264.mp4"))
        XCTAssertEqual(try MediaProbe.probe(path: goodLink).frameCount, 6)
        assertMediaError(.unreadable) { try MediaProbe.probe(path: "/dev/zero") }
    }

    func testErrorDescriptionNamesFileAndProblem() {
        let error = MediaError(.fileNotFound, path: "/clips/a.mp4", "file not found")
        XCTAssertEqual(error.description, "/clips/a.mp4: file not found")
        XCTAssertEqual(MediaError(.invalidArgument, path: "", "bad size").description, "bad size")
    }
}
