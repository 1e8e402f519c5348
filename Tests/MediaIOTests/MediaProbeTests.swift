import MediaIO
import XCTest

final class MediaProbeTests: XCTestCase {
    func testProbeOfTheColourClips() throws {
        for (clip, codec) in [("colours-h264.mp4", "h264"), ("colours-mpeg4.mp4", "mpeg4")] {
            let info = try MediaProbe.probe(path: Fixtures.path(clip))
            XCTAssertEqual(info.width, 64, clip)
            XCTAssertEqual(info.height, 48, clip)
            XCTAssertEqual(info.frameCount, 6, clip)
            XCTAssertEqual(info.frameCountSource, .container, clip)
            XCTAssertEqual(info.fps, 5, accuracy: 0.001, clip)
            XCTAssertEqual(info.duration, 1.2, accuracy: 0.01, clip)
            XCTAssertEqual(info.codecName, codec)
            XCTAssertFalse(info.hasAudio, clip)
            XCTAssertNil(info.audioCodecName)
            XCTAssertFalse(info.isStillImage)
        }
    }

    func testProbeFindsTheAudioStream() throws {
        let info = try MediaProbe.probe(path: Fixtures.path("with-audio.mp4"))
        XCTAssertTrue(info.hasAudio)
        XCTAssertEqual(info.audioCodecName, "aac")
        XCTAssertEqual(info.frameCount, 10)
        XCTAssertEqual(info.fps, 10, accuracy: 0.001)
        XCTAssertEqual(info.duration, 1.0, accuracy: 0.05)
    }

    func testProbeOfStills() throws {
        let png = try MediaProbe.probe(path: Fixtures.path("still.png"))
        XCTAssertEqual(png.frameCountSource, .stillImage)
        XCTAssertEqual(png.frameCount, 1)
        XCTAssertEqual(png.width, 40)
        XCTAssertEqual(png.height, 30)
        XCTAssertEqual(png.codecName, "png")
        XCTAssertEqual(png.duration, 0)
        let jpeg = try MediaProbe.probe(path: Fixtures.path("still.jpg"))
        XCTAssertEqual(jpeg.codecName, "mjpeg")
        XCTAssertTrue(jpeg.isStillImage)
    }

    func testCountingFramesAgreesWithTheIndex() throws {
        let info = try MediaProbe.probe(path: Fixtures.path("colours-mpeg4.mp4"), countFrames: true)
        XCTAssertEqual(info.frameCount, 6)
    }

    func testMediaInfoEncodesAsJSON() throws {
        let info = try MediaProbe.probe(path: Fixtures.path("colours-h264.mp4"))
        let decoded = try JSONDecoder().decode(MediaInfo.self, from: JSONEncoder().encode(info))
        XCTAssertEqual(decoded, info)
    }
}
