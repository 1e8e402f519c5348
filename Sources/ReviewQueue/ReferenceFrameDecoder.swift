import Store
import Foundation
import MediaIO

/// Where the review screen gets the small picture of a subject's reference frame; tests and other front ends
/// can supply their own.
public protocol ReferenceFrameDecoder: Sendable {
    /// One frame of an image or video, scaled to fit `width` x `height` and centred on black at exactly that size.
    func decodeFrame(path: String, width: Int, height: Int) throws -> RGBPixels
}

public enum PictureSource {
    /// True for the files a picture is drawn for: PNG, JPEG and common video containers.
    public static func isPicture(path: String) -> Bool {
        MediaExtensions.matches(path, MediaExtensions.image) || isVideo(path: path)
    }

    static func isVideo(path: String) -> Bool { MediaExtensions.matches(path, MediaExtensions.video) }
}

/// Decodes through MediaIO (FFmpeg's libraries). A clip shows its middle frame, where a MEAD clip's expression
/// is at its height; a still image shows itself.
public struct MediaIOFrameDecoder: ReferenceFrameDecoder {
    public init() {}

    public func decodeFrame(path: String, width: Int, height: Int) throws -> RGBPixels {
        let frame = try FrameReader.readFrame(path: path, choice: PictureSource.isVideo(path: path) ? .middle : .first)
        let scale = min(Double(width) / Double(frame.width), Double(height) / Double(frame.height))
        let fitWidth = max(1, min(width, Int((Double(frame.width) * scale).rounded())))
        let fitHeight = max(1, min(height, Int((Double(frame.height) * scale).rounded())))
        let fitted = try frame.scaled(width: fitWidth, height: fitHeight)
        var bytes = [UInt8](repeating: 0, count: width * height * 3)
        let left = (width - fitWidth) / 2
        let top = (height - fitHeight) / 2
        for row in 0..<fitHeight {
            let source = row * fitWidth * 3
            let target = ((top + row) * width + left) * 3
            bytes[target..<(target + fitWidth * 3)] = fitted.pixels[source..<(source + fitWidth * 3)]
        }
        return RGBPixels(width: width, height: height, bytes: bytes)
    }
}
