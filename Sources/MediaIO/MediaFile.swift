import Foundation

/// Checks made before FFmpeg sees a path, so the common mistakes get a specific message.
enum MediaFile {
    static func checkReadable(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw MediaError(.fileNotFound, path: path, "file not found")
        }
        guard !isDirectory.boolValue else {
            throw MediaError(.unreadable, path: path, "is a folder, not a media file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw MediaError(.unreadable, path: path, "file is not readable (permission denied)")
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = attributes?[.size] as? NSNumber, size.intValue == 0 {
            throw MediaError(.emptyFile, path: path, "file is empty (0 bytes)")
        }
    }
}
