import Foundation
import Tensors

/// Hallo's `UNet3DConditionModel` on video latents [B, 4, F, h, w], run as Hallo's inference runs it (training
/// mode with gradient checkpointing, FACTS section 10). Frames are folded into the batch ([B*F, C, h, w]) for
/// the per-frame layers: ResNet blocks (inflated convolutions and group norms), spatial transformers, audio
/// modules. Each cross-attention layer runs, in Hallo's order, ResNet -> spatial transformer (self-attention
/// as reference attention on the ReferenceNet's bank, text cross-attention) -> audio module -> motion module.
/// The motion module sees the bank's motion frames before the F frames (2 + F) and drops them after. In that
/// branch Hallo's plain down and up blocks (no attention) run their ResNets only: their motion modules are
/// loaded (Hallo's state dict holds them) but never run.
@_spi(Development) public final class VideoUNet: @unchecked Sendable {
    /// One cross-attention layer's modules after its ResNet block.
    struct AttentionStage {
        let site: String
        let attention: SpatialTransformer
        let audio: AudioModule?
        let motion: MotionModule?
    }

    struct Block {
        let resnets: [ResnetBlock]
        let stages: [AttentionStage]
        let resample: Conv2DLayer?
    }

    public let configuration: VideoUNetConfiguration
    let time: TimestepEmbedding
    let convIn: Conv2DLayer
    let downBlocks: [Block]
    /// `resnets` [first, after stage 0, ...].
    let midBlock: Block
    let upBlocks: [Block]
    let normOut: GroupNormLayer
    let convOut: Conv2DLayer
    /// Reader site path -> index of its bank entry (Hallo's pairing order).
    let bankIndex: [String: Int]
    let bankWidths: [Int]

