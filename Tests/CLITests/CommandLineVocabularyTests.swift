import Foundation
import LoopbackChatServer
import TestSupport
import XCTest

/// One vocabulary across the commands: `--vlm-model` for the VLM (`--model` still read), one reading of a frame
/// choice, `EmotionLevel` for every `--level`, one rule for list options, the shared `--json`, and library errors
/// passed on as they are.
final class CommandLineVocabularyTests: XCTestCase {
    private var folder: URL!
    private var image: String { folder.appendingPathComponent("portrait.jpg").path }
    private var manifest: String { folder.appendingPathComponent("items.csv").path }
    private var database: String { folder.appendingPathComponent("tbd.sqlite").path }

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("tbd-vocabulary")
        try TestImages.tinyJPEG.write(to: URL(fileURLWithPath: image))
        try Data("""
            path,emotion,level,actor,view
            a.png,happy,2,A1,front
            b.png,happy,2,B2,top
            c.png,sad,1,C3,front
            d.png,sad,3,A1,left_30

            """.utf8).write(to: URL(fileURLWithPath: manifest))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func tbd(_ arguments: [String]) throws -> ProgramRun { try BuiltProgram.run("tbd", arguments, in: folder) }

    /// `batch manifest --dry-run --json` with `arguments`: how many clips the filters select.
    private func clipsSelected(_ arguments: [String]) throws -> Int? {
        let run = try tbd(["batch", "manifest", manifest, "--db", database, "--dry-run", "--json"] + arguments)
        XCTAssertEqual(run.status, 0, "\(arguments): \(run.stderr)")
        return run.jsonObject?["clips_selected"] as? Int
    }

