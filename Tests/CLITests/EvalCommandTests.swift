import Foundation
import MediaIO
import TestSupport
import XCTest

/// `tbd eval video` and `tbd eval set` as a user runs them, on PNG-frame folders made from the evaluation
/// fixtures (so the printed values can be held against scikit-image's and cpbd's) and on MP4s written here.
final class EvalCommandTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("EvaluationTests/Fixtures/frame-metrics")

    private var folder: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("tbd-eval")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A folder of the fixture pictures NAMES as frames 000.png, 001.png, ...
    private func frames(_ name: String, _ pictures: [String]) throws -> String {
        let clip = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: clip, withIntermediateDirectories: true)
        for (index, picture) in pictures.enumerated() {
            try FileManager.default.copyItem(
                at: Self.fixtures.appendingPathComponent("images/\(picture).png"), to: clip.appendingPathComponent(String(format: "%03d.png", index)))
        }
        return clip.path
    }

    /// An MP4 of COUNT seeded noise frames.
    private func video(_ name: String, width: Int, height: Int, count: Int) throws -> String {
        let path = folder.appendingPathComponent(name).path
        let writer = try VideoWriter(path: path, width: width, height: height)
        var state: UInt64 = 7
        for _ in 0..<count {
            let pixels = (0..<(width * height * 3)).map { _ -> UInt8 in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: state >> 57) + 64
            }
            try writer.append(RGBImage(width: width, height: height, pixels: pixels))
        }
        _ = try writer.finish()
        return path
    }

    private func reference() throws -> (pairs: [String: [String: Any]], pictures: [String: [String: Any]]) {
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixtures.appendingPathComponent("metrics.json"))) as? [String: Any])
        let pairs = try XCTUnwrap(json["pairs"] as? [[String: Any]])
        return (Dictionary(uniqueKeysWithValues: pairs.map { ($0["generated"] as! String, $0) }), try XCTUnwrap(json["pictures"] as? [String: [String: Any]]))
    }

    private func assertRelative(_ actual: Any?, _ expected: Double, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let actual = actual as? Double else { return XCTFail("\(label): \(String(describing: actual)) is not a number", file: file, line: line) }
        XCTAssertLessThanOrEqual(abs(actual - expected), 1e-4 * abs(expected), "\(label): \(actual), reference \(expected)", file: file, line: line)
    }

    func testVideoOfPNGFramesGivesTheReferenceMeansOverThePairedFrames() throws {
        let generated = try frames("generated", ["astronaut-blur", "astronaut-noise"])
        let truth = try frames("truth", ["astronaut", "astronaut", "astronaut"])
        let run = try BuiltProgram.run("tbd", ["eval", "video", generated, "--reference", truth, "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let json = try XCTUnwrap(run.jsonObject, run.stdout)
        XCTAssertEqual(json["frames"] as? Int, 2)
        XCTAssertEqual(json["generated_frames"] as? Int, 2)
        XCTAssertEqual(json["reference_frames"] as? Int, 3)
        XCTAssertEqual(json["generated"] as? String, generated)
        XCTAssertEqual(json["reference"] as? String, truth)
        let metrics = try XCTUnwrap(json["metrics"] as? [String: Any])
        XCTAssertEqual(Set(metrics.keys), ["psnr", "ssim", "cpbd"])
        let (pairs, pictures) = try reference()
        let mean = { (values: [Any?]) in values.map { $0 as! Double }.reduce(0, +) / Double(values.count) }
        assertRelative(metrics["psnr"], mean([pairs["astronaut-blur"]?["psnr"], pairs["astronaut-noise"]?["psnr"]]), "psnr")
        assertRelative(metrics["ssim"], mean([pairs["astronaut-blur"]?["ssim"], pairs["astronaut-noise"]?["ssim"]]), "ssim")
        assertRelative(metrics["cpbd"], mean([pictures["astronaut-blur"]?["cpbd"], pictures["astronaut-noise"]?["cpbd"]]), "cpbd")
    }

    func testTextOutputHasOneLinePerMetricInTheOrderAsked() throws {
        let generated = try frames("generated", ["cat-jpeg"])
        let truth = try frames("truth", ["cat"])
        let run = try BuiltProgram.run("tbd", ["eval", "video", generated, "--reference", truth, "--metrics", "ssim,psnr"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, run.stdout)
        XCTAssertTrue(lines[0].hasPrefix("ssim 0.70"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("psnr 26.35 dB"), lines[1])
        XCTAssertEqual(lines[2], "frames: 1 paired (generated 1, ground truth 1)")
    }

    func testAClipAgainstItselfHasInfinitePSNRWrittenAsNull() throws {
        let clip = try video("clip.mp4", width: 64, height: 48, count: 4)
        let run = try BuiltProgram.run("tbd", ["eval", "video", clip, "--reference", clip, "--metrics", "psnr,ssim", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let json = try XCTUnwrap(run.jsonObject, run.stdout)
        let metrics = try XCTUnwrap(json["metrics"] as? [String: Any])
        XCTAssertTrue(metrics["psnr"] is NSNull, "\(metrics)")
        XCTAssertEqual(metrics["ssim"] as? Double ?? 0, 1, accuracy: 1e-12)
        XCTAssertEqual(json["infinite_metrics"] as? [String], ["psnr"])
        XCTAssertEqual(json["frames"] as? Int, 4)
        let text = try BuiltProgram.run("tbd", ["eval", "video", clip, "--reference", clip, "--metrics", "psnr"])
        XCTAssertEqual(text.stdout.split(separator: "\n").first, "psnr inf dB")
    }

    func testAReferenceOfAnotherSizeIsResizedToTheGeneratedSize() throws {
        let generated = try video("generated.mp4", width: 64, height: 48, count: 3)
        let truth = try frames("truth", ["astronaut", "cat", "several", "profile"])
        let run = try BuiltProgram.run("tbd", ["eval", "video", generated, "--reference", truth, "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let json = try XCTUnwrap(run.jsonObject, run.stdout)
        XCTAssertEqual(json["reference_resized_from"] as? String, "136x128")
        XCTAssertEqual(json["size"] as? String, "64x48")
        XCTAssertEqual(json["frames"] as? Int, 3)
        XCTAssertEqual(json["reference_frames"] as? Int, 4)
        let psnr = try XCTUnwrap((json["metrics"] as? [String: Any])?["psnr"] as? Double)
        XCTAssertTrue(psnr > 0 && psnr < 20, "noise against photographs: \(psnr)")
    }

    func testCPBDAloneNeedsNoReference() throws {
        let generated = try frames("generated", ["profile", "profile-blur"])
        let run = try BuiltProgram.run("tbd", ["eval", "video", generated, "--metrics", "cpbd", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let json = try XCTUnwrap(run.jsonObject, run.stdout)
        XCTAssertEqual(json["frames"] as? Int, 0)
        XCTAssertEqual(json["generated_frames"] as? Int, 2)
        XCTAssertTrue(json["reference"] is NSNull)
        let pictures = try reference().pictures
        let expected = ((pictures["profile"]?["cpbd"] as! Double) + (pictures["profile-blur"]?["cpbd"] as! Double)) / 2
        assertRelative((json["metrics"] as? [String: Any])?["cpbd"], expected, "cpbd")
    }

    func testUnknownAndUncomparableMetricsAreRefused() throws {
        let generated = try frames("generated", ["cat"])
        let unknown = try BuiltProgram.run("tbd", ["eval", "video", generated, "--reference", generated, "--metrics", "psnr,sharpness"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown metric 'sharpness'") && unknown.stderr.contains("psnr, ssim, cpbd, fid"), unknown.stderr)
        // FID's network weights are not there: refused before any clip is read, naming the file and its source.
        let emptyWeights = URL(fileURLWithPath: generated).deletingLastPathComponent().appendingPathComponent("no-weights").path
        let noWeights = try BuiltProgram.run("tbd", ["eval", "video", generated, "--reference", generated, "--metrics", "psnr,fid",
                                                     "--weights", emptyWeights])
        XCTAssertNotEqual(noWeights.status, 0)
        XCTAssertTrue(noWeights.stderr.contains("inception.safetensors") && noWeights.stderr.contains("pt_inception-2015-12-05-6726825d.pth")
                      && noWeights.stderr.contains("convert-eval-weights.py"), noWeights.stderr)
        let noTruth = try BuiltProgram.run("tbd", ["eval", "video", generated, "--metrics", "cpbd,ssim"])
        XCTAssertNotEqual(noTruth.status, 0)
        XCTAssertTrue(noTruth.stderr.contains("ssim compare with the ground truth: give --reference"), noTruth.stderr)
        XCTAssertEqual(noTruth.stdout, "")
    }

    func testCorruptMediaAndEmptyFoldersAreNamed() throws {
        let generated = try frames("generated", ["cat"])
        let broken = folder.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data("not a picture".utf8).write(to: broken.appendingPathComponent("000.png"))
        let corrupt = try BuiltProgram.run("tbd", ["eval", "video", generated, "--reference", broken.path])
        XCTAssertNotEqual(corrupt.status, 0)
        XCTAssertTrue(corrupt.stderr.contains(broken.appendingPathComponent("000.png").path), corrupt.stderr)
        let garbage = folder.appendingPathComponent("garbage.mp4")
        try Data("not a video".utf8).write(to: garbage)
        let unreadable = try BuiltProgram.run("tbd", ["eval", "video", garbage.path, "--metrics", "cpbd"])
        XCTAssertNotEqual(unreadable.status, 0)
        XCTAssertTrue(unreadable.stderr.contains("\(garbage.path): not a readable video"), unreadable.stderr)
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let none = try BuiltProgram.run("tbd", ["eval", "video", empty.path, "--metrics", "cpbd"])
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.stderr.contains("\(empty.path): the folder holds no PNG frames"), none.stderr)
    }

    func testSetPairsClipsByNameAndWritesTheReport() throws {
        let generated = folder.appendingPathComponent("generated"), truth = folder.appendingPathComponent("truth")
        try FileManager.default.createDirectory(at: generated, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: truth, withIntermediateDirectories: true)
        _ = try frames("generated/cat", ["cat-blur", "cat-noise"])
        _ = try frames("truth/cat", ["cat", "cat"])
        _ = try frames("generated/profile", ["profile-jpeg"])
        _ = try frames("truth/profile", ["profile"])
        _ = try video("generated/noise.mp4", width: 64, height: 64, count: 2)
        _ = try video("truth/noise.mp4", width: 64, height: 64, count: 2)
        let report = folder.appendingPathComponent("report.md").path
        let run = try BuiltProgram.run("tbd", ["eval", "set", "--generated", generated.path, "--reference", truth.path, "--report", report, "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let json = try XCTUnwrap(run.jsonObject, run.stdout)
        let clips = try XCTUnwrap(json["clips"] as? [[String: Any]])
        XCTAssertEqual(clips.map { $0["name"] as? String }, ["cat", "noise", "profile"])
        let ssims = clips.map { ($0["metrics"] as? [String: Any])?["ssim"] as? Double ?? .nan }
        let means = try XCTUnwrap(json["means"] as? [String: Any])
        XCTAssertEqual(means["ssim"] as? Double ?? 0, ssims.reduce(0, +) / 3, accuracy: 1e-12)
        XCTAssertTrue(means["psnr"] is NSNull, "the MP4 against itself has an infinite PSNR, and so the mean: \(means)")
        let intervals = try XCTUnwrap(json["intervals"] as? [String: Any])
        let ssimInterval = try XCTUnwrap(intervals["ssim"] as? [Double])
        let ssimMean = try XCTUnwrap(means["ssim"] as? Double)
        XCTAssertTrue(ssimInterval[0] <= ssimMean && ssimMean <= ssimInterval[1] && ssimInterval[0] < ssimInterval[1], "\(ssimInterval)")
        XCTAssertTrue(intervals["psnr"] is NSNull)
        let (pairs, _) = try reference()
        assertRelative(ssims[2], pairs["profile-jpeg"]?["ssim"] as! Double, "profile's ssim")
        let markdown = try String(contentsOfFile: report, encoding: .utf8)
        XCTAssertTrue(markdown.contains("| profile | 1 | "), markdown)
        XCTAssertTrue(markdown.contains("| psnr | inf | – |"), markdown)
    }

    func testSetRefusesUnpairedClipsAndWritesNoReport() throws {
        _ = try frames("generated/a", ["cat"])
        _ = try frames("generated/b", ["cat"])
        _ = try frames("truth/a", ["cat"])
        let report = folder.appendingPathComponent("report.md").path
        let run = try BuiltProgram.run("tbd", [
            "eval", "set", "--generated", folder.appendingPathComponent("generated").path, "--reference", folder.appendingPathComponent("truth").path,
            "--report", report,
        ])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("no ground truth in \(folder.appendingPathComponent("truth").path) for \(folder.appendingPathComponent("generated/b").path)"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: report))
    }
}
