import Foundation
import MediaIO
import XCTest

final class VideoWriterTests: TemporaryFolderTestCase {
    private let colours: [(UInt8, UInt8, UInt8)] = [
        (200, 50, 50), (50, 200, 50), (50, 50, 200), (200, 200, 50), (50, 200, 200), (200, 50, 200),
        (120, 120, 120), (230, 160, 40),
    ]

    private func frames(width: Int, height: Int) -> [RGBImage] {
        colours.map { RGBImage(width: width, height: height, filledWith: (red: $0.0, green: $0.1, blue: $0.2)) }
    }

    private func writeClip(
        _ name: String, width: Int = 64, height: Int = 48, codec: VideoCodecChoice = .automatic,
        audioPath: String? = nil
    ) throws -> VideoWriterSummary {
        let writer = try VideoWriter(
            path: path(name), width: width, height: height, fps: 25, audioPath: audioPath, codec: codec)
        for frame in frames(width: width, height: height) { try writer.append(frame) }
        return try writer.finish()
    }

    private func assertDecodesToWrittenColours(
        _ file: String, width: Int, height: Int, file testFile: StaticString = #filePath, line: UInt = #line
    ) throws {
        let decoded = try FrameReader.readAllFrames(path: file)
        XCTAssertEqual(decoded.count, colours.count, "frame count", file: testFile, line: line)
        for (index, frame) in decoded.enumerated() where index < colours.count {
            XCTAssertEqual(frame.width, width, file: testFile, line: line)
            XCTAssertEqual(frame.height, height, file: testFile, line: line)
            let expected = colours[index]
            assertColour(frame.meanColor(), (Double(expected.0), Double(expected.1), Double(expected.2)),
                         "frame \(index)", file: testFile, line: line)
        }
    }

