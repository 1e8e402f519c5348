import Foundation
import MediaIO
import Store
import TestSupport
import XCTest

/// `tbd render` with a talking-head checkpoint: speech sets the frame count and goes into the MP4, windows are
/// kept as they finish so a killed render resumes, and a finished clip is recorded and skipped.
final class TalkingRenderCommandTests: XCTestCase {
    private func tbd(_ arguments: [String]) throws -> ProgramRun { try BuiltProgram.run("tbd", arguments) }

    private func approvedPair(in root: URL) throws -> (database: String, portrait: String) {
        let database = root.appendingPathComponent("tbd.sqlite").path
        let portrait = root.appendingPathComponent("face.png").path
        try ImageEncoding.png(RGBImage(width: 64, height: 64, filledWith: (180, 140, 120))).write(to: URL(fileURLWithPath: portrait))
        let annotated = try tbd(["annotate", "--image", portrait, "--emotion", "happy", "--db", database, "--json"])
        XCTAssertEqual(annotated.status, 0, annotated.stderr)
        XCTAssertEqual(try tbd(["review", "approve", "1", "--curator", "tester", "--db", database]).status, 0)
        return (database, portrait)
    }

    func testApprovedPairAndSpeechGiveAClipAsLongAsTheSpeechRecordedAndSkipped() throws {
        let root = try makeTemporaryFolder("tbd-talking-render")
        defer { try? FileManager.default.removeItem(at: root) }
        let (database, _) = try approvedPair(in: root)
        let speech = root.appendingPathComponent("speech.wav")
        try writeToneWAV(speech, seconds: 1.7)
        let model = root.appendingPathComponent("talking").path
        let made = try tbd(["model", "init-random", "--config", "talking-tiny", "--out", model])
        XCTAssertEqual(made.status, 0, made.stderr)

        let out = root.appendingPathComponent("out").path
        let render = ["render", "--crop", "none", "--approved", "--db", database, "--model", model, "--out", out, "--audio", speech.path,
                      "--steps", "2", "--fps", "25", "--json"]
        let first = try tbd(render)
        XCTAssertEqual(first.status, 0, first.stderr)
        let clips = try XCTUnwrap(first.json as? [[String: Any]], first.stdout)
        XCTAssertEqual(clips.first?["status"] as? String, "rendered")
        let result = try XCTUnwrap(clips.first?["result"] as? [String: Any])
        XCTAssertEqual(result["frames"] as? Int, 43, "ceil(1.7 s x 25 fps)")
        let video = try XCTUnwrap(result["video_path"] as? String)
        let info = try MediaProbe.probe(path: video)
        XCTAssertEqual(info.fps, 25, accuracy: 1e-6)
        XCTAssertTrue(info.hasAudio, "the clip carries the speech")
        XCTAssertEqual(try FrameReader.readAllFrames(path: video).count, 43)
        XCTAssertFalse(FileManager.default.fileExists(atPath: video.replacingOccurrences(of: ".mp4", with: ".windows")),
                       "the finished clip's window frames are removed")

        let store = try ProjectStore(path: database)
        let renders = try store.renders(annotationID: 1, status: .done)
        XCTAssertEqual(renders.count, 1)
        XCTAssertTrue(renders[0].parametersJSON.contains("\"renderer\":\"talking_head\""), renders[0].parametersJSON)
        XCTAssertTrue(renders[0].parametersJSON.contains("\"frames\":43"), renders[0].parametersJSON)

        let second = try tbd(render)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual((second.json as? [[String: Any]])?.first?["status"] as? String, "skipped", second.stdout)
    }

