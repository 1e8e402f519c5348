import Foundation
import TestSupport
import XCTest

/// `tbd model run talking-unet` and `tbd model init-random --config talking-tiny`, through the built binary, on
/// the talking-head parity fixtures.
final class TalkingCommandTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("RendererTests/Fixtures/talking")

    private func tbd(_ arguments: [String]) throws -> ProgramRun { try BuiltProgram.run("tbd", arguments) }

    /// The diagnostic: the denoiser with its ReferenceNet and masks gives Hallo's output (1e-4 relative,
    /// the floor being the tensor's mean magnitude).
    func testTalkingUNetRunMatchesHallo() throws {
        let folder = try makeTemporaryFolder("tbd-cli-talking")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out.safetensors")
        let inputs = Self.fixtures.appendingPathComponent("denoiser-masked-expected.safetensors")
        let run = try tbd(["model", "run", "talking-unet", "--model", Self.fixtures.appendingPathComponent("talking-tiny-masked").path,
                           "--inputs", inputs.path, "--out", out.path, "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.jsonObject?["shapes"] as? [String: [Int]], ["out": [1, 4, 4, 8, 8]])
        let ours = try float32SafeTensor("out", in: out)
        let hallo = try float32SafeTensor("out", in: inputs)
        XCTAssertEqual(ours.shape, hallo.shape)
        let scale = hallo.values.map(abs).reduce(0, +) / Float(hallo.values.count)
        let worst = zip(ours.values, hallo.values).map { abs($0 - $1) / max(abs($1), scale) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst, 1e-4)
    }

    func testTalkingUNetRunRefusesWhatDoesNotFit() throws {
        let inputs = Self.fixtures.appendingPathComponent("denoiser-masked-expected.safetensors").path
        let notTalking = try tbd(["model", "run", "talking-unet", "--model", Self.fixtures.appendingPathComponent("talking-tiny-masked/vae").path,
                                  "--inputs", inputs, "--out", "/tmp/tbd-never-written.safetensors"])
        XCTAssertNotEqual(notTalking.status, 0)
        XCTAssertTrue(notTalking.stderr.contains("model_index.json: missing"), notTalking.stderr)
        let wrongInputs = try tbd(["model", "run", "talking-unet", "--model", Self.fixtures.appendingPathComponent("talking-tiny-masked").path,
                                   "--inputs", Self.fixtures.appendingPathComponent("motion-module-expected.safetensors").path,
                                   "--out", "/tmp/tbd-never-written.safetensors"])
        XCTAssertNotEqual(wrongInputs.status, 0)
        XCTAssertTrue(wrongInputs.stderr.contains("must hold sample"), wrongInputs.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/tbd-never-written.safetensors"))
    }

    func testInitRandomTalkingTinyWritesEveryComponent() throws {
        let root = try makeTemporaryFolder("tbd-cli-talking")
        defer { try? FileManager.default.removeItem(at: root) }
        let written = try tbd(["model", "init-random", "--config", "talking-tiny", "--out", root.path])
        XCTAssertEqual(written.status, 0, written.stderr)
        for component in ["reference_unet", "denoising_unet", "audio_proj", "audio_encoder", "vae", "text_encoder", "tokenizer", "scheduler"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent(component).path), component)
        }
        let scheduler = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("scheduler/scheduler_config.json"))) as? [String: Any])
        XCTAssertEqual(scheduler["prediction_type"] as? String, "v_prediction")
        XCTAssertEqual(scheduler["timestep_spacing"] as? String, "trailing")
        XCTAssertEqual(scheduler["rescale_betas_zero_snr"] as? Bool, true)
        let unknown = try tbd(["model", "init-random", "--config", "talking-huge", "--out", root.appendingPathComponent("other").path])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("talking-tiny, talking-sd15"), unknown.stderr)
    }
}
