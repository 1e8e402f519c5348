import Foundation
import Tensors

/// diffusers' `UNet2DConditionModel` for the Stable Diffusion 1.5 family, built from `unet/config.json` and
/// weights with diffusers' names (F32, F16 or BF16, each converted once to Float32).
@_spi(Development) public final class UNet2DConditionModel: @unchecked Sendable {
    struct DownBlock {
        let resnets: [ResnetBlock]
        let attentions: [SpatialTransformer]
        let downsampler: Conv2DLayer?
    }

    struct UpBlock {
        let resnets: [ResnetBlock]
        let attentions: [SpatialTransformer]
        let upsampler: Conv2DLayer?
    }

    struct MidBlock {
        let first: ResnetBlock
        let layers: [(SpatialTransformer, ResnetBlock)]
    }

    public let configuration: UNetConfiguration
    let time: TimestepEmbedding
    let convIn: Conv2DLayer
    let downBlocks: [DownBlock]
    let midBlock: MidBlock?
    let upBlocks: [UpBlock]
    /// Absent in a ReferenceNet: Hallo's reference UNet has no output head, its forward is never used.
    let normOut: GroupNormLayer?
    let convOut: Conv2DLayer?

    /// `precision` bf16 runs the linear layers (attention projections, feed-forwards, time embedding) on BF16
    /// weights; convolutions and attention itself stay Float32.
    public convenience init(configuration: UNetConfiguration, weights file: SafeTensorsFile, precision: WeightPrecision = .f32) throws {
        try self.init(configuration: configuration, source: file, precision: precision)
        try file.requireEveryTensorRead()
    }

    /// `outputHead` false builds the network without `conv_norm_out` and `conv_out` (Hallo's ReferenceNet).
    init(configuration: UNetConfiguration, source: WeightSource, outputHead: Bool = true, precision: WeightPrecision = .f32) throws {
        try configuration.validate()
        try ConfigurationLimits.checkParameters(needed: configuration.minimumParameterCount, available: source.parameterCount, in: "UNet")
        self.configuration = configuration
        let weights = WeightReader(source: source, precision: precision)
        let widths = configuration.blockOutChannels
        let groups = configuration.normNumGroups
        let epsilon = Float(configuration.normEps)
        let blockCount = widths.count
        time = try TimestepEmbedding(weights, channels: widths[0], flipSinToCos: configuration.flipSinToCos,
                                     frequencyShift: configuration.freqShift)
        let timeWidth = time.embeddingWidth
        convIn = try Conv2DLayer(weights, "conv_in", input: configuration.inChannels, output: widths[0], kernel: 3)
        func transformers(_ scope: WeightReader, count: Int, channels: Int, block: Int) throws -> [SpatialTransformer] {
            try (0..<count).map {
                try SpatialTransformer(scope.scope("attentions.\($0)"), channels: channels,
                                       contextWidth: configuration.crossAttentionDim[block],
                                       heads: configuration.attentionHeads[block],
                                       layers: configuration.transformerLayersPerBlock[block], groups: groups,
                                       linearProjection: configuration.useLinearProjection)
            }
        }

        var downBlocks = [DownBlock]()
        var channels = widths[0]
        for (index, type) in configuration.downBlockTypes.enumerated() {
            let scope = weights.scope("down_blocks.\(index)")
            let layers = configuration.layersPerBlock[index]
            let resnets = try (0..<layers).map {
                try ResnetBlock(scope.scope("resnets.\($0)"), inputChannels: $0 == 0 ? channels : widths[index],
                                outputChannels: widths[index], timeChannels: timeWidth, groups: groups, epsilon: epsilon)
            }
            let attentions = type == "CrossAttnDownBlock2D"
                ? try transformers(scope, count: layers, channels: widths[index], block: index) : []
            let downsampler = index < blockCount - 1
                ? try Conv2DLayer(scope, "downsamplers.0.conv", input: widths[index], output: widths[index], kernel: 3,
                                 stride: 2, padding: configuration.downsamplePadding) : nil
            downBlocks.append(DownBlock(resnets: resnets, attentions: attentions, downsampler: downsampler))
            channels = widths[index]
        }
        self.downBlocks = downBlocks

        if configuration.midBlockType != nil {
            let scope = weights.scope("mid_block")
            let last = blockCount - 1
            func resnet(_ index: Int) throws -> ResnetBlock {
                try ResnetBlock(scope.scope("resnets.\(index)"), inputChannels: widths[last], outputChannels: widths[last],
                                timeChannels: timeWidth, groups: groups, epsilon: epsilon)
            }
            let attentions = try transformers(scope, count: 1, channels: widths[last], block: last)
            midBlock = MidBlock(first: try resnet(0), layers: [(attentions[0], try resnet(1))])
        } else {
            midBlock = nil
        }

        var upBlocks = [UpBlock]()
        let reversedWidths = Array(widths.reversed())
        var previous = reversedWidths[0]
        for (index, type) in configuration.upBlockTypes.enumerated() {
            let scope = weights.scope("up_blocks.\(index)")
            let block = blockCount - 1 - index
            let output = reversedWidths[index]
            let input = reversedWidths[min(index + 1, blockCount - 1)]
            let layers = configuration.layersPerBlock[block] + 1
            let resnets = try (0..<layers).map { layer in
                let skip = layer == layers - 1 ? input : output
                let incoming = layer == 0 ? previous : output
                return try ResnetBlock(scope.scope("resnets.\(layer)"), inputChannels: incoming + skip, outputChannels: output,
                                       timeChannels: timeWidth, groups: groups, epsilon: epsilon)
            }
            let attentions = type == "CrossAttnUpBlock2D"
                ? try transformers(scope, count: layers, channels: output, block: block) : []
            let upsampler = index < blockCount - 1 ? try Conv2DLayer(scope, "upsamplers.0.conv", input: output, output: output, kernel: 3) : nil
            upBlocks.append(UpBlock(resnets: resnets, attentions: attentions, upsampler: upsampler))
            previous = output
        }
        self.upBlocks = upBlocks
        normOut = outputHead ? try GroupNormLayer(weights, "conv_norm_out", groups: groups, epsilon: epsilon, channels: widths[0]) : nil
        convOut = outputHead ? try Conv2DLayer(weights, "conv_out", input: widths[0], output: configuration.outChannels, kernel: 3) : nil
    }

