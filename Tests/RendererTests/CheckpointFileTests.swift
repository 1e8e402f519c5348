import Foundation
import TemporaryFolders
import XCTest
@_spi(Development) @testable import Renderer
import Tensors

/// Checkpoint files are checked against what is built from them: `model_index.json` entry by entry, and every
/// network's weights file read in full.
final class CheckpointFileTests: XCTestCase {
    private func copy(_ fixture: String) throws -> URL {
        let folder = try makeTemporaryFolder("tbd-checkpoint-files")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent(URL(fileURLWithPath: fixture).lastPathComponent)
        try FileManager.default.copyItem(at: Fixture.url(fixture), to: copy)
        return copy
    }

    /// Rewrites a weights file with `edit` applied to its tensors.
    private func editWeights(_ url: URL, _ edit: (inout [String: Tensor]) -> Void) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        var tensors = [String: Tensor]()
        for name in file.names { tensors[name] = try file.tensor(named: name) }
        edit(&tensors)
        try SafeTensorsWriter.write(tensors: tensors, to: url)
    }

    private func assertUnused<T>(_ body: @autoclosure () throws -> T, file url: URL, names: [String],
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual(error as? ModelLoadingError, .unusedWeights(file: url.path, names: names, count: names.count),
                           file: file, line: line)
        }
    }

    /// An image pipeline's model_index.json: an entry that is not a pair, or a name that is a path, is refused
    /// naming the file and the entry, even when the component is one the model never opens.
    func testModelIndexEntriesThatAreNotComponentsAreRefused() throws {
        let root = try copy("tiny-pipeline")
        let url = root.appendingPathComponent("model_index.json")
        let original = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        XCTAssertEqual(Set(try DiffusersModelFolder(root: root).components.keys), ["text_encoder", "tokenizer", "scheduler", "unet"],
                       "[null, null] marks an absent component")
        var settings = original
        settings["requires_safety_checker"] = true
        try JSONSerialization.data(withJSONObject: settings).write(to: url)
        XCTAssertEqual(try DiffusersModelFolder(root: root).components.count, 4, "a pipeline setting is not a component")
        for (key, value, message) in [
            ("../../etc", ["diffusers", "UNet2DConditionModel"], "component name \"../../etc\" is not a folder name inside the checkpoint"),
            ("feature_extractor", "CLIPImageProcessor", "component \"feature_extractor\" must be a [library, class] pair, not \"CLIPImageProcessor\""),
            ("tokenizer", ["transformers"], "component \"tokenizer\" must be a [library, class] pair, not [\"transformers\"]"),
        ] as [(String, Any, String)] {
            var index = original
            index[key] = value
            try JSONSerialization.data(withJSONObject: index).write(to: url)
            XCTAssertThrowsError(try DiffusersModelFolder(root: root), key) { error in
                XCTAssertEqual(error as? ModelLoadingError, .invalidConfiguration("\(url.path): \(message)"))
            }
        }
    }

    /// A transformers CTC checkpoint keeps its head and SpecAugment's mask vector, which the encoder knowingly
    /// leaves unread (the fixture holds both); any other tensor it does not read is refused.
    func testTheAudioEncoderReadsEveryTensorButTheOnesItKnowinglyLeaves() throws {
        let folder = try copy("audio/w2v-layer")
        let weights = folder.appendingPathComponent("model.safetensors")
        let names = try SafeTensorsFile(contentsOf: weights).names
        XCTAssertTrue(names.contains("lm_head.weight") && names.contains("wav2vec2.masked_spec_embed"), "\(names.prefix(3))")
        XCTAssertNoThrow(try Wav2Vec2Model(directory: folder))
        try editWeights(weights) { $0["wav2vec2.encoder.layers.7.attention.k_proj.weight"] = Tensor(zeros: [2, 2]) }
        assertUnused(try Wav2Vec2Model(directory: folder), file: weights, names: ["wav2vec2.encoder.layers.7.attention.k_proj.weight"])
    }

    func testAUNetWithATensorItDoesNotReadIsRefused() throws {
        let folder = try copy("unet-a")
        let weights = folder.appendingPathComponent("diffusion_pytorch_model.safetensors")
        XCTAssertNoThrow(try UNet2DConditionModel(directory: folder))
        try editWeights(weights) { $0["down_blocks.0.attentions.5.proj_in.weight"] = Tensor(zeros: [1]) }
        assertUnused(try UNet2DConditionModel(directory: folder), file: weights, names: ["down_blocks.0.attentions.5.proj_in.weight"])
    }

    /// The ReferenceNet never runs the output head; a reference UNet started from a full SD UNet still has it.
    func testTheReferenceNetLeavesOnlyTheOutputHeadUnread() throws {
        let checkpoint = try copy("talking/talking-tiny-single")
        let weights = checkpoint.appendingPathComponent("reference_unet/diffusion_pytorch_model.safetensors")
        try editWeights(weights) {
            $0["conv_norm_out.weight"] = Tensor(zeros: [32])
            $0["conv_norm_out.bias"] = Tensor(zeros: [32])
            $0["conv_out.weight"] = Tensor(zeros: [4, 32, 3, 3])
        }
        XCTAssertNoThrow(try ReferenceNet(directory: checkpoint.appendingPathComponent("reference_unet")))
        try editWeights(weights) { $0["time_embedding.linear_3.weight"] = Tensor(zeros: [1]) }
        assertUnused(try ReferenceNet(directory: checkpoint.appendingPathComponent("reference_unet")), file: weights,
                     names: ["time_embedding.linear_3.weight"])
    }
}
