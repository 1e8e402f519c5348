import CLibCrypto
import Foundation

/// Incremental SHA-256 through OpenSSL's libcrypto: content addresses for cached frames and model calls.
final class SHA256Digest {
    private let context: OpaquePointer

    init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    func update(_ data: Data) {
        data.withUnsafeBytes { buffer in
            _ = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
        }
    }

    func update(_ text: String) {
        // A separator keeps ("ab", "c") and ("a", "bc") apart.
        update(Data(text.utf8) + Data([0]))
    }

    /// Lower-case hex of the digest; call once.
    func finalize() -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }

    static func hex(_ data: Data) -> String {
        let digest = SHA256Digest()
        digest.update(data)
        return digest.finalize()
    }
}
