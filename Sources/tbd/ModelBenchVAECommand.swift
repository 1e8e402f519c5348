import ArgumentParser
import Foundation
@_spi(Development) import Renderer
import Tensors

extension ModelCommand {
    struct BenchVAE: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-vae",
            abstract: "Time VAE decoder evaluations (latents to pixels, as diffusers' vae.decode) and report peak memory.",
            discussion: "DIR is a diffusers pipeline or vae folder, e.g. from `tbd model init-random --config sd15`.")

        @Option(name: .long, help: "The model folder.")
        var model: String
        @Option(name: .long, help: "Latent sizes to decode, comma-separated (64 = 512 px).")
        var latent = "64"
        @Option(name: .long, help: "Batch size.")
        var batch = 1
        @Option(name: .long, help: "Timed evaluations per size, after one warm-up (the median is reported).")
        var repeats = 1
        @OptionGroup var output: JSONOption

        func run() throws {
            let sizes = try LatentBenchInputs.sizes(latent, batch: batch, repeats: repeats)
            let directory = LatentBenchInputs.componentFolder("vae", in: model)
            let loadStart = Date()
            let vae: AutoencoderKL
            do { vae = try AutoencoderKL(directory: directory) } catch { throw CLIError("cannot load the VAE from \(model): \(error)") }
            let loadSeconds = Date().timeIntervalSince(loadStart)
            var generator = GaussianNoise(seed: 1)
            var rows = [BenchVAERow]()
            for size in sizes {
                let latents = generator.tensor(shape: [batch, 4, size, size])
                var times = [Double]()
                for round in 0...repeats {
                    let start = Date()
                    do { _ = try vae.decodeRaw(latents) } catch { throw CLIError("VAE decoder failed: \(error)") }
                    if round > 0 { times.append(Date().timeIntervalSince(start)) }
                }
                times.sort()
                rows.append(BenchVAERow(latent: size, batch: batch, seconds: times[times.count / 2],
                                        peakResidentBytes: PeakMemory.peakResidentBytes()))
            }
            if output.json {
                try printJSON(BenchVAEView(model: URL(fileURLWithPath: model).path, loadSeconds: loadSeconds, results: rows))
            } else {
                for row in rows {
                    print("VAE decoder, latent \(row.latent)x\(row.latent) (\(row.latent * 8) px), batch \(row.batch): "
                          + "\(String(format: "%.2f", row.seconds)) s; peak memory \(row.peakResidentBytes / 1_000_000) MB")
                }
                ConvolutionChoiceReport.lines().forEach { print($0) }
            }
        }
    }
}

private struct BenchVAERow: Encodable {
    let latent: Int
    let batch: Int
    let seconds: Double
    let peakResidentBytes: Int
}

private struct BenchVAEView: Encodable {
    let model: String
    let loadSeconds: Double
    let results: [BenchVAERow]
}
