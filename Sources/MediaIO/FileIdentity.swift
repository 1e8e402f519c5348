import ContentHashing
import Foundation

/// What identifies a file's content cheaply: its size, its modification time and a SHA-256 of its first bytes.
/// A clip re-encoded, replaced or touched gets a new identity; an unchanged one keeps it across runs and moves.
public struct FileIdentity: Sendable, Codable, Hashable {
    /// How much of the file's start is hashed. MP4 headers and the first frames differ between clips well within it.
    public static let headLength = 65_536

    public let size: Int64
    /// Nanoseconds since 1970.
    public let modificationTimeNanoseconds: Int64
    public let headSHA256: String

    public init(size: Int64, modificationTimeNanoseconds: Int64, headSHA256: String) {
        self.size = size
        self.modificationTimeNanoseconds = modificationTimeNanoseconds
        self.headSHA256 = headSHA256
    }

    public static func of(path: String) throws -> FileIdentity {
        try MediaFile.checkReadable(path)
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw MediaError(.unreadable, path: path, "cannot read the file (\(String(cString: strerror(errno))))")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MediaError(.unreadable, path: path, "cannot open the file")
        }
        defer { try? handle.close() }
        let head: Data
        do {
            head = try handle.read(upToCount: headLength) ?? Data()
        } catch {
            throw MediaError(.unreadable, path: path, "cannot read the file (\(error.localizedDescription))")
        }
        let headHash = SHA256Digest.hex(of: head)
        let modified = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        return FileIdentity(size: Int64(status.st_size), modificationTimeNanoseconds: modified, headSHA256: headHash)
    }
}
