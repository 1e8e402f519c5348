import Foundation
import TestSupport
import XCTest

/// The trainer package (train/, Python) passes its own tests: its networks equal Hallo's modules on the talking
/// fixtures, a few steps lower the loss, a resumed run equals an uninterrupted one bitwise, an exported folder
/// loads back equal, and bad input is refused by name. Run with `.venv-scripts` (scripts/requirements-scripts.txt),
/// which `make test` creates with scripts/python-env.sh.
final class TrainerPackageTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized

    func testTheTrainersUnitTestsPass() throws {
        let python = Self.root.appendingPathComponent(".venv-scripts/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            return XCTFail("\(python.path) is missing: run `bash scripts/python-env.sh` (make test does) to create .venv-scripts")
        }
        let run = try BuiltProgram.run(
            executable: python, ["-m", "unittest", "discover", "-s", "train/tests"], in: Self.root,
            environment: ["PYTHONPATH": Self.root.appendingPathComponent("train").path, "PYTHONDONTWRITEBYTECODE": "1",
                          "OMP_NUM_THREADS": "1"])
        XCTAssertEqual(run.status, 0, String(run.stderr.suffix(4000)))
        // unittest reports on stderr: "Ran N tests" then "OK"; fewer than the files hold means discovery lost some.
        let ran = run.stderr.split(separator: "\n").first { $0.hasPrefix("Ran ") }
        let count = ran.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        XCTAssertGreaterThanOrEqual(count, 20, run.stderr.suffix(2000).description)
        XCTAssertTrue(run.stderr.contains("\nOK"), String(run.stderr.suffix(2000)))
    }

    /// A folder the trainer exports is what `tbd render` loads: tbd's denoiser on it equals the trainer's own
    /// forward at 1e-4 (the weights moved off the fixture's, so nothing but the export connects the two).
    func testAnExportedFolderRunsInTbdAsInTheTrainer() throws {
        let python = Self.root.appendingPathComponent(".venv-scripts/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            return XCTFail("\(python.path) is missing: run `bash scripts/python-env.sh` (make test does) to create .venv-scripts")
        }
        let folder = try makeTemporaryFolder("tbd-trainer-export")
        defer { try? FileManager.default.removeItem(at: folder) }
        let exported = folder.appendingPathComponent("talking"), expected = folder.appendingPathComponent("expected.safetensors")
        let made = try BuiltProgram.run(
            executable: python, [Self.root.appendingPathComponent("train/tests/export_forward.py").path, exported.path, expected.path],
            in: Self.root, environment: ["PYTHONPATH": Self.root.appendingPathComponent("train").path, "PYTHONDONTWRITEBYTECODE": "1",
                                         "OMP_NUM_THREADS": "1"])
        XCTAssertEqual(made.status, 0, String(made.stderr.suffix(3000)))
        let out = folder.appendingPathComponent("out.safetensors")
        let run = try BuiltProgram.run("tbd", ["model", "run", "talking-unet", "--model", exported.path, "--inputs", expected.path, "--out", out.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let ours = try float32SafeTensor("out", in: out), trainer = try float32SafeTensor("out", in: expected)
        XCTAssertEqual(ours.shape, trainer.shape)
        let scale = trainer.values.map(abs).reduce(0, +) / Float(trainer.values.count)
        let worst = zip(ours.values, trainer.values).map { abs($0 - $1) / max(abs($1), scale) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst, 1e-4)
        let fixture = try float32SafeTensor("out", in: Self.root.appendingPathComponent("Tests/RendererTests/Fixtures/talking/denoiser-masked-expected.safetensors"))
        XCTAssertGreaterThan(zip(ours.values, fixture.values).map { abs($0 - $1) }.max() ?? 0, 1e-3, "the export carries the moved weights")
    }

    /// A 3-step window of `tbd render` equals the trainer's PyTorch pipeline (train/tbd_train/pipeline.py) on the tiny
    /// masked checkpoint, from the same inputs: the prompts' embeddings and the speech's features as tbd computes them
    /// (`tbd model run text-encoder`, `audio-encoder`), the same portrait and seed. tbd writes 8-bit frames, so the
    /// comparison is on [0, 1] frames: every value of tbd's within half a level (0.5 / 255) plus 1e-3 of the
    /// pipeline's unrounded value, which holds whenever the two float renders agree to 1e-3. The pipeline with the
    /// next seed is far off, so the check can tell renders apart.
    func testAWindowOfTbdRenderEqualsThePyTorchPipelines() throws {
        let python = Self.root.appendingPathComponent(".venv-scripts/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            return XCTFail("\(python.path) is missing: run `bash scripts/python-env.sh` (make test does) to create .venv-scripts")
        }
        let folder = try makeTemporaryFolder("tbd-trainer-pipeline")
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = Self.root.appendingPathComponent("train/tests/render_window.py").path
        let environment = ["PYTHONPATH": Self.root.appendingPathComponent("train").path, "PYTHONDONTWRITEBYTECODE": "1",
                           "OMP_NUM_THREADS": "1"]
        let inputs = try BuiltProgram.run(executable: python, [script, "inputs", folder.path], in: Self.root, environment: environment)
        XCTAssertEqual(inputs.status, 0, String(inputs.stderr.suffix(3000)))
        let model = Self.root.appendingPathComponent("Tests/RendererTests/Fixtures/talking/talking-tiny-masked")
        let (coarse, fine) = ("a calm face, lips closed", "inner brows raised, lip corners pulled down")
        for (name, prompt) in [("coarse", coarse), ("fine", fine)] {
            let run = try BuiltProgram.run("tbd", ["model", "run", "text-encoder", "--model", model.appendingPathComponent("text_encoder").path,
                                                   "--prompt", prompt, "--out", folder.appendingPathComponent("\(name).safetensors").path])
            XCTAssertEqual(run.status, 0, run.stderr)
        }
        let speech = folder.appendingPathComponent("speech.wav").path
        let features = try BuiltProgram.run("tbd", ["model", "run", "audio-encoder", "--model", model.appendingPathComponent("audio_encoder").path,
                                                    "--audio", speech, "--out", folder.appendingPathComponent("features.safetensors").path])
        XCTAssertEqual(features.status, 0, features.stderr)
        let out = folder.appendingPathComponent("render")
        let render = try BuiltProgram.run("tbd", [
            "render", "--coarse", coarse, "--fine", fine, "--model", model.path, "--out", out.path, "--steps", "3", "--seed", "11",
            "--size", "16", "--window", "4", "--motion-frames", "2", "--reference", folder.appendingPathComponent("portrait.png").path,
            "--crop", "none", "--audio", speech])
        XCTAssertEqual(render.status, 0, render.stderr)
        let sheets = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix("-sheet.png") }
        XCTAssertEqual(sheets.count, 1, "\(sheets)")
        guard let sheet = sheets.first else { return }
        let compared = try BuiltProgram.run(executable: python, [script, "compare", folder.path, out.appendingPathComponent(sheet).path, "11"],
                                            in: Self.root, environment: environment)
        XCTAssertEqual(compared.status, 0, String(compared.stderr.suffix(3000)))
        let line = compared.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let result = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
        let same = try XCTUnwrap(result["same_seed"] as? Double, line), other = try XCTUnwrap(result["next_seed"] as? Double, line)
        XCTAssertLessThanOrEqual(same, 0.5 / 255 + 1e-3, line)
        XCTAssertGreaterThan(other, 0.1, line)
        // Frames with real spread, not a flat or saturated picture that any render would match.
        XCTAssertGreaterThan(try XCTUnwrap(result["spread"] as? Double, line), 0.05, line)
    }
}
