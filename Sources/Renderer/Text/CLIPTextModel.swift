import CLIPTokenization
import FileAccess
import Foundation
import Tensors

/// transformers' `CLIPTextModel`: token plus position embeddings, pre-norm transformer layers with causal
/// self-attention and a quick-GELU (or GELU) MLP, and a final layer norm.
@_spi(Development) public final class CLIPTextModel: @unchecked Sendable {
    public struct Output: Sendable {
        /// The final layer norm of the last layer's output, [batch, length, hidden]: SD1.5's text condition.
        public let lastHiddenState: Tensor
        /// Embedding output then each layer's output, before the final norm (transformers' `hidden_states`).
        public let hiddenStates: [Tensor]
        /// lastHiddenState at each sequence's end token, [batch, hidden].
        public let pooled: Tensor
    }

    private struct Layer {
        let norm1Weight, norm1Bias, norm2Weight, norm2Bias: Tensor
        /// The q, k and v projections stacked, [3 hidden, hidden]: one wider product instead of three.
        let projectionWeight: PackedLinearWeight
        let projectionBias: Tensor
        let outWeight: PackedLinearWeight
        let outBias: Tensor
        let fc1Weight: PackedLinearWeight
        let fc1Bias: Tensor
        let fc2Weight: PackedLinearWeight
        let fc2Bias: Tensor
    }

    public let configuration: CLIPTextConfiguration
    private let tokenEmbedding: Tensor
    private let positionEmbedding: Tensor
    private let layers: [Layer]
    private let finalNormWeight: Tensor
    private let finalNormBias: Tensor

    /// Loads weights named as transformers saves them, with or without the `text_model.` prefix.
    public init(configuration: CLIPTextConfiguration, weights: SafeTensorsFile) throws {
        try configuration.validate()
        try ConfigurationLimits.checkParameters(needed: configuration.minimumParameterCount, available: weights.parameterCount,
                                                in: "CLIP text")
        self.configuration = configuration
        let prefix = weights.entries["text_model.embeddings.token_embedding.weight"] != nil ? "text_model." : ""
        let hidden = configuration.hiddenSize
        let inner = configuration.intermediateSize
        let reader = WeightReader(source: weights, prefix: prefix)
        func load(_ name: String, _ shape: [Int]) throws -> Tensor { try reader(name, shape: shape) }
        tokenEmbedding = try load("embeddings.token_embedding.weight", [configuration.vocabSize, hidden])
        positionEmbedding = try load("embeddings.position_embedding.weight", [configuration.maxPositionEmbeddings, hidden])
        layers = try (0..<configuration.numHiddenLayers).map { index in
            let p = "encoder.layers.\(index)."
            return Layer(
                norm1Weight: try load(p + "layer_norm1.weight", [hidden]), norm1Bias: try load(p + "layer_norm1.bias", [hidden]),
                norm2Weight: try load(p + "layer_norm2.weight", [hidden]), norm2Bias: try load(p + "layer_norm2.bias", [hidden]),
                projectionWeight: PackedLinearWeight(Tensor(shape: [3 * hidden, hidden], scalars: try ["q", "k", "v"].flatMap {
                    try load(p + "self_attn.\($0)_proj.weight", [hidden, hidden]).scalars
                })),
                projectionBias: Tensor(shape: [3 * hidden], scalars: try ["q", "k", "v"].flatMap {
                    try load(p + "self_attn.\($0)_proj.bias", [hidden]).scalars
                }),
                outWeight: PackedLinearWeight(try load(p + "self_attn.out_proj.weight", [hidden, hidden])), outBias: try load(p + "self_attn.out_proj.bias", [hidden]),
                fc1Weight: PackedLinearWeight(try load(p + "mlp.fc1.weight", [inner, hidden])), fc1Bias: try load(p + "mlp.fc1.bias", [inner]),
                fc2Weight: PackedLinearWeight(try load(p + "mlp.fc2.weight", [hidden, inner])), fc2Bias: try load(p + "mlp.fc2.bias", [hidden]))
        }
        finalNormWeight = try load("final_layer_norm.weight", [hidden])
        finalNormBias = try load("final_layer_norm.bias", [hidden])
        // Older transformers saves keep `position_ids`, the buffer 0..<max_positions that the encoder counts itself.
        try weights.requireEveryTensorRead(ignoring: { $0 == prefix + "embeddings.position_ids" })
    }

