import ContentHashing
import Foundation
import MediaIO

extension PortraitImage {
    /// The default pixel budget: about 448x448, some 256 Qwen2-VL image tokens (one per 28x28 pixels).
    public static let defaultMaxPixels = 448 * 448

    /// Decodes an image (or a video's chosen frame), shrinks it to the pixel budget keeping its aspect ratio,
    /// and encodes it as JPEG: servers do not honour per-request pixel limits, so the client scales.
    public static func load(path: String, maxPixels: Int = defaultMaxPixels, frame: FrameChoice = .first, quality: Int = 90) throws -> PortraitImage {
        let picture = try FrameReader.readFrame(path: path, choice: frame).scaledToFit(maxPixels: maxPixels)
        return PortraitImage(jpeg: try ImageEncoding.jpeg(picture, quality: quality), width: picture.width, height: picture.height)
    }

    /// "sha256:..." of a file's bytes, as the subject's content hash.
    public static func contentHash(of data: Data) -> String {
        "sha256:" + SHA256Digest.hex(of: data)
    }
}
