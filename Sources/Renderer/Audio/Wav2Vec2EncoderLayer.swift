import Foundation
import Tensors

/// One transformer layer of wav2vec 2.0's encoder: self-attention (q/k/v/out projections with bias) and a
/// feed-forward block (`intermediate_dense`, activation, `output_dense`). Post-norm (`Wav2Vec2EncoderLayer`):
/// norm after each residual sum; pre-norm (`Wav2Vec2EncoderLayerStableLayerNorm`): norm before each block.
struct Wav2Vec2EncoderLayer {
    /// Weights packed once at load (`PackedLinearWeight`).
    private let query, key, value, output, intermediate, outputDense: (weight: PackedLinearWeight, bias: Tensor)
    private let attentionNorm: LayerNormLayer
    private let finalNorm: LayerNormLayer
    private let heads: Int
    private let preNorm: Bool
    private let activation: String

    init(_ weights: WeightReader, configuration: Wav2Vec2Configuration) throws {
        let hidden = configuration.hiddenSize
        let inner = configuration.intermediateSize
        func linear(_ name: String, _ input: Int, _ output: Int) throws -> (weight: PackedLinearWeight, bias: Tensor) {
            (PackedLinearWeight(try weights(name + ".weight", shape: [output, input])), try weights(name + ".bias", shape: [output]))
        }
        query = try linear("attention.q_proj", hidden, hidden)
        key = try linear("attention.k_proj", hidden, hidden)
        value = try linear("attention.v_proj", hidden, hidden)
        output = try linear("attention.out_proj", hidden, hidden)
        intermediate = try linear("feed_forward.intermediate_dense", hidden, inner)
        outputDense = try linear("feed_forward.output_dense", inner, hidden)
        let epsilon = Float(configuration.layerNormEps)
        attentionNorm = try LayerNormLayer(weights, "layer_norm", width: hidden, epsilon: epsilon)
        finalNorm = try LayerNormLayer(weights, "final_layer_norm", width: hidden, epsilon: epsilon)
        heads = configuration.numAttentionHeads
        preNorm = configuration.doStableLayerNorm
        activation = configuration.hiddenAct
    }

    /// [1, T, D] in and out.
    func callAsFunction(_ hidden: Tensor) -> Tensor {
        if preNorm {
            var state = hidden
            state += attend(attentionNorm(hidden))
            state += feedForward(finalNorm(state))
            return state
        }
        var state = hidden
        state += attend(hidden)
        state = attentionNorm(state)
        var result = state
        result += feedForward(state)
        return finalNorm(result)
    }

    private func attend(_ input: Tensor) -> Tensor {
        let attended = Attention.scaledDotProduct(
            query: input.linear(query.weight, bias: query.bias),
            key: input.linear(key.weight, bias: key.bias),
            value: input.linear(value.weight, bias: value.bias), heads: heads)
        return attended.linear(output.weight, bias: output.bias)
    }

    private func feedForward(_ input: Tensor) -> Tensor {
        var inner = input.linear(intermediate.weight, bias: intermediate.bias)
        Wav2Vec2FeatureEncoder.activate(&inner.scalars, activation)
        return inner.linear(outputDense.weight, bias: outputDense.bias)
    }
}
