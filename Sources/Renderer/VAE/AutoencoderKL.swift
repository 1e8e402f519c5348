import Foundation
import Tensors

/// diffusers' `AutoencoderKL`: the encoder maps RGB images in [-1, 1] to the latent distribution's mean, the
/// decoder maps latents back to RGB in about [-1, 1]. `encode`/`decode` apply the configured scaling factor
/// (and shift, when a config has one) as diffusers' pipelines do.
@_spi(Development) public final class AutoencoderKL: @unchecked Sendable {
    struct EncoderBlock {
        let resnets: [ResnetBlock]
        let downsampler: Conv2DLayer?
    }

    struct DecoderBlock {
        let resnets: [ResnetBlock]
        let upsampler: Conv2DLayer?
    }

    public let configuration: AutoencoderKLConfiguration
    let encoderIn: Conv2DLayer
    let encoderBlocks: [EncoderBlock]
    let encoderMid: VAEMidBlock
    let encoderNorm: GroupNormLayer
    let encoderOut: Conv2DLayer
    let quantConv: Conv2DLayer?
    let postQuantConv: Conv2DLayer?
    let decoderIn: Conv2DLayer
    let decoderMid: VAEMidBlock
    let decoderBlocks: [DecoderBlock]
    let decoderNorm: GroupNormLayer
    let decoderOut: Conv2DLayer

    public convenience init(configuration: AutoencoderKLConfiguration, weights file: SafeTensorsFile) throws {
        try self.init(configuration: configuration, source: file)
        try file.requireEveryTensorRead()
    }

    init(configuration: AutoencoderKLConfiguration, source: WeightSource) throws {
        try configuration.validate()
        try ConfigurationLimits.checkParameters(needed: configuration.minimumParameterCount, available: source.parameterCount, in: "VAE")
        self.configuration = configuration
        let weights = WeightReader(source: source)
        let widths = configuration.blockOutChannels
        let groups = configuration.normNumGroups
        let layers = configuration.layersPerBlock
        let latent = configuration.latentChannels
        guard !widths.isEmpty, layers > 0 else { throw ModelLoadingError.invalidConfiguration("VAE config has no blocks") }
        func resnet(_ scope: WeightReader, _ input: Int, _ output: Int) throws -> ResnetBlock {
            try ResnetBlock(scope, inputChannels: input, outputChannels: output, timeChannels: nil, groups: groups, epsilon: 1e-6)
        }

        let encoder = weights.scope("encoder")
        encoderIn = try Conv2DLayer(encoder, "conv_in", input: configuration.inChannels, output: widths[0], kernel: 3)
        var channels = widths[0]
        encoderBlocks = try widths.enumerated().map { index, output in
            let scope = encoder.scope("down_blocks.\(index)")
            let resnets = try (0..<layers).map { try resnet(scope.scope("resnets.\($0)"), $0 == 0 ? channels : output, output) }
            channels = output
            // diffusers pads one zero row and column at the bottom right, then convolves with stride 2, no padding.
            let downsampler = index < widths.count - 1 ? try Conv2DLayer(scope, "downsamplers.0.conv", input: output, output: output, kernel: 3, stride: 2, padding: 0) : nil
            return EncoderBlock(resnets: resnets, downsampler: downsampler)
        }
        let deepest = widths[widths.count - 1]
        encoderMid = try VAEMidBlock(encoder.scope("mid_block"), channels: deepest, groups: groups)
        encoderNorm = try GroupNormLayer(encoder, "conv_norm_out", groups: groups, epsilon: 1e-6, channels: deepest)
        encoderOut = try Conv2DLayer(encoder, "conv_out", input: deepest, output: 2 * latent, kernel: 3)
        quantConv = configuration.useQuantConv ? try Conv2DLayer(weights, "quant_conv", input: 2 * latent, output: 2 * latent, kernel: 1) : nil
        postQuantConv = configuration.usePostQuantConv ? try Conv2DLayer(weights, "post_quant_conv", input: latent, output: latent, kernel: 1) : nil

        let decoder = weights.scope("decoder")
        decoderIn = try Conv2DLayer(decoder, "conv_in", input: latent, output: deepest, kernel: 3)
        decoderMid = try VAEMidBlock(decoder.scope("mid_block"), channels: deepest, groups: groups)
        channels = deepest
        decoderBlocks = try widths.reversed().enumerated().map { index, output in
            let scope = decoder.scope("up_blocks.\(index)")
            let resnets = try (0..<(layers + 1)).map { try resnet(scope.scope("resnets.\($0)"), $0 == 0 ? channels : output, output) }
            channels = output
            let upsampler = index < widths.count - 1 ? try Conv2DLayer(scope, "upsamplers.0.conv", input: output, output: output, kernel: 3) : nil
            return DecoderBlock(resnets: resnets, upsampler: upsampler)
        }
        decoderNorm = try GroupNormLayer(decoder, "conv_norm_out", groups: groups, epsilon: 1e-6, channels: widths[0])
        decoderOut = try Conv2DLayer(decoder, "conv_out", input: widths[0], output: configuration.outChannels, kernel: 3)
    }

