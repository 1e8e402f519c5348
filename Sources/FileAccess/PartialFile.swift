import Foundation
import Glibc

/// The hidden file a writer fills before renaming it over its target: `.NAME.partial-XXXXXXXX` beside the target,
/// created exclusively, and held under an exclusive `flock` for as long as the writer has it open.
///
/// The kernel drops the lock when the process ends however it ends (SIGKILL included), so a partial file whose
/// lock can be taken belongs to nobody: `removeAbandoned(in:)` deletes those, and never one that a live writer
/// in any process is still filling.
public final class PartialFile {
    public let path: String
    public let descriptor: Int32
    private var isOpen = true

    /// A new partial file beside `target`, open for writing and locked.
    public init(beside target: String) throws {
        let url = URL(fileURLWithPath: target)
        let folder = url.deletingLastPathComponent().path
        var template = Array("\(folder)/.\(url.lastPathComponent)\(Self.marker)XXXXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw OutputFileError(path: target, reason: "cannot create a file in \(folder): \(String(cString: strerror(errno)).lowercased())")
        }
        path = String(cString: template)
        self.descriptor = descriptor
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            Glibc.close(descriptor)
            unlink(path)
            throw OutputFileError(path: target, errno: failure)
        }
    }

    deinit { close() }

    /// Closes the file, which releases the lock. The file itself stays (the caller renames or removes it).
    public func close() {
        guard isOpen else { return }
        isOpen = false
        Glibc.close(descriptor)
    }

    static let marker = ".partial-"

    /// How long a partial file is left alone after its last change, whatever its lock: between `mkstemp` and
    /// `flock` a new file is briefly unlocked.
    static let gracePeriod: TimeInterval = 30

    /// Whether a live process is writing `target` now: one of its partial files is locked.
    public static func isHeld(beside target: String) -> Bool {
        let url = URL(fileURLWithPath: target)
        let folder = url.deletingLastPathComponent().path
        let prefix = "." + url.lastPathComponent + marker
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return false }
        for name in names where name.hasPrefix(prefix) {
            let descriptor = open((folder as NSString).appendingPathComponent(name), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard descriptor >= 0 else { continue }
            defer { Glibc.close(descriptor) }
            if flock(descriptor, LOCK_SH | LOCK_NB) != 0 { return true }
        }
        return false
    }

    /// Deletes the partial files in `folder` that no live process holds (left by a writer that was killed);
    /// returns their paths.
    @discardableResult
    public static func removeAbandoned(in folder: String, now: Date = Date()) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var removed: [String] = []
        for name in names.sorted() where name.hasPrefix(".") && name.contains(marker) {
            let path = (folder as NSString).appendingPathComponent(name)
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
                  now.timeIntervalSince1970 - Double(info.st_mtim.tv_sec) > gracePeriod else { continue }
            let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard descriptor >= 0 else { continue }
            defer { Glibc.close(descriptor) }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { continue }  // a live writer holds it
            if unlink(path) == 0 { removed.append(path) }
        }
        return removed
    }
}
