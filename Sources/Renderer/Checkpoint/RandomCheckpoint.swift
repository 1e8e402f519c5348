import CLIPTokenization
import Foundation
import Tensors

/// Writes a complete diffusers Stable Diffusion folder with random weights (F16): `model_index.json`, `unet/`,
/// `vae/`, `text_encoder/`, `tokenizer/` (SD1.5's vocabulary and merges) and `scheduler/` (SD1.5's DDIM settings).
/// The same seed gives byte-identical files. Untrained weights draw noise, not faces: these checkpoints are
/// for tests, demos and benchmarks.
@_spi(Development) public enum RandomCheckpoint {
    public enum Size: String, CaseIterable, Sendable {
        /// A few hundred thousand parameters: 128x128 frames from 16x16 latents in well under a second per step.
        case tiny
        /// SD1.5's exact architecture (about 1.07 billion parameters, 2.1 GB as F16).
        case sd15
    }

    public static func write(size: Size, seed: UInt64, to root: URL) throws {
        let fileManager = FileManager.default
        for component in ["unet", "vae", "text_encoder", "tokenizer", "scheduler"] {
            try fileManager.createDirectory(at: root.appendingPathComponent(component), withIntermediateDirectories: true)
        }
        let (unetJSON, vaeJSON, textJSON) = configurations(size)
        try writeJSON(modelIndex, to: root.appendingPathComponent("model_index.json"))
        try writeJSON(schedulerJSON, to: root.appendingPathComponent("scheduler/scheduler_config.json"))

        try writeJSON(unetJSON, to: root.appendingPathComponent("unet/config.json"))
        let unetWeights = RandomWeights(seed: seed)
        _ = try UNet2DConditionModel(configuration: JSONDecoder().decode(UNetConfiguration.self, from: JSONSerialization.data(withJSONObject: unetJSON)),
                                     source: unetWeights)
        try unetWeights.write(to: root.appendingPathComponent("unet/diffusion_pytorch_model.safetensors"))

        try writeVAE(vaeJSON, seed: seed &+ 1, to: root.appendingPathComponent("vae"))
        try writeTextEncoder(textJSON, seed: seed &+ 2, to: root.appendingPathComponent("text_encoder"))
        try writeTokenizer(to: root.appendingPathComponent("tokenizer"))
    }

    /// `config.json` and random weights of an AutoencoderKL in `directory` (which must exist).
    static func writeVAE(_ json: [String: Any], seed: UInt64, to directory: URL) throws {
        try writeJSON(json, to: directory.appendingPathComponent("config.json"))
        let weights = RandomWeights(seed: seed)
        _ = try AutoencoderKL(configuration: JSONDecoder().decode(AutoencoderKLConfiguration.self, from: JSONSerialization.data(withJSONObject: json)),
                              source: weights)
        try weights.write(to: directory.appendingPathComponent("diffusion_pytorch_model.safetensors"))
    }

    /// `config.json` and random weights of a CLIP text encoder in `directory` (which must exist).
    static func writeTextEncoder(_ json: [String: Any], seed: UInt64, to directory: URL) throws {
        try writeJSON(json, to: directory.appendingPathComponent("config.json"))
        let configuration = try JSONDecoder().decode(CLIPTextConfiguration.self, from: JSONSerialization.data(withJSONObject: json))
        let weights = RandomWeights(seed: seed)
        try generateTextEncoder(configuration, into: weights)
        try weights.write(to: directory.appendingPathComponent("model.safetensors"))
    }

    /// SD1.5's CLIP vocabulary and merges (bundled) in `directory` (which must exist).
    static func writeTokenizer(to directory: URL) throws {
        let tokenizer = try CLIPTokenizer.bundled()
        try JSONSerialization.data(withJSONObject: tokenizer.vocabulary, options: [.sortedKeys])
            .write(to: directory.appendingPathComponent("vocab.json"))
        guard let merges = CLIPTokenizer.bundledMerges else {
            throw ModelLoadingError.missingFile("the bundled CLIP merges")
        }
        try merges.write(to: directory.appendingPathComponent("merges.txt"))
        try writeJSON(["_class_name": "CLIPTokenizer", "model_max_length": 77, "bos_token": "<|startoftext|>",
                       "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>", "unk_token": "<|endoftext|>"],
                      to: directory.appendingPathComponent("tokenizer_config.json"))
    }

