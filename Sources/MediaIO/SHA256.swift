import CFFmpeg
import Foundation

/// SHA-256 through libavutil (already linked; Foundation on Linux has no digest API): content addresses for
/// cached frames and cached model calls.
public final class SHA256Digest {
    private var context: OpaquePointer?

    public init() {
        context = av_sha_alloc()
        av_sha_init(context, 256)
    }

    deinit { av_freep(&context) }

    public func update(_ data: Data) {
        data.withUnsafeBytes { bytes in
            guard let base = bytes.bindMemory(to: UInt8.self).baseAddress, let context else { return }
            av_sha_update(context, base, bytes.count)
        }
    }

    public func update(_ text: String) { update(Data(text.utf8)) }

    /// The digest of everything added so far, as lower-case hex. Ends the digest.
    public func finishHex() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        av_sha_final(context, &digest)
        av_freep(&context)
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    public static func hex(of text: String) -> String {
        let digest = SHA256Digest()
        digest.update(text)
        return digest.finishHex()
    }
}