    func testAKilledRenderResumesAtTheNextWindow() throws {
        let root = try makeTemporaryFolder("tbd-talking-resume")
        defer { try? FileManager.default.removeItem(at: root) }
        let (_, portrait) = try approvedPair(in: root)
        let model = root.appendingPathComponent("talking").path
        XCTAssertEqual(try tbd(["model", "init-random", "--config", "talking-tiny", "--out", model]).status, 0)
        let out = root.appendingPathComponent("out")
        // No speech: --frames decides, 3 windows of 4 with 1 motion frame.
        let render = ["render", "--crop", "none", "--coarse", "a face", "--fine", "a smiling face", "--model", model, "--out", out.path,
                      "--reference", portrait, "--audio", "none", "--frames", "10", "--window", "4", "--motion-frames", "1",
                      "--steps", "20"]
        let running = try BuiltProgram.start("tbd", render)
        func finishedWindows() -> [String] {
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: out.path))?.filter { $0.hasSuffix(".windows") } ?? []
            return folders.flatMap { folder in
                ((try? FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent(folder).path)) ?? [])
                    .filter { $0.hasPrefix("window-") }
            }
        }
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, running.process.isRunning, finishedWindows().isEmpty { usleep(20_000) }
        // Stopped, then counted, then killed: the windows counted are the ones the resumed run finds, however many
        // the render finished between the poll that saw the first and the kill (counting before the kill raced it).
        running.kill(SIGSTOP)
        let windows = finishedWindows()
        running.kill(SIGKILL)
        _ = running.finish()
        XCTAssertFalse(windows.isEmpty, "a window was finished before the kill")
        XCTAssertLessThan(windows.count, 3, "the kill landed before the last window")

        let resumed = try tbd(render)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resumed at window \(windows.count + 1)/3"), resumed.stderr)
        let videos = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".mp4") }
        XCTAssertEqual(videos.count, 1)
        XCTAssertEqual(try FrameReader.readAllFrames(path: out.appendingPathComponent(videos[0]).path).count, 10)
    }

    func testARenderWithoutAPortraitSaysWhatIsMissing() throws {
        let root = try makeTemporaryFolder("tbd-talking-noref")
        defer { try? FileManager.default.removeItem(at: root) }
        let model = root.appendingPathComponent("talking").path
        XCTAssertEqual(try tbd(["model", "init-random", "--config", "talking-tiny", "--out", model]).status, 0)
        let run = try tbd(["render", "--crop", "none", "--coarse", "a face", "--fine", "a smiling face", "--model", model,
                           "--out", root.appendingPathComponent("out").path, "--audio", "none", "--steps", "1"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("--reference auto takes the pair's source"), run.stderr)
    }

    /// A talking checkpoint whose denoiser has neither motion nor audio modules still renders, and says what it lacks.
    func testACheckpointWithoutMotionOrAudioModulesRendersAndSaysSo() throws {
        let root = try makeTemporaryFolder("tbd-talking-plain")
        defer { try? FileManager.default.removeItem(at: root) }
        let (_, portrait) = try approvedPair(in: root)
        let model = root.appendingPathComponent("talking")
        XCTAssertEqual(try tbd(["model", "init-random", "--config", "talking-tiny", "--out", model.path]).status, 0)
        let configURL = model.appendingPathComponent("denoising_unet/config.json")
        var config = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        config["use_motion_module"] = false
        config["use_audio_module"] = false
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        // The weights must match: a file holding modules the config leaves out is refused.
        try removeTensors(containing: ["motion_modules.", "audio_modules."],
                          from: model.appendingPathComponent("denoising_unet/diffusion_pytorch_model.safetensors"))
        let speech = root.appendingPathComponent("speech.wav")
        try writeToneWAV(speech, seconds: 0.3)
        let run = try tbd(["render", "--crop", "none", "--coarse", "a face", "--fine", "a smiling face", "--model", model.path,
                           "--out", root.appendingPathComponent("out").path, "--reference", portrait, "--audio", speech.path,
                           "--steps", "2", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.isEmpty || !run.stderr.contains("note:"), "--json keeps notes off stderr: \(run.stderr)")
        let result = try XCTUnwrap((run.json as? [[String: Any]])?.first?["result"] as? [String: Any], run.stdout)
        XCTAssertEqual(result["frames"] as? Int, 8, "ceil(0.3 s x 25 fps)")
        let plain = try tbd(["render", "--crop", "none", "--coarse", "a face", "--fine", "a smiling face", "--model", model.path,
                             "--out", root.appendingPathComponent("out2").path, "--reference", portrait, "--audio", "none",
                             "--frames", "2", "--steps", "2"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(plain.stderr.contains("has no motion modules"), plain.stderr)
        XCTAssertTrue(plain.stderr.contains("has no audio modules"), plain.stderr)
    }

    /// Rewrites a safetensors file without the tensors whose names contain any of `parts`.
    private func removeTensors(containing parts: [String], from url: URL) throws {
        let data = try Data(contentsOf: url)
        let headerLength = Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: data.subdata(in: 8..<8 + headerLength)) as? [String: Any])
        var kept: [String: Any] = header["__metadata__"].map { ["__metadata__": $0] } ?? [:]
        var body = Data()
        for name in header.keys.sorted() where name != "__metadata__" && !parts.contains(where: { name.contains($0) }) {
            var entry = try XCTUnwrap(header[name] as? [String: Any])
            let offsets = try XCTUnwrap(entry["data_offsets"] as? [Int])
            entry["data_offsets"] = [body.count, body.count + offsets[1] - offsets[0]]
            body.append(data.subdata(in: 8 + headerLength + offsets[0]..<8 + headerLength + offsets[1]))
            kept[name] = entry
        }
        let json = try JSONSerialization.data(withJSONObject: kept)
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(body)
        try file.write(to: url)
    }
}
