import Foundation
import TemporaryFolders
import XCTest
@_spi(Development) @testable import Renderer
import Tensors

/// Weights full of NaN used to render an all-black clip and report success; NaN weights are now refused when the
/// network loads, and a render whose finite weights overflow still refuses.
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
}
