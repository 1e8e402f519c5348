import Foundation
import MediaIO
import XCTest
@_spi(Development) @testable import Renderer
import Tensors
import TensorTesting

/// wav2vec 2.0 with Hallo's alignment, and Hallo's AudioProjModel, against Hallo's own modules run by
/// scripts/make-audio-fixtures.py on tiny random-weight models.
final class AudioParityTests: XCTestCase {
    private func model(_ name: String) throws -> Wav2Vec2Model {
        try Wav2Vec2Model(directory: Fixture.url("audio/\(name)"))
    }

    private func speech() throws -> AudioSamples {
        try AudioDecoder.decode(path: Fixture.url("audio/speech.wav").path)
    }

    /// Group-norm feature encoder, post-norm transformer, no conv bias, even positional kernel, weight norm
    /// stored as parametrizations; features at 25 and 30 fps.
    func testGroupNormEncoderMatchesHallo() throws {
        let model = try model("w2v-group")
        let expected = try Fixture.safetensors("audio/w2v-group-expected.safetensors")
        let audio = try speech()
        let normalized = model.preprocessor.normalized(audio.samples)
        assertClose(Tensor(shape: [normalized.count], scalars: normalized), try expected.tensor(named: "input_values"),
                    relative: 1e-5, "normalised input")
        assertClose(try model.convolutionalFeatures(normalized), try expected.tensor(named: "cnn_features"), "CNN features")
        for fps in [25, 30] {
            let features = try model.audioFeatures(samples: audio.samples, sampleRate: 16_000, fps: Double(fps))
            assertClose(features, try expected.tensor(named: "audio_features_fps\(fps)"), "audio features at \(fps) fps")
        }
        // The talking-head renderer pads the speech to whole 16-frame windows as Hallo's preprocess(wav, 16) does:
        // 0.53 s at 25 fps is 14 frames, padded with 2 frames' worth of silence to 16.
        let padded = try model.audioFeatures(samples: audio.samples, sampleRate: 16_000, fps: 25, paddingWindow: 16)
        XCTAssertEqual(padded.shape[0], 16)
        assertClose(padded, try expected.tensor(named: "audio_features_fps25_window16"), "audio features padded to a window")
        let whole = try model.audioFeatures(samples: audio.samples, sampleRate: 16_000, fps: 25, paddingWindow: 7)
        XCTAssertEqual(whole.shape[0], 14, "14 frames are already two whole windows of 7: no padding")
    }

    /// Layer-norm feature encoder with conv bias, stable (pre-norm) transformer, odd positional kernel, weight
    /// norm stored as weight_g/weight_v under a CTC checkpoint's `wav2vec2.` prefix.
    func testLayerNormStableEncoderMatchesHallo() throws {
        let model = try model("w2v-layer")
        XCTAssertTrue(model.configuration.doStableLayerNorm)
        let expected = try Fixture.safetensors("audio/w2v-layer-expected.safetensors")
        let audio = try speech()
        assertClose(try model.convolutionalFeatures(model.preprocessor.normalized(audio.samples)),
                    try expected.tensor(named: "cnn_features"), "CNN features")
        let features = try model.audioFeatures(samples: audio.samples, sampleRate: 16_000, fps: 25)
        XCTAssertEqual(features.shape, [14, 3, 24])
        assertClose(features, try expected.tensor(named: "audio_features_fps25"), "audio features")
    }

    /// Blocks of a few frames give the same features as one block: blocking is exact, group norm included.
    func testBlockedFeatureEncoderEqualsTheWholeUtterance() throws {
        for name in ["w2v-group", "w2v-layer"] {
            let model = try model(name)
            let input = model.preprocessor.normalized(try speech().samples)
            let whole = try model.convolutionalFeatures(input)
            XCTAssertGreaterThan(model.featureEncoder.blockFrames, whole.shape[0], "\(name): one block by default")
            model.featureEncoder.blockFrames = 7
            let blocked = try model.convolutionalFeatures(input)
            assertClose(blocked, whole, relative: 1e-5, "\(name): blocks of 7 frames")
            XCTAssertNotEqual(whole.scalars.first, whole.scalars.last)
        }
    }

    func testWindowsAndProjectionMatchHallo() throws {
        let expected = try Fixture.safetensors("audio/audio-proj-expected.safetensors")
        let features = try Fixture.safetensors("audio/w2v-group-expected.safetensors").tensor(named: "audio_features_fps25")
        let windows = try AudioFrameAlignment.windows(features)
        XCTAssertEqual(windows, try expected.tensor(named: "audio_windows"), "windows are copies: exact")
        let projection = try AudioProjectionModel(directory: Fixture.url("audio/audio-proj"))
        XCTAssertEqual([projection.inputWidth, projection.intermediateWidth, projection.contextTokens, projection.outputWidth],
                       [5 * 2 * 32, 24, 4, 8])
        let tokens = try projection(windows)
        assertClose(tokens, try expected.tensor(named: "audio_tokens"), "audio tokens")
        XCTAssertEqual(projection.unconditionalTokens(frames: 3), Tensor(zeros: [3, 4, 8]))
    }

