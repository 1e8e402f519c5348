import Foundation
import Tensors

/// The fields of a transformers `CLIPTextConfig` (`text_encoder/config.json`) that the encoder needs.
@_spi(Development) public struct CLIPTextConfiguration: Decodable, Equatable, Sendable {
    public var vocabSize = 49408
    public var hiddenSize = 512
    public var intermediateSize = 2048
    public var numHiddenLayers = 12
    public var numAttentionHeads = 8
    public var maxPositionEmbeddings = 77
    public var hiddenAct = "quick_gelu"
    public var layerNormEps = 1e-5
    public var eosTokenId = 49407

    public init() {}

    /// SD1.5's text encoder (OpenAI CLIP ViT-L/14's text tower).
    public static let stableDiffusion15: CLIPTextConfiguration = {
        var config = CLIPTextConfiguration()
        config.hiddenSize = 768
        config.intermediateSize = 3072
        config.numAttentionHeads = 12
        config.eosTokenId = 2
        return config
    }()

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case maxPositionEmbeddings = "max_position_embeddings", hiddenAct = "hidden_act"
        case layerNormEps = "layer_norm_eps", eosTokenId = "eos_token_id"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var d = CLIPTextConfiguration()
        d.vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? d.vocabSize
        d.hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? d.hiddenSize
        d.intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? d.intermediateSize
        d.numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? d.numHiddenLayers
        d.numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? d.numAttentionHeads
        d.maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? d.maxPositionEmbeddings
        d.hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? d.hiddenAct
        d.layerNormEps = try c.decodeIfPresent(Double.self, forKey: .layerNormEps) ?? d.layerNormEps
        d.eosTokenId = try c.decodeIfPresent(Int.self, forKey: .eosTokenId) ?? d.eosTokenId
        self = d
    }

    func validate() throws {
        let name = "CLIP text"
        try ConfigurationLimits.check(vocabSize, ConfigurationLimits.vocabulary, "vocab_size", in: name)
        try ConfigurationLimits.check(hiddenSize, ConfigurationLimits.textHidden, "hidden_size", in: name)
        try ConfigurationLimits.check(intermediateSize, ConfigurationLimits.textIntermediate, "intermediate_size", in: name)
        try ConfigurationLimits.check(numHiddenLayers, ConfigurationLimits.textLayers, "num_hidden_layers", in: name)
        try ConfigurationLimits.check(numAttentionHeads, ConfigurationLimits.attentionHeads, "num_attention_heads", in: name)
        try ConfigurationLimits.check(maxPositionEmbeddings, ConfigurationLimits.positions, "max_position_embeddings", in: name)
        try ConfigurationLimits.check(eosTokenId, 0...(vocabSize - 1), "eos_token_id", in: name)
        try ConfigurationLimits.checkPositive(layerNormEps, below: 1, "layer_norm_eps", in: name)
        guard vocabSize > 0, hiddenSize > 0, intermediateSize > 0, numHiddenLayers > 0, maxPositionEmbeddings > 0,
              numAttentionHeads > 0, hiddenSize % numAttentionHeads == 0 else {
            throw ModelLoadingError.invalidConfiguration("CLIP text config sizes must be positive, with hidden_size divisible by num_attention_heads")
        }
        guard ["quick_gelu", "gelu"].contains(hiddenAct) else {
            throw ModelLoadingError.invalidConfiguration("CLIP text hidden_act \"\(hiddenAct)\" is not quick_gelu or gelu")
        }
    }
}

extension CLIPTextConfiguration {
    /// A lower bound on the scalars these settings need: the token and position tables and, per layer, the four
    /// attention projections and the two MLP matrices. Only called after `validate`, so nothing overflows.
    var minimumParameterCount: Int {
        (vocabSize + maxPositionEmbeddings) * hiddenSize
            + numHiddenLayers * (4 * hiddenSize * hiddenSize + 2 * hiddenSize * intermediateSize)
    }
}