    /// A folder with `config.json` and diffusers' weights file (a pipeline's `unet/`).
    public convenience init(directory: URL, precision: WeightPrecision = .f32) throws {
        let configuration = try UNetConfiguration.load(from: directory.appendingPathComponent("config.json"))
        try self.init(configuration: configuration, weights: SafeTensorsFile(contentsOf: DiffusersModelFolder.weightsFile(in: directory)),
                      precision: precision)
    }

    /// The predicted noise (or v) for `sample` [N, C, H, W] at `timesteps` (one per item, or one for all) under
    /// the text condition `context` [N, L, crossAttentionDim].
    public func callAsFunction(_ sample: Tensor, timesteps: [Float], context: Tensor) throws -> Tensor {
        guard normOut != nil, convOut != nil else { throw TensorError.unsupported("a UNet built without its output head (a ReferenceNet)") }
        guard sample.rank == 4, sample.shape[1] == configuration.inChannels else {
            throw TensorError.shapeMismatch("UNet input \(sample.shape) is not [N, \(configuration.inChannels), H, W]")
        }
        let batch = sample.shape[0]
        let factor = 1 << (configuration.blockOutChannels.count - 1)
        guard sample.shape[2] % factor == 0, sample.shape[3] % factor == 0 else {
            throw TensorError.shapeMismatch("UNet latent size \(sample.shape[2])x\(sample.shape[3]) is not a multiple of \(factor)")
        }
        guard context.rank == 3, context.shape[0] == batch else {
            throw TensorError.shapeMismatch("UNet condition \(context.shape) does not match a batch of \(batch)")
        }
        if let width = configuration.crossAttentionDim.first, configuration.crossAttentionDim.allSatisfy({ $0 == width }), context.shape[2] != width {
            throw TensorError.shapeMismatch("UNet condition width \(context.shape[2]) is not cross_attention_dim \(width)")
        }
        guard timesteps.count == 1 || timesteps.count == batch else {
            throw TensorError.shapeMismatch("\(timesteps.count) timesteps for a batch of \(batch)")
        }
        let embedding = time(timesteps.count == batch ? timesteps : Array(repeating: timesteps[0], count: batch))
        return forward(sample, embedding: embedding, context: context, record: nil)!
    }

