@testable import Evaluation
import Foundation
import MediaIO
import TestSupport
import Tensors
import XCTest

/// `tbd model run inception|lpips|syncnet` and `tbd eval video --metrics syncnet` as a user runs them, on random
/// weights written here in the converter's file names (the numbers are checked against the reference code in
/// EvaluationTests; these tests check that the commands read, run and write what they say).
final class EvaluationNetworkCommandTests: XCTestCase {
    private static let syncnetFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("EvaluationTests/Fixtures/syncnet")
    private static let faces = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FaceAnalysisTests/Fixtures/images")

    private var folder: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("tbd-eval-networks")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Random weights for a network built by BUILD, written as NAME in WEIGHTS: Gaussian kernels, BatchNorm scales
    /// and variances of one (RandomWeights alone leaves them zero, which would make every output zero).
    private func writeWeights(_ name: String, in weights: URL, _ build: (WeightReader) throws -> Void) throws {
        let random = RandomWeights(seed: 5) { name, shape in
            shape.count == 1 && (name.hasSuffix("running_var") || name.hasSuffix(".weight")) ? Tensor(repeating: 1, shape: shape) : nil
        }
        try build(WeightReader(source: random))
        try FileManager.default.createDirectory(at: weights, withIntermediateDirectories: true)
        try random.write(to: weights.appendingPathComponent(name))
    }

    private func tensors(_ url: URL) throws -> SafeTensorsFile { try SafeTensorsFile(contentsOf: url) }

    private func run(_ arguments: [String]) throws -> ProgramRun {
        let run = try BuiltProgram.run("tbd", arguments)
        XCTAssertEqual(run.status, 0, run.stderr)
        return run
    }

    func testSyncNetRunWritesEmbeddingsAndTheMFCC() throws {
        let weights = folder.appendingPathComponent("weights")
        try writeWeights("syncnet.safetensors", in: weights) { _ = try SyncNet($0) }
        let speech = try SyncNetConfidence.speech(file: Self.syncnetFixtures.appendingPathComponent("speech.wav").path)
        var state: UInt64 = 3
        let lips = (0..<(3 * 5 * 224 * 224)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 56)
        }
        let audio = Tensor(shape: [2, 1, 13, 20], scalars: (0..<520).map { Float($0 % 17) - 8 })
        let inputs = folder.appendingPathComponent("inputs.safetensors"), out = folder.appendingPathComponent("out.safetensors")
        try SafeTensorsWriter.write(tensors: [
            "audio": audio, "lips": Tensor(shape: [1, 3, 5, 224, 224], scalars: lips),
            "speech": Tensor(shape: [speech.count], scalars: speech.map(Float.init)),
        ], to: inputs)
        let ran = try run(["model", "run", "syncnet", "--weights", weights.path, "--inputs", inputs.path, "--out", out.path])
        XCTAssertTrue(ran.stdout.contains("audio_embeddings [2, 1024]") && ran.stdout.contains("lip_embeddings [1, 1024]"), ran.stdout)
        let written = try tensors(out)
        // The MFCC the library computes, written as it is: 2 s of speech, 199 frames of 13.
        let mfcc = try written.tensor(named: "mfcc")
        XCTAssertEqual(mfcc.shape, [199, 13])
        XCTAssertEqual(mfcc.scalars, MelFrequencyCepstrum.compute(speech.map(Double.init), sampleRate: 16_000).flatMap { $0.map(Float.init) })
        let network = try SyncNet(WeightReader(source: tensors(weights.appendingPathComponent("syncnet.safetensors"))))
        XCTAssertEqual(try written.tensor(named: "audio_embeddings"), network.audio(audio))
        XCTAssertGreaterThan(try written.tensor(named: "lip_embeddings").scalars.map(abs).max() ?? 0, 0)

