import Foundation

/// Checks made before FFmpeg sees a path, so the common mistakes get a specific message.
enum MediaFile {
    static func checkReadable(_ path: String) throws {
        // stat follows symbolic links, so a link is judged by what it points to.
        var status = stat()
        guard stat(path, &status) == 0 else {
            if errno == ENOENT || errno == ENOTDIR {
                throw MediaError(.fileNotFound, path: path, "file not found")
            }
            throw MediaError(.unreadable, path: path, "cannot read the file (\(String(cString: strerror(errno))))")
        }
        let type = status.st_mode & S_IFMT
        guard type != S_IFDIR else {
            throw MediaError(.unreadable, path: path, "is a folder, not a media file")
        }
        // A named pipe or a device would block FFmpeg's open or never reach an end.
        guard type == S_IFREG else {
            throw MediaError(.unreadable, path: path, "is not a regular file")
        }
        guard access(path, R_OK) == 0 else {
            throw MediaError(.unreadable, path: path, "file is not readable (permission denied)")
        }
        guard status.st_size > 0 else {
            throw MediaError(.emptyFile, path: path, "file is empty (0 bytes)")
        }
    }
}
