import Store
import Foundation
import MediaIO

/// Where the review screen gets the small picture of a subject's reference frame; tests and other front ends
/// can supply their own.
public protocol ReferenceFrameDecoder: Sendable {
    /// The picture's frame of an image or video, cropped as it says, scaled to fit `width` x `height` and centred on
    /// black at exactly that size.
    func decodeFrame(_ picture: ReferencePicture, width: Int, height: Int) throws -> RGBPixels
}

extension ReferenceFrameDecoder {
    /// The whole reference frame: a clip's middle frame, a still image itself.
    public func decodeFrame(path: String, width: Int, height: Int) throws -> RGBPixels {
        try decodeFrame(ReferencePicture(path: path), width: width, height: height)
    }
}

public enum PictureSource {
    /// True for the files a picture is drawn for: PNG, JPEG and common video containers.
    public static func isPicture(path: String) -> Bool {
        MediaExtensions.matches(path, MediaExtensions.image) || isVideo(path: path)
    }

    static func isVideo(path: String) -> Bool { MediaExtensions.matches(path, MediaExtensions.video) }
}

/// Decodes through MediaIO (FFmpeg's libraries). A clip shows the picture's frame, else its middle frame, where a
/// MEAD clip's expression is at its height; a still image shows itself.
public struct MediaIOFrameDecoder: ReferenceFrameDecoder {
    public init() {}

    public func decodeFrame(_ picture: ReferencePicture, width: Int, height: Int) throws -> RGBPixels {
        let path = picture.path
        let choice: FrameChoice = picture.frameIndex.map { .index($0) } ?? (PictureSource.isVideo(path: path) ? .middle : .first)
        var frame = try FrameReader.readFrame(path: path, choice: choice)
        if let crop = picture.crop { frame = Self.cropped(frame, to: crop) }
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

    /// The crop's pixels, at least one, always inside the frame.
    static func cropped(_ frame: RGBImage, to crop: PictureCrop) -> RGBImage {
        func span(_ start: Double, _ length: Double, _ size: Int) -> Range<Int> {
            let first = min(max(0, Int((start * Double(size)).rounded())), size - 1)
            let count = min(max(1, Int((length * Double(size)).rounded())), size - first)
            return first..<(first + count)
        }
        let columns = span(crop.x, crop.width, frame.width), rows = span(crop.y, crop.height, frame.height)
        var pixels: [UInt8] = []
        pixels.reserveCapacity(columns.count * rows.count * 3)
        for row in rows {
            let start = (row * frame.width + columns.lowerBound) * 3
            pixels += frame.pixels[start..<(start + columns.count * 3)]
        }
        return RGBImage(width: columns.count, height: rows.count, pixels: pixels)
    }
}
