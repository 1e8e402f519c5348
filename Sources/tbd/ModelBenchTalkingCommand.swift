import ArgumentParser
import Foundation
@_spi(Development) import Renderer
import Tensors

extension ModelCommand {
    struct BenchTalking: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-talking",
            abstract: "Time one talking-head denoiser evaluation of a window (CFG batch 2, ReferenceNet included) and report peak memory.",
            discussion: """
                DIR is a talking-head checkpoint, e.g. from `tbd model init-random --config talking-sd15`. Each \
                evaluation runs the ReferenceNet once on the reference and motion latents, then the video UNet on \
                [2, 4, frames, latent, latent]: the unconditional row without reference, the conditional one with it.
                """)

        @Option(name: .long, help: "The talking-head checkpoint folder.")
        var model: String
        @Option(name: .long, help: "Latent size (32 = 256 px, 64 = 512 px).")
        var latent = 32
        @Option(name: .long, help: "Frames in the window.")
        var frames = WindowPlan.defaultWindow
        @Option(name: .customLong("motion-frames"), help: "Motion frames banked by the ReferenceNet.")
        var motionFrames = WindowPlan.defaultMotionFrames
        @Option(name: .long, help: "Timed evaluations, after one warm-up (the median is reported).")
        var repeats = 1
        @Option(name: .long, help: "The video UNet's: f32, or bf16 (its linear layers, convolutions and attention on BF16 operands with AVX512-BF16; elsewhere BF16-rounded weights in Float32). The ReferenceNet stays f32.")
        var precision: WeightPrecision = .f32
        @OptionGroup var output: JSONOption

        func run() throws {
            guard (1...256).contains(latent), (1...256).contains(frames), (0...frames).contains(motionFrames), (1...100).contains(repeats) else {
                throw CLIError("--latent and --frames must be 1-256, --motion-frames 0 to --frames, --repeats 1-100")
            }
            let directory = URL(fileURLWithPath: model)
            let loadStart = Date()
            let referenceNet: ReferenceNet, unet: VideoUNet
            do {
                let checkpoint = try TalkingHeadCheckpoint(directory: directory)
                referenceNet = try checkpoint.referenceNet()
                unet = try checkpoint.videoUNet(precision: precision)
            } catch { throw CLIError("cannot load the talking-head networks from \(model): \(error)") }
            let loadSeconds = Date().timeIntervalSince(loadStart)
            let parameters = try ["reference_unet", "denoising_unet"].reduce(0) { total, part in
                let file = try DiffusersModelFolder.weightsFile(in: directory.appendingPathComponent(part))
                return total + (try SafeTensorsFile(contentsOf: file).entries.values.reduce(0) { $0 + $1.shape.reduce(1, *) })
            }
            let afterLoad = PeakMemory.residentBytes()
            var generator = GaussianNoise(seed: 1)
            let configuration = unet.configuration
            let text = generator.tensor(shape: [1, 77, configuration.unet.crossAttentionDim[0]])
            let window = generator.tensor(shape: [1, configuration.unet.inChannels, frames, latent, latent])
            let reference = generator.tensor(shape: [1 + motionFrames, configuration.unet.inChannels, latent, latent])
            let audio = configuration.hasAudioModules
                ? generator.tensor(shape: [2, frames, 32, configuration.audioAttentionDim]) : nil
            var times = [(reference: Double, denoiser: Double)]()
            for round in 0...repeats {
                let start = Date()
                let bank = try referenceNet.bank(latents: reference, text: text)
                let banked = Date()
                _ = try unet(Tensor.concatenateBatch([window, window]), timestep: 500, text: Tensor.concatenateBatch([text, text]),
                             audio: audio, reference: bank, referenceRows: [false, true], masks: nil)
                let seconds = Date().timeIntervalSince(start)
                if round > 0 { times.append((banked.timeIntervalSince(start), Date().timeIntervalSince(banked))) }
                if !output.json {
                    FileHandle.standardError.write(Data("\(round == 0 ? "warm-up" : "run \(round)") \(String(format: "%.2f", seconds)) s\n".utf8))
                }
            }
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            let view = BenchTalkingView(
                model: directory.path, precision: precision.rawValue, bf16Kernels: precision == .bf16 && WeightPrecision.bf16KernelRuns, latent: latent, frames: frames, motionFrames: motionFrames, parameters: parameters,
                float32WeightBytes: parameters * 4, loadSeconds: loadSeconds, residentBytesAfterLoad: afterLoad,
                referenceSeconds: median(times.map(\.reference)), denoiserSeconds: median(times.map(\.denoiser)),
                seconds: median(times.map { $0.reference + $0.denoiser }), peakResidentBytes: PeakMemory.peakResidentBytes())
            if output.json {
                try printJSON(view)
            } else {
                print(precision.benchmarkLine)
                print("ReferenceNet + video UNet: \(parameters) parameters (\(parameters * 4 / 1_000_000) MB as Float32), loaded in \(String(format: "%.1f", loadSeconds)) s")
                print("window of \(frames) frames at \(latent)x\(latent), CFG batch 2: \(String(format: "%.2f", view.seconds)) s (ReferenceNet \(String(format: "%.2f", view.referenceSeconds)) s, denoiser \(String(format: "%.2f", view.denoiserSeconds)) s); peak memory \(view.peakResidentBytes / 1_000_000) MB")
                ConvolutionChoiceReport.lines().forEach { print($0) }
            }
        }
    }
}

private struct BenchTalkingView: Encodable {
    let model: String
    let precision: String
    let bf16Kernels: Bool
    let latent: Int
    let frames: Int
    let motionFrames: Int
    let parameters: Int
    let float32WeightBytes: Int
    let loadSeconds: Double
    let residentBytesAfterLoad: Int
    let referenceSeconds: Double
    let denoiserSeconds: Double
    let seconds: Double
    let peakResidentBytes: Int
}