    /// A folder with `config.json` and diffusers' weights file (a pipeline's `vae/`).
    public convenience init(directory: URL) throws {
        let configuration = try AutoencoderKLConfiguration.load(from: directory.appendingPathComponent("config.json"))
        try self.init(configuration: configuration, weights: SafeTensorsFile(contentsOf: DiffusersModelFolder.weightsFile(in: directory)))
    }

    /// The mean of the latent distribution for images [N, 3, H, W] in [-1, 1] (unscaled: diffusers'
    /// `encode(x).latent_dist.mean`). H and W must be multiples of 2^(blocks - 1).
    public func latentMean(_ images: Tensor) throws -> Tensor {
        let factor = 1 << (configuration.blockOutChannels.count - 1)
        guard images.rank == 4, images.shape[1] == configuration.inChannels,
              images.shape[2] % factor == 0, images.shape[3] % factor == 0 else {
            throw TensorError.shapeMismatch("VAE input \(images.shape) is not [N, \(configuration.inChannels), H, W] with H, W multiples of \(factor)")
        }
        var hidden = encoderIn(images)
        for block in encoderBlocks {
            for resnet in block.resnets { hidden = resnet(hidden, timeEmbedding: nil) }
            if let downsampler = block.downsampler { hidden = downsampler(hidden.paddedBottomRight()) }
        }
        hidden = encoderOut(encoderNorm(encoderMid(hidden)).silu())
        if let quantConv { hidden = quantConv(hidden) }
        // Moments are [mean, log variance] along the channels; the mean is the first half.
        let latent = configuration.latentChannels
        let (batch, plane) = (hidden.shape[0], hidden.shape[2] * hidden.shape[3])
        var mean = [Float]()
        mean.reserveCapacity(batch * latent * plane)
        for item in 0..<batch {
            let start = item * 2 * latent * plane
            mean += hidden.scalars[start..<(start + latent * plane)]
        }
        return Tensor(shape: [batch, latent, hidden.shape[2], hidden.shape[3]], scalars: mean)
    }

    /// Pixels [N, 3, H * 2^(blocks-1), ...] from raw (unscaled) latents [N, latentChannels, H, W].
    public func decodeRaw(_ latents: Tensor) throws -> Tensor {
        guard latents.rank == 4, latents.shape[1] == configuration.latentChannels else {
            throw TensorError.shapeMismatch("VAE latents \(latents.shape) are not [N, \(configuration.latentChannels), H, W]")
        }
        var hidden = postQuantConv?(latents) ?? latents
        hidden = decoderMid(decoderIn(hidden))
        for block in decoderBlocks {
            for resnet in block.resnets { hidden = resnet(hidden, timeEmbedding: nil) }
            if let upsampler = block.upsampler { hidden = upsampler(hidden.upsampleNearest(factor: 2)) }
        }
        return decoderOut(decoderNorm(hidden).silu())
    }

    /// The UNet's latents for images in [-1, 1]: (mean - shift) * scaling factor.
    public func encode(_ images: Tensor) throws -> Tensor {
        let shift = Float(configuration.shiftFactor ?? 0), scale = Float(configuration.scalingFactor)
        return try latentMean(images).map { ($0 - shift) * scale }
    }

    /// Pixels in about [-1, 1] from the UNet's latents: latents / scaling factor + shift, decoded.
    public func decode(_ latents: Tensor) throws -> Tensor {
        let shift = Float(configuration.shiftFactor ?? 0), scale = Float(configuration.scalingFactor)
        return try decodeRaw(latents.map { $0 / scale + shift })
    }
}