    func testTheVLMIsNamedByVLMModelAndTheFormerModelStillWorks() throws {
        let server = try LoopbackChatServer(responder: StageReplies.responder)
        for (index, flag) in ["--vlm-model", "--model"].enumerated() {
            let run = try tbd([
                "annotate", "--image", image, "--emotion", "happy", "--level", "\(index + 1)", "--text-only",
                "--endpoint", server.baseURL, flag, "chosen-vlm", "--db", database, "--json",
            ])
            XCTAssertEqual(run.status, 0, "\(flag): \(run.stderr)")
            XCTAssertEqual(server.chatRequests.last?.json?["model"] as? String, "chosen-vlm", flag)
        }
        let both = try tbd(["annotate", "--image", image, "--emotion", "happy", "--vlm-model", "a", "--model", "b"])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("--model is the former name of --vlm-model"), both.stderr)
        XCTAssertEqual(try clipsSelected(["--views", "all", "--model", "chosen-vlm"]), 4, "batch reads the former name too")
        for command in [["annotate"], ["batch", "mead"]] {
            let help = try tbd(command + ["--help"]).stdout
            XCTAssertTrue(help.contains("--vlm-model <vlm-model>"), help)
            XCTAssertFalse(help.contains("--model <"), "the former name is hidden: \(help)")
        }
    }

    func testChoiceAndFrameReadTheSameForms() throws {
        let out = folder.appendingPathComponent("frame.jpg").path
        for form in ["first", "middle", "MIDDLE", "0", "0.5", "index:0"] {
            let frame = try tbd(["media", "frame", "--input", image, "--choice", form, "--out", out])
            XCTAssertEqual(frame.status, 0, "--choice \(form): \(frame.stderr)")
            XCTAssertEqual(try clipsSelected(["--views", "all", "--frame", form]), 4, "--frame \(form)")
        }
        // Written --choice=VALUE, so "-1" reaches the reading rather than being taken for an option.
        for form in ["last", "-1", "inf", "nan", "index:-1", "index:x"] {
            let frame = try tbd(["media", "frame", "--input", image, "--choice=\(form)", "--out", out])
            XCTAssertNotEqual(frame.status, 0, "--choice \(form)")
            XCTAssertTrue(frame.stderr.contains("'\(form)' is invalid for '--choice"), frame.stderr)
            let batch = try tbd(["batch", "manifest", manifest, "--db", database, "--dry-run", "--frame=\(form)"])
            XCTAssertNotEqual(batch.status, 0, "--frame \(form)")
            XCTAssertTrue(batch.stderr.contains("'\(form)' is invalid for '--frame"), batch.stderr)
        }
        for command in [["batch", "mead"], ["media", "frame"]] {
            let help = try tbd(command + ["--help"]).stdout
            XCTAssertTrue(help.contains("(index:12)"), "\(command): one help for one reading\n\(help)")
        }
    }

    func testEveryLevelOptionTakesAnEmotionLevel() throws {
        for arguments in [["facs", "emotion", "happy", "--level", "4"], ["facs", "validate", "AU6 + AU12", "--emotion", "happy", "--level", "0"]] {
            let run = try tbd(arguments)
            XCTAssertNotEqual(run.status, 0, "\(arguments)")
            XCTAssertTrue(run.stderr.contains("is invalid for '--level") && run.stderr.contains("'1', '2' or '3'"), run.stderr)
        }
        let intense = try tbd(["facs", "emotion", "happy", "--level", "3", "--json"])
        XCTAssertEqual(intense.status, 0, intense.stderr)
        XCTAssertEqual(intense.jsonObject?["level"] as? Int, 3)
        XCTAssertEqual(try tbd(["facs", "emotion", "happy", "--json"]).jsonObject?["level"] as? Int, 2, "moderate by default")
    }

    func testListOptionsAreCommaSeparatedRepeatedOrBoth() throws {
        XCTAssertEqual(try clipsSelected(["--views", "all", "--actors", "A1,B2"]), 3)
        XCTAssertEqual(try clipsSelected(["--views", "all", "--actors", "A1", "--actors", "B2"]), 3)
        XCTAssertEqual(try clipsSelected(["--views", "front,top"]), 3)
        XCTAssertEqual(try clipsSelected(["--views", "front", "--views", "top"]), 3)
        XCTAssertEqual(try clipsSelected(["--views", "all", "--emotions", "sad", "--emotions", "happy", "--levels", "1,3"]), 2)
        XCTAssertEqual(try clipsSelected([]), 2, "the frontal view by default")

        let empty = try tbd(["batch", "manifest", manifest, "--db", database, "--dry-run", "--actors", " , "])
        XCTAssertNotEqual(empty.status, 0, "an empty list is not \"all\"")
        XCTAssertTrue(empty.stderr.contains("--actors needs at least one value"), empty.stderr)
        let spaced = try tbd(["batch", "manifest", manifest, "--db", database, "--dry-run", "--views", "front", "top"])
        XCTAssertNotEqual(spaced.status, 0, "space-separated values are not read")
    }

    /// A library error that names its file reaches the user as it is, once, with exit status 1.
    func testLibraryErrorsAreNotWrappedAgain() throws {
        let missing = folder.appendingPathComponent("missing").path
        let cases: [([String], String)] = [
            (["media", "probe", missing + ".mp4"], "Error: \(missing).mp4: file not found"),
            (["media", "sheet", "--input", missing + ".mp4", "--out", "sheet.png"], "Error: \(missing).mp4: file not found"),
            (["review", "list", "--db", missing + ".sqlite"], "Error: no review database at \(missing).sqlite"),
            (["model", "run", "unet", "--model", folder.path, "--inputs", missing + ".safetensors", "--out", "out.safetensors"],
             "Error: cannot read \(missing).safetensors: "),
        ]
        for (arguments, message) in cases {
            let run = try tbd(arguments)
            XCTAssertEqual(run.status, 1, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.hasPrefix(message), "\(arguments): \(run.stderr)")
            XCTAssertEqual(run.stderr.components(separatedBy: missing).count, 2, "the file is named once: \(run.stderr)")
        }
    }

    func testAnnotateAndBatchTakeTheSharedJSONOption() throws {
        for command in [["annotate"], ["batch", "manifest"]] {
            let help = try tbd(command + ["--help"]).stdout
            XCTAssertTrue(help.contains("Print JSON (stable, documented in docs/cli-json.md)."), help)
        }
    }
}
