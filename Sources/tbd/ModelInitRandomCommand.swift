import ArgumentParser
import Foundation
@_spi(Development) import Renderer

extension ModelCommand {
    struct InitRandom: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init-random",
            abstract: "Write a model folder with random weights, for tests, demos and benchmarks.",
            discussion: """
                tiny: a small UNet and VAE (128x128 frames from 16x16 latents) with a 2-layer text encoder. sd15: \
                SD1.5's exact architecture (about 2.1 GB as F16). talking-tiny and talking-sd15: a talking checkpoint \
                (ReferenceNet, denoiser with Hallo's motion and audio modules, wav2vec 2.0, audio projection, VAE, \
                text encoder, Hallo's scheduler); talking-sd15 has SD1.5's sizes and is several GB. Weights are F16 \
                and depend only on --seed. Untrained weights draw noise, not faces.
                """)

        @Option(name: .long, help: "tiny, sd15, talking-tiny or talking-sd15.")
        var config: String
        @Option(name: .long, help: "Output folder (created; must not already hold a model_index.json).")
        var out: String
        @Option(name: .long, help: "Seed of the weights.")
        var seed: UInt64 = 0
        @OptionGroup var output: JSONOption

        func run() throws {
            let names = RandomCheckpoint.Size.allCases.map(\.rawValue) + RandomTalkingCheckpoint.Size.allCases.map(\.rawValue)
            let size = RandomCheckpoint.Size(rawValue: config)
            let talkingSize = RandomTalkingCheckpoint.Size(rawValue: config)
            guard size != nil || talkingSize != nil else {
                throw CLIError("--config must be one of \(names.joined(separator: ", ")), not \(config)")
            }
            let root = URL(fileURLWithPath: out)
            if FileManager.default.fileExists(atPath: root.appendingPathComponent("model_index.json").path) {
                throw CLIError("\(out) already holds a model (model_index.json); choose an empty folder")
            }
            let started = Date()
            do {
                if let size { try RandomCheckpoint.write(size: size, seed: seed, to: root) }
                if let talkingSize { try RandomTalkingCheckpoint.write(size: talkingSize, seed: seed, to: root) }
            } catch {
                throw CLIError("cannot write the random checkpoint to \(out): \(error)")
            }
            let view = InitRandomView(out: root.path, config: config, seed: seed, seconds: Date().timeIntervalSince(started))
            if output.json {
                try printJSON(view)
            } else {
                print("wrote a random-weight \(config) checkpoint to \(view.out) (seed \(seed)); untrained weights draw noise, not faces")
            }
        }
    }
}

private struct InitRandomView: Encodable {
    let out: String
    let config: String
    let seed: UInt64
    let seconds: Double
}
