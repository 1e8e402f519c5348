import Foundation

/// FNV-1a, 64 bit: a fast, stable fingerprint for template versions, image records and per-tensor seeds
/// (not for security: SHA256Digest is the content address).
public enum FNV1a {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325

    public static func hash64(_ bytes: some Sequence<UInt8>, seed: UInt64 = offsetBasis) -> UInt64 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    public static func hex64(_ data: Data) -> String {
        let value = data.withUnsafeBytes { hash64($0) }
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
