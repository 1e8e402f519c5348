import Foundation
import Glibc

/// Opens an item's reference file in the curator's picture or video viewer: `$TBD_VIEWER`, else xdg-open.
/// The viewer is started in the background, detached from the terminal (its output goes nowhere), so the
/// queue stays usable while it is open.
enum ReferenceViewer {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts the viewer and returns its command; an error when no viewer is set up or the file is missing.
    @discardableResult
    static func open(_ path: String, environment: [String: String]) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw Failure(description: "cannot open \(path): the file does not exist")
        }
        let viewer = environment["TBD_VIEWER"].flatMap { $0.isEmpty ? nil : $0 } ?? "xdg-open"
        let command = viewer.split(separator: " ").first.map(String.init) ?? viewer
        let searchPath = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        let found = command.contains("/") ? FileManager.default.isExecutableFile(atPath: command)
            : searchPath.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(command)") }
        guard found else {
            throw Failure(description: "no viewer: \(command) is not installed; set TBD_VIEWER to a program that opens \(path)")
        }
        // The shell puts the viewer in the background and exits at once; the path goes in as "$1", never re-read.
        let arguments = ["/bin/sh", "-c", viewer + " \"$1\" </dev/null >/dev/null 2>&1 &", "tbd-viewer", path]
        let environmentLines = environment.map { "\($0.key)=\($0.value)" }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A process group of its own: the terminal's Ctrl-C in the queue never reaches the viewer.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var child: pid_t = 0
        let spawned = CStrings.with(arguments) { argv in
            CStrings.with(environmentLines) { envp in posix_spawn(&child, "/bin/sh", nil, &attributes, argv, envp) }
        }
        guard spawned == 0 else { throw Failure(description: "cannot start \(viewer): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0, errno == EINTR {}
        return viewer
    }
}