    /// ffprobe's own decoded-frame count.
    private func ffprobeFrameCount(_ file: String) throws -> Int? {
        let arguments = ["-v", "error", "-select_streams", "v:0", "-count_frames",
                         "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file]
        let output = try runFFmpegTool("ffprobe", arguments)
        return Int(String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func testH264OutputDecodesBackToTheFramesWritten() throws {
        let summary = try writeClip("h264.mp4", codec: .h264)
        XCTAssertEqual(summary.codecName, "libx264")
        XCTAssertEqual(summary.framesWritten, colours.count)
        XCTAssertEqual(summary.path, path("h264.mp4"))
        try assertDecodesToWrittenColours(path("h264.mp4"), width: 64, height: 48)
        let info = try MediaProbe.probe(path: path("h264.mp4"))
        XCTAssertEqual(info.codecName, "h264")
        XCTAssertEqual(info.frameCount, colours.count)
        XCTAssertEqual(info.fps, 25, accuracy: 0.01)
        XCTAssertFalse(info.hasAudio)
        XCTAssertEqual(try ffprobeFrameCount(path("h264.mp4")), colours.count)
    }

    func testMPEG4OutputDecodesBackToTheFramesWritten() throws {
        let summary = try writeClip("mpeg4.mp4", codec: .mpeg4)
        XCTAssertEqual(summary.codecName, "mpeg4")
        try assertDecodesToWrittenColours(path("mpeg4.mp4"), width: 64, height: 48)
        XCTAssertEqual(try MediaProbe.probe(path: path("mpeg4.mp4")).codecName, "mpeg4")
        XCTAssertEqual(try ffprobeFrameCount(path("mpeg4.mp4")), colours.count)
    }

    func testTheFfmpegToolReadsTheSameColours() throws {
        for codec in [VideoCodecChoice.h264, .mpeg4] {
            _ = try writeClip("tool-\(codec).mp4", codec: codec)
            let frame = try ffmpegFirstFrame(path("tool-\(codec).mp4"), width: 64, height: 48)
            let expected = colours[0]
            assertColour(frame.meanColor(), (Double(expected.0), Double(expected.1), Double(expected.2)), "\(codec)")
        }
    }

    func testAutomaticChoiceUsesLibx264WhenPresent() throws {
        XCTAssertEqual(try writeClip("auto.mp4").codecName, "libx264")
    }

    func testOddSizesArePaddedToEven() throws {
        let summary = try writeClip("odd.mp4", width: 33, height: 25)
        XCTAssertEqual(summary.width, 34)
        XCTAssertEqual(summary.height, 26)
        try assertDecodesToWrittenColours(path("odd.mp4"), width: 34, height: 26)
        let summaryMPEG4 = try writeClip("odd4.mp4", width: 1, height: 1, codec: .mpeg4)
        XCTAssertEqual(summaryMPEG4.width, 2)
        XCTAssertEqual(summaryMPEG4.height, 2)
    }

    func testAACAudioIsCopiedIntoTheVideo() throws {
        let summary = try writeClip("copied.mp4", audioPath: Fixtures.path("with-audio.mp4"))
        XCTAssertEqual(summary.audioCodecName, "aac")
        XCTAssertEqual(summary.audioCopied, true)
        let info = try MediaProbe.probe(path: path("copied.mp4"))
        XCTAssertTrue(info.hasAudio)
        XCTAssertEqual(info.audioCodecName, "aac")
        try assertDecodesToWrittenColours(path("copied.mp4"), width: 64, height: 48)
    }

    func testPCMAudioIsReencodedToAAC() throws {
        let summary = try writeClip("reencoded.mp4", audioPath: Fixtures.path("tone.wav"))
        XCTAssertEqual(summary.audioCodecName, "aac")
        XCTAssertEqual(summary.audioCopied, false)
        let info = try MediaProbe.probe(path: path("reencoded.mp4"))
        XCTAssertTrue(info.hasAudio)
        XCTAssertEqual(info.audioCodecName, "aac")
        try assertDecodesToWrittenColours(path("reencoded.mp4"), width: 64, height: 48)
    }

    func testCancelLeavesNoFileAndKeepsAnOldOne() throws {
        let writer = try VideoWriter(path: path("cancelled.mp4"), width: 64, height: 48)
        for frame in frames(width: 64, height: 48) { try writer.append(frame) }
        XCTAssertEqual(try contentsOfFolder().count, 1, "only the hidden temporary file while writing")
        XCTAssertTrue(try contentsOfFolder()[0].hasPrefix(".cancelled.mp4.partial-"))
        writer.cancel()
        writer.cancel()
        XCTAssertEqual(try contentsOfFolder(), [])
        assertMediaError(.invalidArgument) { try writer.append(frames(width: 64, height: 48)[0]) }
        assertMediaError(.invalidArgument) { try writer.finish() }

        let existing = path("existing.mp4")
        try Data("previous render".utf8).write(to: URL(fileURLWithPath: existing))
        let second = try VideoWriter(path: existing, width: 64, height: 48)
        try second.append(frames(width: 64, height: 48)[0])
        second.cancel()
        XCTAssertEqual(try String(contentsOfFile: existing, encoding: .utf8), "previous render")
        XCTAssertEqual(try contentsOfFolder(), ["existing.mp4"])
    }

    func testAWriterDroppedWithoutFinishLeavesNoFile() throws {
        do {
            let writer = try VideoWriter(path: path("dropped.mp4"), width: 64, height: 48)
            try writer.append(frames(width: 64, height: 48)[0])
        }
        XCTAssertEqual(try contentsOfFolder(), [])
    }

    func testFinishReplacesAnExistingFile() throws {
        try Data("old".utf8).write(to: URL(fileURLWithPath: path("replace.mp4")))
        _ = try writeClip("replace.mp4")
        XCTAssertEqual(try MediaProbe.probe(path: path("replace.mp4")).frameCount, colours.count)
        XCTAssertEqual(try contentsOfFolder(), ["replace.mp4"])
    }

    func testWriterRejectsBadArgumentsAndLeavesNothing() throws {
        let writer = try VideoWriter(path: path("sizes.mp4"), width: 64, height: 48)
        assertMediaError(.invalidArgument) { try writer.append(RGBImage(width: 32, height: 48, filledWith: (0, 0, 0))) }
        assertMediaError(.invalidArgument) { try writer.finish() }
        XCTAssertEqual(try contentsOfFolder(), [], "finishing with no frames writes nothing")

        assertMediaError(.invalidArgument) { try VideoWriter(path: path("zero.mp4"), width: 0, height: 48) }
        assertMediaError(.invalidArgument) { try VideoWriter(path: path("fps.mp4"), width: 64, height: 48, fps: 0) }
        assertMediaError(.writeFailed) { try VideoWriter(path: path("no/such/folder/x.mp4"), width: 64, height: 48) }
        assertMediaError(.fileNotFound) {
            try VideoWriter(path: path("audio.mp4"), width: 64, height: 48, audioPath: path("missing.wav"))
        }
        assertMediaError(.noAudioStream) {
            try VideoWriter(path: path("audio.mp4"), width: 64, height: 48, audioPath: Fixtures.path("colours-h264.mp4"))
        }
        assertMediaError(.notMedia) {
            try VideoWriter(path: path("audio.mp4"), width: 64, height: 48, audioPath: Fixtures.path("not-video.mp4"))
        }
        XCTAssertEqual(try contentsOfFolder(), [], "failed writers leave no temporary files")
    }
}
