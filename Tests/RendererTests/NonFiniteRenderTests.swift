import Foundation
import MediaIO
import TemporaryFolders
import XCTest
@_spi(Development) @testable import Renderer
import Tensors

/// Weights full of NaN used to render an all-black clip and report success; NaN weights are now refused when the
/// network loads, and whatever the networks produce from finite weights and inputs is checked before it is used.
final class NonFiniteRenderTests: XCTestCase {
    private func temporaryFolder() throws -> URL {
        let url = try makeTemporaryFolder("tbd-nan")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// A tiny random checkpoint whose UNet weights are all the F16 value `bits`, header untouched.
    private func poisonedCheckpoint(bits: UInt16) throws -> URL {
        let url = try temporaryFolder()
        try RandomCheckpoint.write(size: .tiny, seed: 0, to: url)
        let weights = url.appendingPathComponent("unet/diffusion_pytorch_model.safetensors")
        var bytes = try Data(contentsOf: weights)
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var index = 8 + headerLength
        while index + 1 < bytes.count {
            bytes[index] = UInt8(bits & 0xFF)
            bytes[index + 1] = UInt8(bits >> 8)
            index += 2
        }
        try bytes.write(to: weights)
        return url
    }

    func testNaNWeightsAreRefusedWhenTheModelLoads() throws {
        let checkpoint = try poisonedCheckpoint(bits: 0x7E00)
        XCTAssertThrowsError(try StableDiffusionModel(directory: checkpoint)) { error in
            guard case .nonFiniteWeight(let name, let file) = error as? ModelLoadingError else { return XCTFail("\(error)") }
            XCTAssertFalse(name.isEmpty)
            XCTAssertEqual(file, checkpoint.appendingPathComponent("unet/diffusion_pytorch_model.safetensors").path)
        }
    }

    /// Finite weights at F16's largest value overflow Float32 inside the network: the render still refuses.
    func testWeightsThatOverflowFailTheRender() throws {
        let renderer = ImageClipRenderer(model: try StableDiffusionModel(directory: try poisonedCheckpoint(bits: 0x7BFF)))
        var request = ClipRequest(prompts: ["a face", "a smiling face"])
        request.frames = 2
        request.sampling.steps = 2
        let sampler = try renderer.windows(of: try renderer.prepare(request))
        XCTAssertThrowsError(try sampler.window(0, keptFrame: { _, _ in XCTFail("an image frame reads no earlier frame"); throw RenderError.cancelled },
                                                step: { _, _ in })) { error in
            guard case RenderError.nonFinite(let what) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(what.contains("frame 0"), what)
        }
    }

    func testFiniteCheckSeesNaNAndInfinity() {
        XCTAssertTrue(Tensor(shape: [3], scalars: [0, -1, 2]).isFinite)
        XCTAssertFalse(Tensor(shape: [3], scalars: [0, .nan, 2]).isFinite)
        XCTAssertFalse(Tensor(shape: [2], scalars: [.infinity, 0]).isFinite)
    }

    // MARK: - The audio path

    /// A copy of the single-form talking fixture whose audio projection's `proj1.weight` is rewritten by `edit`.
    private func talkingCheckpoint(editingProjection edit: (inout [Float]) -> Void) throws -> URL {
        let copy = try temporaryFolder().appendingPathComponent("checkpoint")
        try FileManager.default.copyItem(at: Fixture.url("talking/talking-tiny-single"), to: copy)
        let url = copy.appendingPathComponent("audio_proj/diffusion_pytorch_model.safetensors")
        let file = try SafeTensorsFile(contentsOf: url)
        var tensors = [String: Tensor]()
        for name in file.names { tensors[name] = try file.tensor(named: name) }
        var weight = try XCTUnwrap(tensors["proj1.weight"])
        edit(&weight.scalars)
        tensors["proj1.weight"] = weight
        try SafeTensorsWriter.write(tensors: tensors, to: url)
        return copy
    }

    /// One NaN in the projection's first layer used to give all-zero audio tokens (a ReLU maps NaN to 0) and a
    /// render recorded as done.
    func testANaNInTheAudioProjectionsFirstLayerIsRefusedBeforeRendering() throws {
        let checkpoint = try talkingCheckpoint { $0[3] = .nan }
        XCTAssertThrowsError(try TalkingHeadModel(directory: checkpoint)) { error in
            guard let refusal = error as? TalkingCheckpointError else { return XCTFail("\(error)") }
            XCTAssertEqual(refusal.part, "audio_proj")
            XCTAssertTrue(refusal.reason.contains("weight proj1.weight in \(checkpoint.path)/audio_proj/diffusion_pytorch_model.safetensors holds NaN"),
                          refusal.reason)
        }
    }

    /// Finite projection weights that overflow: the tokens are checked before the window uses them.
    func testAudioTokensThatOverflowFailTheWindow() throws {
        let checkpoint = try talkingCheckpoint { values in values = values.map { $0 < 0 ? -3e38 : 3e38 } }
        let renderer = TalkingClipRenderer(model: try TalkingHeadModel(directory: checkpoint))
        var request = ClipRequest(prompts: ["a face", "a smiling face"])
        request.reference = RGBImage(width: 64, height: 64, filledWith: (180, 140, 120))
        request.audioPath = Fixture.url("audio/speech.wav").path
        request.window = 4
        request.sampling.steps = 2
        let sampler = try renderer.windows(of: try renderer.prepare(request))
        XCTAssertThrowsError(try sampler.window(0, keptFrame: { _, _ in throw RenderError.cancelled }, step: { _, _ in })) { error in
            XCTAssertEqual(error as? RenderError, .nonFinite("the audio projection's tokens"))
        }
    }

    /// NaN features reach the projection's ReLU, which passes NaN on (as PyTorch's does) instead of zeroing it.
    func testNaNAudioFeaturesAreNotHiddenByTheProjection() throws {
        let projection = try AudioProjectionModel(directory: Fixture.url("audio/audio-proj"))
        var windows = Tensor(zeros: [2, projection.inputWidth])
        XCTAssertTrue(try projection(windows).isFinite)
        windows.scalars[projection.inputWidth + 7] = .nan
        XCTAssertThrowsError(try projection(windows)) { error in
            XCTAssertEqual(error as? RenderError, .nonFinite("the audio projection's tokens"))
        }
    }

    /// The audio encoder's features are checked before anything uses them.
    func testNonFiniteAudioFeaturesAreRefused() throws {
        let encoder = try Wav2Vec2Model(directory: Fixture.url("audio/w2v-group"))
        var samples = (0..<4_000).map { sin(Float($0) * 0.05) }
        XCTAssertEqual(try encoder.audioFeatures(samples: samples, sampleRate: 16_000, fps: 25).shape[0], 7)
        samples[2_000] = .nan
        XCTAssertThrowsError(try encoder.audioFeatures(samples: samples, sampleRate: 16_000, fps: 25)) { error in
            XCTAssertEqual(error as? RenderError, .nonFinite("the audio encoder's features"))
        }
    }
}
