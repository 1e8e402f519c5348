import Foundation
import XCTest
@_spi(Development) @testable import Renderer
@testable import Tensors

/// `--precision bf16` on a processor without AVX512-BF16: the docs promise the BF16-rounded weights on the Float32
/// kernels, the inputs unrounded. On a processor with the feature the check runs in a child process of this test
/// binary with `TBD_CPU_DISABLE=avx512bf16`, which masks the feature off before any kernel asks for it.
final class BF16FallbackTests: XCTestCase {
    private static let testName = "RendererTests.BF16FallbackTests/testMaskedBF16EqualsFloat32KernelsOnRoundedWeights"

    /// A weights file read with every matrix and convolution kernel (a `.weight` of rank 2 or more) rounded to BF16,
    /// as the bf16 layers round them; biases, norms and buffers (the motion modules' positional encodings) as stored,
    /// as the bf16 layers keep them.
    private struct RoundedWeights: WeightSource {
        let file: SafeTensorsFile
        var parameterCount: Int? { file.parameterCount }
        func contains(_ name: String) -> Bool { file.contains(name) }
        func tensor(named name: String, shape: [Int]) throws -> Tensor {
            let weight = try file.tensor(named: name, shape: shape)
            return shape.count >= 2 && name.hasSuffix(".weight") ? weight.map(WeightPrecision.bf16Rounded) : weight
        }
    }

    func testMaskedBF16EqualsFloat32KernelsOnRoundedWeights() throws {
        let masked = ProcessInfo.processInfo.environment["TBD_CPU_DISABLE"]?.lowercased().contains("avx512bf16") ?? false
        guard masked || !WeightPrecision.bf16KernelRuns else { return try runMaskedChild() }
        XCTAssertFalse(WeightPrecision.bf16KernelRuns, "TBD_CPU_DISABLE=avx512bf16 left the BF16 kernels on")

        // One linear layer and one 3x3 convolution, then whole UNets.
        var noise = GaussianNoise(seed: 22)
        let (weight, input) = (noise.tensor(shape: [40, 36]), noise.tensor(shape: [13, 36]))
        let bf16 = PackedLinearWeight(weight, precision: .bf16)
        XCTAssertFalse(bf16.runsBF16)
        XCTAssertEqual(input.linear(bf16, bias: nil).scalars,
                       input.linear(PackedLinearWeight(weight.map(WeightPrecision.bf16Rounded)), bias: nil).scalars)

        for name in ["unet-a", "unet-b"] {
            let io = try Fixture.safetensors("networks.safetensors")
            let (sample, context) = (try io.tensor(named: "\(name).sample"), try io.tensor(named: "\(name).context"))
            let timesteps = try io.tensor(named: "\(name).timesteps").scalars
            let configuration = try UNetConfiguration.load(from: Fixture.url(name).appendingPathComponent("config.json"))
            let file = try SafeTensorsFile(contentsOf: DiffusersModelFolder.weightsFile(in: Fixture.url(name)))
            let atBF16 = try UNet2DConditionModel(configuration: configuration, source: file, precision: .bf16)
            let rounded = try UNet2DConditionModel(configuration: configuration, source: RoundedWeights(file: file))
            let expected = try rounded(sample, timesteps: timesteps, context: context)
            assertIdentical(try atBF16(sample, timesteps: timesteps, context: context), expected, "\(name) at bf16 without AVX512-BF16")
            // The rounding reached the weights: the f32 network on the file's own weights gives other numbers.
            let f32 = try UNet2DConditionModel(configuration: configuration, source: file)
            XCTAssertNotEqual(try f32(sample, timesteps: timesteps, context: context).scalars, expected.scalars, name)
        }

        // Hallo's denoiser: motion modules, masked audio attention and its 1x1 convolutions, reference attention.
        let io = try Fixture.safetensors("talking/denoiser-masked-expected.safetensors")
        let checkpoint = try TalkingHeadCheckpoint(directory: Fixture.url("talking/talking-tiny-masked"))
        let text = try io.tensor(named: "encoder_hidden_states")
        let bank = try checkpoint.referenceNet().bank(latents: io.tensor(named: "reference_latents"), text: text)
        let masks = AudioMasks(full: try io.tensor(named: "full_mask"), face: try io.tensor(named: "face_mask"), lip: try io.tensor(named: "lip_mask"))
        let folder = Fixture.url("talking/talking-tiny-masked/denoising_unet")
        let configuration = try VideoUNetConfiguration.load(from: folder.appendingPathComponent("config.json"))
        let file = try SafeTensorsFile(contentsOf: DiffusersModelFolder.weightsFile(in: folder))
        func run(_ unet: VideoUNet) throws -> Tensor {
            try unet(io.tensor(named: "sample"), timestep: io.tensor(named: "timesteps").scalars[0], text: text,
                     audio: io.tensor(named: "audio_tokens"), reference: bank, referenceRows: [true], masks: masks)
        }
        assertIdentical(try run(VideoUNet(configuration: configuration, source: file, precision: .bf16)),
                        try run(VideoUNet(configuration: configuration, source: RoundedWeights(file: file))), "talking denoiser at bf16 without AVX512-BF16")
    }

    /// Bit for bit; a failure says how many values differ rather than listing them all.
    private func assertIdentical(_ actual: Tensor, _ expected: Tensor, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.shape, expected.shape, name, file: file, line: line)
        let differing = zip(actual.scalars, expected.scalars).filter { $0.bitPattern != $1.bitPattern }.count
        XCTAssertEqual(differing, 0, "\(name): \(differing) of \(expected.count) values differ", file: file, line: line)
    }

    /// Runs this test again in a child process of the test binary with AVX512-BF16 masked off.
    private func runMaskedChild() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = [Self.testName]
        var environment = ProcessInfo.processInfo.environment
        environment["TBD_CPU_DISABLE"] = "avx512bf16"
        // Both networks' layers of a shape then run the algorithm the shape chose: under Winograd's memory budget the
        // first network's layers can take it all and the second's run the runner-up, a few ulps apart.
        environment["TBD_WINOGRAD_MEMORY"] = "unlimited"
        child.environment = environment
        let output = Pipe()
        child.standardOutput = output
        child.standardError = output
        try child.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        XCTAssertEqual(child.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("Executed 1 test, with 0 failures"), text)
        XCTAssertFalse(text.contains("skipped"), text)
    }
}
