/// File extensions the project treats as media when it walks folders: one list for the dataset scanners, the
/// review screen and the renderer's `auto` reference.
public enum MediaExtensions {
    public static let video: Set<String> = ["mp4", "avi", "mov", "mkv", "webm"]
    public static let image: Set<String> = ["jpg", "jpeg", "png"]
    public static let audio: Set<String> = ["wav", "m4a", "aac", "mp3", "flac"]

    /// Whether the path's extension (any case) is in `set`.
    public static func matches(_ path: String, _ set: Set<String>) -> Bool {
        guard let dot = path.lastIndex(of: ".") else { return false }
        return set.contains(path[path.index(after: dot)...].lowercased())
    }
}
