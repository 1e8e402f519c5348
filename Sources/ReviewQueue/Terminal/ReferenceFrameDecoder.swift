import Foundation

/// Where the review screen gets the small picture of a subject's reference frame. This is the seam for MediaIO:
/// once `FrameReader.readFrame(path:choice:)` and `RGBImage.scaled(width:height:)` are on main, a decoder over
/// them replaces `FFmpegCommandFrameDecoder` without touching the screen.
public protocol ReferenceFrameDecoder: Sendable {
    /// The first frame of an image or video, scaled to fit `width` x `height` and padded to exactly that size.
    func decodeFrame(path: String, width: Int, height: Int) throws -> RGBPixels
}

public enum ReferenceFrame {
    static let pictureExtensions: Set<String> = ["png", "jpg", "jpeg", "mp4", "mov", "avi", "mkv", "webm"]

    /// True for the files the picture is drawn for: PNG, JPEG and common video containers.
    public static func isPicture(path: String) -> Bool {
        pictureExtensions.contains(URL(fileURLWithPath: path).pathExtension.lowercased())
    }
}

public struct FrameDecodeError: Error, CustomStringConvertible {
    public let description: String
}

/// Decodes through the `ffmpeg` command from Debian's ffmpeg package: one process per picture, run off the
/// screen's thread, reading raw RGB24 from its stdout.
public struct FFmpegCommandFrameDecoder: ReferenceFrameDecoder {
    public let executable: String

    public init(executable: String = "/usr/bin/ffmpeg") {
        self.executable = executable
    }

    public func decodeFrame(path: String, width: Int, height: Int) throws -> RGBPixels {
        guard FileManager.default.isReadableFile(atPath: path) else { throw FrameDecodeError(description: "cannot read \(path)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        let scale = "scale=\(width):\(height):force_original_aspect_ratio=decrease,pad=\(width):\(height):(ow-iw)/2:(oh-ih)/2"
        process.arguments = ["-nostdin", "-v", "error", "-i", path, "-frames:v", "1", "-vf", scale, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, data.count == width * height * 3 else {
            throw FrameDecodeError(description: "ffmpeg could not decode a frame of \(path)")
        }
        return RGBPixels(width: width, height: height, bytes: [UInt8](data))
    }
}
