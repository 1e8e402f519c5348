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
}
