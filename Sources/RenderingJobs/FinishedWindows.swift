import FileAccess
import Foundation
import MediaIO
import Renderer

/// The decoded frames of each finished window of one clip, kept on disk beside the clip (`NAME.windows/`) until
/// the clip is complete, so a killed render resumes at the next window instead of starting over. A window's
/// folder appears under its name only when all its frames are written (a directory rename), so a window cut off
/// mid-write is simply rendered again.
struct FinishedWindows {
    let folder: URL

    init(clipDirectory: URL, name: String) {
        folder = clipDirectory.appendingPathComponent(name + ".windows", isDirectory: true)
    }

    private func windowFolder(_ index: Int) -> URL {
        folder.appendingPathComponent(String(format: "window-%05d", index), isDirectory: true)
    }

    private func framePath(window index: Int, frame: Int) -> String {
        windowFolder(index).appendingPathComponent(String(format: "frame-%03d.png", frame)).path
    }

    /// How many windows, counted from the first, are complete with `framesPerWindow(k)` frames each.
    func completedCount(windows: Int, framesPerWindow: (Int) -> Int) -> Int {
        var count = 0
        while count < windows,
              (0..<framesPerWindow(count)).allSatisfy({ FileManager.default.fileExists(atPath: framePath(window: count, frame: $0)) }) {
            count += 1
        }
        return count
    }

    /// Writes one window's frames; the window counts as finished only once this returns.
    func write(window index: Int, frames: [RGBImage]) throws {
        let target = windowFolder(index)
        let staging = folder.appendingPathComponent(".\(target.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        let createsFolder = !FileManager.default.fileExists(atPath: folder.path)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: staging)
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
            for (position, frame) in frames.enumerated() {
                try OutputFile.write(ImageEncoding.png(frame),
                                     to: staging.appendingPathComponent(String(format: "frame-%03d.png", position)).path)
            }
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.moveItem(at: staging, to: target)
        } catch {
            // A failed write (a full disk) leaves nothing behind: not its staging folder, nor a folder it created.
            try? FileManager.default.removeItem(at: staging)
            if createsFolder, (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.isEmpty == true {
                try? FileManager.default.removeItem(at: folder)
            }
            throw RenderError.invalid("cannot keep window \(index + 1)'s frames in \(folder.path): \(FileErrorText.reason(error))")
        }
    }

    /// One kept frame of a finished window.
    func frame(window index: Int, position: Int) throws -> RGBImage {
        let path = framePath(window: index, frame: position)
        do { return try FrameReader.readFrame(path: path, choice: .first) } catch {
            throw RenderError.invalid("cannot read the finished frame \(path): \(error)")
        }
    }

    /// Removes the folder once the clip is complete.
    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}
