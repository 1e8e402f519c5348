import Foundation
import MediaIO
import XCTest

final class FrameReaderTests: XCTestCase {
    private let clips = ["colours-h264.mp4", "colours-mpeg4.mp4"]

    func testEveryFrameOfBothCodecsDecodesToItsKnownColour() throws {
        for clip in clips {
            let frames = try FrameReader.readAllFrames(path: Fixtures.path(clip))
            XCTAssertEqual(frames.count, Fixtures.clipColours.count, clip)
            for (index, frame) in frames.enumerated() {
                XCTAssertEqual(frame.width, 64)
                XCTAssertEqual(frame.height, 48)
                XCTAssertEqual(frame.pixels.count, 64 * 48 * 3)
                assertColour(frame.meanColor(), Fixtures.clipColours[index], "\(clip) frame \(index)")
                // A corner pixel too, so a blurred or shifted picture would not pass on its mean alone.
                let corner = frame.pixel(x: 0, y: 0)
                assertColour((Double(corner.red), Double(corner.green), Double(corner.blue)),
                             Fixtures.clipColours[index], "\(clip) frame \(index) corner")
            }
        }
    }

    func testFrameChoicesPickTheRightFrame() throws {
        // (choice, index of the expected colour): 5 fps, six frames, 1.2 s.
        let cases: [(FrameChoice, Int)] = [
            (.first, 0), (.index(0), 0), (.index(2), 2), (.index(5), 5), (.middle, 3),
            (.time(seconds: 0), 0), (.time(seconds: 0.19), 0), (.time(seconds: 0.2), 1), (.time(seconds: 0.45), 2),
            (.time(seconds: 1.0), 5), (.time(seconds: 1.19), 5),
        ]
        for clip in clips {
            for (choice, expected) in cases {
                let frame = try FrameReader.readFrame(path: Fixtures.path(clip), choice: choice)
                assertColour(frame.meanColor(), Fixtures.clipColours[expected], "\(clip) \(choice)")
            }
        }
    }

    func testChoicesOutsideTheClipAreErrors() {
        let clip = Fixtures.path("colours-h264.mp4")
        let beyond = assertMediaError(.frameOutOfRange) { try FrameReader.readFrame(path: clip, choice: .index(6)) }
        XCTAssertTrue(beyond?.description.contains("6 frames") ?? false, "\(String(describing: beyond))")
        assertMediaError(.frameOutOfRange) { try FrameReader.readFrame(path: clip, choice: .time(seconds: 5)) }
        assertMediaError(.invalidArgument) { try FrameReader.readFrame(path: clip, choice: .index(-1)) }
        assertMediaError(.invalidArgument) { try FrameReader.readFrame(path: clip, choice: .time(seconds: -1)) }
        assertMediaError(.invalidArgument) { try FrameReader.readFrame(path: clip, choice: .time(seconds: .nan)) }
    }

    func testSampledFramesAreSpreadEvenly() throws {
        let clip = Fixtures.path("colours-h264.mp4")
        // Six frames in three parts: the middle of each part is frame 1, 3 and 5.
        let three = try FrameReader.sampleFrames(path: clip, count: 3)
        XCTAssertEqual(three.count, 3)
        for (frame, expected) in zip(three, [1, 3, 5]) {
            assertColour(frame.meanColor(), Fixtures.clipColours[expected], "sampled frame \(expected)")
        }
        let all = try FrameReader.sampleFrames(path: clip, count: 50)
        XCTAssertEqual(all.count, 6)
        XCTAssertEqual(try FrameReader.sampleFrames(path: Fixtures.path("still.png"), count: 4).count, 1)
        assertMediaError(.invalidArgument) { try FrameReader.sampleFrames(path: clip, count: 0) }
        assertMediaError(.notMedia) { try FrameReader.sampleFrames(path: Fixtures.path("truncated.mp4"), count: 2) }
    }

    func testChosenFramesComeWithTheirIndicesAndThoseBeyondTheEndAreLeftOut() throws {
        for clip in clips {
            let frames = try FrameReader.readFrames(path: Fixtures.path(clip), indices: [4, 1, 9])
            XCTAssertEqual(frames.map(\.index), [1, 4], "\(clip): in order, index 9 is past the end")
            for (index, frame) in frames { assertColour(frame.meanColor(), Fixtures.clipColours[index], "\(clip) frame \(index)") }
        }
        XCTAssertEqual(try FrameReader.readFrames(path: Fixtures.path("still.png"), indices: [0, 3]).map(\.index), [0])
        XCTAssertTrue(try FrameReader.readFrames(path: Fixtures.path("colours-h264.mp4"), indices: []).isEmpty)
        assertMediaError(.invalidArgument) { try FrameReader.readFrames(path: Fixtures.path("colours-h264.mp4"), indices: [-1]) }
        assertMediaError(.notMedia) { try FrameReader.readFrames(path: Fixtures.path("truncated.mp4"), indices: [0]) }
    }

    func testPNGStillDecodesExactly() throws {
        for choice in [FrameChoice.first, .middle, .index(0), .time(seconds: 0)] {
            let image = try FrameReader.readFrame(path: Fixtures.path("still.png"), choice: choice)
            XCTAssertEqual(image.width, 40)
            XCTAssertEqual(image.height, 30)
            XCTAssertTrue(image.pixel(x: 0, y: 0) == (0x33, 0x66, 0x99), "left half")
            XCTAssertTrue(image.pixel(x: 39, y: 29) == (0xCC, 0x88, 0x44), "right half")
        }
        assertMediaError(.frameOutOfRange) { try FrameReader.readFrame(path: Fixtures.path("still.png"), choice: .index(1)) }
    }

    func testJPEGStillDecodesWithinCodecError() throws {
        let image = try FrameReader.readFrame(path: Fixtures.path("still.jpg"))
        XCTAssertEqual(image.width, 40)
        XCTAssertEqual(image.height, 30)
        assertColour(image.meanColor(x: 2, y: 2, width: 14, height: 26), (0x33, 0x66, 0x99))
        assertColour(image.meanColor(x: 24, y: 2, width: 14, height: 26), (0xCC, 0x88, 0x44))
        XCTAssertEqual(try FrameReader.readAllFrames(path: Fixtures.path("still.jpg")).count, 1)
    }

    func testConcurrentReadsGiveTheSameFrames() throws {
        // The batch annotator extracts frames from many clips at once; readers share no state.
        let clip = Fixtures.path("colours-h264.mp4")
        let expected = try FrameReader.readFrame(path: clip, choice: .middle)
        let results = ResultsBox(count: 16)
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            results.store(index, Result { try FrameReader.readFrame(path: clip, choice: .middle) })
        }
        for result in results.all { XCTAssertEqual(try result?.get(), expected) }
    }
}

/// Collects results written from several threads.
private final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<RGBImage, Error>?]
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func store(_ index: Int, _ result: Result<RGBImage, Error>) { lock.withLock { results[index] = result } }
    var all: [Result<RGBImage, Error>?] { lock.withLock { results } }
}
