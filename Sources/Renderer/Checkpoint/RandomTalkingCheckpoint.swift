import Foundation
import Tensors

/// Writes a complete talking checkpoint (`TalkingHeadCheckpoint`'s format) with random weights: the SD parts as
/// `RandomCheckpoint` writes them, a ReferenceNet and a denoiser with Hallo's motion and audio modules, a
/// wav2vec 2.0 encoder and Hallo's audio projection, and Hallo's scheduler settings. Each network's weights are
/// spooled to disk as they are generated (see `RandomWeights`). Untrained weights draw noise, not faces.
@_spi(Development) public enum RandomTalkingCheckpoint {
    public enum Size: String, CaseIterable, Sendable {
        /// 4 UNet levels of 32-64 channels, 32-wide text and audio conditions: for tests (8x8 latents and up).
        case tiny = "talking-tiny"
        /// SD1.5's UNets with Hallo's `unet.yaml` modules, wav2vec2-base and Hallo's AudioProjModel (several GB).
        case sd15 = "talking-sd15"
    }

    public static func write(size: Size, seed: UInt64, to root: URL) throws {
        for component in TalkingHeadCheckpoint.components {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(component), withIntermediateDirectories: true)
        }
        let (referenceJSON, denoiserJSON, audioEncoderJSON, audioProjection) = configurations(size)
        let (_, vaeJSON, textJSON) = RandomCheckpoint.configurations(size == .tiny ? .tiny : .sd15)
        var index: [String: Any] = ["_class_name": TalkingHeadCheckpoint.pipelineClass, "_tbd_format": TalkingHeadCheckpoint.format]
        let classes = [("reference_unet", "diffusers", "UNet2DConditionModel"), ("denoising_unet", "hallo", "UNet3DConditionModel"),
                       ("audio_proj", "hallo", "AudioProjModel"), ("audio_encoder", "transformers", "Wav2Vec2Model"),
                       ("vae", "diffusers", "AutoencoderKL"), ("text_encoder", "transformers", "CLIPTextModel"),
                       ("tokenizer", "transformers", "CLIPTokenizer"), ("scheduler", "diffusers", "DDIMScheduler")]
        for (name, library, className) in classes { index[name] = [library, className] }
        try RandomCheckpoint.writeJSON(index, to: root.appendingPathComponent("model_index.json"))
        try RandomCheckpoint.writeJSON(schedulerJSON, to: root.appendingPathComponent("scheduler/scheduler_config.json"))

