import Foundation
import XCTest
@_spi(Development) @testable import Renderer
import Tensors
import TensorTesting

/// transformers 5.24 `CLIPTextModel` with tiny random weights (clip-text-expected.safetensors). The quick-GELU
/// model stores F16 weights and uses SD1.5's real vocabulary size and legacy eos id; the GELU one stores BF16.
/// Tolerance: 1e-4 relative.
final class CLIPTextModelParityTests: XCTestCase {
    private func ids(_ tensor: Tensor) -> [[Int]] {
        let length = tensor.shape[1]
        return (0..<tensor.shape[0]).map { row in tensor.scalars[row * length..<(row + 1) * length].map { Int($0) } }
    }

    func testQuickGELUModelLoadedThroughTheDiffusersFolder() throws {
        let expected = try Fixture.safetensors("clip-text-expected.safetensors")
        let folder = try DiffusersModelFolder(root: Fixture.url("tiny-pipeline"))
        XCTAssertEqual(folder.pipelineClass, "StableDiffusionPipeline")
        XCTAssertEqual(Set(folder.components.keys), ["text_encoder", "tokenizer", "scheduler", "unet"], "[null, null] entries are skipped")
        let model = try folder.textEncoder()
        XCTAssertEqual(model.configuration.hiddenAct, "quick_gelu")

        // The ids come from the reference tokenizer; ours must produce the same ones for the same prompts.
        let prompts = try Fixture.json("clip-text-prompts.json")["prompts"] as! [String]
        let tokenizer = try folder.tokenizer()
        let batch = ids(try expected.tensor(named: "ids"))
        XCTAssertEqual(prompts.map { tokenizer.encode($0) }, batch)

        let output = try model(batch)
        assertClose(output.lastHiddenState, try expected.tensor(named: "last_hidden_state"), "last hidden state")
        assertClose(output.pooled, try expected.tensor(named: "pooled"), "pooled")
        assertClose(output.hiddenStates[output.hiddenStates.count - 2], try expected.tensor(named: "penultimate"), "penultimate layer")
        assertClose(try model.condition(batch, clipSkip: 1), try expected.tensor(named: "clip_skip1"), "clip skip 1")
        XCTAssertEqual(try model.condition(batch), output.lastHiddenState)
        XCTAssertThrowsError(try model.condition(batch, clipSkip: 3))
    }

    func testGELUModelWithBFloat16Weights() throws {
        let expected = try Fixture.safetensors("clip-text-expected.safetensors")
        let model = try CLIPTextModel(directory: Fixture.url("tiny-clip-gelu"))
        XCTAssertEqual(model.configuration.hiddenAct, "gelu")
        let output = try model(ids(try expected.tensor(named: "gelu.ids")))
        assertClose(output.lastHiddenState, try expected.tensor(named: "gelu.last_hidden_state"), "gelu last hidden state")
        assertClose(output.pooled, try expected.tensor(named: "gelu.pooled"), "gelu pooled (first end token)")
    }

    func testBadInputsAndFoldersAreErrors() throws {
        let model = try CLIPTextModel(directory: Fixture.url("tiny-clip-gelu"))
        XCTAssertThrowsError(try model([[1, 2], [3]]), "ragged batch")
        XCTAssertThrowsError(try model([[Int](repeating: 1, count: 78)]), "longer than the position table")
        XCTAssertThrowsError(try model([[5000]]), "id outside the vocabulary")
        XCTAssertThrowsError(try CLIPTextModel(directory: Fixture.url("tiny-pipeline"))) { error in
            XCTAssertEqual(error as? ModelLoadingError, .missingFile(Fixture.url("tiny-pipeline/config.json").path))
        }
        XCTAssertThrowsError(try DiffusersModelFolder(root: Fixture.url("tiny-clip-gelu")))
        // Weights that do not fit the configuration name the tensor.
        var config = model.configuration
        config.maxPositionEmbeddings += 1
        XCTAssertThrowsError(try CLIPTextModel(configuration: config, weights: Fixture.safetensors("tiny-clip-gelu/model.safetensors"))) { error in
            guard case .weightShape(let name, _, _) = error as? ModelLoadingError else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "embeddings.position_embedding.weight")
        }
        // A configuration needing more parameters than the file holds is refused before any tensor is read.
        config = model.configuration
        config.hiddenSize = 16
        config.numAttentionHeads = 4
        XCTAssertThrowsError(try CLIPTextModel(configuration: config, weights: Fixture.safetensors("tiny-clip-gelu/model.safetensors"))) { error in
            XCTAssertTrue("\(error)".contains("parameters"), "\(error)")
        }
    }

    func testSchedulerFromTheFolder() throws {
        let scheduler = try DiffusersModelFolder(root: Fixture.url("tiny-pipeline")).scheduler()
        XCTAssertEqual(scheduler.configuration, .stableDiffusion15)
    }
}
