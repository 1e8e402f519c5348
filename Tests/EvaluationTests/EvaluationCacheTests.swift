import Evaluation
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

        try Data("{\"version\": \"clip-evaluation-1\", \"metric_names\": [".utf8).write(to: cache.folder.appendingPathComponent(key + ".json"))
        XCTAssertNil(cache.load(key: key, generated: generated.path, reference: truth.path), "a damaged entry is scored again")
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
            "1. fid: too few frames", "2. fvd: not computed by this build yet",
            "3. lpips: not asked for (--metrics lpips, with the converted weights: --weights)",
        ])
    }
}
