import Foundation
import TemporaryFolders
import XCTest
@_spi(Development) @testable import Renderer
import Tensors

/// Random checkpoints and the documented noise generator: deterministic, and loadable as diffusers folders.
final class RandomCheckpointTests: XCTestCase {
    private static let checkpoint: URL = {
        let url = try! makeTemporaryFolder("tbd-tiny").appendingPathComponent("checkpoint")
        try! RandomCheckpoint.write(size: .tiny, seed: 0, to: url)
        return url
    }()

    func testRandomCheckpointIsDeterministicAndLoadsAsDiffusersFolder() throws {
        let scratch = try makeTemporaryFolder("tbd-tiny-again")
        addTeardownBlock { try? FileManager.default.removeItem(at: scratch) }
        let again = scratch.appendingPathComponent("checkpoint")
        try RandomCheckpoint.write(size: .tiny, seed: 0, to: again)
        for file in ["unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors"] {
            XCTAssertEqual(try Data(contentsOf: again.appendingPathComponent(file)),
                           try Data(contentsOf: Self.checkpoint.appendingPathComponent(file)), file)
        }
        let folder = try DiffusersModelFolder(root: again)
        XCTAssertEqual(Set(folder.components.keys), ["unet", "vae", "text_encoder", "tokenizer", "scheduler"])
        XCTAssertEqual(try folder.tokenizer().encode("a photo of a cat").prefix(7), [49406, 320, 1125, 539, 320, 2368, 49407])
        let other = RandomWeights(seed: 1)
        let same = RandomWeights(seed: 0)
        XCTAssertNotEqual(try other.tensor(named: "conv_in.weight", shape: [4, 4, 3, 3]), try same.tensor(named: "conv_in.weight", shape: [4, 4, 3, 3]))
        XCTAssertEqual(try same.tensor(named: "norm1.weight", shape: [4]).scalars, [1, 1, 1, 1])
    }

    func testGaussianNoiseIsDeterministicWithUnitMoments() {
        var generator = GaussianNoise(seed: 42)
        let values = generator.tensor(shape: [100_001]).scalars
        var again = GaussianNoise(seed: 42)
        XCTAssertEqual(again.tensor(shape: [100_001]).scalars, values)
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(variance, 1, accuracy: 0.02)
    }
}
