import Foundation
import TemporaryFolders
import XCTest
@_spi(Development) @testable import Renderer
import Tensors
import TensorTesting

/// The talking checkpoint folder: a random talking-tiny checkpoint loads and runs end to end, and a folder that
/// does not fit is refused with an error naming the part.
final class TalkingCheckpointTests: XCTestCase {
    private var directories: [URL] = []

    override func tearDown() {
        for directory in directories { try? FileManager.default.removeItem(at: directory) }
        super.tearDown()
    }

    private func temporaryDirectory() throws -> URL {
        let url = try makeTemporaryFolder("tbd-talking")
        directories.append(url)
        return url
    }

    /// A copy of the single-form fixture checkpoint to damage.
    private func fixtureCopy() throws -> URL {
        let copy = try temporaryDirectory().appendingPathComponent("checkpoint")
        try FileManager.default.copyItem(at: Fixture.url("talking/talking-tiny-single"), to: copy)
        return copy
    }

    /// Rewrites the JSON object in `url` with `edit` applied.
    private func editJSON(_ url: URL, _ edit: (inout [String: Any]) -> Void) throws {
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: url)
    }

    private func assertRefused<T>(_ body: @autoclosure () throws -> T, part: String, mentioning text: String,
                                  file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let refusal = error as? TalkingCheckpointError else { return XCTFail("\(error) is not a checkpoint refusal", file: file, line: line) }
            XCTAssertEqual(refusal.part, part, "\(refusal)", file: file, line: line)
            XCTAssertTrue(refusal.description.contains(text), "\(refusal)", file: file, line: line)
        }
    }

    func testRandomTalkingTinyLoadsAndRuns() throws {
        let root = try temporaryDirectory()
        try RandomTalkingCheckpoint.write(size: .tiny, seed: 7, to: root)
        let checkpoint = try TalkingHeadCheckpoint(directory: root)
        XCTAssertTrue(checkpoint.videoUNetConfiguration.hasMotionModules && checkpoint.videoUNetConfiguration.hasAudioModules)
        let reference = try checkpoint.referenceNet()
        let unet = try checkpoint.videoUNet()
        XCTAssertEqual(reference.writerCount, unet.readerCount)
        let projection = try checkpoint.audioProjection()
        XCTAssertEqual(projection.outputWidth, checkpoint.videoUNetConfiguration.audioAttentionDim)
        let encoder = try checkpoint.audioEncoder()
        let features = try encoder.audioFeatures(samples: (0..<3_200).map { sin(Float($0) * 0.05) }, sampleRate: 16_000, fps: 25)
        XCTAssertEqual(features.shape, [5, 2, 32])
        _ = try checkpoint.vae()
        _ = try checkpoint.textEncoder()
        XCTAssertEqual(try checkpoint.tokenizer().encode("a face").prefix(2), [49406, 320])
        _ = try checkpoint.scheduler(for: .ddim)

        var noise = GaussianNoise(seed: 3)
        let text = noise.tensor(shape: [1, 5, 32])
        let bank = try reference.bank(latents: noise.tensor(shape: [3, 4, 8, 8]), text: text)
        XCTAssertEqual(bank.motionFrameCount, 2)
        let audio = try projection(noise.tensor(shape: [3, 5, 2, 32]))
        let output = try unet(noise.tensor(shape: [2, 4, 3, 8, 8]), timestep: 500, text: Tensor.concatenateBatch([text, text]),
                              audio: Tensor.concatenateBatch([Tensor(zeros: audio.shape), audio]).reshaped([2, 3, 4, 32]),
                              reference: bank, referenceRows: [false, true], masks: nil)
        XCTAssertEqual(output.shape, [2, 4, 3, 8, 8])
        XCTAssertTrue(output.scalars.allSatisfy(\.isFinite))
        XCTAssertGreaterThan(output.batchItems(0..<1).maxAbsoluteDifference(output.batchItems(1..<2)), 0, "the rows differ in condition")
    }

    /// A denoiser config without motion or audio modules is an SD UNet run per frame.
    func testDenoiserWithoutMotionOrAudioModules() throws {
        var json = RandomTalkingCheckpoint.configurations(.tiny).denoiser
        json["use_motion_module"] = false
        json["use_audio_module"] = false
        let configuration = try JSONDecoder().decode(VideoUNetConfiguration.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertFalse(configuration.hasMotionModules || configuration.hasAudioModules)
        let unet = try VideoUNet(configuration: configuration, source: RandomWeights(seed: 1))
        var noise = GaussianNoise(seed: 4)
        let (frames, text) = (noise.tensor(shape: [1, 4, 2, 8, 8]), noise.tensor(shape: [1, 3, 32]))
        let output = try unet(frames, timestep: 10, text: text, audio: nil, reference: nil, referenceRows: [false], masks: nil)
        XCTAssertEqual(output.shape, [1, 4, 2, 8, 8])
        // Without motion modules the frames do not see each other: swapping the input frames swaps the output's.
        func swapFrames(_ video: Tensor) -> Tensor {
            let plane = 64
            var values = [Float]()
            for channel in 0..<video.count / (2 * plane) {
                let first = 2 * channel * plane
                values += video.scalars[(first + plane)..<(first + 2 * plane)]
                values += video.scalars[first..<(first + plane)]
            }
            return Tensor(shape: video.shape, scalars: values)
        }
        let swappedOutput = try unet(swapFrames(frames), timestep: 10, text: text, audio: nil, reference: nil, referenceRows: [false], masks: nil)
        XCTAssertNotEqual(swappedOutput, output)
        assertClose(swappedOutput, swapFrames(output), relative: 1e-5, "frames are independent")
    }

    func testMissingComponentFolderIsNamed() throws {
        let copy = try fixtureCopy()
        try FileManager.default.removeItem(at: copy.appendingPathComponent("audio_encoder"))
        assertRefused(try TalkingHeadCheckpoint(directory: copy), part: "audio_encoder", mentioning: "missing component folder")
    }

    func testWrongModelIndexIsNamed() throws {
        let copy = try fixtureCopy()
        try Data(#"{"_class_name": "StableDiffusionPipeline"}"#.utf8).write(to: copy.appendingPathComponent("model_index.json"))
        assertRefused(try TalkingHeadCheckpoint(directory: copy), part: "model_index.json", mentioning: "not TalkingHeadPipeline")
    }

    /// model_index.json was read for its class only: a missing component, an entry that is not a pair and a
    /// component named like a path all loaded.
    func testEveryModelIndexEntryIsChecked() throws {
        let copy = try fixtureCopy()
        let url = copy.appendingPathComponent("model_index.json")
        let original = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let cases: [(String, (inout [String: Any]) -> Void, String)] = [
            ("missing", { $0["audio_proj"] = nil }, "lists no \"audio_proj\" component"),
            ("absent", { $0["audio_proj"] = [NSNull(), NSNull()] }, "lists no \"audio_proj\" component"),
            ("not a pair", { $0["vae"] = "AutoencoderKL" }, "component \"vae\" must be a [library, class] pair, not \"AutoencoderKL\""),
            ("three", { $0["vae"] = ["diffusers", "AutoencoderKL", "x"] }, "component \"vae\" must be a [library, class] pair"),
            ("numbers", { $0["vae"] = [1, 2] }, "component \"vae\" must be a [library, class] pair of names, not [1,2]"),
            ("a path", { $0["../../etc"] = ["diffusers", "UNet2DConditionModel"] }, "component name \"../../etc\" is not a folder name"),
            ("unknown", { $0["face_locator"] = ["hallo", "FaceLocator"] }, "lists \"face_locator\", which is not a component"),
        ]
        for (label, edit, message) in cases {
            var index = original
            edit(&index)
            try JSONSerialization.data(withJSONObject: index).write(to: url)
            XCTAssertThrowsError(try TalkingHeadCheckpoint(directory: copy), label) { error in
                guard let refusal = error as? TalkingCheckpointError else { return XCTFail("\(label): \(error)") }
                XCTAssertEqual(refusal.part, "model_index.json", label)
                XCTAssertTrue(refusal.reason.contains(message), "\(label): \(refusal.reason)")
                XCTAssertFalse(refusal.reason.contains("invalid model configuration"), "\(label): \(refusal.reason)")
            }
        }
    }

    /// A string "1" used to be reported as "_tbd_format 1 is not 1".
    func testTheFormatMustBeTheNumberOne() throws {
        let copy = try fixtureCopy()
        for (value, found) in [("1", "the string \"1\""), (2, "2")] as [(Any, String)] {
            try editJSON(copy.appendingPathComponent("model_index.json")) { $0["_tbd_format"] = value }
            assertRefused(try TalkingHeadCheckpoint(directory: copy), part: "model_index.json",
                          mentioning: "_tbd_format must be the number 1, not \(found)")
        }
    }

    /// `attention_block_types: []` loaded a motion module without attention, its weights never read.
    func testAMotionConfigWithoutAttentionBlocksIsRefused() throws {
        let copy = try fixtureCopy()
        try editJSON(copy.appendingPathComponent("denoising_unet/config.json")) { json in
            var motion = json["motion_module_kwargs"] as? [String: Any] ?? [:]
            motion["attention_block_types"] = [String]()
            json["motion_module_kwargs"] = motion
        }
        assertRefused(try TalkingHeadCheckpoint(directory: copy), part: "denoising_unet", mentioning: "attention_block_types lists no attention blocks")
    }

    /// A config that leaves out the motion modules while the weights hold them used to load and render without them.
    func testWeightsTheConfigLeavesOutAreRefused() throws {
        let copy = try fixtureCopy()
        try editJSON(copy.appendingPathComponent("denoising_unet/config.json")) { $0["use_motion_module"] = false }
        let checkpoint = try TalkingHeadCheckpoint(directory: copy)
        assertRefused(try checkpoint.videoUNet(), part: "denoising_unet",
                      mentioning: "\(copy.path)/denoising_unet/diffusion_pytorch_model.safetensors holds")
        assertRefused(try checkpoint.videoUNet(), part: "denoising_unet", mentioning: "the network does not use (down_blocks.0.motion_modules.0.")
    }

    /// A config value of the wrong JSON type used to be reported as "not valid JSON".
    func testAConfigValueOfTheWrongTypeIsNamedByItsKey() throws {
        let copy = try fixtureCopy()
        let url = copy.appendingPathComponent("reference_unet/config.json")
        try editJSON(url) { $0["in_channels"] = 1.5 }
        assertRefused(try TalkingHeadCheckpoint(directory: copy), part: "reference_unet",
                      mentioning: "\(url.path): in_channels: expected a whole number, found 1.5")
    }

    func testBadConfigIsNamed() throws {
        let copy = try fixtureCopy()
        try editJSON(copy.appendingPathComponent("denoising_unet/config.json")) { $0["use_inflated_groupnorm"] = false }
        assertRefused(try TalkingHeadCheckpoint(directory: copy), part: "denoising_unet", mentioning: "use_inflated_groupnorm")
        try Data("{not json".utf8).write(to: copy.appendingPathComponent("reference_unet/config.json"))
        assertRefused(try TalkingHeadCheckpoint(directory: copy), part: "reference_unet", mentioning: "config.json")
    }

    /// Rewrites the denoiser's weights with one tensor removed or replaced.
    private func editDenoiserWeights(_ copy: URL, _ edit: (inout [String: Tensor]) -> Void) throws {
        let url = copy.appendingPathComponent("denoising_unet/diffusion_pytorch_model.safetensors")
        let file = try SafeTensorsFile(contentsOf: url)
        var tensors = [String: Tensor]()
        for name in file.entries.keys { tensors[name] = try file.tensor(named: name) }
        edit(&tensors)
        try SafeTensorsWriter.write(tensors: tensors, to: url)
    }

    func testMissingWeightIsNamed() throws {
        let copy = try fixtureCopy()
        let name = "mid_block.motion_modules.0.temporal_transformer.proj_out.weight"
        try editDenoiserWeights(copy) { $0[name] = nil }
        let checkpoint = try TalkingHeadCheckpoint(directory: copy)
        assertRefused(try checkpoint.videoUNet(), part: "denoising_unet", mentioning: name)
    }

    func testWeightOfTheWrongShapeIsNamed() throws {
        let copy = try fixtureCopy()
        let name = "up_blocks.1.audio_modules.0.transformer_blocks.0.attn2.to_k.weight"
        try editDenoiserWeights(copy) { $0[name] = Tensor(zeros: [32, 31]) }
        let checkpoint = try TalkingHeadCheckpoint(directory: copy)
        assertRefused(try checkpoint.videoUNet(), part: "denoising_unet", mentioning: "\(name) has shape [32, 31]")
    }
}
