import ArgumentParser
import Foundation
@_spi(Development) import Renderer
import Tensors

extension ModelCommand {
    struct BenchUNet: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-unet",
            abstract: "Time UNet evaluations (batch 2, as with classifier-free guidance) and report peak memory.",
            discussion: "DIR is a diffusers pipeline or unet folder, e.g. from `tbd model init-random --config sd15`.")

        @Option(name: .long, help: "The model folder.")
        var model: String
        @Option(name: .long, help: "Latent sizes to time, comma-separated (32 = 256 px, 64 = 512 px).")
        var latent = "32"
        @Option(name: .long, help: "Batch size.")
        var batch = 2
        @Option(name: .long, help: "Timed evaluations per size, after one warm-up (the median is reported).")
        var repeats = 1
        @Option(name: .long, help: "f32, or bf16: the linear layers on BF16 weights (AVX512-BF16; elsewhere BF16-rounded weights in Float32).")
        var precision: WeightPrecision = .f32
        @OptionGroup var output: JSONOption

        func run() throws {
            let sizes = try LatentBenchInputs.sizes(latent, batch: batch, repeats: repeats)
            let directory = LatentBenchInputs.componentFolder("unet", in: model)
            let loadStart = Date()
            let unet: UNet2DConditionModel
            do { unet = try UNet2DConditionModel(directory: directory, precision: precision) } catch { throw CLIError("cannot load the UNet from \(model): \(error)") }
            let loadSeconds = Date().timeIntervalSince(loadStart)
            let weightsFile = try? DiffusersModelFolder.weightsFile(in: directory)
            let parameters = try weightsFile.map { try SafeTensorsFile(contentsOf: $0).entries.values.reduce(0) { $0 + $1.shape.reduce(1, *) } } ?? 0
            let afterLoad = PeakMemory.residentBytes()
            var generator = GaussianNoise(seed: 1)
            let width = unet.configuration.crossAttentionDim[0]
            let context = generator.tensor(shape: [batch, 77, width])
            var rows = [BenchUNetRow]()
            for size in sizes {
                let sample = generator.tensor(shape: [batch, unet.configuration.inChannels, size, size])
                var times = [Double]()
                for round in 0...repeats {
                    let start = Date()
                    do { _ = try unet(sample, timesteps: [500], context: context) } catch { throw CLIError("UNet failed: \(error)") }
                    if round > 0 { times.append(Date().timeIntervalSince(start)) }
                    if !output.json { FileHandle.standardError.write(Data("latent \(size): \(round == 0 ? "warm-up" : "run \(round)") \(String(format: "%.2f", Date().timeIntervalSince(start))) s\n".utf8)) }
                }
                times.sort()
                rows.append(BenchUNetRow(latent: size, batch: batch, seconds: times[times.count / 2], peakResidentBytes: PeakMemory.peakResidentBytes()))
            }
            let view = BenchUNetView(model: URL(fileURLWithPath: model).path, precision: precision.rawValue,
                                     bf16Kernels: precision == .bf16 && WeightPrecision.bf16KernelRuns, parameters: parameters, float32WeightBytes: parameters * 4,
                                     loadSeconds: loadSeconds, residentBytesAfterLoad: afterLoad, results: rows)
            if output.json {
                try printJSON(view)
            } else {
                print(precision.benchmarkLine)
                print("UNet: \(parameters) parameters (\(parameters * 4 / 1_000_000) MB as Float32), loaded in \(String(format: "%.1f", loadSeconds)) s")
                for row in rows {
                    print("latent \(row.latent)x\(row.latent), batch \(row.batch): \(String(format: "%.2f", row.seconds)) s; peak memory \(row.peakResidentBytes / 1_000_000) MB")
                }
                ConvolutionChoiceReport.lines().forEach { print($0) }
            }
        }
    }
}

/// Resident memory from /proc/self/status: now (VmRSS) and the peak (VmHWM). The fields are "VmHWM:\t  123 kB",
/// a tab and as many spaces as the number leaves room for (none from 10 GB up).
enum PeakMemory {
    static func residentBytes() -> Int { field("VmRSS:") }
    static func peakResidentBytes() -> Int { field("VmHWM:") }

    private static func field(_ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
              let kilobytes = Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }
}

private struct BenchUNetRow: Encodable {
    let latent: Int
    let batch: Int
    let seconds: Double
    let peakResidentBytes: Int
}

private struct BenchUNetView: Encodable {
    let model: String
    let precision: String
    let bf16Kernels: Bool
    let parameters: Int
    let float32WeightBytes: Int
    let loadSeconds: Double
    let residentBytesAfterLoad: Int
    let results: [BenchUNetRow]
}
