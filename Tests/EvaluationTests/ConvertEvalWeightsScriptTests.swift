import Foundation
import TemporaryFolders
import Tensors
import XCTest

/// scripts/convert-eval-weights.py run with `.venv-scripts` (torch CPU, safetensors; `make test` creates it with
/// scripts/python-env.sh), on lpips 0.1.4's real alex.pth (committed beside the fixtures, 6 KB).
final class ConvertEvalWeightsScriptTests: XCTestCase {
    private struct Run {
        let status: Int32
        let stderr: String
    }

    private func convert(_ arguments: [String]) throws -> Run {
        // Missing, the test fails rather than skips: `make test` creates the environment first.
        let candidate = repositoryRoot.appendingPathComponent(".venv-scripts/bin/python")
        let python = try XCTUnwrap(FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil,
                                   "\(candidate.path) is missing: run `bash scripts/python-env.sh` (make test does) to create .venv-scripts")
        let process = Process()
        process.executableURL = python
        process.arguments = [repositoryRoot.appendingPathComponent("scripts/convert-eval-weights.py").path] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1"]) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stderr: text)
    }

    func testTheLinearLayersConvertToTheFixturesTensorsWithAManifest() throws {
        let folder = try makeTemporaryFolder("tbd-convert-eval")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("weights")
        let source = Fixture.url(networkFixtures + "lpips-alex-v0.1.pth")
        let run = try convert(["--out", out.path, "--lpips-linear", source.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let converted = try SafeTensorsFile(contentsOf: out.appendingPathComponent("lpips-alex-linear.safetensors"))
        let expected = try Fixture.safetensors(networkFixtures + "lpips-alex-linear.safetensors")
        XCTAssertEqual(converted.entries.keys.sorted(), ["lin0.model.1.weight", "lin1.model.1.weight", "lin2.model.1.weight",
                                                        "lin3.model.1.weight", "lin4.model.1.weight"])
        for name in converted.entries.keys {
            XCTAssertEqual(try converted.tensor(named: name), try expected.tensor(named: name), name)
        }
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as? [String: Any]
        let entry = try XCTUnwrap(manifest?["lpips-linear"] as? [String: Any])
        XCTAssertEqual(entry["source"] as? String, "lpips-alex-v0.1.pth")
        XCTAssertEqual(entry["source_sha256"] as? String, "df73285e35b22355a2df87cdb6b70b343713b667eddbda73e1977e0c860835c0")
        XCTAssertEqual(entry["file"] as? String, "lpips-alex-linear.safetensors")
        XCTAssertTrue((entry["published"] as? String ?? "").contains("lpips/weights/v0.1/alex.pth"))
    }

    func testRefusalsLeaveOtherFilesAlone() throws {
        let folder = try makeTemporaryFolder("tbd-convert-eval")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = Fixture.url(networkFixtures + "lpips-alex-v0.1.pth")
        // A non-empty target is refused and kept as it was.
        let occupied = folder.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: occupied.appendingPathComponent("file"))
        let full = try convert(["--out", occupied.path, "--lpips-linear", source.path])
        XCTAssertNotEqual(full.status, 0)
        XCTAssertTrue(full.stderr.contains("exists and is not empty"), full.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: occupied.path), ["file"])
        // A file that is not the network named: refused, and the folder it would have made is not left behind.
        let wrong = try convert(["--out", folder.appendingPathComponent("new").path, "--alexnet", source.path, "--lpips-linear", source.path])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("lacks features.0.weight"), wrong.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["occupied"])
        let notI3D = try convert(["--out", folder.appendingPathComponent("i").path, "--i3d", source.path, "--lpips-linear", source.path])
        XCTAssertNotEqual(notI3D.status, 0)
        XCTAssertTrue(notI3D.stderr.contains("lacks Conv3d_1a_7x7.conv3d.weight"), notI3D.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["occupied"])
        // SyncNet's file is recognised by its layer names.
        let syncnet = try convert(["--out", folder.appendingPathComponent("s").path, "--syncnet", source.path, "--lpips-linear", source.path])
        XCTAssertNotEqual(syncnet.status, 0)
        XCTAssertTrue(syncnet.stderr.contains("lacks netcnnaud.0.weight"), syncnet.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["occupied"])
    }
}
