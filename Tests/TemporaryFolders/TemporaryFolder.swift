import Foundation

/// A fresh folder for a test. Callers may remove it as soon as they are done; whatever is left of every folder made
/// here goes when the test process exits, so folders shared by a whole test class (a random checkpoint written once)
/// do not pile up in the temporary directory run after run.
public func makeTemporaryFolder(_ prefix: String = "tbd-tests") throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    foldersMadeByThisProcess.add(folder)
    return folder
}

/// The folders `makeTemporaryFolder` made, removed at exit (a killed process leaves them, as it leaves any file).
private final class MadeFolders: @unchecked Sendable {
    private let lock = NSLock()
    private var folders: [URL] = []

    func add(_ folder: URL) { lock.withLock { folders.append(folder) } }

    func removeAll() {
        for folder in lock.withLock({ folders }) { try? FileManager.default.removeItem(at: folder) }
    }
}

private let foldersMadeByThisProcess: MadeFolders = {
    atexit { foldersMadeByThisProcess.removeAll() }
    return MadeFolders()
}()