        func folder(_ name: String) -> URL { root.appendingPathComponent(name) }
        func decode<T: Decodable>(_ type: T.Type, _ json: [String: Any]) throws -> T {
            try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: json))
        }
        try RandomCheckpoint.writeJSON(referenceJSON, to: folder("reference_unet").appendingPathComponent("config.json"))
        try generate(seed: seed, into: folder("reference_unet")) {
            _ = try UNet2DConditionModel(configuration: decode(UNetConfiguration.self, referenceJSON), source: $0, outputHead: false)
        }
        try RandomCheckpoint.writeJSON(denoiserJSON, to: folder("denoising_unet").appendingPathComponent("config.json"))
        try generate(seed: seed &+ 3, into: folder("denoising_unet")) {
            _ = try VideoUNet(configuration: decode(VideoUNetConfiguration.self, denoiserJSON), source: $0)
        }
        try RandomCheckpoint.writeJSON(audioProjection.json, to: folder("audio_proj").appendingPathComponent("config.json"))
        try generate(seed: seed &+ 4, into: folder("audio_proj")) { weights in
            let reader = WeightReader(source: weights)
            let p = audioProjection
            _ = try LinearLayer(reader, "proj1", input: p.window * p.blocks * p.channels, output: p.intermediate)
            _ = try LinearLayer(reader, "proj2", input: p.intermediate, output: p.intermediate)
            _ = try LinearLayer(reader, "proj3", input: p.intermediate, output: p.tokens * p.output)
            _ = try LayerNormLayer(reader, "norm", width: p.output)
        }
        try RandomCheckpoint.writeJSON(audioEncoderJSON, to: folder("audio_encoder").appendingPathComponent("config.json"))
        try RandomCheckpoint.writeJSON(["do_normalize": true, "feature_size": 1, "padding_side": "right", "padding_value": 0.0,
                                        "return_attention_mask": false, "sampling_rate": 16000,
                                        "feature_extractor_type": "Wav2Vec2FeatureExtractor"],
                                       to: folder("audio_encoder").appendingPathComponent("preprocessor_config.json"))
        try generate(seed: seed &+ 5, into: folder("audio_encoder"), file: "model.safetensors") {
            _ = try Wav2Vec2Model(configuration: decode(Wav2Vec2Configuration.self, audioEncoderJSON), source: $0)
        }
        try RandomCheckpoint.writeVAE(vaeJSON, seed: seed &+ 1, to: folder("vae"))
        try RandomCheckpoint.writeTextEncoder(textJSON, seed: seed &+ 2, to: folder("text_encoder"))
        try RandomCheckpoint.writeTokenizer(to: folder("tokenizer"))
    }

    /// Builds a network on fresh random weights (which records them), then writes them; the network is dropped first.
    private static func generate(seed: UInt64, into directory: URL, file: String = "diffusion_pytorch_model.safetensors",
                                 _ build: (RandomWeights) throws -> Void) throws {
        // A motion module's position table is its sinusoids, not a learned tensor.
        let weights = RandomWeights(seed: seed) { name, shape in
            name.hasSuffix("pos_encoder.pe") && shape.count == 3 ? MotionModule.sinusoidalTable(length: shape[1], width: shape[2]).reshaped(shape) : nil
        }
        try build(weights)
        try weights.write(to: directory.appendingPathComponent(file))
    }

    /// Hallo's scheduler: DDIM, v-prediction, zero-SNR betas, trailing spacing, linear betas 0.00085-0.012.
    static let schedulerJSON: [String: Any] = [
        "_class_name": "DDIMScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "linear",
        "clip_sample": false, "num_train_timesteps": 1000, "prediction_type": "v_prediction", "rescale_betas_zero_snr": true,
        "set_alpha_to_one": true, "steps_offset": 1, "timestep_spacing": "trailing", "trained_betas": NSNull(),
    ]

    /// Hallo's `AudioProjModel` constructor arguments.
    struct AudioProjection {
        let window, blocks, channels, intermediate, tokens, output: Int
        var json: [String: Any] {
            ["seq_len": window, "blocks": blocks, "channels": channels, "intermediate_dim": intermediate,
             "context_tokens": tokens, "output_dim": output]
        }
    }

    static func configurations(_ size: Size) -> (reference: [String: Any], denoiser: [String: Any], audioEncoder: [String: Any],
                                                  audioProjection: AudioProjection) {
        var reference: [String: Any] = [
            "_class_name": "UNet2DConditionModel", "in_channels": 4, "out_channels": 4, "act_fn": "silu",
            "center_input_sample": false, "downsample_padding": 1, "flip_sin_to_cos": true, "freq_shift": 0,
            "mid_block_scale_factor": 1, "norm_eps": 1e-5, "mid_block_type": "UNetMidBlock2DCrossAttn",
            "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
            "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
        ]
        // Hallo's configs/unet/unet.yaml, at the top level of the denoiser's config.
        let modules: [String: Any] = [
            "use_inflated_groupnorm": true, "unet_use_cross_frame_attention": false, "unet_use_temporal_attention": false,
            "use_motion_module": true, "use_audio_module": true, "motion_module_resolutions": [1, 2, 4, 8],
            "motion_module_mid_block": true, "motion_module_decoder_only": false, "motion_module_type": "Vanilla",
            "motion_module_kwargs": ["num_attention_heads": 8, "num_transformer_block": 1,
                                     "attention_block_types": ["Temporal_Self", "Temporal_Self"],
                                     "temporal_position_encoding": true, "temporal_position_encoding_max_len": 32,
                                     "temporal_attention_dim_div": 1] as [String: Any],
            "stack_enable_blocks_name": ["up", "down", "mid"], "stack_enable_blocks_depth": [0, 1, 2, 3],
        ]
        var audioEncoder: [String: Any] = [
            "architectures": ["Wav2Vec2Model"], "model_type": "wav2vec2", "conv_bias": false, "feat_extract_norm": "group",
            "feat_extract_activation": "gelu", "hidden_act": "gelu", "layer_norm_eps": 1e-5, "do_stable_layer_norm": false,
            "conv_kernel": [10, 3, 3, 3, 3, 2, 2], "conv_stride": [5, 2, 2, 2, 2, 2, 2],
        ]
        let audioProjection: AudioProjection
        switch size {
        case .tiny:
            reference.merge(["block_out_channels": [32, 32, 64, 64], "layers_per_block": 1, "attention_head_dim": 2,
                             "cross_attention_dim": 32, "norm_num_groups": 8, "sample_size": 8]) { $1 }
            audioEncoder.merge(["conv_dim": Array(repeating: 32, count: 7), "hidden_size": 32, "num_hidden_layers": 2,
                                "num_attention_heads": 2, "intermediate_size": 64, "num_conv_pos_embeddings": 16,
                                "num_conv_pos_embedding_groups": 4]) { $1 }
            audioProjection = AudioProjection(window: 5, blocks: 2, channels: 32, intermediate: 64, tokens: 4, output: 32)
        case .sd15:
            reference.merge(["block_out_channels": [320, 640, 1280, 1280], "layers_per_block": 2, "attention_head_dim": 8,
                             "cross_attention_dim": 768, "norm_num_groups": 32, "sample_size": 64]) { $1 }
            audioEncoder.merge(["conv_dim": Array(repeating: 512, count: 7), "hidden_size": 768, "num_hidden_layers": 12,
                                "num_attention_heads": 12, "intermediate_size": 3072, "num_conv_pos_embeddings": 128,
                                "num_conv_pos_embedding_groups": 16]) { $1 }
            audioProjection = AudioProjection(window: 5, blocks: 12, channels: 768, intermediate: 512, tokens: 32, output: 768)
        }
        var denoiser = reference.merging(modules) { $1 }
        denoiser["_class_name"] = "UNet3DConditionModel"
        denoiser["audio_attention_dim"] = audioProjection.output
        return (reference, denoiser, audioEncoder, audioProjection)
    }
}
