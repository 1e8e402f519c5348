import AnnotationRecord
import Foundation
import MediaIO
import Store
import TestSupport
import XCTest

/// `tbd eval renders` on a store built here: batch units whose clips are folders of flat PNG frames, and renders
/// recorded against them whose frames differ by a known grey step, so every PSNR is known in closed form.
final class EvalRendersCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryFolder("tbd-eval-renders") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func tbd(_ arguments: [String]) throws -> ProgramRun { try BuiltProgram.run("tbd", arguments, in: folder) }

    /// A clip of three flat 16x16 frames of GREY.
    @discardableResult
    private func clip(_ name: String, grey: UInt8) throws -> String {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for index in 0..<3 {
            try ImageEncoding.png(RGBImage(width: 16, height: 16, filledWith: (grey, grey, grey)))
                .write(to: url.appendingPathComponent(String(format: "%03d.png", index)))
        }
        return url.path
    }

    /// What `RenderJob` records as a render's parameters, with the reference it was drawn from.
    /// A null reference: an image checkpoint's render, drawn from neither the unit's frame nor its speech.
    private func parameters(reference: String?, seed: Int) -> String {
        """
        {"annotation_id":1,"revision":1,"coarse_prompt":"c","fine_prompt":"f","model":"/models/tiny","steps":2,"split":0.4,\
        "blend":"paper","alpha_max":1,"alpha_min":0.5,"sampler":"ddim","cfg":3.5,"seed":\(seed),"frames":3,"fps":25,"size":16,\
        "reference":\(reference.map { "\"\($0)\"" } ?? "null"),"strength":0.6}
        """
    }

    private func recordRender(_ store: ProjectStore, annotation: Int64, reference: String?, video: String, seed: Int = 0) throws -> Int64 {
        let id = try store.startRender(
            NewRender(annotationID: annotation, revision: 1, parametersJSON: parameters(reference: reference, seed: seed), seed: Int64(seed),
                      modelPath: "/models/tiny", modelHash: "0123456789abcdef"), isAbandoned: false)
        try store.finishRender(id: id, outputs: RenderOutputs(video: video, firstFrame: video, contactSheet: video, manifest: video),
                               timings: RenderTimings(seconds: 1))
        return id
    }

    private func unit(_ store: ProjectStore, key: String, emotion: String, level: Int, clip: String, index: Int) throws -> Int64 {
        try store.completeBatchUnit(
            key: key, annotation: sampleAnnotation(index, emotion: emotion, level: .init(rawValue: level)!, sourcePath: clip),
            clips: [ClipLink(annotationID: 0, clipPath: clip, emotion: emotion, level: level)])
    }

    /// 10·log10(255² / d²) for frames that differ by D grey levels everywhere.
    private func psnr(_ difference: Double) -> Double { 10 * log10(255 * 255 / (difference * difference)) }

    func testTableOneHasABlockPerDatasetSkipsWithReasonsAndResumesFromTheCache() throws {
        let database = folder.appendingPathComponent("tbd.sqlite").path
        let store = try ProjectStore(path: database)
        let happy = try clip("M003/video/front/happy/level_1/001", grey: 100)
        let sad = try clip("M003/video/front/sad/level_3/001", grey: 100)
        let hdtf = try clip("HDTF/RD_Radio1_000", grey: 100)
        let happyID = try unit(store, key: "mead/M003/happy/1", emotion: "happy", level: 1, clip: happy, index: 1)
        let sadID = try unit(store, key: "mead/M003/sad/3", emotion: "sad", level: 3, clip: sad, index: 2)
        let hdtfID = try unit(store, key: "hdtf/RD_Radio1/neutral/1", emotion: "neutral", level: 1, clip: hdtf, index: 3)
        let loose = try store.addAnnotation(sampleAnnotation(4))

        try recordRender(store, annotation: happyID, reference: happy, video: try clip("out/happy", grey: 110))
        try recordRender(store, annotation: sadID, reference: sad, video: try clip("out/sad", grey: 120))
        // No reference and no speech: compared with the clip the annotation describes.
        try recordRender(store, annotation: hdtfID, reference: nil, video: try clip("out/hdtf", grey: 104))
        let noUnit = try recordRender(store, annotation: loose, reference: happy, video: try clip("out/loose", grey: 110))
        let gone = try recordRender(store, annotation: happyID, reference: happy, video: folder.appendingPathComponent("out/gone").path, seed: 1)
        let failed = try store.startRender(
            NewRender(annotationID: sadID, revision: 1, parametersJSON: parameters(reference: sad, seed: 2), seed: 2, modelPath: "/models/tiny"),
            isAbandoned: false)
        try store.failRender(id: failed, reason: "out of memory")

        let report = folder.appendingPathComponent("table1.md").path
        let first = try tbd(["eval", "renders", "--db", database, "--json", "--report", report])
        XCTAssertEqual(first.status, 0, first.stderr)
        let json = try XCTUnwrap(first.jsonObject, first.stdout)
        XCTAssertEqual(json["evaluated"] as? Int, 3)
        XCTAssertEqual(json["cached"] as? Int, 0)
        XCTAssertTrue(first.stderr.contains("eval [3/3]"), first.stderr)
        XCTAssertTrue(first.stderr.contains("left"), "an estimate of the time left: \(first.stderr)")

        let blocks = try XCTUnwrap(json["blocks"] as? [[String: Any]])
        XCTAssertEqual(blocks.map { $0["dataset"] as? String }, ["mead", "hdtf"], "MEAD's block first")
        let meadModel = try XCTUnwrap((blocks[0]["models"] as? [[String: Any]])?.first)
        XCTAssertEqual(meadModel["label"] as? String, "tiny (01234567)")
        XCTAssertEqual(meadModel["clips"] as? Int, 2)
        let meadPSNR = try XCTUnwrap((meadModel["means"] as? [String: Any])?["psnr"] as? Double)
        XCTAssertEqual(meadPSNR, (psnr(10) + psnr(20)) / 2, accuracy: 1e-9)
        let emotions = try XCTUnwrap(blocks[0]["emotions"] as? [[String: Any]])
        XCTAssertEqual(emotions.map { $0["label"] as? String }, ["happy", "sad"])
        XCTAssertEqual((emotions[1]["means"] as? [String: Any])?["psnr"] as? Double ?? 0, psnr(20), accuracy: 1e-9)
        let levels = try XCTUnwrap(blocks[0]["levels"] as? [[String: Any]])
        XCTAssertEqual(levels.map { $0["label"] as? String }, ["1 (mild)", "3 (intense)"])
        let hdtfPSNR = (((blocks[1]["models"] as? [[String: Any]])?.first?["means"]) as? [String: Any])?["psnr"] as? Double
        XCTAssertEqual(hdtfPSNR ?? 0, psnr(4), accuracy: 1e-9)

        let skipped = try XCTUnwrap(json["skipped"] as? [[String: Any]])
        let reasons = Dictionary(uniqueKeysWithValues: skipped.map { ($0["render_id"] as! Int, $0["reason"] as! String) })
        XCTAssertEqual(reasons.count, 3, "\(reasons)")
        XCTAssertTrue(reasons[Int(noUnit)]?.contains("no batch unit's") == true, "\(reasons)")
        XCTAssertTrue(reasons[Int(gone)]?.contains("is gone") == true, "\(reasons)")
        XCTAssertEqual(reasons[Int(failed)], "not finished: failed (out of memory)")

        let markdown = try String(contentsOfFile: report, encoding: .utf8)
        XCTAssertTrue(markdown.contains("## MEAD"), markdown)
        XCTAssertTrue(markdown.contains("## HDTF"), markdown)
        XCTAssertLessThan(try XCTUnwrap(markdown.range(of: "## MEAD")).lowerBound, try XCTUnwrap(markdown.range(of: "## HDTF")).lowerBound)
        XCTAssertTrue(markdown.contains("| model | clips | PSNR ↑ | SSIM ↑ | FID ↓ | CPBD ↑ | Sync-C ↑ |"), markdown)
        XCTAssertTrue(markdown.contains(String(format: "| tiny (01234567) | 2 | %.2f [", (psnr(10) + psnr(20)) / 2)), markdown)
        XCTAssertTrue(markdown.contains("syncnet: not asked for (--metrics syncnet, with the converted weights: --weights)"), markdown)
        XCTAssertTrue(markdown.contains("fid: not asked for"), markdown)
        XCTAssertTrue(markdown.contains("| \(failed) | not finished: failed (out of memory) |"), markdown)

        // Everything again: all from the cache. A score lost (a run killed before keeping it) is scored again,
        // and so is a render whose frames changed on disk.
        let second = try tbd(["eval", "renders", "--db", database, "--json"])
        XCTAssertEqual(second.jsonObject?["evaluated"] as? Int, 0, second.stdout)
        XCTAssertEqual(second.jsonObject?["cached"] as? Int, 3)
        let cache = folder.appendingPathComponent("eval-cache")
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertEqual(entries.count, 3)
        try FileManager.default.removeItem(at: cache.appendingPathComponent(entries[0]))
        let third = try tbd(["eval", "renders", "--db", database, "--json"])
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertEqual(third.jsonObject?["evaluated"] as? Int, 1, third.stdout)
        XCTAssertEqual(third.jsonObject?["cached"] as? Int, 2)
        try clip("out/hdtf", grey: 96)
        let fourth = try tbd(["eval", "renders", "--db", database, "--json"])
        XCTAssertEqual(fourth.jsonObject?["evaluated"] as? Int, 1, fourth.stdout)
        XCTAssertEqual(fourth.jsonObject?["cached"] as? Int, 2)

        // Another metric set is another key: everything is scored again.
        let cpbd = try tbd(["eval", "renders", "--db", database, "--json", "--metrics", "psnr"])
        XCTAssertEqual(cpbd.jsonObject?["evaluated"] as? Int, 3, cpbd.stdout)
    }

    func testCompareSaysWhichDifferencesAreLargerThanTheIntervalsAndDrawsThem() throws {
        let truth = folder.appendingPathComponent("truth"), closer = folder.appendingPathComponent("closer"), farther = folder.appendingPathComponent("farther")
        for (index, name) in ["a", "b", "c"].enumerated() {
            try clip("truth/\(name)", grey: 100)
            try clip("closer/\(name)", grey: UInt8(104 + index))
            try clip("farther/\(name)", grey: UInt8(130 + index))
        }
        var files: [String] = []
        for generated in [closer, farther] {
            let run = try tbd(["eval", "set", "--generated", generated.path, "--reference", truth.path, "--metrics", "psnr,ssim", "--json"])
            XCTAssertEqual(run.status, 0, run.stderr)
            let file = folder.appendingPathComponent(generated.lastPathComponent + ".json")
            try Data(run.stdout.utf8).write(to: file)
            files.append(file.path)
        }
        let plot = folder.appendingPathComponent("compare.png").path
        let compared = try tbd(["eval", "compare", files[0], files[1], "--out", plot, "--json"])
        XCTAssertEqual(compared.status, 0, compared.stderr)
        let differences = try XCTUnwrap(compared.jsonObject?["differences"] as? [[String: Any]], compared.stdout)
        XCTAssertEqual(differences.map { $0["metric"] as? String }, ["psnr", "ssim"])
        let psnrA = (psnr(4) + psnr(5) + psnr(6)) / 3, psnrB = (psnr(30) + psnr(31) + psnr(32)) / 3
        XCTAssertEqual(differences[0]["difference"] as? Double ?? 0, psnrB - psnrA, accuracy: 1e-9)
        XCTAssertEqual(differences[0]["beyond_intervals"] as? Bool, true)
        XCTAssertEqual(differences[0]["b_better"] as? Bool, false, "a lower PSNR is worse")

        let text = try tbd(["eval", "compare", files[0], files[0]])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("set psnr: A \(String(format: "%.2f", psnrA))"), text.stdout)
        XCTAssertTrue(text.stdout.contains("(equal; within the intervals)"), text.stdout)

        let picture = try FrameReader.readFrame(path: plot)
        // Two rows (psnr, ssim) of 42 pixels below a 54-pixel title and legend, 16 below; a 360-pixel plot right
        // of the labels ("set psnr": 62 pixels, plus 12).
        XCTAssertEqual(picture.height, 54 + 2 * 42 + 16)
        XCTAssertEqual(picture.width, 2 * 16 + 74 + 360 + 12)

        let notAnEvaluation = folder.appendingPathComponent("other.json")
        try Data("{\"hello\": 1}".utf8).write(to: notAnEvaluation)
        let refused = try tbd(["eval", "compare", files[0], notAnEvaluation.path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("not an evaluation"), refused.stderr)
    }
}
