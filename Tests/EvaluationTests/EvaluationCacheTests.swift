@testable import Evaluation
import Foundation
import MediaIO
import TemporaryFolders
import XCTest

/// The cache of clip scores: keyed on content and the metric set, read back equal, and never trusting a damaged entry.
final class EvaluationCacheTests: XCTestCase {
    private func clip(_ folder: URL, _ name: String, greys: [UInt8]) throws -> ClipFrames {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (index, grey) in greys.enumerated() {
            try ImageEncoding.png(RGBImage(width: 12, height: 12, filledWith: (grey, grey, grey)))
                .write(to: url.appendingPathComponent(String(format: "%03d.png", index)))
        }
        return try ClipFrames(path: url.path)
    }

    func testAnEntryIsReadBackEqualUnderTheSameContentAndNotAfterDamage() throws {
        let folder = try makeTemporaryFolder("tbd-eval-cache")
        defer { try? FileManager.default.removeItem(at: folder) }
        let truth = try clip(folder, "truth", greys: [100, 100])
        let generated = try clip(folder, "generated", greys: [100, 108])
        let metrics: [EvaluationMetric] = [.psnr, .ssim]
        let evaluation = try VideoEvaluation.evaluate(generated: generated, reference: truth, metrics: metrics)
        XCTAssertEqual(evaluation.metrics[.psnr], .infinity, "one identical frame: infinite, and kept so")
        let cache = EvaluationCache(folder: folder.appendingPathComponent("cache"))
        let key = EvaluationCache.key(generatedHash: try generated.contentHash(), referenceHash: try truth.contentHash(), metrics: metrics)
        XCTAssertEqual(key, EvaluationCache.key(generatedHash: try generated.contentHash(), referenceHash: try truth.contentHash(), metrics: [.ssim, .psnr]),
                       "the metric set, not its order")
        XCTAssertNotEqual(key, EvaluationCache.key(generatedHash: try generated.contentHash(), referenceHash: try truth.contentHash(), metrics: [.psnr]))
        XCTAssertNil(cache.load(key: key, generated: generated.path, reference: truth.path))
        try cache.save(evaluation, key: key)
        XCTAssertEqual(cache.load(key: key, generated: generated.path, reference: truth.path), evaluation)

        // The same frames under another path hash the same; a changed frame does not.
        let copy = try clip(folder, "copy", greys: [100, 108])
        XCTAssertEqual(try copy.contentHash(), try generated.contentHash())
        XCTAssertNotEqual(try clip(folder, "changed", greys: [100, 109]).contentHash(), try generated.contentHash())

        try Data("{\"version\": \"clip-evaluation-2\", \"metric_names\": [".utf8).write(to: cache.folder.appendingPathComponent(key + ".json"))
        XCTAssertNil(cache.load(key: key, generated: generated.path, reference: truth.path), "a damaged entry is scored again")
    }

    /// FID's Inception features come back exactly, so a group's pooled FID from cached clips is the one computed
    /// from the clips themselves.
    func testInceptionFeaturesAreKeptAndPooledFIDIsUnchanged() throws {
        let folder = try makeTemporaryFolder("tbd-eval-cache-fid")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cache = EvaluationCache(folder: folder)
        var clips: [ClipEvaluation] = []
        for index in 0..<2 {
            // Eight frames of three features each: enough rows for a full-rank covariance over both clips.
            let generated = (0..<8).map { row in (0..<3).map { Float(sin(Double(row * 3 + $0 + index * 29))) } }
            let reference = (0..<8).map { row in (0..<3).map { Float(cos(Double(row * 5 + $0 + index * 31))) * 0.8 } }
            clips.append(ClipEvaluation(
                metrics: MetricValues([(.psnr, 20 + Double(index)), (.fid, 1.5)]), frames: 8, generatedFrames: 8, referenceFrames: 8,
                generated: "g\(index)", reference: "r\(index)", referenceResizedFrom: nil, size: "8x8", syncnet: nil, fidFeatures: (generated, reference),
                fvdFeatures: (Array(generated.reversed()), reference)))
            try cache.save(clips[index], key: "k\(index)")
        }
        let loaded = try (0..<2).map { try XCTUnwrap(cache.load(key: "k\($0)", generated: "g\($0)", reference: "r\($0)")) }
        XCTAssertEqual(loaded.map(\.fidFeatures?.generated), clips.map(\.fidFeatures?.generated))
        XCTAssertEqual(loaded.map(\.fidFeatures?.reference), clips.map(\.fidFeatures?.reference))
        XCTAssertEqual(loaded.map(\.fvdFeatures?.generated), clips.map(\.fvdFeatures?.generated), "FVD's window features are kept as well")
        let fromClips = try MetricSummary.summarize(label: "clips", clips: clips, metrics: [.psnr, .fid, .fvd])
        let fromCache = try MetricSummary.summarize(label: "cache", clips: loaded, metrics: [.psnr, .fid, .fvd])
        XCTAssertEqual(fromCache.means, fromClips.means)
        XCTAssertEqual(fromClips.means[.psnr], 20.5)
        XCTAssertNotEqual(fromClips.means[.fid], 1.5, "the group's own FID, not a mean of the clips'")
        XCTAssertNil(fromClips.intervals[.fid])
        XCTAssertNotNil(fromClips.means[.fvd], "FVD pooled over both clips' windows")
        XCTAssertNotEqual(fromClips.means[.fvd], fromClips.means[.fid])

        // One clip's features alone cannot give a pooled FID over a single frame: the group says why, it does not fail.
        let single = ClipEvaluation(metrics: MetricValues([(.fid, 0)]), frames: 1, generatedFrames: 1, referenceFrames: 1, generated: "g",
                                    reference: "r", referenceResizedFrom: nil, size: "8x8", syncnet: nil, fidFeatures: ([[1, 2, 3]], [[3, 2, 1]]), fvdFeatures: ([[4, 5]], [[5, 4]]))
        let lonely = try MetricSummary.summarize(label: "one", clips: [single], metrics: [.fid, .fvd])
        XCTAssertNil(lonely.means[.fid])
        XCTAssertNotNil(lonely.missing[.fid])
        XCTAssertNil(lonely.means[.fvd])
        XCTAssertNotNil(lonely.missing[.fvd])
    }

    func testTableCellsSayNotAvailableWithOneNotePerReason() throws {
        let summary = MetricSummary(label: "row", clips: 3, metrics: [.psnr, .fid], means: MetricValues([(.psnr, 20.5)]),
                                    intervals: [.psnr: BootstrapInterval(lower: 19.25, upper: 21.75)], missing: [.fid: "too few frames"])
        var markdown = SummaryTableMarkdown(columns: [.fid, .fvd, .lpips], asked: [.psnr, .fid])
        let lines = markdown.table(leading: ["name"], rows: [(["a|b"], summary), (["c"], summary)])
        XCTAssertEqual(lines[0], "| name | clips | FID ↓ | FVD ↓ | LPIPS ↓ | PSNR ↑ |")
        XCTAssertEqual(lines[2], "| a\\|b | 3 | n/a (1) | n/a (2) | n/a (3) | 20.50 [19.25, 21.75] |")
        XCTAssertEqual(lines[3], "| c | 3 | n/a (1) | n/a (2) | n/a (3) | 20.50 [19.25, 21.75] |", "the same reasons, the same notes")
        XCTAssertEqual(markdown.noteLines, [
            "1. fid: too few frames", "2. fvd: not asked for (--metrics fvd, with the converted weights: --weights)",
            "3. lpips: not asked for (--metrics lpips, with the converted weights: --weights)",
        ])
    }
}
