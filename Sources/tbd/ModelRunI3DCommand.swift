import ArgumentParser
import Evaluation
import Foundation
import Tensors

extension ModelCommand {
    /// `tbd model run i3d`: FVD's I3D on videos from a safetensors file, for comparison with the reference code.
    struct I3DRun: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "i3d",
            abstract: "Run FVD's I3D: input videos [N, 3, T, H, W] in [0, 1]; writes features [N, 400].",
            discussion: """
                Each frame is resized to 224x224 (bilinear) and scaled to [-1, 1]; the features are the Kinetics-400 \
                logits averaged over time, as StyleGAN-V's FVD reads them (docs/evaluation-networks.md). T is at \
                least 9 frames (FVD's clips have 16); at most \(maximumVideos) videos of \(maximumFrames) frames.
                """)

        static let maximumVideos = 4
        static let maximumFrames = 64

        @Option(name: .long, help: "The folder scripts/convert-eval-weights.py wrote (default: $TBD_EVAL_WEIGHTS, else ~/.cache/tbd/eval-weights).")
        var weights: String?
        @Option(name: .long, help: "Input safetensors file holding videos.")
        var inputs: String
        @Option(name: .long, help: "Output safetensors file.")
        var out: String
        @OptionGroup var output: JSONOption

        func run() throws {
            let folder = EvaluationWeights(folder: weights.map { URL(fileURLWithPath: $0) })
            // The shared reading and writing of `model run`, with the weights folder in the place of --model.
            let options = try NetworkRunOptions.parse(
                ["--model", folder.folder.path, "--inputs", inputs, "--out", out] + (output.json ? ["--json"] : []))
            // The weights first: a missing file is refused before the inputs are read.
            let network: FVDFeatures
            do {
                network = try FVDFeatures(weights: folder)
            } catch {
                throw CLIError("\(error)")
            }
            guard let videos = try options.inputTensors(["videos"])["videos"] else {
                throw CLIError("\(inputs) must hold videos [N, 3, T, H, W]")
            }
            guard videos.rank == 5, videos.shape[1] == 3, videos.shape[2] >= 9, videos.shape[3] > 0, videos.shape[4] > 0 else {
                throw CLIError("videos must be [N, 3, T, H, W] with T >= 9 frames, got \(videos.shape)")
            }
            guard videos.shape[0] <= Self.maximumVideos, videos.shape[2] <= Self.maximumFrames else {
                throw CLIError("videos \(videos.shape): at most \(Self.maximumVideos) videos of \(Self.maximumFrames) frames")
            }
            let started = Date()
            try options.finish(["features": network.features(videos)], started: started)
        }
    }
}