    /// The transformer blocks in the order PyTorch's module tree lists them (down blocks, up blocks, then the
    /// middle block: diffusers registers `mid_block` after `up_blocks`), with their widths: the order Hallo's
    /// ReferenceNet pairs writers with readers in.
    var transformerSites: [ReferenceBank.Site] {
        var sites = [ReferenceBank.Site]()
        func add(_ prefix: String, _ attentions: [SpatialTransformer]) {
            for (index, attention) in attentions.enumerated() {
                for (layer, block) in attention.blocks.enumerated() {
                    sites.append(.init(path: "\(prefix).attentions.\(index).transformer_blocks.\(layer)", width: block.width))
                }
            }
        }
        for (index, block) in downBlocks.enumerated() { add("down_blocks.\(index)", block.attentions) }
        for (index, block) in upBlocks.enumerated() { add("up_blocks.\(index)", block.attentions) }
        if let midBlock { add("mid_block", midBlock.layers.map(\.0)) }
        return sites
    }

    /// Runs the network as Hallo's ReferenceNet writer: every transformer block's normalised self-attention input,
    /// by its site path. Stops after the last transformer block (the rest of the forward is not needed).
    func referenceWrites(_ sample: Tensor, timestep: Float, context: Tensor) -> [String: Tensor] {
        var writes = [String: Tensor]()
        let embedding = time(Array(repeating: timestep, count: sample.shape[0]))
        _ = forward(sample, embedding: embedding, context: context) { writes[$0] = $1 }
        return writes
    }

    /// The forward pass. With `record`, each transformer block's normalised self-attention input is handed over
    /// with its site path, and the pass ends (returning nil) after the last transformer block.
    private func forward(_ sample: Tensor, embedding: Tensor, context: Tensor, record: ((String, Tensor) -> Void)?) -> Tensor? {
        func attend(_ attention: SpatialTransformer, _ hidden: Tensor, _ site: String) -> Tensor {
            attention(hidden, context: context, record: record.map { record in { record("\(site).transformer_blocks.\($0)", $1) } })
        }
        let lastAttentionUpBlock = upBlocks.lastIndex { !$0.attentions.isEmpty }
        var hidden = convIn(sample)
        var skips = [hidden]
        for (blockIndex, block) in downBlocks.enumerated() {
            for (index, resnet) in block.resnets.enumerated() {
                hidden = resnet(hidden, timeEmbedding: embedding)
                if !block.attentions.isEmpty { hidden = attend(block.attentions[index], hidden, "down_blocks.\(blockIndex).attentions.\(index)") }
                skips.append(hidden)
            }
            if let downsampler = block.downsampler {
                hidden = downsampler(hidden)
                skips.append(hidden)
            }
        }
        if let midBlock {
            hidden = midBlock.first(hidden, timeEmbedding: embedding)
            for (index, (attention, resnet)) in midBlock.layers.enumerated() {
                hidden = resnet(attend(attention, hidden, "mid_block.attentions.\(index)"), timeEmbedding: embedding)
            }
        }
        if record != nil, lastAttentionUpBlock == nil { return nil }
        for (blockIndex, block) in upBlocks.enumerated() {
            for (index, resnet) in block.resnets.enumerated() {
                hidden = resnet(Tensor.concatenateChannels(hidden, skips.removeLast()), timeEmbedding: embedding)
                if !block.attentions.isEmpty { hidden = attend(block.attentions[index], hidden, "up_blocks.\(blockIndex).attentions.\(index)") }
            }
            if record != nil, blockIndex == lastAttentionUpBlock { return nil }
            if let upsampler = block.upsampler { hidden = upsampler(hidden.upsampleNearest(factor: 2)) }
        }
        return convOut!(normOut!(hidden).silu())
    }
}
