import ArgumentParser
import Evaluation
import Foundation
import Tensors

/// `tbd model run inception|lpips|syncnet`: an evaluation network on tensors from a safetensors file, for comparison
/// with its reference code. --weights is the folder scripts/convert-eval-weights.py wrote.
struct EvaluationNetworkRunOptions: ParsableArguments {
    @Option(name: .long, help: "The folder scripts/convert-eval-weights.py wrote (default: $TBD_EVAL_WEIGHTS, else ~/.cache/tbd/eval-weights).")
    var weights: String?
    @Option(name: .long, help: "Input safetensors file.")
    var inputs: String
    @Option(name: .long, help: "Output safetensors file.")
    var out: String
    @OptionGroup var output: JSONOption

    var folder: EvaluationWeights { EvaluationWeights(folder: weights.map { URL(fileURLWithPath: $0) }) }

    func inputTensors(_ names: [String]) throws -> [String: Tensor] {
        try NetworkRunOptions.inputTensors(names, from: inputs)
    }

    func finish(_ tensors: [String: Tensor], started: Date) throws {
        try NetworkRunOptions.finish(tensors, metadata: ["weights": folder.folder.path, "inputs": inputs], out: out,
                                     json: output.json, started: started)
    }

    /// Refuses TENSOR unless its shape is SHAPE, nil standing for any size along that dimension.
    func require(_ name: String, _ tensor: Tensor, _ shape: [Int?], _ meaning: String) throws {
        guard tensor.rank == shape.count, zip(tensor.shape, shape).allSatisfy({ $1 == nil || $0 == $1 }),
              tensor.shape.allSatisfy({ $0 > 0 }) else {
            throw CLIError("\(name) must be \(meaning), got \(tensor.shape)")
        }
    }
}

extension ModelCommand {
    struct InceptionRun: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inception",
            abstract: "Run FID's InceptionV3: input images [N, 3, H, W] in [0, 1]; writes features [N, 2048].",
            discussion: """
                pytorch-fid 0.3.0's InceptionV3([3]) on inception.safetensors: each image resized to 299x299 \
                (bilinear), scaled to [-1, 1], and its 2048-d pool features (docs/evaluation-networks.md).
                """)

        @OptionGroup var options: EvaluationNetworkRunOptions

        func run() throws {
            guard let images = try options.inputTensors(["images"])["images"] else { throw CLIError("\(options.inputs) must hold images") }
            try options.require("images", images, [nil, 3, nil, nil], "[N, 3, H, W]")
            let started = Date()
            let network = try FIDFeatures(weights: options.folder)
            try options.finish(["features": network.features(images)], started: started)
        }
    }

    struct LPIPSRun: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lpips",
            abstract: "Run LPIPS (AlexNet, version 0.1): inputs a and b [N, 3, H, W] in [-1, 1]; writes distances [N] and layers [N, 5].",
            discussion: """
                lpips 0.1.4's LPIPS(net="alex", version="0.1") on alexnet.safetensors and \
                lpips-alex-linear.safetensors: the distance of each pair, and each of the five layers' share of it \
                (retPerLayer). Images are at least 31x31.
                """)

        @OptionGroup var options: EvaluationNetworkRunOptions

        func run() throws {
            let inputs = try options.inputTensors(["a", "b"])
            guard let a = inputs["a"], let b = inputs["b"] else { throw CLIError("\(options.inputs) must hold a and b") }
            try options.require("a", a, [nil, 3, nil, nil], "[N, 3, H, W]")
            guard a.shape == b.shape else { throw CLIError("a and b must have one shape, got \(a.shape) and \(b.shape)") }
            let started = Date()
            let lpips = try LPIPS(weights: options.folder)
            let layers = try lpips.layerDistances(a, b)
            let distances = try lpips.distances(a, b)
            try options.finish(["distances": Tensor(shape: [distances.count], scalars: distances), "layers": layers], started: started)
        }
    }

    struct SyncNetRun: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "syncnet",
            abstract: "Run SyncNet: inputs audio [N, 1, 13, 20], lips [M, 3, 5, 224, 224] and speech [S], any of them; writes audio_embeddings, lip_embeddings and mfcc.",
            discussion: """
                syncnet_python's network on syncnet.safetensors. audio: MFCC windows (13 coefficients x 20 frames, \
                0.2 s) -> audio_embeddings [N, 1024] (forward_aud). lips: five-frame windows of 224x224 face crops, \
                blue-green-red, values 0 to 255 as cv2 reads frames -> lip_embeddings [M, 1024] (forward_lip). \
                speech: 16 kHz samples as 16-bit values (-32768 to 32767) -> mfcc [T, 13], the MFCCs the reference \
                computes with python_speech_features (100 per second).
                """)

        @OptionGroup var options: EvaluationNetworkRunOptions

        func run() throws {
            let inputs = try options.inputTensors(["audio", "lips", "speech"])
            guard !inputs.isEmpty else { throw CLIError("\(options.inputs) must hold audio, lips or speech") }
            if let audio = inputs["audio"] { try options.require("audio", audio, [nil, 1, 13, 20], "[N, 1, 13, 20]") }
            if let lips = inputs["lips"] { try options.require("lips", lips, [nil, 3, 5, 224, 224], "[M, 3, 5, 224, 224]") }
            if let speech = inputs["speech"] { try options.require("speech", speech, [nil], "[S]") }
            let started = Date()
            var outputs: [String: Tensor] = [:]
            if let speech = inputs["speech"] {
                let mfcc = MelFrequencyCepstrum.compute(speech.scalars.map(Double.init), sampleRate: SyncNetConfidence.sampleRate)
                outputs["mfcc"] = Tensor(shape: [mfcc.count, MelFrequencyCepstrum.coefficients], scalars: mfcc.flatMap { $0.map(Float.init) })
            }
            if inputs["audio"] != nil || inputs["lips"] != nil {
                let network = try SyncNetConfidence(weights: options.folder).network
                if let audio = inputs["audio"] { outputs["audio_embeddings"] = network.audio(audio) }
                if let lips = inputs["lips"] { outputs["lip_embeddings"] = network.lip(lips) }
            }
            try options.finish(outputs, started: started)
        }
    }
}
