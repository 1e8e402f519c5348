import CFFmpeg
import Foundation

/// The picture size a PNG or JPEG file declares in its header, read without decoding. FFmpeg refuses a picture
/// too large for its buffers before it reports any size, so without this such a file reads as damaged.
enum PictureHeader {
    /// How much of the file is read: a JPEG may carry up to 64 KB segments (EXIF, ICC) before its frame header.
    static let prefixLength = 256 * 1024

    static func declaredSize(path: String) -> (width: Int, height: Int)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let prefix = try? handle.read(upToCount: prefixLength) else { return nil }
        let bytes = [UInt8](prefix)
        // PNG: the 8-byte signature, then the IHDR chunk (length, "IHDR", width, height, big-endian).
        if bytes.count >= 24, bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
           bytes[12..<16].elementsEqual("IHDR".utf8) {
            func word(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
            return (word(16), word(20))
        }
        return JPEGHeader.frameSize(bytes)
    }

    /// The error for a picture whose declared size FFmpeg's decoders refuse, or nil when the size is acceptable
    /// (or unknown).
    static func sizeError(path: String) -> MediaError? {
        guard let (width, height) = declaredSize(path: path), width > 0, height > 0 else { return nil }
        guard width > Int(Int32.max) || height > Int(Int32.max) || av_image_check_size(UInt32(width), UInt32(height), 0, nil) < 0 else {
            return nil
        }
        return MediaError(
            .tooLarge, path: path,
            "the picture is \(width)x\(height) pixels, too large to decode: the limit is (width + 128) x (height + 128) "
                + "below \(Int(Int32.max) / 8) pixels, about 16000x16000")
    }
}