        // Inputs of the wrong shape are refused by name before any weight is read; missing weights name the file.
        try SafeTensorsWriter.write(tensors: ["audio": Tensor(zeros: [2, 13, 20])], to: inputs)
        let wrong = try BuiltProgram.run("tbd", ["model", "run", "syncnet", "--weights", weights.path, "--inputs", inputs.path, "--out", out.path])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("audio must be [N, 1, 13, 20], got [2, 13, 20]"), wrong.stderr)
        try SafeTensorsWriter.write(tensors: ["audio": audio], to: inputs)
        let missing = try BuiltProgram.run("tbd", ["model", "run", "syncnet", "--weights", folder.appendingPathComponent("none").path,
                                                   "--inputs", inputs.path, "--out", out.path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("syncnet.safetensors") && missing.stderr.contains("syncnet_v2.model")
                      && missing.stderr.contains("http://www.robots.ox.ac.uk/~vgg/software/lipsync/data/syncnet_v2.model"), missing.stderr)
    }

    func testLPIPSRunWritesEachPairsDistanceAndItsLayers() throws {
        let weights = folder.appendingPathComponent("weights")
        try writeWeights("alexnet.safetensors", in: weights) { _ = try AlexNetFeatures($0) }
        // The package's real linear layers (non-negative, so every distance is too), as the converter wrote them.
        try FileManager.default.copyItem(at: Self.syncnetFixtures.deletingLastPathComponent().appendingPathComponent("networks/lpips-alex-linear.safetensors"),
                                         to: weights.appendingPathComponent("lpips-alex-linear.safetensors"))
        let a = Tensor(shape: [2, 3, 40, 48], scalars: (0..<(2 * 3 * 40 * 48)).map { Float(($0 * 37) % 200) / 100 - 1 })
        var b = a
        for index in 0..<(3 * 40 * 48) { b.scalars[index] = -b.scalars[index] }  // the first pair differs, the second is equal
        let inputs = folder.appendingPathComponent("inputs.safetensors"), out = folder.appendingPathComponent("out.safetensors")
        try SafeTensorsWriter.write(tensors: ["a": a, "b": b], to: inputs)
        _ = try run(["model", "run", "lpips", "--weights", weights.path, "--inputs", inputs.path, "--out", out.path])
        let written = try tensors(out)
        let distances = try written.tensor(named: "distances"), layers = try written.tensor(named: "layers")
        XCTAssertEqual(distances.shape, [2])
        XCTAssertEqual(layers.shape, [2, 5])
        XCTAssertGreaterThan(distances.scalars[0], 0)
        XCTAssertEqual(distances.scalars[1], 0)
        XCTAssertEqual(distances.scalars[0], layers.scalars[0..<5].reduce(0, +), accuracy: 1e-6 * distances.scalars[0])
    }

    func testInceptionRunRefusesBadImagesAndMissingWeights() throws {
        let inputs = folder.appendingPathComponent("inputs.safetensors"), out = folder.appendingPathComponent("out.safetensors")
        try SafeTensorsWriter.write(tensors: ["images": Tensor(zeros: [1, 4, 32, 32])], to: inputs)
        let wrong = try BuiltProgram.run("tbd", ["model", "run", "inception", "--weights", folder.path, "--inputs", inputs.path, "--out", out.path])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("images must be [N, 3, H, W], got [1, 4, 32, 32]"), wrong.stderr)
        try SafeTensorsWriter.write(tensors: ["images": Tensor(zeros: [1, 3, 32, 32])], to: inputs)
        let missing = try BuiltProgram.run("tbd", ["model", "run", "inception", "--weights", folder.path, "--inputs", inputs.path, "--out", out.path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("inception.safetensors") && missing.stderr.contains("pt_inception-2015-12-05-6726825d.pth"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        let help = try run(["model", "run", "inception", "--help"])
        XCTAssertTrue(help.stdout.contains("images [N, 3, H, W] in [0, 1]") && help.stdout.contains("features [N, 2048]"), help.stdout)
    }

    /// A folder of PNG frames of one face with the fixture's speech as audio.wav: the confidence, the offset and the
    /// windows come out as JSON; without the weights the metric is refused naming the file and where it is published.
    func testEvalVideoScoresSyncNetOnTheClipsOwnSpeech() throws {
        let clip = folder.appendingPathComponent("clip")
        try FileManager.default.createDirectory(at: clip, withIntermediateDirectories: true)
        let picture = try FrameReader.readFrame(path: Self.faces.appendingPathComponent("profile.png").path)
        for index in 0..<9 {
            try ImageEncoding.png(picture).write(to: clip.appendingPathComponent(String(format: "%03d.png", index)))
        }
        let refused = try BuiltProgram.run("tbd", ["eval", "video", clip.path, "--metrics", "syncnet", "--weights", folder.appendingPathComponent("none").path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("syncnet.safetensors") && refused.stderr.contains("syncnet_v2.model"), refused.stderr)
        let weights = folder.appendingPathComponent("weights")
        try writeWeights("syncnet.safetensors", in: weights) { _ = try SyncNet($0) }
        let noSpeech = try BuiltProgram.run("tbd", ["eval", "video", clip.path, "--metrics", "syncnet", "--weights", weights.path])
        XCTAssertNotEqual(noSpeech.status, 0)
        XCTAssertTrue(noSpeech.stderr.contains("audio.wav"), noSpeech.stderr)
        try FileManager.default.copyItem(at: Self.syncnetFixtures.appendingPathComponent("speech.wav"), to: clip.appendingPathComponent("audio.wav"))
        let ran = try run(["eval", "video", clip.path, "--metrics", "syncnet", "--weights", weights.path, "--json"])
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ran.stdout.utf8)) as? [String: Any])
        let sync = try XCTUnwrap(json["syncnet"] as? [String: Any], ran.stdout)
        // 9 frames and 2 s of speech: min(9, 50) - 5 windows.
        XCTAssertEqual(sync["windows"] as? Int, 4)
        let offset = try XCTUnwrap(sync["offset"] as? Int)
        XCTAssertTrue((-15...15).contains(offset))
        let confidence = try XCTUnwrap(sync["confidence"] as? Double)
        XCTAssertGreaterThanOrEqual(confidence, 0)
        XCTAssertEqual((json["metrics"] as? [String: Any])?["syncnet"] as? Double, confidence)
        XCTAssertNotNil(sync["minimum_distance"] as? Double, ran.stdout)
    }
}
