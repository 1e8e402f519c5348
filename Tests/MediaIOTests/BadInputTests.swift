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

    /// FFmpeg refuses a picture this large before reporting its size: it used to read as "truncated or corrupt".
    func testAPictureTooLargeToDecodeSaysSoWithItsSize() throws {
        let file = path("huge.png")
        try Self.pngHeaderOnly(width: 60_000, height: 60_000).write(to: URL(fileURLWithPath: file))
        for operation in ["readFrame", "probe"] {
            let error = assertMediaError(.tooLarge) {
                if operation == "probe" { _ = try MediaProbe.probe(path: file) } else { _ = try FrameReader.readFrame(path: file) }
            }
            XCTAssertTrue(error?.description.hasPrefix(file + ": ") ?? false, error?.description ?? "")
            XCTAssertTrue(error?.reason.contains("60000x60000 pixels, too large") ?? false, error?.reason ?? "")
            XCTAssertTrue(error?.reason.contains("16000x16000") ?? false, error?.reason ?? "")
        }
    }

    /// A cut JPEG used to decode with its missing rows filled in, silently.
    func testACutJPEGIsRefused() throws {
        let image = RGBImage(width: 96, height: 64, pixels: (0..<(96 * 64 * 3)).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        let whole = try ImageEncoding.jpeg(image, quality: 95)
        let complete = path("whole.jpg")
        try whole.write(to: URL(fileURLWithPath: complete))
        XCTAssertEqual(try FrameReader.readFrame(path: complete).width, 96)
        let cut = path("cut.jpg")
        try whole.prefix(whole.count * 2 / 3).write(to: URL(fileURLWithPath: cut))
        let error = assertMediaError(.noFrames) { try FrameReader.readFrame(path: cut) }
        XCTAssertTrue(error?.description.hasPrefix(cut + ": the picture's data is damaged or cut short") ?? false,
                      error?.description ?? "")
    }

    /// A PNG signature and IHDR chunk declaring `width` x `height`, with one tiny IDAT and IEND.
    static func pngHeaderOnly(width: UInt32, height: UInt32) -> Data {
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + body
            return bigEndian(UInt32(body.count)) + typed + bigEndian(crc32(typed))
        }
        func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        func crc32(_ bytes: [UInt8]) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            }
            return ~crc
        }
        let header = bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0]
        // An empty zlib stream (stored, final block of length 0): the data never matters, the size is refused first.
        let data = [0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01] as [UInt8]
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", data) + chunk("IEND", []))
    }

    func testErrorDescriptionNamesFileAndProblem() {
        let error = MediaError(.fileNotFound, path: "/clips/a.mp4", "file not found")
        XCTAssertEqual(error.description, "/clips/a.mp4: file not found")
        XCTAssertEqual(MediaError(.invalidArgument, path: "", "bad size").description, "bad size")
    }
}
