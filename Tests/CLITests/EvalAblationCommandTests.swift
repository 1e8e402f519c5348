import AnnotationRecord
import Foundation
import MediaIO
import Store
import TestSupport
import XCTest

/// `tbd eval ablation` on one batch unit with a tiny random talking checkpoint (2 steps, one window of 4 frames at 64x64): six renders,
/// Table 2's layout, the chart, and a rerun that continues from what a killed run left.
final class EvalAblationCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryFolder("tbd-eval-ablation") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func tbd(_ arguments: [String]) throws -> ProgramRun { try BuiltProgram.run("tbd", arguments, in: folder) }

    func testSixRowsRenderedScoredChartedAndResumed() throws {
        let database = folder.appendingPathComponent("tbd.sqlite").path
        let store = try ProjectStore(path: database)
        let clip = folder.appendingPathComponent("M003/video/front/happy/level_2/001")
        try FileManager.default.createDirectory(at: clip, withIntermediateDirectories: true)
        for index in 0..<4 {
            let grey = UInt8(90 + 10 * index)
            try ImageEncoding.png(RGBImage(width: 32, height: 32, filledWith: (grey, 120, 140)))
                .write(to: clip.appendingPathComponent(String(format: "%03d.png", index)))
        }
        try store.completeBatchUnit(
            key: "mead/M003/happy/2", annotation: sampleAnnotation(1, emotion: "happy", level: .moderate, sourcePath: clip.path),
            clips: [ClipLink(annotationID: 0, clipPath: clip.path, emotion: "happy", level: 2)])
        let model = folder.appendingPathComponent("talking").path
        let made = try tbd(["model", "init-random", "--config", "talking-tiny", "--out", model])
        XCTAssertEqual(made.status, 0, made.stderr)

        let out = folder.appendingPathComponent("ablation")
        let arguments = ["eval", "ablation", "--db", database, "--units", "mead/M003/happy/2", "--model", model, "--out", out.path,
                         "--steps", "2", "--frames", "4", "--window", "4", "--crop", "none", "--size", "64", "--json"]
        let first = try tbd(arguments)
        XCTAssertEqual(first.status, 0, first.stderr)
        let json = try XCTUnwrap(first.jsonObject, first.stdout)
        XCTAssertEqual(json["evaluated"] as? Int, 6)
        XCTAssertTrue(first.stderr.contains("render [6/6]"), first.stderr)
        XCTAssertTrue(first.stderr.contains("eval [6/6]"), first.stderr)
        let summaries = try XCTUnwrap(json["summaries"] as? [[String: Any]])
        XCTAssertEqual(summaries.map { $0["label"] as? String }, [
            "label, progressive guidance off", "label, progressive guidance on", "describe, progressive guidance off",
            "describe, progressive guidance on", "cot, progressive guidance off", "cot, progressive guidance on",
        ])
        XCTAssertEqual(summaries.map { $0["clips"] as? Int }, [1, 1, 1, 1, 1, 1])
        let clips = try XCTUnwrap(json["clips"] as? [[String: Any]])
        XCTAssertEqual(Set(clips.map { $0["video"] as! String }).count, 6, "six clips of their own")
        for clip in clips {
            let row = try XCTUnwrap(clip["row"] as? [String: Any])
            if row["progressive"] as? Bool == false {
                XCTAssertEqual(clip["coarse_prompt"] as? String, clip["fine_prompt"] as? String, "off: the fine prompt alone")
            }
            let frames = (clip["evaluation"] as? [String: Any])?["frames"] as? Int
            XCTAssertEqual(frames, 4, "paired with the unit's four frames")
        }
        let cot = try XCTUnwrap(clips.first { ($0["row"] as? [String: Any])?["mode"] as? String == "cot" })
        XCTAssertEqual(cot["prompt_source"] as? String, "store annotation #1")
        XCTAssertEqual(cot["fine_prompt"] as? String, sampleAnnotation(1).finePrompt)
        let label = try XCTUnwrap(clips.first { ($0["row"] as? [String: Any])?["mode"] as? String == "label" })
        XCTAssertEqual(label["prompt_source"] as? String, "label-template (label, not stored)")

        let markdown = try String(contentsOf: out.appendingPathComponent("table2.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("| prompts | progressive guidance | clips | FID ↓ | FVD ↓ | LPIPS ↓ | Sync-C ↑ | PSNR ↑ | SSIM ↑ | CPBD ↑ |"), markdown)
        XCTAssertEqual(markdown.components(separatedBy: "\n").filter { $0.hasPrefix("| cot | on | 1 | n/a") }.count, 1, markdown)
        XCTAssertTrue(markdown.contains("fvd: not asked for (--metrics fvd, with the converted weights: --weights)"), markdown)
        let written = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("table2.json"))) as? [String: Any])
        XCTAssertEqual((written["summaries"] as? [[String: Any]])?.count, 6)

        // Three metrics of six rows: panels of 6 x 22 + 5 x 6 = 162 pixels (wider than "PSNR (HIGHER)"), 36 apart,
        // 24 of margin each side; 34 + 200 + 14 of title, plot and baseline, two label lines and 20 under it, six
        // legend rows of 16, 24 below.
        let chart = try FrameReader.readFrame(path: out.appendingPathComponent("table2.png").path)
        XCTAssertEqual(chart.width, 2 * 24 + 3 * 162 + 2 * 36)
        XCTAssertEqual(chart.height, 34 + 200 + 14 + 2 * 10 + 20 + 6 * 16 + 24)

        // A killed run: one clip and its manifest gone, two scores not kept. The rerun renders one clip and
        // scores three (the new clip and the two lost), reading the other three back.
        let renders = out.appendingPathComponent("renders")
        let video = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: renders.path).filter { $0.hasSuffix(".mp4") }.sorted().first)
        try FileManager.default.removeItem(at: renders.appendingPathComponent(video))
        try FileManager.default.removeItem(at: renders.appendingPathComponent(video.replacingOccurrences(of: ".mp4", with: ".json")))
        let evaluations = out.appendingPathComponent("evaluations")
        let kept = try FileManager.default.contentsOfDirectory(atPath: evaluations.path).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertEqual(kept.count, 6)
        for entry in kept.prefix(2) { try FileManager.default.removeItem(at: evaluations.appendingPathComponent(entry)) }
        let second = try tbd(arguments)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(second.stderr.components(separatedBy: "already rendered, skipped").count - 1, 5, second.stderr)
        let evaluated = try XCTUnwrap(second.jsonObject?["evaluated"] as? Int)
        // The re-rendered clip is the same bytes (same seed, same prompts) unless the encoder differs run to run;
        // either way it is scored at most once more than the two lost scores.
        XCTAssertTrue((2...3).contains(evaluated), "\(evaluated)")
        XCTAssertEqual(evaluated + (second.jsonObject?["cached"] as? Int ?? 0), 6)

        let unknown = try tbd(["eval", "ablation", "--db", database, "--units", "mead/M009/sad/1", "--model", model, "--out", out.path])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("no finished batch unit mead/M009/sad/1"), unknown.stderr)
    }
}
