import Foundation
import TemporaryFolders
import XCTest
@_spi(Development) @testable import Renderer

/// Absurd or negative sizes in a model's config files used to trap in a range or abort in an allocation
/// (exit 134, SIGILL); each is now refused by name before anything is built.
final class ConfigurationLimitsTests: XCTestCase {
    private func checkpoint() throws -> URL {
        let url = try makeTemporaryFolder("tbd-limits")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        try RandomCheckpoint.write(size: .tiny, seed: 0, to: url)
        return url
    }

    /// Rewrites `component/FILE` with `changes` merged into its JSON object.
    private func edit(_ root: URL, _ file: String, _ changes: [String: Any]) throws {
        let url = root.appendingPathComponent(file)
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        object.merge(changes) { $1 }
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    private func assertRefused(_ body: @autoclosure () throws -> Any, mentioning key: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(key), "\(error)", file: file, line: line)
        }
    }

    func testUNetSizesOutOfRangeAreRefused() throws {
        let root = try checkpoint()
        for (key, value) in [("layers_per_block", 1_000_000_000), ("layers_per_block", -1), ("transformer_layers_per_block", 1_000_000_000),
                             ("norm_num_groups", 0), ("in_channels", -4), ("attention_head_dim", 100_000)] {
            let copy = try checkpoint()
            try edit(copy, "unet/config.json", [key: value])
            let shownKey = key == "attention_head_dim" ? "num_attention_heads" : key
            assertRefused(try UNet2DConditionModel(directory: copy.appendingPathComponent("unet")), mentioning: shownKey)
        }
        try edit(root, "unet/config.json", ["block_out_channels": [32, 1_000_000]])
        assertRefused(try UNetConfiguration.load(from: root.appendingPathComponent("unet/config.json")), mentioning: "block_out_channels")
    }

    func testTextEncoderAndVAESizesOutOfRangeAreRefused() throws {
        let root = try checkpoint()
        try edit(root, "text_encoder/config.json", ["num_hidden_layers": 1_000_000_000])
        assertRefused(try CLIPTextModel(directory: root.appendingPathComponent("text_encoder")), mentioning: "num_hidden_layers")
        try edit(root, "vae/config.json", ["layers_per_block": -1])
        assertRefused(try AutoencoderKLConfiguration.load(from: root.appendingPathComponent("vae/config.json")), mentioning: "layers_per_block")
    }

    func testSchedulerTimestepsOutOfRangeAreRefused() throws {
        let root = try checkpoint()
        let url = root.appendingPathComponent("scheduler/scheduler_config.json")
        try edit(root, "scheduler/scheduler_config.json", ["num_train_timesteps": 1_000_000_000_000])
        assertRefused(try DDIMConfiguration.load(from: url), mentioning: "num_train_timesteps")
        assertRefused(try DPMSolverConfiguration.load(from: url), mentioning: "num_train_timesteps")
        var configuration = DDIMConfiguration.stableDiffusion15
        configuration.numTrainTimesteps = -5
        assertRefused(try DDIMScheduler(configuration: configuration), mentioning: "num_train_timesteps")
    }

    /// Sizes each within range can still describe a network far larger than the weights file: refused before
    /// building, from the file's header alone.
    func testConfigNeedingMoreParametersThanTheFileHoldsIsRefused() throws {
        let root = try checkpoint()
        try edit(root, "unet/config.json", ["layers_per_block": 16])
        assertRefused(try UNet2DConditionModel(directory: root.appendingPathComponent("unet")), mentioning: "parameters")
        try edit(root, "text_encoder/config.json", ["num_hidden_layers": 100])
        assertRefused(try CLIPTextModel(directory: root.appendingPathComponent("text_encoder")), mentioning: "parameters")
        try edit(root, "vae/config.json", ["block_out_channels": [8192, 8192, 8192, 8192], "norm_num_groups": 4])
        assertRefused(try AutoencoderKL(directory: root.appendingPathComponent("vae")), mentioning: "parameters")
    }

    func testMissingAndMalformedConfigsSayWhatIsWrongInPlainWords() throws {
        let root = try checkpoint()
        try Data("{ not json".utf8).write(to: root.appendingPathComponent("unet/config.json"))
        XCTAssertThrowsError(try UNetConfiguration.load(from: root.appendingPathComponent("unet/config.json"))) { error in
            XCTAssertTrue("\(error)".hasSuffix("config.json: not valid JSON"), "\(error)")
            XCTAssertFalse("\(error)".contains("NSCocoaErrorDomain"), "\(error)")
        }
        XCTAssertThrowsError(try DDIMConfiguration.load(from: root.appendingPathComponent("scheduler/missing.json"))) { error in
            XCTAssertFalse("\(error)".contains("NSCocoaErrorDomain"), "\(error)")
            XCTAssertTrue("\(error)".contains("missing.json"), "\(error)")
        }
    }
}