    /// A folder holding `config.json` and `model.safetensors` (a diffusers pipeline's `text_encoder/`).
    public convenience init(directory: URL) throws {
        let configURL = directory.appendingPathComponent("config.json")
        guard let configData = FileManager.default.contents(atPath: configURL.path) else {
            throw ModelLoadingError.missingFile(configURL.path)
        }
        let configuration: CLIPTextConfiguration
        do {
            configuration = try LocatingJSONDecoder.decode(CLIPTextConfiguration.self, from: configData)
        } catch {
            throw ModelLoadingError.invalidConfiguration(FileErrorText.describe(error, path: configURL.path))
        }
        let weightsURL = try DiffusersModelFolder.weightsFile(in: directory)
        try self.init(configuration: configuration, weights: SafeTensorsFile(contentsOf: weightsURL))
    }

    /// Runs the encoder on a batch of id sequences of equal length (at most max_position_embeddings).
    public func callAsFunction(_ batch: [[Int]]) throws -> Output {
        guard let length = batch.first?.count, length > 0, batch.allSatisfy({ $0.count == length }) else {
            throw TensorError.shapeMismatch("text encoder input must be non-empty sequences of equal length")
        }
        guard length <= configuration.maxPositionEmbeddings else {
            throw TensorError.shapeMismatch("\(length) tokens exceed the \(configuration.maxPositionEmbeddings) positions of the text encoder")
        }
        let hidden = configuration.hiddenSize
        let positions = Tensor(shape: [length, hidden], scalars: Array(positionEmbedding.scalars.prefix(length * hidden)))
        var state = try Tensor.embedding(table: tokenEmbedding, ids: batch.flatMap { $0 })
            .reshaped([batch.count, length, hidden]) + positions
        var hiddenStates = [state]
        let epsilon = Float(configuration.layerNormEps)
        for layer in layers {
            let normed = state.layerNorm(weight: layer.norm1Weight, bias: layer.norm1Bias, epsilon: epsilon)
            let projected = normed.linear(layer.projectionWeight, bias: layer.projectionBias).chunkedLastDimension(3)
            let attended = Attention.scaledDotProduct(query: projected[0], key: projected[1], value: projected[2],
                                                      heads: configuration.numAttentionHeads, causal: true)
            state += attended.linear(layer.outWeight, bias: layer.outBias)
            let normed2 = state.layerNorm(weight: layer.norm2Weight, bias: layer.norm2Bias, epsilon: epsilon)
            let activated = try normed2.linear(layer.fc1Weight, bias: layer.fc1Bias).activation(named: configuration.hiddenAct)
            state += activated.linear(layer.fc2Weight, bias: layer.fc2Bias)
            hiddenStates.append(state)
        }
        let last = state.layerNorm(weight: finalNormWeight, bias: finalNormBias, epsilon: epsilon)
        var pooled = [Float]()
        for (item, ids) in batch.enumerated() {
            let position = endPosition(ids)
            let start = (item * length + position) * hidden
            pooled += last.scalars[start..<(start + hidden)]
        }
        return Output(lastHiddenState: last, hiddenStates: hiddenStates, pooled: Tensor(shape: [batch.count, hidden], scalars: pooled))
    }

    /// The text condition with diffusers' `clip_skip`: 0 is the last hidden state; n > 0 takes the output n
    /// layers before the last and applies the final layer norm to it (clip_skip 1 = the penultimate layer).
    public func condition(_ batch: [[Int]], clipSkip: Int = 0) throws -> Tensor {
        guard clipSkip >= 0 && clipSkip < configuration.numHiddenLayers else {
            throw TensorError.shapeMismatch("clip skip \(clipSkip) outside 0..<\(configuration.numHiddenLayers)")
        }
        let output = try self(batch)
        guard clipSkip > 0 else { return output.lastHiddenState }
        return output.hiddenStates[output.hiddenStates.count - 1 - clipSkip]
            .layerNorm(weight: finalNormWeight, bias: finalNormBias, epsilon: Float(configuration.layerNormEps))
    }

    /// transformers: with the legacy eos_token_id 2 the highest id marks the end; otherwise the first end token.
    private func endPosition(_ ids: [Int]) -> Int {
        if configuration.eosTokenId == 2 {
            let highest = ids.max() ?? 0
            return ids.firstIndex(of: highest) ?? 0
        }
        return ids.firstIndex(of: configuration.eosTokenId) ?? ids.count - 1
    }
}
