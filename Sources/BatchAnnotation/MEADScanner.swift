import DatasetLayout
import Foundation
import MediaIO

/// Walks a MEAD tree (`M003/video/front/angry/level_1/001.mp4`) and labels each clip from its path through
/// `MEADPath`, which knows the layout's quirks. Stray files are skipped, each with its reason.
public struct MEADScanner: Sendable {
    public init() {}

    public func scan(root: String) throws -> ScanResult {
        var (result, files) = try DatasetWalk.scanStart(root: root)
        for (relative, path) in files {
            switch classify(relative) {
            case .clip(let actor, let emotion, let level, let view):
                result.clips.append(DatasetClip(dataset: .mead, path: path, actor: actor, emotion: emotion, level: level, view: view))
            case .skipped(let reason):
                result.skipped.append(SkippedFile(path: path, reason: reason))
            }
        }
        result.clips.sort { $0.path < $1.path }
        return result
    }

    enum Classification: Equatable {
        case clip(actor: String, emotion: String, level: Int, view: String)
        case skipped(String)
    }

    /// Labels one path relative to the MEAD root.
    func classify(_ relative: String) -> Classification {
        guard let fileName = relative.split(separator: "/").last else { return .skipped("empty path") }
        if fileName.hasPrefix(".") { return .skipped("hidden file") }
        let fileExtension = (String(fileName) as NSString).pathExtension.lowercased()
        if MediaExtensions.audio.contains(fileExtension) {
            return .skipped("audio file (annotations come from video)")
        }
        guard MediaExtensions.video.contains(fileExtension) else {
            return .skipped(fileExtension.isEmpty ? "not a video file" : "not a video file (.\(fileExtension))")
        }
        let place: MEADPath
        do { place = try MEADPath(parsing: relative) } catch { return .skipped(error.description) }
        guard let view = place.view else { return .skipped("audio file (annotations come from video)") }
        return .clip(actor: place.actor, emotion: place.emotion, level: place.level, view: view)
    }
}