    static let modelIndex: [String: Any] = [
        "_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.42.1",
        "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"],
        "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
        "scheduler": ["diffusers", "DDIMScheduler"], "safety_checker": [NSNull(), NSNull()],
        "feature_extractor": [NSNull(), NSNull()], "requires_safety_checker": false,
    ]

    static let schedulerJSON: [String: Any] = [
        "_class_name": "DDIMScheduler", "_diffusers_version": "0.42.1", "beta_start": 0.00085, "beta_end": 0.012,
        "beta_schedule": "scaled_linear", "clip_sample": false, "num_train_timesteps": 1000, "prediction_type": "epsilon",
        "set_alpha_to_one": false, "steps_offset": 1, "timestep_spacing": "leading", "trained_betas": NSNull(),
    ]

    static func configurations(_ size: Size) -> (unet: [String: Any], vae: [String: Any], text: [String: Any]) {
        let down = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
        let up = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
        var unet: [String: Any] = [
            "_class_name": "UNet2DConditionModel", "_diffusers_version": "0.42.1", "in_channels": 4, "out_channels": 4,
            "act_fn": "silu", "center_input_sample": false, "downsample_padding": 1, "flip_sin_to_cos": true,
            "freq_shift": 0, "mid_block_scale_factor": 1, "norm_eps": 1e-5,
        ]
        var vae: [String: Any] = [
            "_class_name": "AutoencoderKL", "_diffusers_version": "0.42.1", "in_channels": 3, "out_channels": 3,
            "latent_channels": 4, "act_fn": "silu", "scaling_factor": 0.18215,
            "down_block_types": Array(repeating: "DownEncoderBlock2D", count: 4),
            "up_block_types": Array(repeating: "UpDecoderBlock2D", count: 4),
        ]
        var text: [String: Any] = [
            "architectures": ["CLIPTextModel"], "model_type": "clip_text_model", "vocab_size": 49408,
            "max_position_embeddings": 77, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5,
            "bos_token_id": 0, "eos_token_id": 2, "pad_token_id": 1,
        ]
        switch size {
        case .tiny:
            unet.merge(["block_out_channels": [32, 64], "down_block_types": [down[0], down[3]], "up_block_types": [up[0], up[3]],
                        "layers_per_block": 1, "attention_head_dim": 2, "cross_attention_dim": 32, "norm_num_groups": 8,
                        "sample_size": 16]) { $1 }
            vae.merge(["block_out_channels": [8, 8, 16, 16], "layers_per_block": 1, "norm_num_groups": 4, "sample_size": 128]) { $1 }
            text.merge(["hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
                        "projection_dim": 32]) { $1 }
        case .sd15:
            unet.merge(["block_out_channels": [320, 640, 1280, 1280], "down_block_types": down, "up_block_types": up,
                        "layers_per_block": 2, "attention_head_dim": 8, "cross_attention_dim": 768, "norm_num_groups": 32,
                        "sample_size": 64]) { $1 }
            vae.merge(["block_out_channels": [128, 256, 512, 512], "layers_per_block": 2, "norm_num_groups": 32, "sample_size": 512]) { $1 }
            text.merge(["hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_attention_heads": 12,
                        "projection_dim": 768]) { $1 }
        }
        return (unet, vae, text)
    }

    /// transformers' CLIPTextModel names (with the `text_model.` prefix, as transformers saves them).
    static func generateTextEncoder(_ configuration: CLIPTextConfiguration, into weights: RandomWeights) throws {
        let hidden = configuration.hiddenSize, inner = configuration.intermediateSize
        let reader = WeightReader(source: weights, prefix: "text_model.")
        _ = try reader("embeddings.token_embedding.weight", shape: [configuration.vocabSize, hidden])
        _ = try reader("embeddings.position_embedding.weight", shape: [configuration.maxPositionEmbeddings, hidden])
        for layer in 0..<configuration.numHiddenLayers {
            let scope = reader.scope("encoder.layers.\(layer)")
            for norm in ["layer_norm1", "layer_norm2"] { _ = try LayerNormLayer(scope, norm, width: hidden) }
            for projection in ["q_proj", "k_proj", "v_proj", "out_proj"] {
                _ = try LinearLayer(scope, "self_attn.\(projection)", input: hidden, output: hidden)
            }
            _ = try LinearLayer(scope, "mlp.fc1", input: hidden, output: inner)
            _ = try LinearLayer(scope, "mlp.fc2", input: inner, output: hidden)
        }
        _ = try LayerNormLayer(reader, "final_layer_norm", width: hidden)
    }

    static func writeJSON(_ object: [String: Any], to url: URL) throws {
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: url)
    }
}
