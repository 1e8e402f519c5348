import MediaIO
import Foundation

/// Walks a MEAD tree (`M003/video/front/angry/level_1/001.mp4`) and labels each clip from its path.
/// Tolerates the known quirks: one extra folder level under `video/` (W021's `video/1/front/...`), upper-case
/// names, flattened names (`M003#angry#level_1#001.mp4`) and stray files, each skipped file with its reason.
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
        let components = relative.split(separator: "/").map(String.init)
        guard let fileName = components.last else { return .skipped("empty path") }
        if fileName.hasPrefix(".") { return .skipped("hidden file") }
        let fileExtension = (fileName as NSString).pathExtension.lowercased()
        if MediaExtensions.audio.contains(fileExtension) {
            return .skipped("audio file (annotations come from video)")
        }
        guard MediaExtensions.video.contains(fileExtension) else {
            return .skipped(fileExtension.isEmpty ? "not a video file" : "not a video file (.\(fileExtension))")
        }
        if fileName.contains("#") { return classifyFlattened(fileName, folders: components.dropLast()) }

        guard let actorIndex = components.firstIndex(where: { MEADVocabulary.actor($0) != nil }),
              let actor = MEADVocabulary.actor(components[actorIndex]) else {
            return .skipped("not under an actor folder (M### or W###)")
        }
        let afterActor = Array(components[(actorIndex + 1)...].dropLast())
        guard let kind = afterActor.first?.lowercased() else { return .skipped("video directly in the actor folder") }
        if kind == "audio" { return .skipped("audio file (annotations come from video)") }
        guard kind == "video" else { return .skipped("not under \(actor)/video/") }
        var folders = Array(afterActor.dropFirst()).map { $0.lowercased() }
        // W021 and a few others carry one more folder between video/ and the view.
        if folders.count == 4, !MEADVocabulary.views.contains(folders[0]), MEADVocabulary.views.contains(folders[1]) {
            folders.removeFirst()
        }
        guard folders.count == 3 else { return .skipped("unexpected folder depth under \(actor)/video/") }
        return labels(actor: actor, view: folders[0], emotion: folders[1], level: folders[2])
    }

    private func classifyFlattened(_ fileName: String, folders: ArraySlice<String>) -> Classification {
        let parts = (fileName as NSString).deletingPathExtension.split(separator: "#").map { String($0).lowercased() }
        // M003#angry#level_1#001, or with the view: M003#front#angry#level_1#001.
        let folderView = folders.last.map { $0.lowercased() }.flatMap { MEADVocabulary.views.contains($0) ? $0 : nil }
        switch parts.count {
        case 4:
            guard let actor = MEADVocabulary.actor(parts[0]) else { return .skipped("flattened name without an actor id") }
            return labels(actor: actor, view: folderView ?? "front", emotion: parts[1], level: parts[2])
        case 5:
            guard let actor = MEADVocabulary.actor(parts[0]) else { return .skipped("flattened name without an actor id") }
            return labels(actor: actor, view: parts[1], emotion: parts[2], level: parts[3])
        default:
            return .skipped("flattened name not understood (expected ACTOR#emotion#level_N#clip)")
        }
    }

    private func labels(actor: String, view: String, emotion: String, level: String) -> Classification {
        guard MEADVocabulary.views.contains(view) else { return .skipped("unknown view '\(view)'") }
        guard MEADVocabulary.emotions.contains(emotion) else { return .skipped("unknown emotion '\(emotion)'") }
        guard let number = MEADVocabulary.level(level) else { return .skipped("unknown level '\(level)'") }
        return .clip(actor: actor, emotion: emotion, level: number, view: view)
    }
}
