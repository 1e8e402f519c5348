import AnnotationRecord
import Foundation
import Glibc
import Store
import TestSupport
import XCTest

/// `--out` of `export`, `media frame` and `model run` through the built binary: special files stay special, a
/// symbolic link is refused, and a full or closed standard output is a failure, not a silent success.
final class HostileOutputCommandTests: XCTestCase {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func folder() throws -> URL {
        let folder = try makeTemporaryFolder("tbd-hostile-out")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    /// A store with one approved annotation whose model id carries a terminal title escape.
    private func storeWithApprovedItem(in folder: URL) throws -> String {
        let path = folder.appendingPathComponent("tbd.sqlite").path
        let store = try ProjectStore(path: path)
        var annotation = sampleAnnotation()
        annotation.modelID = "evil\u{1B}]0;pwned\u{07}model"
        try store.approve(id: store.addAnnotation(annotation), curator: "ann")
        return path
    }

    private func kind(_ path: String) -> mode_t {
        var info = stat()
        XCTAssertEqual(lstat(path, &info), 0, path)
        return info.st_mode & S_IFMT
    }

    /// Runs `tbd ARGS` through the shell with `redirect` applied to its standard output.
    private func tbdWithStdout(_ redirect: String, _ arguments: [String]) throws -> ProgramRun {
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return try BuiltProgram.run(executable: URL(fileURLWithPath: "/bin/sh"),
                                    ["-c", "exec '\(try BuiltProgram.url("tbd").path)' \(quoted) \(redirect)"])
    }

    func testExportWritesThroughAFIFOAndRefusesASymbolicLink() throws {
        let folder = try folder()
        let db = try storeWithApprovedItem(in: folder)
        let fifo = folder.appendingPathComponent("export.pipe").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let reader = try BuiltProgram.start(executable: URL(fileURLWithPath: "/bin/cat"), [fifo])
        let run = try BuiltProgram.run("tbd", ["export", "--db", db, "--format", "jsonl", "--out", fifo])
        XCTAssertEqual(run.status, 0, run.stderr)
        let received = reader.finish()
        XCTAssertTrue(received.stdout.contains("\"annotation_id\":1"), received.stdout)
        XCTAssertEqual(kind(fifo), S_IFIFO, "the FIFO is still a FIFO")

        let target = folder.appendingPathComponent("target.jsonl").path
        let link = folder.appendingPathComponent("link.jsonl").path
        try Data("keep".utf8).write(to: URL(fileURLWithPath: target))
        XCTAssertEqual(symlink(target, link), 0)
        let refused = try BuiltProgram.run("tbd", ["export", "--db", db, "--format", "jsonl", "--out", link])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("symbolic link"), refused.stderr)
        XCTAssertEqual(kind(link), S_IFLNK)
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "keep")
    }

    func testExportToAFullOrClosedStandardOutputFails() throws {
        let db = try storeWithApprovedItem(in: try folder())
        let full = try tbdWithStdout("> /dev/full", ["export", "--db", db, "--format", "csv", "--out", "-"])
        XCTAssertNotEqual(full.status, 0, "writing to /dev/full must fail")
        XCTAssertTrue(full.stderr.contains("no space"), full.stderr)
        let closed = try tbdWithStdout(">&-", ["export", "--db", db, "--format", "csv", "--out", "-"])
        XCTAssertNotEqual(closed.status, 0, "writing to a closed stdout must fail")
        let device = try tbdWithStdout("", ["export", "--db", db, "--format", "csv", "--out", "/dev/full"])
        XCTAssertNotEqual(device.status, 0)
        XCTAssertEqual(kind("/dev/full"), S_IFCHR)
    }

    /// Escape codes in stored text reach a file or a pipe exactly as stored, and a terminal only as inert text.
    func testCSVExportMakesEscapeCodesInertOnlyOnATerminal() throws {
        let db = try storeWithApprovedItem(in: try folder())
        let piped = try BuiltProgram.run("tbd", ["export", "--db", db, "--format", "csv", "--out", "-"])
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertTrue(piped.stdout.contains("evil\u{1B}]0;pwned\u{07}model"), "a pipe gets the bytes as stored")

        // script(1) gives the command a pseudo-terminal as its standard output.
        let command = "'\(try BuiltProgram.url("tbd").path)' export --db '\(db)' --format csv --out -"
        let onTerminal = try BuiltProgram.run(executable: URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"])
        XCTAssertEqual(onTerminal.status, 0, onTerminal.stderr)
        XCTAssertTrue(onTerminal.stdout.contains("pwned"), onTerminal.stdout)
        XCTAssertFalse(onTerminal.stdout.contains("\u{1B}]0;"), "no live escape reaches the terminal")
        XCTAssertFalse(onTerminal.stdout.contains("\u{07}"))
    }

    func testMediaFrameRefusesASymbolicLinkAndLeavesIt() throws {
        let folder = try folder()
        let link = folder.appendingPathComponent("frame.png").path
        XCTAssertEqual(symlink("/etc/hostname", link), 0)
        let run = try BuiltProgram.run("tbd", ["media", "frame", "--input", Self.repository.appendingPathComponent("data/astronaut.png").path,
                                               "--out", link])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("symbolic link"), run.stderr)
        XCTAssertEqual(kind(link), S_IFLNK)
    }

    func testModelRunWritesThroughDevicesAndFailsOnAFullOne() throws {
        let folder = try folder()
        let model = folder.appendingPathComponent("model").path
        let made = try BuiltProgram.run("tbd", ["model", "init-random", "--config", "tiny", "--out", model])
        XCTAssertEqual(made.status, 0, made.stderr)
        let run = ["model", "run", "text-encoder", "--model", model, "--prompt", "a face"]
        let full = try BuiltProgram.run("tbd", run + ["--out", "/dev/full"])
        XCTAssertNotEqual(full.status, 0)
        XCTAssertTrue(full.stderr.contains("/dev/full"), full.stderr)
        let discarded = try BuiltProgram.run("tbd", run + ["--out", "/dev/null"])
        XCTAssertEqual(discarded.status, 0, discarded.stderr)
        XCTAssertEqual(kind("/dev/null"), S_IFCHR, "/dev/null is still a device")
    }

    func testMediaProbeFailsOnAFileThatIsNotMedia() throws {
        let folder = try folder()
        for (name, text) in [("notes.md", "# Notes\n\nnot a picture\n"), ("picture.png", "plain text named like an image\n")] {
            let path = folder.appendingPathComponent(name).path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let run = try BuiltProgram.run("tbd", ["media", "probe", path])
            XCTAssertNotEqual(run.status, 0, "\(name): \(run.stdout)")
            XCTAssertTrue(run.stderr.contains(path), run.stderr)
        }
    }
}
