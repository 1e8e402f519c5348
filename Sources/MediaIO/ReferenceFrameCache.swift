import ContentHashing
import Foundation
import FileAccess

/// A frame extracted for a model request: JPEG bytes and their size.
public struct ReferenceFrame: Sendable, Equatable {
    public let jpeg: Data
    public let width: Int
    public let height: Int
    /// True when the bytes came from the cache and nothing was decoded.
    public let fromCache: Bool
    /// The cache key: a SHA-256 over the file identity and the request.
    public let key: String
}

/// Reference frames cached on disk as JPEG files, keyed by the source's `FileIdentity` and the request (frame
/// choice, pixel budget, quality), so a re-run of a batch decodes nothing it decoded before.
///
/// Entries are written atomically (temporary file, then rename), so concurrent workers and processes killed
/// mid-write never leave a partial entry; an unreadable entry counts as a miss and is replaced. Safe to share
/// between threads.
public final class ReferenceFrameCache: Sendable {
    /// Bumped when the extraction itself changes, so old entries stop matching.
    static let formatVersion = "1"

    public let directory: String

    public init(directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw MediaError(.writeFailed, path: directory, "cannot create the frame cache folder (\(FileErrorText.reason(error)))")
        }
        self.directory = directory
    }

    /// The frame `choice` of the file at `path`, shrunk to at most `maxPixels` (nil: full size), as JPEG.
    public func frame(
        path: String, choice: FrameChoice = .first, maxPixels: Int? = 448 * 448, quality: Int = 90
    ) throws -> ReferenceFrame {
        let identity = try FileIdentity.of(path: path)
        let key = Self.key(identity: identity, choice: choice, maxPixels: maxPixels, quality: quality)
        let entry = entryPath(for: key)
        if let cached = try? Data(contentsOf: URL(fileURLWithPath: entry)), let size = JPEGHeader.size(of: cached) {
            return ReferenceFrame(jpeg: cached, width: size.width, height: size.height, fromCache: true, key: key)
        }
        let decoded = try FrameReader.readFrame(path: path, choice: choice)
        let image = try maxPixels.map { try decoded.scaledToFit(maxPixels: $0) } ?? decoded
        let jpeg = try ImageEncoding.jpeg(image, quality: quality)
        do {
            try FileManager.default.createDirectory(
                atPath: (entry as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try jpeg.write(to: URL(fileURLWithPath: entry), options: .atomic)
        } catch {
            throw MediaError(.writeFailed, path: entry, "cannot store the frame in the cache (\(FileErrorText.reason(error)))")
        }
        return ReferenceFrame(jpeg: jpeg, width: image.width, height: image.height, fromCache: false, key: key)
    }

    /// Where an entry lives: two-character fan-out folders keep any one folder small for large datasets.
    public func entryPath(for key: String) -> String {
        URL(fileURLWithPath: directory).appendingPathComponent(String(key.prefix(2)))
            .appendingPathComponent("\(key).jpg").path
    }

    static func key(identity: FileIdentity, choice: FrameChoice, maxPixels: Int?, quality: Int) -> String {
        let choiceText: String
        switch choice {
        case .first: choiceText = "first"
        case .middle: choiceText = "middle"
        case .time(let seconds): choiceText = "time:\(seconds)"
        case .index(let index): choiceText = "index:\(index)"
        }
        let fields = [
            "tbd-reference-frame", formatVersion, String(identity.size), String(identity.modificationTimeNanoseconds),
            identity.headSHA256, choiceText, maxPixels.map(String.init) ?? "full", String(quality),
        ]
        return SHA256Digest.hex(of: fields.joined(separator: "|"))
    }
}
