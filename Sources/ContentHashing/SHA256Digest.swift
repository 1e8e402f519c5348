import Crypto
import Foundation

/// SHA-256 from swift-crypto, fed incrementally: content addresses for cached frames, cached model calls,
/// checkpoints and subjects.
public struct SHA256Digest {
    private var hasher = SHA256()

    public init() {}

    public mutating func update(_ data: Data) { hasher.update(data: data) }

    public mutating func update(_ text: String) { hasher.update(data: Data(text.utf8)) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

    /// The digest of everything added so far, as lower-case hex.
    public func finishHex() -> String {
        hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    public static func hex(of text: String) -> String {
        var digest = SHA256Digest()
        digest.update(text)
        return digest.finishHex()
    }

    public static func hex(of data: Data) -> String {
        var digest = SHA256Digest()
        digest.update(data)
        return digest.finishHex()
    }

    /// The digest of a whole file, read in blocks of 16 MiB so a multi-gigabyte file is never held at once.
    public static func hex(ofFileAt url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var digest = SHA256Digest()
        while let block = try handle.read(upToCount: 1 << 24), !block.isEmpty { digest.update(block) }
        return digest.finishHex()
    }
}
