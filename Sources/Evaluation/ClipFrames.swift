import ContentHashing
import Foundation
import MediaIO

/// A clip to evaluate: a video file, or a folder of PNG frames taken in the order of their names (lossless, so a
/// metric can be checked to the pixel).
public struct ClipFrames: Sendable {
    public let path: String
    /// The PNG files in order, or nil for a video.
    let frameFiles: [String]?

    /// Refuses a missing path, a file that is not a video, and a folder without PNG frames, naming the path.
    public init(path: String) throws {
        self.path = path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw EvaluationError("\(path): no such file or folder")
        }
        if isFolder.boolValue {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw EvaluationError("\(path): the folder cannot be read (\(error.localizedDescription))")
            }
            let frames = names.filter { $0.lowercased().hasSuffix(".png") && !$0.hasPrefix(".") }.sorted()
            guard !frames.isEmpty else { throw EvaluationError("\(path): the folder holds no PNG frames") }
            frameFiles = frames.map { (path as NSString).appendingPathComponent($0) }
        } else {
            guard MediaExtensions.matches(path, MediaExtensions.video) else {
                throw EvaluationError(
                    "\(path): not a video (\(MediaExtensions.video.sorted().joined(separator: ", "))) or a folder of PNG frames")
            }
            frameFiles = nil
        }
    }

    /// Hands BODY each frame in order until it returns false; returns how many frames were read. A frame that
    /// cannot be decoded is an error naming its file.
    @discardableResult
    public func forEachFrame(_ body: (_ index: Int, _ frame: RGBImage) throws -> Bool) throws -> Int {
        guard let frameFiles else {
            return try FrameReader.forEachFrame(path: path) { index, _, image in try body(index, image) }
        }
        for (index, file) in frameFiles.enumerated() {
            guard try body(index, try FrameReader.readFrame(path: file)) else { return index + 1 }
        }
        return frameFiles.count
    }

    /// Every frame, in order.
    public func allFrames() throws -> [RGBImage] {
        var frames: [RGBImage] = []
        try forEachFrame { _, frame in
            frames.append(frame)
            return true
        }
        return frames
    }

    /// SHA-256 of what the clip holds: the video file's bytes, or for a folder each frame's name and bytes in order,
    /// so the same frames under another path hash the same and a changed frame does not.
    public func contentHash() throws -> String {
        do {
            guard let frameFiles else { return try SHA256Digest.hex(ofFileAt: URL(fileURLWithPath: path)) }
            var digest = SHA256Digest()
            for file in frameFiles {
                digest.update((file as NSString).lastPathComponent + "\n")
                digest.update(try SHA256Digest.hex(ofFileAt: URL(fileURLWithPath: file)) + "\n")
            }
            return digest.finishHex()
        } catch {
            throw EvaluationError("\(path): cannot be read (\(error.localizedDescription))")
        }
    }
}
