import ContentHashing
import FileAccess
import Foundation
import MediaIO
import Renderer

/// The decoded frames of each finished window of one clip, kept on disk beside the clip (`NAME.windows/`) until
/// the clip is complete, so a stopped render resumes at the next window instead of starting over.
///
/// A window's folder appears under its name only when all its frames and their SHA-256 sums (`checksums.json`) are
/// written (a directory rename), so a window cut off mid-write is simply rendered again. The folder records the
/// identity of what the clip is rendered from (`identity`: the SHA-256 of its parameters, which name the content of
/// the model, the portrait and the speech); windows of another identity are never resumed, and a frame that no
/// longer matches its sum, or has another size than the clip, is rendered again and never muxed.
struct FinishedWindows {
    let folder: URL

    /// Why a kept window is not resumed: a frame that changed, is missing, or has the wrong size (named).
    struct Problem: Equatable {
        let window: Int
        let reason: String
    }

    init(clipDirectory: URL, name: String) {
        folder = clipDirectory.appendingPathComponent(name + ".windows", isDirectory: true)
    }

    private var identityFile: URL { folder.appendingPathComponent("identity") }

    private func windowFolder(_ index: Int) -> URL {
        folder.appendingPathComponent(String(format: "window-%05d", index), isDirectory: true)
    }

    private static func frameName(_ position: Int) -> String { String(format: "frame-%03d.png", position) }

    private func framePath(window index: Int, frame: Int) -> String {
        windowFolder(index).appendingPathComponent(Self.frameName(frame)).path
    }

    /// Makes the folder this clip's: an existing folder of the same identity is kept for resuming. A folder of
    /// another identity (left by a render of other inputs under the same name, or by an older release) is moved
    /// aside, not deleted, and the returned text says where; the clip then starts afresh.
    func adopt(identity: String) throws -> String? {
        let recorded = try? String(contentsOf: identityFile, encoding: .utf8)
        if recorded == identity { return nil }
        var notice: String?
        if FileManager.default.fileExists(atPath: folder.path) {
            let aside = folder.deletingLastPathComponent().appendingPathComponent(
                folder.lastPathComponent + "-other-inputs-\(Int(Date().timeIntervalSince1970))")
            do { try FileManager.default.moveItem(at: folder, to: aside) } catch {
                throw RenderError.invalid("cannot move the kept windows of other inputs out of \(folder.path): \(FileErrorText.reason(error))")
            }
            notice = "the kept windows in \(folder.path) were rendered from other inputs; they were moved to \(aside.path) and the clip starts afresh"
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try OutputFile.write(Data(identity.utf8), to: identityFile.path)
        } catch {
            throw RenderError.invalid("cannot keep finished windows in \(folder.path): \(FileErrorText.reason(error))")
        }
        return notice
    }

    /// How many windows, counted from the first, are complete with `framesPerWindow(k)` frames of `width` x
    /// `height`, each matching its recorded sum; and, when one stops the count, what is wrong with it.
    func completedCount(windows: Int, width: Int, height: Int, framesPerWindow: (Int) -> Int) -> (count: Int, problem: Problem?) {
        var count = 0
        while count < windows {
            let folder = windowFolder(count)
            guard FileManager.default.fileExists(atPath: folder.path) else { return (count, nil) }
            if let reason = problem(inWindow: count, frames: framesPerWindow(count), width: width, height: height) {
                return (count, Problem(window: count, reason: reason))
            }
            count += 1
        }
        return (count, nil)
    }

    private func recordedSums(window index: Int) -> [String: String]? {
        guard let data = try? Data(contentsOf: windowFolder(index).appendingPathComponent("checksums.json")) else { return nil }
        return try? JSONDecoder().decode([String: String].self, from: data)
    }

    private func problem(inWindow index: Int, frames: Int, width: Int, height: Int) -> String? {
        guard let sums = recordedSums(window: index) else { return "\(windowFolder(index).path) has no readable checksums.json" }
        for position in 0..<frames {
            let path = framePath(window: index, frame: position)
            guard let data = FileManager.default.contents(atPath: path) else { return "\(path) is missing" }
            guard sums[Self.frameName(position)] == SHA256Digest.hex(of: data) else { return "\(path) changed since it was kept" }
            guard let size = Self.pngSize(data), size == (width, height) else {
                let found = Self.pngSize(data).map { "\($0.width)x\($0.height)" } ?? "not a PNG"
                return "\(path) is \(found), not the clip's \(width)x\(height)"
            }
        }
        return nil
    }

    /// A PNG's size from its header (the IHDR chunk right after the 8-byte signature), without decoding it.
    private static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data.prefix(24))
        guard bytes.count == 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], bytes[12..<16] == [0x49, 0x48, 0x44, 0x52] else {
            return nil
        }
        let value = { (offset: Int) in bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (value(16), value(20))
    }

    /// Writes one window's frames and their sums; the window counts as finished only once this returns.
    func write(window index: Int, frames: [RGBImage]) throws {
        let target = windowFolder(index)
        let staging = folder.appendingPathComponent(".\(target.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        let createsFolder = !FileManager.default.fileExists(atPath: folder.path)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: staging)
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
            var sums: [String: String] = [:]
            for (position, frame) in frames.enumerated() {
                let png = try ImageEncoding.png(frame)
                try OutputFile.write(png, to: staging.appendingPathComponent(Self.frameName(position)).path)
                sums[Self.frameName(position)] = SHA256Digest.hex(of: png)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try OutputFile.write(encoder.encode(sums), to: staging.appendingPathComponent("checksums.json").path)
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.moveItem(at: staging, to: target)
        } catch {
            // The staging folder (and the windows folder, when this call made it) is this call's own; nothing
            // half-written stays behind.
            try? FileManager.default.removeItem(at: staging)
            if createsFolder { try? FileManager.default.removeItem(at: folder) }
            throw RenderError.invalid("cannot keep window \(index + 1)'s frames in \(folder.path): \(FileErrorText.reason(error))")
        }
    }

    /// One kept frame of a finished window, checked against its recorded sum before it is decoded.
    func frame(window index: Int, position: Int) throws -> RGBImage {
        let path = framePath(window: index, frame: position)
        guard let data = FileManager.default.contents(atPath: path),
              recordedSums(window: index)?[Self.frameName(position)] == SHA256Digest.hex(of: data) else {
            throw RenderError.invalid("the finished frame \(path) is missing or changed since it was kept; run the render again to redo its window")
        }
        do { return try FrameReader.readFrame(path: path, choice: .first) } catch {
            throw RenderError.invalid("cannot read the finished frame \(path): \(error)")
        }
    }

    /// Removes the folder once the clip is complete.
    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}