    init(configuration: VideoUNetConfiguration, source: WeightSource, precision: WeightPrecision = .f32) throws {
        try configuration.validate()
        let sd = configuration.unet
        try ConfigurationLimits.checkParameters(needed: sd.minimumParameterCount, available: source.parameterCount, in: "denoising UNet")
        self.configuration = configuration
        let weights = WeightReader(source: source, precision: precision)
        let widths = sd.blockOutChannels, heads = sd.attentionHeads
        let (groups, epsilon, count) = (sd.normNumGroups, Float(sd.normEps), widths.count)
        time = try TimestepEmbedding(weights, channels: widths[0], flipSinToCos: sd.flipSinToCos, frequencyShift: sd.freqShift)
        let timeWidth = time.embeddingWidth
        convIn = try Conv2DLayer(weights, "conv_in", input: sd.inChannels, output: widths[0], kernel: 3)

        func resnet(_ scope: WeightReader, _ index: Int, _ input: Int, _ output: Int) throws -> ResnetBlock {
            try ResnetBlock(scope.scope("resnets.\(index)"), inputChannels: input, outputChannels: output, timeChannels: timeWidth,
                            groups: groups, epsilon: epsilon)
        }
        /// Hallo's motion module at `index`, or nil; in a block without attention it is checked and dropped.
        func motion(_ scope: WeightReader, _ index: Int, channels: Int, wanted: Bool, runs: Bool) throws -> MotionModule? {
            guard configuration.useMotionModule, wanted else { return nil }
            let module = try MotionModule(scope.scope("motion_modules.\(index)"), channels: channels, settings: configuration.motionModule)
            return runs ? module : nil
        }
        func stage(_ scope: WeightReader, _ site: String, _ index: Int, channels: Int, audioInput: Int, block: Int,
                   name: String, depth: Int, motionWanted: Bool) throws -> AttentionStage {
            let attention = try SpatialTransformer(scope.scope("attentions.\(index)"), channels: channels, contextWidth: sd.crossAttentionDim[block],
                                                   heads: heads[block], layers: 1, groups: groups, linearProjection: sd.useLinearProjection)
            let audio = configuration.useAudioModule
                ? try AudioModule(scope.scope("audio_modules.\(index)"), channels: channels, innerWidth: heads[block] * (audioInput / heads[block]),
                                  heads: heads[block], audioWidth: configuration.audioAttentionDim, groups: groups,
                                  linearProjection: sd.useLinearProjection, masked: configuration.masksAudio(block: name, depth: depth), level: depth)
                : nil
            return AttentionStage(site: "\(site).attentions.\(index)", attention: attention, audio: audio,
                                  motion: try motion(scope, index, channels: channels, wanted: motionWanted, runs: true))
        }

        var downBlocks = [Block]()
        var channels = widths[0]
        for (index, type) in sd.downBlockTypes.enumerated() {
            let site = "down_blocks.\(index)"
            let scope = weights.scope(site)
            let crossAttention = type == "CrossAttnDownBlock2D"
            let motionWanted = configuration.motionModuleResolutions.contains(1 << index) && !configuration.motionModuleDecoderOnly
            var resnets = [ResnetBlock](), stages = [AttentionStage]()
            for layer in 0..<sd.layersPerBlock[index] {
                let input = layer == 0 ? channels : widths[index]
                resnets.append(try resnet(scope, layer, input, widths[index]))
                if crossAttention {
                    stages.append(try stage(scope, site, layer, channels: widths[index], audioInput: input, block: index,
                                            name: "down", depth: index, motionWanted: motionWanted))
                } else {
                    _ = try motion(scope, layer, channels: widths[index], wanted: motionWanted, runs: false)
                }
            }
            let downsampler = index < count - 1
                ? try Conv2DLayer(scope, "downsamplers.0.conv", input: widths[index], output: widths[index], kernel: 3,
                                 stride: 2, padding: sd.downsamplePadding) : nil
            downBlocks.append(Block(resnets: resnets, stages: stages, resample: downsampler))
            channels = widths[index]
        }
        self.downBlocks = downBlocks

        let last = widths[count - 1]
        let midScope = weights.scope("mid_block")
        midBlock = Block(resnets: [try resnet(midScope, 0, last, last), try resnet(midScope, 1, last, last)],
                         stages: [try stage(midScope, "mid_block", 0, channels: last, audioInput: last, block: count - 1,
                                            name: "mid", depth: 3, motionWanted: configuration.motionModuleMidBlock)],
                         resample: nil)

        var upBlocks = [Block]()
        let reversedWidths = Array(widths.reversed())
        var previous = reversedWidths[0]
        for (index, type) in sd.upBlockTypes.enumerated() {
            let site = "up_blocks.\(index)"
            let scope = weights.scope(site)
            let block = count - 1 - index
            let (output, input) = (reversedWidths[index], reversedWidths[min(index + 1, count - 1)])
            let layers = sd.layersPerBlock[block] + 1
            let crossAttention = type == "CrossAttnUpBlock2D"
            let motionWanted = configuration.motionModuleResolutions.contains(1 << (3 - index))
            var resnets = [ResnetBlock](), stages = [AttentionStage]()
            for layer in 0..<layers {
                let skip = layer == layers - 1 ? input : output
                resnets.append(try resnet(scope, layer, (layer == 0 ? previous : output) + skip, output))
                if crossAttention {
                    stages.append(try stage(scope, site, layer, channels: output, audioInput: input, block: block,
                                            name: "up", depth: 3 - index, motionWanted: motionWanted))
                } else {
                    _ = try motion(scope, layer, channels: output, wanted: motionWanted, runs: false)
                }
            }
            let upsampler = index < count - 1 ? try Conv2DLayer(scope, "upsamplers.0.conv", input: output, output: output, kernel: 3) : nil
            upBlocks.append(Block(resnets: resnets, stages: stages, resample: upsampler))
            previous = output
        }
        self.upBlocks = upBlocks
        normOut = try GroupNormLayer(weights, "conv_norm_out", groups: groups, epsilon: epsilon, channels: widths[0])
        convOut = try Conv2DLayer(weights, "conv_out", input: widths[0], output: sd.outChannels, kernel: 3)

        // Readers in module-tree order (down, up, then mid, as PyTorch registers them), paired by Hallo's sort.
        let stages = downBlocks.flatMap(\.stages) + upBlocks.flatMap(\.stages) + midBlock.stages
        let sites = stages.map { ReferenceBank.Site(path: "\($0.site).transformer_blocks.0", width: $0.attention.blocks[0].width) }
        let order = ReferenceBank.pairingOrder(sites)
        bankIndex = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1.path, $0) })
        bankWidths = order.map(\.width)
    }

    /// A `denoising_unet/` folder: `config.json` and Hallo's state dict as `diffusion_pytorch_model.safetensors`.
    /// `precision` bf16: linear layers and 3x3 convolutions on BF16 weights (see `WeightPrecision`).
    public convenience init(directory: URL, precision: WeightPrecision = .f32) throws {
        let configuration = try VideoUNetConfiguration.load(from: directory.appendingPathComponent("config.json"))
        let weights = try SafeTensorsFile(contentsOf: DiffusersModelFolder.weightsFile(in: directory))
        try self.init(configuration: configuration, source: weights, precision: precision)
        // Motion or audio modules the config leaves out would otherwise load silently and never run.
        try weights.requireEveryTensorRead()
    }

    /// How many bank entries a ReferenceNet must provide.
    public var readerCount: Int { bankIndex.count }

    /// The inputs of one forward pass, per item of the folded batch.
    private struct Pass {
        let batch: Int
        let frames: Int
        let text: Tensor
        let audio: Tensor
        let reference: ReferenceBank?
        let referenceRows: [Bool]
        let masks: [[Tensor]]
    }

    /// The prediction (v or noise) for `sample` [B, 4, F, h, w] at `timestep`. `text` [B, L, D]; `audio`
    /// [B, F, N, Da] (nil: zeros); `reference`'s reference tokens are read by the rows where `referenceRows[b]`
    /// is true, the others run plain self-attention (Hallo's unconditional half), while its motion frames precede
    /// every row's frames in the motion modules; `masks` at the latent resolution (nil: all ones).
    public func callAsFunction(_ sample: Tensor, timestep: Float, text: Tensor, audio: Tensor?,
                               reference: ReferenceBank?, referenceRows: [Bool], masks: AudioMasks?) throws -> Tensor {
        let sd = configuration.unet
        guard sample.rank == 5, sample.shape[1] == sd.inChannels else {
            throw TensorError.shapeMismatch("denoiser input \(sample.shape) is not [B, \(sd.inChannels), F, h, w]")
        }
        let (batch, frames, height, width) = (sample.shape[0], sample.shape[2], sample.shape[3], sample.shape[4])
        let factor = 1 << (sd.blockOutChannels.count - 1)
        guard batch > 0, frames > 0, height % factor == 0, width % factor == 0, height > 0, width > 0 else {
            throw TensorError.shapeMismatch("denoiser latents \(sample.shape): need frames and a size that is a multiple of \(factor)")
        }
        guard text.rank == 3, text.shape[0] == batch, sd.crossAttentionDim.allSatisfy({ $0 == text.shape[2] }) else {
            throw TensorError.shapeMismatch("text condition \(text.shape) is not [\(batch), L, \(sd.crossAttentionDim[0])]")
        }
        guard referenceRows.count == batch else {
            throw TensorError.shapeMismatch("\(referenceRows.count) reference flags for a batch of \(batch)")
        }
        var audioTokens = Tensor(zeros: [batch * frames, 1, configuration.audioAttentionDim])
        if let audio {
            guard audio.rank == 4, audio.shape[0] == batch, audio.shape[1] == frames, audio.shape[3] == configuration.audioAttentionDim else {
                throw TensorError.shapeMismatch("audio tokens \(audio.shape) are not [\(batch), \(frames), N, \(configuration.audioAttentionDim)]")
            }
            audioTokens = audio.reshaped([batch * frames, audio.shape[2], audio.shape[3]])
        }
        if let reference { try check(reference, height: height, width: width) }
        let masks = masks ?? AudioMasks.ones(height: height, width: width)
        try masks.check(height: height, width: width, levels: 4)
        let pass = Pass(batch: batch, frames: frames, text: text.repeatingItems(frames), audio: audioTokens,
                        reference: reference, referenceRows: referenceRows, masks: (0...3).map { masks.pooled(level: $0) })

        let embedding = time(Array(repeating: timestep, count: batch * frames))
        let folded = sample.swappingMiddleAxes(outer: batch, first: sd.inChannels, second: frames, inner: height * width)
            .reshaped([batch * frames, sd.inChannels, height, width])
        var hidden = convIn(folded)
        var skips = [hidden]
        for block in downBlocks {
            for (index, resnet) in block.resnets.enumerated() {
                hidden = resnet(hidden, timeEmbedding: embedding)
                if index < block.stages.count { hidden = try run(block.stages[index], hidden, pass) }
                skips.append(hidden)
            }
            if let downsampler = block.resample {
                hidden = downsampler(hidden)
                skips.append(hidden)
            }
        }
        hidden = midBlock.resnets[0](hidden, timeEmbedding: embedding)
        hidden = midBlock.resnets[1](try run(midBlock.stages[0], hidden, pass), timeEmbedding: embedding)
        for block in upBlocks {
            for (index, resnet) in block.resnets.enumerated() {
                hidden = resnet(Tensor.concatenateChannels(hidden, skips.removeLast()), timeEmbedding: embedding)
                if index < block.stages.count { hidden = try run(block.stages[index], hidden, pass) }
            }
            if let upsampler = block.resample { hidden = upsampler(hidden.upsampleNearest(factor: 2)) }
        }
        let output = convOut(normOut(hidden).silu())
        return output.swappingMiddleAxes(outer: batch, first: frames, second: sd.outChannels, inner: height * width)
            .reshaped([batch, sd.outChannels, frames, height, width])
    }

    private func check(_ bank: ReferenceBank, height: Int, width: Int) throws {
        guard bank.count == bankIndex.count else {
            throw TensorError.shapeMismatch("the reference bank has \(bank.count) entries; this denoiser reads \(bankIndex.count)")
        }
        for (index, entry) in bank.entries.enumerated() where entry.rank != 3 || entry.shape[2] != bankWidths[index] || entry.shape[0] != bank.entries[0].shape[0] {
            throw TensorError.shapeMismatch("reference bank entry \(index) \(entry.shape) does not fit a reader of width \(bankWidths[index])")
        }
    }

    /// Spatial transformer, audio module and motion module of one layer, on [B*F, C, h, w].
    private func run(_ stage: AttentionStage, _ input: Tensor, _ pass: Pass) throws -> Tensor {
        let (height, width) = (input.shape[2], input.shape[3])
        let frames = pass.frames
        let items = pass.referenceRows.flatMap { Array(repeating: $0, count: frames) }
        let entry = pass.reference.flatMap { bank in bankIndex["\(stage.site).transformer_blocks.0"].map { bank.entries[$0] } }
        var hidden = stage.attention(input, context: pass.text, reference: { _ in
            entry.flatMap { entry in items.contains(true) ? ReferenceKeys(tokens: entry.batchItems(0..<1), items: items) : nil }
        })
        if let audio = stage.audio {
            hidden = audio(hidden, audio: pass.audio, masks: pass.masks[min(audio.level, 3)])
        }
        guard let motion = stage.motion else { return hidden }
        // The bank's motion frames, as images, before the frames of every row (the unconditional one too, as
        // the window fixture's README settles), dropped after the module.
        guard let entry, entry.shape[0] > 1 else { return try motion(hidden, frames: frames) }
        guard entry.shape[1] == height * width else {
            throw TensorError.shapeMismatch("reference bank tokens \(entry.shape) do not fit a \(height)x\(width) level")
        }
        let prefix = entry.batchItems(1..<entry.shape[0]).channelsFirstImage(height: height, width: width)
        let extra = prefix.shape[0]
        let sequences = (0..<pass.batch).flatMap { [prefix, hidden.batchItems($0 * frames..<($0 + 1) * frames)] }
        let moved = try motion(Tensor.concatenateBatch(sequences), frames: frames + extra)
        return Tensor.concatenateBatch((0..<pass.batch).map {
            let start = $0 * (frames + extra) + extra
            return moved.batchItems(start..<start + frames)
        })
    }
}