    func testWindowClampingAtTheEnds() throws {
        let features = Tensor(shape: [3, 1, 1], scalars: [10, 20, 30])
        let windows = try AudioFrameAlignment.windows(features)
        XCTAssertEqual(windows.shape, [3, 5, 1, 1])
        XCTAssertEqual(windows.scalars, [10, 10, 10, 20, 30, 10, 10, 20, 30, 30, 10, 20, 30, 30, 30])
        // A range takes those frames' windows, clamped to the whole sequence.
        let last = try AudioFrameAlignment.windows(features, range: 2..<3)
        XCTAssertEqual(last.scalars, Array(windows.scalars[10...]))
        XCTAssertThrowsError(try AudioFrameAlignment.windows(features, range: 2..<4))
        let single = try AudioFrameAlignment.windows(Tensor(shape: [1, 2], scalars: [1, 2]))
        XCTAssertEqual(single.scalars, [1, 2, 1, 2, 1, 2, 1, 2, 1, 2])
    }

    /// The same speech as AAC inside an MP4 gives the same number of frames and features close to the WAV's.
    func testSpeechInAnMP4GivesTheSameFrameCount() throws {
        let model = try model("w2v-group")
        let wav = try speech()
        let mp4 = try AudioDecoder.decode(path: Fixture.url("audio/speech.mp4").path)
        XCTAssertEqual(mp4.source.codecName, "aac")
        XCTAssertEqual(mp4.samples.count, wav.samples.count, "AAC padding is cut at the declared length")
        let fromWAV = try model.audioFeatures(samples: wav.samples, sampleRate: 16_000, fps: 25)
        let fromMP4 = try model.audioFeatures(samples: mp4.samples, sampleRate: 16_000, fps: 25)
        XCTAssertEqual(fromMP4.shape, fromWAV.shape)
        XCTAssertEqual(fromMP4.shape[0], 14)
        // Close, not only shaped alike. The AAC samples are within 9% (relative RMS) of the WAV's; the tiny
        // random-weight encoder amplifies that to ~0.6 in its features, still half of what other speech (the same
        // samples reversed in time) gives.
        func relativeRMS(_ a: [Float], _ b: [Float]) -> Float {
            let difference = zip(a, b).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            let scale = b.reduce(Float(0)) { $0 + $1 * $1 }
            return (difference / max(scale, .leastNormalMagnitude)).squareRoot()
        }
        XCTAssertLessThan(relativeRMS(mp4.samples, wav.samples), 0.12, "the AAC round trip itself")
        let other = try model.audioFeatures(samples: Array(wav.samples.reversed()), sampleRate: 16_000, fps: 25)
        let codec = relativeRMS(fromMP4.scalars, fromWAV.scalars), unrelated = relativeRMS(other.scalars, fromWAV.scalars)
        XCTAssertLessThan(codec, 0.75, "AAC against WAV features")
        XCTAssertLessThan(codec * 1.6, unrelated, "the AAC round trip against other speech")
    }

    func testInterpolationKeepsTheEndsAndIsLinear() {
        let rows = Tensor(shape: [3, 2], scalars: [0, 10, 1, 20, 4, 40])
        XCTAssertEqual(rows.interpolatedRows(to: 5).scalars, [0, 10, 0.5, 15, 1, 20, 2.5, 30, 4, 40])
        XCTAssertEqual(rows.interpolatedRows(to: 1).scalars, [0, 10], "one output row takes the first, as PyTorch")
        XCTAssertEqual(rows.interpolatedRows(to: 2).scalars, [0, 10, 4, 40])
    }

    func testFrameCountIsHallosCeiling() {
        XCTAssertEqual(AudioFrameAlignment.frameCount(samples: 8_480, sampleRate: 16_000, fps: 25), 14)
        XCTAssertEqual(AudioFrameAlignment.frameCount(samples: 16_000, sampleRate: 16_000, fps: 25), 25)
        XCTAssertEqual(AudioFrameAlignment.frameCount(samples: 16_001, sampleRate: 16_000, fps: 25), 26)
        XCTAssertEqual(AudioFrameAlignment.frameCount(samples: 8_480, sampleRate: 16_000, fps: 30), 16)
    }

