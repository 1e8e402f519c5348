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
}
