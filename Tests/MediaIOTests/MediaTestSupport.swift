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
        folder = try makeTemporaryFolder("mediaio-tests")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func contentsOfFolder() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }
}

/// Runs one of FFmpeg's command-line tools (`ffmpeg`, `ffprobe`): an independent reader of what MediaIO wrote.
/// scripts/install-deps.sh installs them, so a missing tool is a failure, not a reason to check less.
func runFFmpegTool(_ name: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Data {
    let folders = ["/usr/bin", "/usr/local/bin"] + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
    guard let tool = folders.map({ "\($0)/\(name)" }).first(where: FileManager.default.isExecutableFile(atPath:)) else {
        let problem = "\(name) is not installed (looked in \(folders.joined(separator: ", "))): run `make deps` (scripts/install-deps.sh)"
        XCTFail(problem, file: file, line: line)
        throw FFmpegToolError(description: problem)
    }
    let run = try BuiltProgram.run(executable: URL(fileURLWithPath: tool), arguments)
    XCTAssertEqual(run.status, 0, "\(name) \(arguments.joined(separator: " ")): \(run.stderr)", file: file, line: line)
    return run.standardOutputData
}

/// Thrown after the failure is recorded, so the test stops instead of checking less.
struct FFmpegToolError: Error, CustomStringConvertible {
    let description: String
}

/// The first frame of a file as RGB24, decoded by the ffmpeg tool.
func ffmpegFirstFrame(_ path: String, width: Int, height: Int, file: StaticString = #filePath, line: UInt = #line) throws -> RGBImage {
    let data = try runFFmpegTool(
        "ffmpeg", ["-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], file: file, line: line)
    guard data.count == width * height * 3 else {
        let problem = "ffmpeg decoded \(data.count) bytes, not a \(width)x\(height) RGB frame"
        XCTFail(problem, file: file, line: line)
        throw FFmpegToolError(description: problem)
    }
    return RGBImage(width: width, height: height, pixels: [UInt8](data))
}