    /// wav2vec2-base-960h's config.json loads with its architecture and passes the checks.
    func testBase960hConfigurationLoads() throws {
        let data = try Data(contentsOf: Fixture.url("audio/base-960h-config.json"))
        let config = try JSONDecoder().decode(Wav2Vec2Configuration.self, from: data)
        XCTAssertEqual(config, Wav2Vec2Configuration())
        XCTAssertEqual(config.convDim, Array(repeating: 512, count: 7))
        XCTAssertEqual([config.hiddenSize, config.numHiddenLayers, config.numAttentionHeads, config.intermediateSize], [768, 12, 12, 3072])
        XCTAssertEqual([config.numConvPosEmbeddings, config.numConvPosEmbeddingGroups], [128, 16])
        XCTAssertEqual(config.totalStride, 320)
        XCTAssertEqual(config.receptiveField, 400)
        XCTAssertNoThrow(try config.validate())
    }

    /// The large variants' settings (wav2vec2-large-lv60: layer-norm encoder with conv bias, stable layer norm,
    /// 24 layers of 1024) pass the checks; their code paths are the ones `w2v-layer` runs.
    func testLargeVariantConfigurationLoads() throws {
        let json = #"""
            {"architectures": ["Wav2Vec2ForCTC"], "conv_bias": true, "feat_extract_norm": "layer",
             "do_stable_layer_norm": true, "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16,
             "intermediate_size": 4096, "layer_norm_eps": 1e-5, "vocab_size": 32}
            """#
        let config = try JSONDecoder().decode(Wav2Vec2Configuration.self, from: Data(json.utf8))
        XCTAssertNoThrow(try config.validate())
        XCTAssertEqual([config.hiddenSize, config.numHiddenLayers, config.numAttentionHeads], [1024, 24, 16])
        XCTAssertTrue(config.convBias && config.doStableLayerNorm)
        XCTAssertEqual(config.featExtractNorm, "layer")
        XCTAssertEqual(config.numConvPosEmbeddings, 128, "unset keys take transformers' defaults")
    }

    func testBadConfigurationsAreRefusedBeforeLoading() throws {
        let weights = try Fixture.safetensors("audio/w2v-group/model.safetensors")
        var config = try JSONDecoder().decode(Wav2Vec2Configuration.self,
                                              from: Data(contentsOf: Fixture.url("audio/w2v-group/config.json")))
        XCTAssertNoThrow(try Wav2Vec2Model(configuration: config, weights: weights))
        var cases: [(String, Wav2Vec2Configuration)] = []
        var bad = config; bad.numAttentionHeads = 5; cases.append(("heads", bad))
        bad = config; bad.convKernel = [10, 3]; cases.append(("kernel list", bad))
        bad = config; bad.hiddenSize = 1 << 40; cases.append(("huge width", bad))
        bad = config; bad.convStride = [0, 2, 2]; cases.append(("zero stride", bad))
        bad = config; bad.featExtractNorm = "batch"; cases.append(("norm", bad))
        bad = config; bad.hiddenAct = "tanh"; cases.append(("activation", bad))
        bad = config; bad.layerNormEps = -1; cases.append(("epsilon", bad))
        bad = config; bad.addAdapter = true; cases.append(("adapter", bad))
        for (label, configuration) in cases {
            XCTAssertThrowsError(try Wav2Vec2Model(configuration: configuration, weights: weights), label) { error in
                XCTAssertTrue("\(error)".contains("wav2vec 2.0 config"), "\(label): \(error)")
            }
        }
        config.numHiddenLayers = 3
        XCTAssertThrowsError(try Wav2Vec2Model(configuration: config, weights: weights)) { error in
            XCTAssertTrue("\(error)".contains("encoder.layers.2"), "a missing layer is named: \(error)")
        }
    }

    func testBadAudioIsRefused() throws {
        let model = try model("w2v-group")
        XCTAssertThrowsError(try model.audioFeatures(samples: [Float](repeating: 0.1, count: 5), sampleRate: 16_000, fps: 25)) {
            XCTAssertEqual($0 as? AudioEncodingError, .tooShort(samples: 5, minimum: model.minimumSamples))
        }
        XCTAssertThrowsError(try model.audioFeatures(samples: [Float](repeating: 0.1, count: 4_000), sampleRate: 8_000, fps: 25)) {
            XCTAssertEqual($0 as? AudioEncodingError, .sampleRate(found: 8_000, expected: 16_000))
        }
        XCTAssertThrowsError(try model.audioFeatures(samples: [Float](repeating: 0.1, count: 4_000), sampleRate: 16_000, fps: 0)) {
            XCTAssertEqual($0 as? AudioEncodingError, .fps(0))
        }
        let projection = try AudioProjectionModel(directory: Fixture.url("audio/audio-proj"))
        XCTAssertThrowsError(try projection(Tensor(zeros: [2, 5, 3, 32]))) { error in
            XCTAssertTrue("\(error)".contains("input width 320"), "\(error)")
        }
    }
}
