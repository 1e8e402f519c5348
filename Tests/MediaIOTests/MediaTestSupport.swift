import Foundation
import MediaIO
import TestSupport
import XCTest

/// The fixture files made by scripts/make-media-fixtures.sh and the colours their clips show.
enum Fixtures {
    static let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// One colour per frame of colours-h264.mp4 and colours-mpeg4.mp4, in order (5 fps, 64x48).
    static let clipColours: [(Double, Double, Double)] = [
        (200, 50, 50), (50, 200, 50), (50, 50, 200), (200, 200, 50), (50, 200, 200), (200, 50, 200),
    ]
}

/// Largest per-channel difference a lossy codec may introduce on flat colours in these tests.
let codecTolerance = 8.0

func assertColour(
    _ actual: (red: Double, green: Double, blue: Double), _ expected: (Double, Double, Double),
    tolerance: Double = codecTolerance, _ message: String = "", file: StaticString = #filePath, line: UInt = #line
) {
    let differences = [abs(actual.red - expected.0), abs(actual.green - expected.1), abs(actual.blue - expected.2)]
    XCTAssertLessThanOrEqual(
        differences.max()!, tolerance,
        "\(message) colour \(actual) differs from \(expected) by more than \(tolerance)", file: file, line: line)
}

/// Asserts that `body` throws a `MediaError` of the given kind, and returns it.
@discardableResult
func assertMediaError<T>(
    _ kind: MediaError.Kind, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T
) -> MediaError? {
    do {
        _ = try body()
        XCTFail("expected a MediaError of kind \(kind), but the call succeeded", file: file, line: line)
    } catch let error as MediaError {
        XCTAssertEqual(error.kind, kind, "wrong kind for: \(error)", file: file, line: line)
        return error
    } catch {
        XCTFail("expected a MediaError, got \(error)", file: file, line: line)
    }
    return nil
}

/// A fresh folder per test, removed afterwards.
class TemporaryFolderTestCase: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mediaio-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func contentsOfFolder() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }
}

/// Runs one of FFmpeg's command-line tools when installed; nil when it is not, so such checks are extra evidence
/// rather than a requirement.
func runFFmpegTool(_ name: String, _ arguments: [String]) throws -> Data? {
    let candidates = ["/usr/bin/\(name)", "/usr/local/bin/\(name)"]
    guard let tool = candidates.first(where: FileManager.default.isExecutableFile(atPath:)) else { return nil }
    let run = try BuiltProgram.run(executable: URL(fileURLWithPath: tool), arguments)
    XCTAssertEqual(run.status, 0, "\(name) \(arguments.joined(separator: " ")): \(run.stderr)")
    return run.standardOutputData
}

/// The first frame of a file as RGB24, decoded by the ffmpeg tool: an independent reader of what MediaIO wrote.
func ffmpegFirstFrame(_ path: String, width: Int, height: Int) throws -> RGBImage? {
    guard let data = try runFFmpegTool(
        "ffmpeg", ["-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
    else { return nil }
    XCTAssertEqual(data.count, width * height * 3, "raw frame size from ffmpeg")
    guard data.count == width * height * 3 else { return nil }
    return RGBImage(width: width, height: height, pixels: [UInt8](data))
}
