import MediaIO
import Foundation

/// Walks an HDTF folder of clips (`RD_Radio1_000.mp4`, ...). HDTF has no emotion labels: as in the paper, every clip
/// is neutral (level 1); the speaker is the name without its trailing clip number.
public struct HDTFScanner: Sendable {
    public init() {}

    public func scan(root: String) throws -> ScanResult {
        var (result, files) = try DatasetWalk.scanStart(root: root)
        for (relative, path) in files {
            let name = (relative as NSString).lastPathComponent
            let fileExtension = (name as NSString).pathExtension.lowercased()
            if name.hasPrefix(".") {
                result.skipped.append(SkippedFile(path: path, reason: "hidden file"))
            } else if !MediaExtensions.video.contains(fileExtension) {
                result.skipped.append(SkippedFile(path: path, reason: fileExtension.isEmpty ? "not a video file" : "not a video file (.\(fileExtension))"))
            } else {
                result.clips.append(DatasetClip(
                    dataset: .hdtf, path: path, actor: Self.speaker(of: name), emotion: "neutral", level: 1, view: "front"))
            }
        }
        result.clips.sort { $0.path < $1.path }
        return result
    }

    /// "RD_Radio1_000.mp4" -> "RD_Radio1"; a name without a clip number is its own speaker.
    static func speaker(of fileName: String) -> String {
        let stem = (fileName as NSString).deletingPathExtension
        guard let underscore = stem.lastIndex(of: "_"), stem[stem.index(after: underscore)...].allSatisfy(\.isNumber),
              underscore != stem.startIndex, stem.index(after: underscore) != stem.endIndex else { return stem }
        return String(stem[..<underscore])
    }
}
