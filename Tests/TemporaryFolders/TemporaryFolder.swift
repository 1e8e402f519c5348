import Foundation

/// A fresh folder per test; the caller removes it.
public func makeTemporaryFolder(_ prefix: String = "tbd-tests") throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}
