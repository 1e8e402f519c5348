import Foundation
import TestSupport
import XCTest

/// `tbd model run audio-encoder`, `tbd model run audio-proj` and `tbd media probe` on audio, through the built
/// binary, on the audio parity fixtures.
final class AudioCommandTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("RendererTests/Fixtures/audio")

    private func tbd(_ arguments: [String]) throws -> ProgramRun { try BuiltProgram.run("tbd", arguments) }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func testEncoderThenProjectionFromAVideosSoundtrack() throws {
        let root = try makeTemporaryFolder("tbd-cli-audio")
        defer { try? FileManager.default.removeItem(at: root) }
        let features = root.appendingPathComponent("features.safetensors").path
        let encoded = try tbd(["model", "run", "audio-encoder", "--model", Self.fixtures.appendingPathComponent("w2v-layer").path,
                               "--audio", Self.fixtures.appendingPathComponent("speech.mp4").path, "--fps", "30",
                               "--out", features, "--json"])
        XCTAssertEqual(encoded.status, 0, encoded.stderr)
        let view = try json(encoded.stdout)
        XCTAssertEqual(view["frames"] as? Int, 16, "ceil(0.53 s x 30)")
        XCTAssertEqual(view["shape"] as? [Int], [16, 3, 24])
        XCTAssertEqual(view["samples"] as? Int, 8_480)
        XCTAssertGreaterThan(view["peak_resident_bytes"] as? Int ?? 0, 0)

        // The projection fixture expects 2 layers of 32: the layer-norm model's features do not fit, clearly.
        let mismatch = try tbd(["model", "run", "audio-proj", "--model", Self.fixtures.appendingPathComponent("audio-proj").path,
                                "--inputs", features, "--out", root.appendingPathComponent("tokens.safetensors").path])
        XCTAssertNotEqual(mismatch.status, 0)
        XCTAssertTrue(mismatch.stderr.contains("input width 320"), mismatch.stderr)

        let groupFeatures = root.appendingPathComponent("group.safetensors").path
        XCTAssertEqual(try tbd(["model", "run", "audio-encoder", "--model", Self.fixtures.appendingPathComponent("w2v-group").path,
                                "--audio", Self.fixtures.appendingPathComponent("speech.wav").path, "--out", groupFeatures]).status, 0)
        let tokens = root.appendingPathComponent("tokens.safetensors").path
        let projected = try tbd(["model", "run", "audio-proj", "--model", Self.fixtures.appendingPathComponent("audio-proj").path,
                                 "--inputs", groupFeatures, "--out", tokens, "--json"])
        XCTAssertEqual(projected.status, 0, projected.stderr)
        XCTAssertEqual(try json(projected.stdout)["shapes"] as? [String: [Int]], ["audio_tokens": [14, 4, 8]])
    }

    /// The acceptance check: the command's features for the WAV are Hallo's (1e-4 relative, the floor being
    /// the tensor's mean magnitude), read back from both files without the Renderer library.
    func testEncoderOutputForTheWAVMatchesHallo() throws {
        let folder = try makeTemporaryFolder("tbd-cli-audio")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out.safetensors")
        let run = try tbd(["model", "run", "audio-encoder", "--model", Self.fixtures.appendingPathComponent("w2v-group").path,
                           "--audio", Self.fixtures.appendingPathComponent("speech.wav").path, "--out", out.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let ours = try Self.float32Tensor("audio_features", in: out)
        let hallo = try Self.float32Tensor("audio_features_fps25", in: Self.fixtures.appendingPathComponent("w2v-group-expected.safetensors"))
        XCTAssertEqual(ours.shape, [14, 2, 32])
        XCTAssertEqual(ours.shape, hallo.shape)
        let scale = hallo.values.map(abs).reduce(0, +) / Float(hallo.values.count)
        let worst = zip(ours.values, hallo.values).map { abs($0 - $1) / max(abs($1), scale) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst, 1e-4)
    }

    private static func float32Tensor(_ name: String, in url: URL) throws -> (shape: [Int], values: [Float]) {
        try float32SafeTensor(name, in: url)
    }

    func testBadAudioInputsAreClearErrors() throws {
        let model = Self.fixtures.appendingPathComponent("w2v-group").path
        let silentVideo = Self.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("MediaIOTests/Fixtures/colours-h264.mp4").path
        let noAudio = try tbd(["model", "run", "audio-encoder", "--model", model, "--audio", silentVideo, "--out", "/tmp/unused.safetensors"])
        XCTAssertNotEqual(noAudio.status, 0)
        XCTAssertTrue(noAudio.stderr.contains("colours-h264.mp4: contains no audio stream"), noAudio.stderr)
        let badFPS = try tbd(["model", "run", "audio-encoder", "--model", model, "--audio", silentVideo, "--fps", "1000",
                              "--out", "/tmp/unused.safetensors"])
        XCTAssertNotEqual(badFPS.status, 0)
        XCTAssertTrue(badFPS.stderr.contains("--fps"), badFPS.stderr)
    }

    func testProbeReportsAnAudioOnlyFile() throws {
        let probe = try tbd(["media", "probe", Self.fixtures.appendingPathComponent("speech.wav").path, "--json"])
        XCTAssertEqual(probe.status, 0, probe.stderr)
        let audio = try XCTUnwrap(try json(probe.stdout)["audio"] as? [String: Any])
        XCTAssertEqual(audio["codec_name"] as? String, "pcm_s16le")
        XCTAssertEqual(audio["sample_rate"] as? Int, 16_000)
        XCTAssertEqual(audio["channels"] as? Int, 1)
        let video = try tbd(["media", "probe", Self.fixtures.appendingPathComponent("speech.mp4").path])
        XCTAssertTrue(video.stdout.contains("audio:    aac, 16000 Hz, 1 channel, 0.530 s"), video.stdout)
    }
}
