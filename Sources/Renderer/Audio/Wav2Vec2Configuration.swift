import Foundation
import Tensors

/// The fields of a transformers `Wav2Vec2Config` (`config.json`) that the encoder needs. Defaults are
/// transformers' own, which are `facebook/wav2vec2-base-960h`'s architecture.
@_spi(Development) public struct Wav2Vec2Configuration: Decodable, Equatable, Sendable {
    public var convDim = [512, 512, 512, 512, 512, 512, 512]
    public var convKernel = [10, 3, 3, 3, 3, 2, 2]
    public var convStride = [5, 2, 2, 2, 2, 2, 2]
    public var convBias = false
    /// "group": group norm (one group per channel) on the first convolution only; "layer": layer norm after each.
    public var featExtractNorm = "group"
    public var featExtractActivation = "gelu"
    public var hiddenSize = 768
    public var numHiddenLayers = 12
    public var numAttentionHeads = 12
    public var intermediateSize = 3072
    public var hiddenAct = "gelu"
    public var layerNormEps = 1e-5
    public var numConvPosEmbeddings = 128
    public var numConvPosEmbeddingGroups = 16
    /// Pre-norm transformer layers with a final layer norm (the large "lv60" models) instead of post-norm.
    public var doStableLayerNorm = false
    public var addAdapter = false

    public init() {}

    enum CodingKeys: String, CodingKey {
        case convDim = "conv_dim", convKernel = "conv_kernel", convStride = "conv_stride", convBias = "conv_bias"
        case featExtractNorm = "feat_extract_norm", featExtractActivation = "feat_extract_activation"
        case hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps"
        case numConvPosEmbeddings = "num_conv_pos_embeddings", numConvPosEmbeddingGroups = "num_conv_pos_embedding_groups"
        case doStableLayerNorm = "do_stable_layer_norm", addAdapter = "add_adapter"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var d = Wav2Vec2Configuration()
        d.convDim = try c.decodeIfPresent([Int].self, forKey: .convDim) ?? d.convDim
        d.convKernel = try c.decodeIfPresent([Int].self, forKey: .convKernel) ?? d.convKernel
        d.convStride = try c.decodeIfPresent([Int].self, forKey: .convStride) ?? d.convStride
        d.convBias = try c.decodeIfPresent(Bool.self, forKey: .convBias) ?? d.convBias
        d.featExtractNorm = try c.decodeIfPresent(String.self, forKey: .featExtractNorm) ?? d.featExtractNorm
        d.featExtractActivation = try c.decodeIfPresent(String.self, forKey: .featExtractActivation) ?? d.featExtractActivation
        d.hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? d.hiddenSize
        d.numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? d.numHiddenLayers
        d.numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? d.numAttentionHeads
        d.intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? d.intermediateSize
        d.hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? d.hiddenAct
        d.layerNormEps = try c.decodeIfPresent(Double.self, forKey: .layerNormEps) ?? d.layerNormEps
        d.numConvPosEmbeddings = try c.decodeIfPresent(Int.self, forKey: .numConvPosEmbeddings) ?? d.numConvPosEmbeddings
        d.numConvPosEmbeddingGroups = try c.decodeIfPresent(Int.self, forKey: .numConvPosEmbeddingGroups) ?? d.numConvPosEmbeddingGroups
        d.doStableLayerNorm = try c.decodeIfPresent(Bool.self, forKey: .doStableLayerNorm) ?? d.doStableLayerNorm
        d.addAdapter = try c.decodeIfPresent(Bool.self, forKey: .addAdapter) ?? d.addAdapter
        self = d
    }

    /// Samples one feature-encoder frame advances by (320 for base-960h: 20 ms at 16 kHz).
    public var totalStride: Int { convStride.reduce(1, *) }

    /// Samples the first feature-encoder frame needs (400 for base-960h).
    public var receptiveField: Int {
        var field = 1
        for (kernel, stride) in zip(convKernel, convStride).reversed() { field = (field - 1) * stride + kernel }
        return field
    }

    /// Every number is range-checked here, before any weight is allocated from it.
    func validate() throws {
        func fail(_ reason: String) -> ModelLoadingError { .invalidConfiguration("wav2vec 2.0 config: \(reason)") }
        guard (1...32).contains(convDim.count), convKernel.count == convDim.count, convStride.count == convDim.count else {
            throw fail("conv_dim, conv_kernel and conv_stride must list the same number (1-32) of layers")
        }
        guard convDim.allSatisfy({ (1...16_384).contains($0) }), convKernel.allSatisfy({ (1...4_096).contains($0) }),
              convStride.allSatisfy({ (1...4_096).contains($0) }) else {
            throw fail("conv widths must be 1-16384, kernels and strides 1-4096")
        }
        guard totalStride <= 1 << 20, receptiveField <= 1 << 22 else {
            throw fail("the feature encoder's stride or receptive field is implausibly large")
        }
        guard ["group", "layer"].contains(featExtractNorm) else {
            throw fail("feat_extract_norm \"\(featExtractNorm)\" is not \"group\" or \"layer\"")
        }
        for (key, name) in [("feat_extract_activation", featExtractActivation), ("hidden_act", hiddenAct)] {
            guard ["gelu", "relu"].contains(name) else { throw fail("\(key) \"\(name)\" is not gelu or relu") }
        }
        guard (1...16_384).contains(hiddenSize), (1...256).contains(numHiddenLayers), (1...65_536).contains(intermediateSize) else {
            throw fail("hidden_size must be 1-16384, num_hidden_layers 1-256, intermediate_size 1-65536")
        }
        guard (1...hiddenSize).contains(numAttentionHeads), hiddenSize % numAttentionHeads == 0 else {
            throw fail("hidden_size \(hiddenSize) does not split into \(numAttentionHeads) attention heads")
        }
        guard (1...4_096).contains(numConvPosEmbeddings), (1...hiddenSize).contains(numConvPosEmbeddingGroups),
              hiddenSize % numConvPosEmbeddingGroups == 0 else {
            throw fail("num_conv_pos_embeddings must be 1-4096 and num_conv_pos_embedding_groups divide hidden_size")
        }
        guard layerNormEps > 0, layerNormEps < 1 else { throw fail("layer_norm_eps \(layerNormEps) is not in (0, 1)") }
        guard !addAdapter else { throw fail("add_adapter (an adapter after the encoder) is not supported") }
    }
}
