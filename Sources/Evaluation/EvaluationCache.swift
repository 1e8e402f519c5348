import ContentHashing
import FileAccess
import Foundation
import Tensors

/// Clip evaluations kept on disk, keyed on what they depend on: the content hashes of the generated clip and of its
/// ground truth, and the set of metrics. A rerun finds every clip it scored before, under any path, and scores only
/// what changed; each entry is written atomically as its clip finishes, so an interrupted run keeps what it did.
///
/// An entry is `KEY.json` (the values, frame counts and SyncNet's offset) and, when FID or FVD was asked for, `KEY.fid.safetensors`
/// (the Inception features of the paired frames) or `KEY.fvd.safetensors` (the I3D features of their windows), so a
/// group's FID and FVD can be pooled again without decoding a frame.
public struct EvaluationCache: Sendable {
    public let folder: URL
    /// Part of every key: a change to how a clip is scored changes it, and old entries are simply not found.
    public static let version = "clip-evaluation-2"
    /// An entry's JSON is a few hundred bytes; anything far larger is not one of ours and is not parsed.
    static let entryByteLimit = 1 << 20

    public init(folder: URL) {
        self.folder = folder
    }

    public static func key(generatedHash: String, referenceHash: String, metrics: [EvaluationMetric]) -> String {
        let names = Set(metrics.map(\.rawValue)).sorted().joined(separator: ",")
        return SHA256Digest.hex(of: "\(version)\n\(generatedHash)\n\(referenceHash)\n\(names)")
    }

    /// The evaluation kept under KEY, with the paths of this run; nil when there is none or it cannot be read
    /// (a damaged entry is scored again, never trusted).
    public func load(key: String, generated: String, reference: String) -> ClipEvaluation? {
        let url = folder.appendingPathComponent(key + ".json")
        guard let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int, size <= Self.entryByteLimit,
              let data = try? Data(contentsOf: url),
              let entry = try? JSONDecoder().decode(Entry.self, from: data), entry.version == Self.version
        else { return nil }
        var values: [(metric: EvaluationMetric, value: Double)] = []
        for (name, value) in zip(entry.metricNames, entry.values) {
            guard let metric = EvaluationMetric(rawValue: name) else { return nil }
            values.append((metric, value ?? .infinity))
        }
        var features: [String: (generated: [[Float]], reference: [[Float]])] = [:]
        for (kind, present) in [("fid", entry.hasFIDFeatures), ("fvd", entry.hasFVDFeatures)] where present {
            guard let file = try? SafeTensorsFile(contentsOf: folder.appendingPathComponent("\(key).\(kind).safetensors")),
                  let generatedRows = try? Self.rows(file.tensor(named: "generated")),
                  let referenceRows = try? Self.rows(file.tensor(named: "reference"))
            else { return nil }
            features[kind] = (generatedRows, referenceRows)
        }
        return ClipEvaluation(
            metrics: MetricValues(values), frames: entry.frames, generatedFrames: entry.generatedFrames,
            referenceFrames: entry.referenceFrames, generated: generated, reference: reference,
            referenceResizedFrom: entry.referenceResizedFrom, size: entry.size, syncnet: entry.syncnet, fidFeatures: features["fid"],
            fvdFeatures: features["fvd"])
    }

    /// Keeps EVALUATION under KEY: the features first, then the JSON that makes the entry count.
    public func save(_ evaluation: ClipEvaluation, key: String) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (kind, features) in [("fid", evaluation.fidFeatures), ("fvd", evaluation.fvdFeatures)] {
                guard let features else { continue }
                try SafeTensorsWriter.write(
                    tensors: ["generated": Self.tensor(features.generated), "reference": Self.tensor(features.reference)],
                    to: folder.appendingPathComponent("\(key).\(kind).safetensors"))
            }
            let entry = Entry(
                version: Self.version, metricNames: evaluation.metrics.entries.map(\.metric.rawValue),
                values: evaluation.metrics.entries.map { $0.value.isFinite ? $0.value : nil }, frames: evaluation.frames,
                generatedFrames: evaluation.generatedFrames, referenceFrames: evaluation.referenceFrames,
                referenceResizedFrom: evaluation.referenceResizedFrom, size: evaluation.size, hasFIDFeatures: evaluation.fidFeatures != nil,
                hasFVDFeatures: evaluation.fvdFeatures != nil, syncnet: evaluation.syncnet)
            try OutputFile.write(try JSONEncoder().encode(entry), to: folder.appendingPathComponent(key + ".json").path)
        } catch {
            throw EvaluationError("cannot keep an evaluation in \(folder.path): \(error)")
        }
    }

    /// Values are finite or +infinity (a PSNR of identical frames), which JSON cannot hold: written as null.
    private struct Entry: Codable {
        var version: String
        var metricNames: [String]
        var values: [Double?]
        var frames: Int
        var generatedFrames: Int
        var referenceFrames: Int?
        var referenceResizedFrom: String?
        var size: String
        var hasFIDFeatures: Bool
        var hasFVDFeatures: Bool
        /// SyncNet's offset and minimum distance beside its confidence.
        var syncnet: ClipEvaluation.Synchronisation?
    }

    private static func tensor(_ rows: [[Float]]) -> Tensor {
        Tensor(shape: [rows.count, rows.first?.count ?? 0], scalars: rows.flatMap { $0 })
    }

    private static func rows(_ tensor: Tensor) throws -> [[Float]] {
        guard tensor.shape.count == 2 else { throw EvaluationError("features are not a matrix") }
        let width = tensor.shape[1]
        return (0..<tensor.shape[0]).map { Array(tensor.scalars[$0 * width..<($0 + 1) * width]) }
    }
}
