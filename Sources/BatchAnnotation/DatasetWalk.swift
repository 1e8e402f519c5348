import Foundation

/// Lists the regular files under a folder as paths relative to it, sorted. Symbolic links are not followed (a
/// link can loop, or lead out of the dataset) but are listed, so the scanners report each one as skipped rather
/// than letting a linked clip vanish. A folder that cannot be listed is an error: skipping it silently would drop
/// a whole actor from the run.
enum DatasetWalk {
    struct Listing {
        var files: [String] = []
        var links: [String] = []
    }

    /// How every scanner starts: the files under `root` (each relative path and its full path), and a result
    /// whose skipped list already names each symbolic link.
    static func scanStart(root: String) throws -> (result: ScanResult, files: [(relative: String, path: String)]) {
        let listing = try list(under: root)
        var result = ScanResult()
        result.skipped = listing.links.map { SkippedFile(path: (root as NSString).appendingPathComponent($0), reason: "symbolic link (not followed)") }
        return (result, listing.files.map { ($0, (root as NSString).appendingPathComponent($0)) })
    }

    static func list(under root: String) throws -> Listing {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BatchError.notADirectory(root)
        }
        var listing = Listing()
        var unreadable: [String] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let folder = relative.isEmpty ? root : (root as NSString).appendingPathComponent(relative)
            guard let directory = opendir(folder) else {
                unreadable.append("\(relative.isEmpty ? "." : relative) (\(String(cString: strerror(errno)).lowercased()))")
                continue
            }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard name != ".", name != ".." else { continue }
                let child = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard lstat((root as NSString).appendingPathComponent(child), &info) == 0 else {
                    unreadable.append("\(child) (\(String(cString: strerror(errno)).lowercased()))")
                    continue
                }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: pending.append(child)
                case S_IFREG: listing.files.append(child)
                case S_IFLNK: listing.links.append(child)
                default: break  // sockets, FIFOs, devices: never clips
                }
            }
        }
        guard unreadable.isEmpty else { throw BatchError.unreadableFolders(root: root, folders: unreadable.sorted()) }
        listing.files.sort()
        listing.links.sort()
        return listing
    }
}
