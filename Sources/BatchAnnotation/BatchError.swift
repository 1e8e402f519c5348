/// Errors that stop a batch before it starts; per-item failures are recorded, not thrown.
public enum BatchError: Error, CustomStringConvertible, Equatable {
    case notADirectory(String)
    case unreadableManifest(path: String, reason: String)
    case badManifestRow(path: String, line: Int, reason: String)
    case invalidSettings(String)
    case endpointUnusable(String)
    /// Folders under a dataset root that could not be listed (permissions): the run would miss their clips.
    case unreadableFolders(root: String, folders: [String])

    public var description: String {
        switch self {
        case .notADirectory(let path): "\(path) is not a directory"
        case .unreadableManifest(let path, let reason): "manifest \(path): \(reason)"
        case .badManifestRow(let path, let line, let reason): "manifest \(path), line \(line): \(reason)"
        case .invalidSettings(let message): message
        case .endpointUnusable(let message): "endpoint check failed: \(message)"
        case .unreadableFolders(let root, let folders):
            "cannot read \(folders.count == 1 ? "a folder" : "\(folders.count) folders") under \(root): \(folders.joined(separator: ", ")); fix the permissions so no clip is left out"
        }
    }
}
