/// Errors that stop a batch before it starts; per-item failures are recorded, not thrown.
public enum BatchError: Error, CustomStringConvertible, Equatable {
    case notADirectory(String)
    case unreadableManifest(path: String, reason: String)
    case badManifestRow(path: String, line: Int, reason: String)
    case invalidSettings(String)
    case endpointUnusable(String)
    /// The scan found no clip at all: the folder is not the dataset the command names.
    case noClips(skipped: Int)
    /// Clips were found, but the selection (--views, --actors, --emotions, --levels) left none.
    case noClipSelected(found: Int)
    /// Folders under a dataset root that could not be listed (permissions): the run would miss their clips.
    case unreadableFolders(root: String, folders: [String])
    /// The face check was asked for and its detector cannot be loaded (the reason says how to get the weights).
    case faceCheckUnavailable(String)

    public var description: String {
        switch self {
        case .notADirectory(let path): "\(path) is not a directory"
        case .unreadableManifest(let path, let reason): "manifest \(path): \(reason)"
        case .badManifestRow(let path, let line, let reason): "manifest \(path), line \(line): \(reason)"
        case .invalidSettings(let message): message
        case .endpointUnusable(let message): "endpoint check failed: \(message)"
        case .noClips(let skipped): "no clip found (\(skipped) files skipped): is this the dataset's root folder?"
        case .noClipSelected(let found): "\(found) clips found, but none matches --views, --actors, --emotions and --levels"
        case .unreadableFolders(let root, let folders):
            "cannot read \(folders.count == 1 ? "a folder" : "\(folders.count) folders") under \(root): \(folders.joined(separator: ", ")); fix the permissions so no clip is left out"
        case .faceCheckUnavailable(let reason):
            "the face check cannot start: \(reason). For data with no faces in it, --no-face-check links every readable clip"
        }
    }
}
