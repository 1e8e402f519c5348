@testable import Evaluation
import Foundation
import MediaIO
import Tensors
import TensorTesting
import XCTest

/// syncnet_python's network, MFCC and `SyncNetInstance.evaluate` on seeded random weights in syncnet_v2.model's file
/// format, converted by scripts/convert-eval-weights.py, with 2 s of real speech (scripts/make-syncnet-fixtures.py).
final class SyncNetTests: XCTestCase {
    private static let built: Result<(SyncNetConfidence, String), Error> = Result {
        let record = try Fixture.json("syncnet/confidence.json")
        let weights = SeededUniformWeights(seed: UInt64(record["seed"] as! Int))
        let network = try SyncNet(WeightReader(source: weights))
        return (SyncNetConfidence(network: network), weights.digest)
    }

    private static let picture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../FaceAnalysisTests/Fixtures/images/several.png")

    /// The fixture's crops: 224x224 windows of several.png, window t at row 2t and column 100 + 3t.
    private func crops(_ count: Int) throws -> [RGBImage] {
        let picture = try FrameReader.readFrame(path: Self.picture.path)
        return (0..<count).map { t in
            var pixels: [UInt8] = []
            pixels.reserveCapacity(224 * 224 * 3)
            for y in (2 * t)..<(2 * t + 224) {
                let start = (y * picture.width + 100 + 3 * t) * 3
                pixels += picture.pixels[start..<(start + 224 * 3)]
            }
            return RGBImage(width: 224, height: 224, pixels: pixels)
        }
    }

    private func speech() throws -> [Int16] {
        try SyncNetConfidence.speech(file: Fixture.url("syncnet/speech.wav").path)
    }

    func testTheGeneratedWeightsAreWhatTheConverterWrote() throws {
        let record = try Fixture.json("syncnet/confidence.json")
        XCTAssertEqual(try Self.built.get().1, record["weights_sha256"] as? String)
    }

    func testMFCCMatchesPythonSpeechFeatures() throws {
        let expected = try Fixture.safetensors("syncnet/mfcc.safetensors").tensor(named: "mfcc")
        let mfcc = MelFrequencyCepstrum.compute(try speech().map(Double.init), sampleRate: 16_000)
        XCTAssertEqual(mfcc.count, 199)  // 1 + ceil((32,000 - 400) / 160) frames of 2 s
        let actual = Tensor(shape: [mfcc.count, 13], scalars: mfcc.flatMap { $0.map(Float.init) })
        // Per coefficient: each of the 13 rows has its own scale (the log energy is far larger than the rest).
        for coefficient in 0..<13 {
            let column = { (tensor: Tensor) in Tensor(shape: [tensor.shape[0]], scalars: stride(from: coefficient, to: tensor.count, by: 13).map { tensor.scalars[$0] }) }
            assertClose(column(actual), column(expected), relative: 1e-4, "coefficient \(coefficient)")
        }
    }

    func testEmbeddingsMatchSyncNetPython() throws {
        let fixture = try Fixture.safetensors("syncnet/network.safetensors")
        let network = try Self.built.get().0.network
        assertClose(network.audio(try fixture.tensor(named: "audio_input")), try fixture.tensor(named: "audio_output"), relative: 1e-4, "audio")
        let lips = SyncNetConfidence.lipWindows(try crops(6), starts: 0..<2)
        assertClose(network.lip(lips), try fixture.tensor(named: "lip_output"), relative: 1e-4, "lip")
    }

    func testOffsetAndConfidenceMatchEvaluate() throws {
        let record = try Fixture.json("syncnet/confidence.json")
        let result = try Self.built.get().0.evaluate(crops: try crops(record["frames"] as! Int), samples: try speech())
        XCTAssertEqual(result.windows, record["windows"] as? Int)
        XCTAssertEqual(result.offset, record["offset"] as? Int)
        let confidence = try XCTUnwrap(record["confidence"] as? Double)
        XCTAssertEqual(result.confidence, confidence, accuracy: 1e-3 * abs(confidence))
        let minimum = try XCTUnwrap(record["minimum_distance"] as? Double)
        XCTAssertEqual(result.minimumDistance, minimum, accuracy: 1e-3 * minimum)
        let means = try XCTUnwrap(record["mean_distances"] as? [Double])
        XCTAssertEqual(result.meanDistances.count, 31)
        for (index, (actual, expected)) in zip(result.meanDistances, means).enumerated() {
            XCTAssertEqual(actual, expected, accuracy: 1e-4 * expected, "offset index \(index)")
        }
    }

    /// Embeddings whose audio is the video's two frames later: the best offset is -2 (frame i's lips match the
    /// speech at frame i + 2), and a zero vector pads the speech beyond the clip as calc_pdist pads it.
    func testTheOffsetSaysWhereTheSpeechMatches() {
        let video: [[Float]] = (0..<40).map { i in [Float(i % 7), Float((i * 3) % 5), 1] }
        let audio: [[Float]] = (0..<40).map { i in i >= 2 ? video[i - 2] : [9, 9, 9] }
        let result = SyncNetConfidence.offsetAndConfidence(video: video, audio: audio)
        XCTAssertEqual(result.offset, -2)
        XCTAssertEqual(result.windows, 40)
        XCTAssertGreaterThan(result.confidence, 0)
        XCTAssertEqual(result.minimumDistance, result.meanDistances[17])
        // The median of the 31 minus the minimum.
        XCTAssertEqual(result.confidence, result.meanDistances.sorted()[15] - result.minimumDistance, accuracy: 1e-12)
    }

    func testTooShortAClipIsRefusedSayingWhatItHas() throws {
        let syncnet = try Self.built.get().0
        XCTAssertThrowsError(try syncnet.evaluate(crops: try crops(5), samples: [Int16](repeating: 0, count: 16_000))) { error in
            XCTAssertTrue("\(error)".contains("at least 6 frames"), "\(error)")
            XCTAssertTrue("\(error)".contains("5 frames"), "\(error)")
        }
        let small = RGBImage(width: 8, height: 8, pixels: [UInt8](repeating: 0, count: 192))
        XCTAssertThrowsError(try syncnet.evaluate(crops: Array(repeating: small, count: 8), samples: [Int16](repeating: 0, count: 16_000))) { error in
            XCTAssertTrue("\(error)".contains("224x224"), "\(error)")
        }
    }
}
