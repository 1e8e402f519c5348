import Foundation

/// The paths the store keeps (subjects' source paths, clip links) are absolute: a path relative to the folder a
/// command ran in would point at nothing, or at the wrong file, from any other folder.
public enum StoredPath {
    /// `path` made absolute against `folder` (default: the working folder), with `.` and `..` resolved. Symbolic
    /// links are kept as written: the store records what the user named.
    public static func absolute(_ path: String, from folder: String = FileManager.default.currentDirectoryPath) -> String {
        guard !path.isEmpty else { return path }
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL.path }
        let base = URL(fileURLWithPath: folder, isDirectory: true)
        return URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL.path
    }
}
