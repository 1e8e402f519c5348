import Foundation
import MediaIO

/// `tbd eval set`: every generated clip against the ground-truth clip of the same name, the per-metric means over
/// clips and their bootstrap intervals. FID is the set's: the Inception features of every paired frame of every
/// clip, generated against ground truth (as the paper computes FID over a test set), not a mean of clips' FIDs;
/// FVD likewise pools the I3D features of every clip's 16-frame windows.
public struct SetEvaluation: Sendable, Encodable {
    public struct Clip: Sendable, Encodable {
        public let name: String
        public let evaluation: ClipEvaluation

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try evaluation.encode(to: encoder)
        }

        private enum CodingKeys: String, CodingKey { case name }
    }

    public let generated: String
    public let reference: String?
    public let metrics: [EvaluationMetric]
    public let clips: [Clip]
    /// The mean over clips of each metric's per-clip value; for FID the set's own value.
    public let means: MetricValues
    /// Per metric, nil where a value is infinite.
    public let intervals: [EvaluationMetric: BootstrapInterval]

    /// Pairs the clips (video files or PNG-frame folders) of the two folders by name, the video's extension left
    /// out; a clip without its counterpart, an empty folder or two clips of one name are refused before any clip
    /// is read, naming them.
    public static func evaluate(generated: String, reference: String?, metrics: [EvaluationMetric],
                                networks: EvaluationNetworks = .none) throws -> SetEvaluation {
        let generatedClips = try clips(in: generated)
        var pairs: [(name: String, generated: ClipFrames, reference: ClipFrames?)]
        if let reference {
            let referenceClips = try clips(in: reference)
            let missing = generatedClips.keys.filter { referenceClips[$0] == nil }.sorted()
            let unmatched = referenceClips.keys.filter { generatedClips[$0] == nil }.sorted()
            guard missing.isEmpty, unmatched.isEmpty else {
                var problems: [String] = []
                if !missing.isEmpty { problems.append("no ground truth in \(reference) for \(listed(missing.map { generatedClips[$0]!.path }))") }
                if !unmatched.isEmpty { problems.append("no generated clip in \(generated) for \(listed(unmatched.map { referenceClips[$0]!.path }))") }
                throw EvaluationError("the clips are paired by name: " + problems.joined(separator: "; "))
            }
            pairs = generatedClips.keys.sorted().map { ($0, generatedClips[$0]!, referenceClips[$0]) }
        } else {
            pairs = generatedClips.keys.sorted().map { ($0, generatedClips[$0]!, nil) }
        }
        let clips = try pairs.map { pair in
            Clip(name: pair.name, evaluation: try VideoEvaluation.evaluate(generated: pair.generated, reference: pair.reference,
                                                                           metrics: metrics, networks: networks))
        }
        let summary = try MetricSummary.summarize(label: generated, clips: clips.map(\.evaluation), metrics: metrics, strictPooled: true)
        return SetEvaluation(
            generated: generated, reference: reference, metrics: metrics, clips: clips, means: summary.means, intervals: summary.intervals)
    }

    /// The clips in FOLDER by name: video files (name without extension) and sub-folders.
    static func clips(in folder: String) throws -> [String: ClipFrames] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw EvaluationError("\(folder): no such folder")
        }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw EvaluationError("\(folder): the folder cannot be read (\(error.localizedDescription))")
        }
        var clips: [String: ClipFrames] = [:]
        for entry in entries {
            let path = (folder as NSString).appendingPathComponent(entry)
            var entryIsFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &entryIsFolder),
                  entryIsFolder.boolValue || MediaExtensions.matches(path, MediaExtensions.video) else { continue }
            let name = entryIsFolder.boolValue ? entry : (entry as NSString).deletingPathExtension
            if let earlier = clips[name] {
                throw EvaluationError("\(folder): two clips are named '\(name)' (\(earlier.path) and \(path))")
            }
            clips[name] = try ClipFrames(path: path)
        }
        guard !clips.isEmpty else {
            throw EvaluationError("\(folder): no clips (video files or folders of PNG frames)")
        }
        return clips
    }

    private static func listed(_ paths: [String]) -> String {
        paths.count <= 5 ? paths.joined(separator: ", ") : paths.prefix(5).joined(separator: ", ") + " and \(paths.count - 5) more"
    }

    private enum CodingKeys: String, CodingKey { case generated, reference, metrics, clips, means, intervals, infiniteMetrics, bootstrap }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(generated, forKey: .generated)
        try container.encode(reference, forKey: .reference)
        try container.encode(metrics.map(\.rawValue), forKey: .metrics)
        try container.encode(clips, forKey: .clips)
        try container.encode(means, forKey: .means)
        try container.encode(means.infiniteMetrics.map(\.rawValue), forKey: .infiniteMetrics)
        var intervalContainer = container.nestedContainer(keyedBy: MetricValues.MetricKey.self, forKey: .intervals)
        for metric in metrics {
            try intervalContainer.encode(intervals[metric], forKey: MetricValues.MetricKey(metric))
        }
        try container.encode(
            BootstrapSettings(resamples: BootstrapInterval.resamples, seed: BootstrapInterval.seed, level: BootstrapInterval.level),
            forKey: .bootstrap)
    }

    /// How the intervals were drawn, so a reader can reproduce them.
    private struct BootstrapSettings: Encodable {
        let resamples: Int
        let seed: UInt64
        let level: Double
    }
}
