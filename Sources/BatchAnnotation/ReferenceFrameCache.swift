import Foundation
import MediaIO

/// Reference frames extracted once and kept on disk as JPEG, keyed by the clip's identity (size, modification
/// time and a hash of its first megabyte) and the frame choice, so a re-run decodes nothing new.
public struct ReferenceFrameCache: Sendable {
    public let directory: String
    public let choice: FrameChoice
    public let maxPixels: Int

    public init(directory: String, choice: FrameChoice = .middle, maxPixels: Int = 448 * 448) {
        self.directory = directory
        self.choice = choice
        self.maxPixels = maxPixels
    }

    public struct Frame: Sendable {
        public var jpeg: Data
        public var width: Int
        public var height: Int
        /// True when the frame came from the cache without decoding.
        public var cached: Bool
        /// Hash of the clip's identity, recorded as the subject's content hash.
        public var clipIdentity: String
    }

    /// The clip's frame as JPEG, from the cache or decoded now (and then cached). Throws MediaError for bad clips.
    public func frame(for clipPath: String) throws -> Frame {
        let identity = try Self.identity(of: clipPath)
        let key = SHA256Digest()
        key.update(identity)
        key.update("\(choice)")
        key.update("\(maxPixels)")
        let name = key.finalize()
        let jpegPath = (directory as NSString).appendingPathComponent(name + ".jpg")
        if let data = FileManager.default.contents(atPath: jpegPath), let size = Self.jpegSize(data) {
            return Frame(jpeg: data, width: size.width, height: size.height, cached: true, clipIdentity: identity)
        }
        let image = try FrameReader.readFrame(path: clipPath, choice: choice).scaledToFit(maxPixels: maxPixels)
        let jpeg = try ImageEncoding.jpeg(image)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Write then rename: a crash never leaves a half-written frame behind a valid name.
        let temporary = jpegPath + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
        try jpeg.write(to: URL(fileURLWithPath: temporary))
        _ = try? FileManager.default.removeItem(atPath: jpegPath)
        try FileManager.default.moveItem(atPath: temporary, toPath: jpegPath)
        return Frame(jpeg: jpeg, width: image.width, height: image.height, cached: false, clipIdentity: identity)
    }

    /// size + mtime + SHA-256 of the first MiB: cheap, and changes whenever the clip does in practice.
    static func identity(of path: String) throws -> String {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw MediaFileMissing(path: path)
        }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        guard let handle = FileHandle(forReadingAtPath: path) else { throw MediaFileMissing(path: path) }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 1 << 20)) ?? Data()
        let digest = SHA256Digest()
        digest.update("\(size)")
        digest.update(String(format: "%.6f", modified))
        digest.update(head)
        return digest.finalize()
    }

    /// Width and height from a baseline or progressive JPEG's SOF marker; nil if the bytes are not a whole JPEG.
    static func jpegSize(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data)
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[bytes.count - 2] == 0xFF, bytes[bytes.count - 1] == 0xD9 else { return nil }
        var index = 2
        while index + 9 < bytes.count {
            guard bytes[index] == 0xFF else { return nil }
            let marker = bytes[index + 1]
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            if (0xC0...0xC3).contains(marker) {
                let height = Int(bytes[index + 5]) << 8 | Int(bytes[index + 6])
                let width = Int(bytes[index + 7]) << 8 | Int(bytes[index + 8])
                return (width, height)
            }
            index += 2 + length
        }
        return nil
    }
}

/// A clip that disappeared between the scan and its turn.
public struct MediaFileMissing: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "\(path): no such file or not readable" }
}
