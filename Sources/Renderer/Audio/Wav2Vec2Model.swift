import Foundation
import FileAccess
import Tensors

/// wav2vec 2.0 (transformers' `Wav2Vec2Model`) with Hallo's frame alignment: the waveform is normalised, the
/// convolutional features are interpolated to one step per video frame *before* the feature projection, and
/// every transformer layer's output is kept, giving [frames, L, D] audio features (12 x 768 for
/// `facebook/wav2vec2-base-960h`).
///
/// The transformer attends over the whole utterance, so its result for a frame depends on all of the audio:
/// exact features need the utterance in one piece. Its memory grows with the frame count (the attention scores
/// are computed in blocks, never as a full matrix); the convolutional encoder runs in bounded blocks.
@_spi(Development) public final class Wav2Vec2Model: @unchecked Sendable {
    public let configuration: Wav2Vec2Configuration
    public let preprocessor: Wav2Vec2Preprocessor
    /// Internal and mutable so tests can shrink its blocks and check that blocking changes nothing.
    var featureEncoder: Wav2Vec2FeatureEncoder
    private let projectionNorm: LayerNormLayer
    private let projection: (weight: PackedLinearWeight, bias: Tensor)
    private let positionalConvolution: Wav2Vec2PositionalConvolution
    private let encoderNorm: LayerNormLayer
    private let layers: [Wav2Vec2EncoderLayer]

    /// Loads weights named as transformers saves a `Wav2Vec2Model`, or under the `wav2vec2.` prefix of a
    /// `Wav2Vec2ForCTC` checkpoint (whose head is ignored).
    public convenience init(configuration: Wav2Vec2Configuration, preprocessor: Wav2Vec2Preprocessor = Wav2Vec2Preprocessor(),
                            weights: SafeTensorsFile) throws {
        try self.init(configuration: configuration, preprocessor: preprocessor, source: weights)
        let prefix = Self.weightPrefix(weights)
        // A CTC checkpoint's head (`lm_head`) lies outside the encoder, and `masked_spec_embed` is the vector
        // SpecAugment masks with in training: inference reads neither.
        try weights.requireEveryTensorRead(ignoring: { !$0.hasPrefix(prefix) || $0 == prefix + "masked_spec_embed" })
    }

    init(configuration: Wav2Vec2Configuration, preprocessor: Wav2Vec2Preprocessor = Wav2Vec2Preprocessor(),
         source weights: WeightSource) throws {
        try configuration.validate()
        try preprocessor.validate()
        self.configuration = configuration
        self.preprocessor = preprocessor
        let prefix = Self.weightPrefix(weights)
        let root = WeightReader(source: weights, prefix: prefix)
        let hidden = configuration.hiddenSize
        let features = configuration.convDim.last!
        let epsilon = Float(configuration.layerNormEps)
        featureEncoder = try Wav2Vec2FeatureEncoder(root.scope("feature_extractor"), configuration: configuration)
        projectionNorm = try LayerNormLayer(root.scope("feature_projection"), "layer_norm", width: features, epsilon: epsilon)
        projection = (PackedLinearWeight(try root("feature_projection.projection.weight", shape: [hidden, features])),
                      try root("feature_projection.projection.bias", shape: [hidden]))
        positionalConvolution = try Wav2Vec2PositionalConvolution(
            root.scope("encoder.pos_conv_embed"), source: weights, configuration: configuration)
        encoderNorm = try LayerNormLayer(root.scope("encoder"), "layer_norm", width: hidden, epsilon: epsilon)
        layers = try (0..<configuration.numHiddenLayers).map {
            try Wav2Vec2EncoderLayer(root.scope("encoder.layers.\($0)"), configuration: configuration)
        }
    }

    /// "wav2vec2." for a `Wav2Vec2ForCTC` checkpoint, whose encoder lies under that prefix; "" otherwise.
    private static func weightPrefix(_ weights: WeightSource) -> String {
        weights.contains("wav2vec2.feature_projection.projection.weight") ? "wav2vec2." : ""
    }

    /// A transformers folder: `config.json`, `model.safetensors` and `preprocessor_config.json` (when absent,
    /// transformers' defaults: 16 kHz, normalised).
    public convenience init(directory: URL) throws {
        let configuration: Wav2Vec2Configuration = try Self.decode(directory.appendingPathComponent("config.json"), required: true)
            ?? Wav2Vec2Configuration()
        let preprocessor: Wav2Vec2Preprocessor = try Self.decode(
            directory.appendingPathComponent("preprocessor_config.json"), required: false) ?? Wav2Vec2Preprocessor()
        let weightsURL = try DiffusersModelFolder.weightsFile(in: directory)
        try self.init(configuration: configuration, preprocessor: preprocessor, weights: SafeTensorsFile(contentsOf: weightsURL))
    }

