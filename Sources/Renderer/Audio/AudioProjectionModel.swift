import Foundation
import Tensors

/// Hallo's `AudioProjModel`: each frame's window of audio features [window, L, D], flattened, goes through
/// Linear -> ReLU -> Linear -> ReLU -> Linear to `contextTokens x outputWidth`, then LayerNorm over each token:
/// [frames, window, L, D] -> [frames, contextTokens, outputWidth] (32 x 768 in Hallo). Weights are `proj1`,
/// `proj2`, `proj3` and `norm`, as Hallo names them (also found under `audioproj.`, the prefix of its `net.pth`).
///
/// The sizes come from the weights themselves (`proj1` gives the input and intermediate widths, `norm` the
/// output width); a `config.json` beside them, when present, must agree.
@_spi(Development) public final class AudioProjectionModel: @unchecked Sendable {
    public let inputWidth: Int
    public let intermediateWidth: Int
    public let contextTokens: Int
    public let outputWidth: Int
    private let proj1, proj2, proj3: (weight: PackedLinearWeight, bias: Tensor)
    private let norm: LayerNormLayer

    /// Hallo's `nn.LayerNorm(output_dim)`: PyTorch's default epsilon.
    static let normEpsilon: Float = 1e-5

    public init(weights: SafeTensorsFile) throws {
        let prefix = weights.entries["audioproj.proj1.weight"] != nil ? "audioproj." : ""
        let reader = WeightReader(source: weights, prefix: prefix)
        func shape(_ name: String) throws -> [Int] {
            guard let entry = weights.entries[prefix + name] else {
                throw ModelLoadingError.missingWeight(name: prefix + name)
            }
            return entry.shape
        }
        let first = try shape("proj1.weight"), third = try shape("proj3.weight"), normShape = try shape("norm.weight")
        guard first.count == 2, third.count == 2, normShape.count == 1,
              first.allSatisfy({ (1...(1 << 24)).contains($0) }), third.allSatisfy({ (1...(1 << 24)).contains($0) }),
              (1...(1 << 16)).contains(normShape[0]), third[0] % normShape[0] == 0 else {
            throw ModelLoadingError.invalidConfiguration(
                "audio projection shapes proj1 \(first), proj3 \(third), norm \(normShape) do not form Hallo's AudioProjModel")
        }
        inputWidth = first[1]
        intermediateWidth = first[0]
        outputWidth = normShape[0]
        contextTokens = third[0] / outputWidth
        func linear(_ name: String, _ input: Int, _ output: Int) throws -> (weight: PackedLinearWeight, bias: Tensor) {
            (PackedLinearWeight(try reader(name + ".weight", shape: [output, input])), try reader(name + ".bias", shape: [output]))
        }
        proj1 = try linear("proj1", inputWidth, intermediateWidth)
        proj2 = try linear("proj2", intermediateWidth, intermediateWidth)
        proj3 = try linear("proj3", intermediateWidth, contextTokens * outputWidth)
        norm = try LayerNormLayer(reader, "norm", width: outputWidth, epsilon: Self.normEpsilon)
        try weights.requireEveryTensorRead()
    }

    /// A folder with the weights (`diffusion_pytorch_model.safetensors` or `model.safetensors`) and optionally
    /// Hallo's constructor arguments as `config.json` (`seq_len`, `blocks`, `channels`, `intermediate_dim`,
    /// `context_tokens`, `output_dim`), checked against the weights.
    public convenience init(directory: URL) throws {
        try self.init(weights: SafeTensorsFile(contentsOf: DiffusersModelFolder.weightsFile(in: directory)))
        let configURL = directory.appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: configURL.path) else { return }
        guard let config = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelLoadingError.invalidConfiguration("\(configURL.path) is not a JSON object")
        }
        func number(_ key: String) -> Int? { (config[key] as? NSNumber)?.intValue }
        let input = [number("seq_len"), number("blocks"), number("channels")].compactMap { $0 }
        let expectations: [(String, Int?, Int)] = [
            ("seq_len x blocks x channels", input.count == 3 ? input.reduce(1, *) : nil, inputWidth),
            ("intermediate_dim", number("intermediate_dim"), intermediateWidth),
            ("context_tokens", number("context_tokens"), contextTokens),
            ("output_dim", number("output_dim"), outputWidth),
        ]
        for (key, value, actual) in expectations {
            if let value, value != actual {
                throw ModelLoadingError.invalidConfiguration("\(configURL.path): \(key) is \(value) but the weights have \(actual)")
            }
        }
    }

    /// [frames, window, L, D] (any shape whose trailing dimensions multiply to the input width) to
    /// [frames, contextTokens, outputWidth].
    public func callAsFunction(_ windows: Tensor) throws -> Tensor {
        guard windows.rank >= 2, windows.shape[0] > 0, windows.count / windows.shape[0] == inputWidth else {
            throw TensorError.shapeMismatch(
                "audio windows \(windows.shape) do not flatten to the projection's input width \(inputWidth) per frame")
        }
        let frames = windows.shape[0]
        var hidden = windows.reshaped([frames, inputWidth]).linear(proj1.weight, bias: proj1.bias)
        Wav2Vec2FeatureEncoder.activate(&hidden.scalars, "relu")
        hidden = hidden.linear(proj2.weight, bias: proj2.bias)
        Wav2Vec2FeatureEncoder.activate(&hidden.scalars, "relu")
        let tokens = norm(hidden.linear(proj3.weight, bias: proj3.bias).reshaped([frames, contextTokens, outputWidth]))
        guard tokens.isFinite else { throw RenderError.nonFinite("the audio projection's tokens") }
        return tokens
    }

    /// The unconditional audio condition: zeros of the projected tokens' shape.
    public func unconditionalTokens(frames: Int) -> Tensor {
        Tensor(zeros: [frames, contextTokens, outputWidth])
    }
}
