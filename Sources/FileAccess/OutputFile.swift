import Foundation
import Glibc

/// The one way a command writes the file a user names with `--out`.
///
/// - `-` is standard output; every byte is checked, so a full disk (`/dev/full`) or a closed stdout is an error
///   rather than a silent success.
/// - A FIFO or a character device (`/dev/null`, a terminal) is written through: renaming a temporary file over it
///   would replace the node itself with a regular file (as root, `--out /dev/null` would replace the system's).
/// - A symbolic link is refused, not followed: following it would let whoever planted the link choose which file
///   is replaced, and renaming over it would silently turn the link into a file. Name the target instead.
/// - A folder, a socket or a block device is refused.
/// - Anything else (a regular file, or no file yet) is written atomically: a hidden temporary file beside the
///   target, synced, then renamed over it, so a reader never sees half a file and a failure leaves the old one.
public enum OutputFile {
    /// The path that means standard output.
    public static let standardOutput = "-"

    /// Writes `data` to `path`.
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { sink in try sink(data) }
    }

    /// Writes whatever `produce` passes to its sink, in order, to `path`. Nothing replaces a regular file unless
    /// `produce` returns normally.
    public static func write(to path: String, _ produce: (_ sink: (Data) throws -> Void) throws -> Void) throws {
        if path == standardOutput {
            try produce { try writeAll($0, to: STDOUT_FILENO, path: "standard output") }
            return
        }
        guard !path.isEmpty else { throw OutputFileError(path: path, reason: "the path is empty") }
        var info = stat()
        if lstat(path, &info) != 0 {
            guard errno == ENOENT else { throw OutputFileError(path: path, errno: errno) }
            return try writeAtomically(to: path, mode: nil, produce)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            try writeAtomically(to: path, mode: info.st_mode & 0o7777, produce)
        case S_IFIFO, S_IFCHR:
            try writeThrough(to: path, produce)
        case S_IFLNK:
            throw OutputFileError(path: path, reason: "is a symbolic link; name the file it points to instead")
        case S_IFDIR:
            throw OutputFileError(path: path, reason: "is a folder")
        default:
            throw OutputFileError(path: path, reason: "is not a regular file, a FIFO or a character device")
        }
    }

    private static func writeThrough(to path: String, _ produce: ((Data) throws -> Void) throws -> Void) throws {
        // No O_CREAT: if the node vanished since lstat, failing is better than creating a file in its place.
        let descriptor = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { throw OutputFileError(path: path, errno: errno) }
        do {
            try produce { try writeAll($0, to: descriptor, path: path) }
        } catch {
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw OutputFileError(path: path, errno: errno) }
    }

    private static func writeAtomically(to path: String, mode: mode_t?, _ produce: ((Data) throws -> Void) throws -> Void) throws {
        let partial = try PartialFile(beside: path)
        do {
            // mkstemp creates the file 0600; give it the replaced file's mode, or what a new file would get.
            guard fchmod(partial.descriptor, mode ?? (0o666 & ~currentUmask())) == 0 else { throw OutputFileError(path: path, errno: errno) }
            try produce { try writeAll($0, to: partial.descriptor, path: path) }
            guard fsync(partial.descriptor) == 0 else { throw OutputFileError(path: path, errno: errno) }
            guard rename(partial.path, path) == 0 else { throw OutputFileError(path: path, errno: errno) }
            partial.close()
        } catch {
            unlink(partial.path)
            partial.close()
            throw error
        }
    }

    private static func writeAll(_ data: Data, to descriptor: Int32, path: String) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard var next = buffer.baseAddress else { return }
            var left = buffer.count
            while left > 0 {
                let written = systemWrite(descriptor, next, left)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw OutputFileError(path: path, errno: errno)
                }
                left -= written
                next += written
            }
        }
    }

    private static let systemWrite = Glibc.write

    private static func currentUmask() -> mode_t {
        // umask can only be read by setting it; the value is put back at once.
        let mask = umask(0o022)
        umask(mask)
        return mask
    }
}