    private static func decode<T: Decodable>(_ url: URL, required: Bool) throws -> T? {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            if required { throw ModelLoadingError.missingFile(url.path) }
            return nil
        }
        do {
            return try LocatingJSONDecoder.decode(T.self, from: data)
        } catch {
            throw ModelLoadingError.invalidConfiguration(FileErrorText.describe(error, path: url.path))
        }
    }

    /// The number of samples the shortest accepted input has: one convolutional frame's worth.
    public var minimumSamples: Int { featureEncoder.receptiveField }

    /// The convolutional features [T', C] of an already normalised waveform (transformers' `feature_extractor`
    /// output, transposed to time-major).
    public func convolutionalFeatures(_ inputValues: [Float]) throws -> Tensor {
        guard inputValues.count >= minimumSamples else {
            throw AudioEncodingError.tooShort(samples: inputValues.count, minimum: minimumSamples)
        }
        return featureEncoder(inputValues)
    }

    /// Projection, positional convolution and transformer on [T, C] features; returns every layer's output
    /// [T, D] (transformers' `hidden_states[1:]`; with stable layer norm the last one is after the final norm).
    public func encode(_ features: Tensor) -> [Tensor] {
        let length = features.shape[0]
        var hidden = projectionNorm(features).linear(projection.weight, bias: projection.bias)
        hidden += positionalConvolution(hidden)
        if !configuration.doStableLayerNorm { hidden = encoderNorm(hidden) }
        var state = hidden.reshaped([1, length, configuration.hiddenSize])
        var outputs: [Tensor] = []
        for (index, layer) in layers.enumerated() {
            state = layer(state)
            let isLast = index == layers.count - 1
            let output = isLast && configuration.doStableLayerNorm ? encoderNorm(state) : state
            outputs.append(output.reshaped([length, configuration.hiddenSize]))
        }
        return outputs
    }

    /// Hallo's audio features for mono samples at the preprocessor's rate: [frames, L, D] with
    /// frames = ceil(samples / rate * fps). With `paddingWindow` > 0 the frame count is rounded up to a multiple
    /// of it, and the normalised speech gets the missing frames' worth of silence (sampleRate // fps samples each)
    /// appended first, as Hallo's `AudioProcessor.preprocess(wav, clip_length)` pads a clip to whole windows.
    public func audioFeatures(samples: [Float], sampleRate: Int, fps: Double, paddingWindow: Int = 0) throws -> Tensor {
        guard sampleRate == preprocessor.samplingRate else {
            throw AudioEncodingError.sampleRate(found: sampleRate, expected: preprocessor.samplingRate)
        }
        guard AudioFrameAlignment.fpsRange.contains(fps) else { throw AudioEncodingError.fps(fps) }
        var frames = AudioFrameAlignment.frameCount(samples: samples.count, sampleRate: sampleRate, fps: fps)
        var input = preprocessor.normalized(samples)
        if paddingWindow > 0, frames % paddingWindow != 0 {
            let missing = paddingWindow - frames % paddingWindow
            input += [Float](repeating: 0, count: missing * (sampleRate / max(1, Int(fps.rounded()))))
            frames += missing
        }
        let features = try convolutionalFeatures(input)
        let states = encode(features.interpolatedRows(to: frames))
        let stacked = Self.stack(states)
        guard stacked.isFinite else { throw RenderError.nonFinite("the audio encoder's features") }
        return stacked
    }

    /// [T, D] per layer to [T, L, D].
    static func stack(_ states: [Tensor]) -> Tensor {
        let length = states[0].shape[0], width = states[0].shape[1]
        var result = [Float](repeating: 0, count: length * states.count * width)
        result.withUnsafeMutableBufferPointer { target in
            for (layer, state) in states.enumerated() {
                state.scalars.withUnsafeBufferPointer { source in
                    for row in 0..<length {
                        (target.baseAddress! + (row * states.count + layer) * width).update(from: source.baseAddress! + row * width, count: width)
                    }
                }
            }
        }
        return Tensor(shape: [length, states.count, width], scalars: result)
    }
}
