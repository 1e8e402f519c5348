import Foundation
import MediaIO
import TestSupport
import XCTest

/// What the commands do with numbers that cannot be trusted: a NaN sample in the speech, a NaN weight in a
/// network, NaN features given to the projection; and speech written through a pipe, which is fine.
final class NonFiniteInputCommandTests: XCTestCase {
    private static let audioFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("RendererTests/Fixtures/audio")

    private func tbd(_ arguments: [String]) throws -> ProgramRun { try BuiltProgram.run("tbd", arguments) }

    private func temporaryFolder() throws -> URL {
        let folder = try makeTemporaryFolder("tbd-cli-nonfinite")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    /// One second of a 16 kHz mono float WAV of a tone, with `bad` at 0.5 s when given.
    private func floatWAV(_ url: URL, bad: Float? = nil) throws {
        var samples = (0..<16_000).map { Float(sin(Double($0) * 0.07)) * 0.4 }
        if let bad { samples[8_000] = bad }
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + samples.count * 4))
        data.append(contentsOf: Array("WAVEfmt ".utf8)); append(UInt32(16)); append(UInt16(3)); append(UInt16(1))
        append(UInt32(16_000)); append(UInt32(64_000)); append(UInt16(4)); append(UInt16(32))
        data.append(contentsOf: Array("data".utf8)); append(UInt32(samples.count * 4))
        for sample in samples { append(sample.bitPattern) }
        try data.write(to: url)
    }

    /// A float WAV with one NaN gave all-NaN features and exit 0.
    func testAudioWithANaNSampleIsRefusedByTheEncoder() throws {
        let folder = try temporaryFolder()
        let speech = folder.appendingPathComponent("speech.wav")
        let out = folder.appendingPathComponent("features.safetensors")
        let model = Self.audioFixtures.appendingPathComponent("w2v-group").path
        try floatWAV(speech)
        let good = try tbd(["model", "run", "audio-encoder", "--model", model, "--audio", speech.path, "--out", out.path])
        XCTAssertEqual(good.status, 0, good.stderr)
        try FileManager.default.removeItem(at: out)

        try floatWAV(speech, bad: .nan)
        let run = try tbd(["model", "run", "audio-encoder", "--model", model, "--audio", speech.path, "--out", out.path])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("\(speech.path): the audio holds a sample that is not a finite number (NaN or infinity) at 0.500 s"),
                      run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing written")
    }

    /// NaN features became all-zero tokens behind the projection's ReLU, and exit 0.
    func testNaNFeaturesAreRefusedByTheProjection() throws {
        let folder = try temporaryFolder()
        let features = folder.appendingPathComponent("features.safetensors")
        let made = try tbd(["model", "run", "audio-encoder", "--model", Self.audioFixtures.appendingPathComponent("w2v-group").path,
                            "--audio", Self.audioFixtures.appendingPathComponent("speech.wav").path, "--out", features.path])
        XCTAssertEqual(made.status, 0, made.stderr)
        try poison("audio_features", in: features, bytes: Float.nan.bitPattern)
        let tokens = folder.appendingPathComponent("tokens.safetensors")
        let run = try tbd(["model", "run", "audio-proj", "--model", Self.audioFixtures.appendingPathComponent("audio-proj").path,
                           "--inputs", features.path, "--out", tokens.path])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("cannot read \(features.path): tensor audio_features holds NaN or infinite values"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tokens.path))
    }

    /// A NaN in the audio projection's first layer rendered a clip recorded as done.
    func testARenderWithANaNWeightIsRefusedNamingTheTensor() throws {
        let folder = try temporaryFolder()
        let model = folder.appendingPathComponent("talking")
        XCTAssertEqual(try tbd(["model", "init-random", "--config", "talking-tiny", "--out", model.path]).status, 0)
        let weights = model.appendingPathComponent("audio_proj/diffusion_pytorch_model.safetensors")
        try poison("proj1.weight", in: weights, bytes: UInt16(0x7E00))
        let portrait = folder.appendingPathComponent("face.png")
        try ImageEncoding.png(RGBImage(width: 64, height: 64, filledWith: (180, 140, 120))).write(to: portrait)
        let speech = folder.appendingPathComponent("speech.wav")
        try floatWAV(speech)
        let run = try tbd(["render", "--crop", "none", "--coarse", "a face", "--fine", "a smiling face", "--model", model.path,
                           "--out", folder.appendingPathComponent("out").path, "--reference", portrait.path, "--audio", speech.path,
                           "--steps", "2"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("weight proj1.weight in \(weights.path) holds NaN or infinite values"), run.stderr)
        let videos = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out").path))?
            .filter { $0.hasSuffix(".mp4") } ?? []
        XCTAssertEqual(videos, [])
    }

    /// `ffmpeg ... -f wav -` leaves 0xFFFFFFFF in the WAV's size fields: `media probe` read such speech while
    /// `render` refused it as truncated. Both read it now, through the same decoder.
    func testSpeechWrittenThroughAPipeIsReadByProbeAndRender() throws {
        let ffmpeg = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let tool = try XCTUnwrap(ffmpeg, "the ffmpeg tool (scripts/install-deps.sh installs it)")
        let folder = try temporaryFolder()
        let speech = folder.appendingPathComponent("piped.wav")
        FileManager.default.createFile(atPath: speech.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=220:duration=0.12", "-ar", "16000", "-f", "wav", "-"]
        process.standardOutput = try FileHandle(forWritingTo: speech)
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let header = try Data(contentsOf: speech).prefix(8)
        XCTAssertEqual(Array(header.suffix(4)), [0xFF, 0xFF, 0xFF, 0xFF], "the size a pipe leaves")

        let probe = try tbd(["media", "probe", speech.path])
        XCTAssertEqual(probe.status, 0, probe.stderr)
        let model = folder.appendingPathComponent("talking")
        XCTAssertEqual(try tbd(["model", "init-random", "--config", "talking-tiny", "--out", model.path]).status, 0)
        let portrait = folder.appendingPathComponent("face.png")
        try ImageEncoding.png(RGBImage(width: 64, height: 64, filledWith: (180, 140, 120))).write(to: portrait)
        let run = try tbd(["render", "--crop", "none", "--coarse", "a face", "--fine", "a smiling face", "--model", model.path,
                           "--out", folder.appendingPathComponent("out").path, "--reference", portrait.path, "--audio", speech.path,
                           "--steps", "2", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let result = try XCTUnwrap((run.json as? [[String: Any]])?.first?["result"] as? [String: Any], run.stdout)
        XCTAssertEqual(result["frames"] as? Int, 3, "ceil(0.12 s x 25 fps)")
    }

    /// Overwrites the first element of tensor `name` in a safetensors file with `bytes` (its dtype's width).
    private func poison<Bits: FixedWidthInteger>(_ name: String, in url: URL, bytes: Bits) throws {
        var data = try Data(contentsOf: url)
        let headerLength = Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: data.subdata(in: 8..<8 + headerLength)) as? [String: Any])
        let offsets = try XCTUnwrap((header[name] as? [String: Any])?["data_offsets"] as? [Int], "\(name) in \(url.path)")
        let start = 8 + headerLength + offsets[0]
        withUnsafeBytes(of: bytes.littleEndian) { data.replaceSubrange(start..<start + $0.count, with: $0) }
        try data.write(to: url)
    }
}
