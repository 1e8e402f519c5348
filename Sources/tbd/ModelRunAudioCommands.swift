import ArgumentParser
import Foundation
import MediaIO
@_spi(Development) import Renderer
import Tensors

/// `tbd model run audio-encoder` and `audio-proj`: the audio path of the renderer (wav2vec 2.0 with Hallo's
/// alignment, then Hallo's audio projection), one stage at a time, for comparison with Hallo.
extension ModelCommand {
    struct AudioEncoderRun: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "audio-encoder",
            abstract: "Encode speech with wav2vec 2.0 aligned to video frames; writes audio_features [frames, L, D].",
            discussion: """
                DIR is a transformers wav2vec 2.0 folder (config.json, model.safetensors, preprocessor_config.json). \
                The audio (WAV, M4A/AAC, MP3, FLAC or a video's soundtrack) is decoded to 16 kHz mono, normalised, \
                and encoded as Hallo does: frames = ceil(seconds x fps), convolutional features interpolated to \
                that many steps before the transformer, every layer's output kept.
                """)

        @Option(name: .long, help: "The wav2vec 2.0 model folder.")
        var model: String
        @Option(name: .long, help: "The audio file, or a video with a soundtrack.")
        var audio: String
        @Option(name: .long, help: "Video frames per second: one feature per frame.")
        var fps: Double = 25
        @Option(name: .long, help: "Output safetensors file.")
        var out: String
        @OptionGroup var output: JSONOption

        func run() throws {
            guard AudioFrameAlignment.fpsRange.contains(fps) else {
                throw CLIError("--fps \(fps) is outside \(AudioFrameAlignment.fpsRange.lowerBound)-\(AudioFrameAlignment.fpsRange.upperBound)")
            }
            let started = Date()
            let encoder: Wav2Vec2Model
            do {
                encoder = try Wav2Vec2Model(directory: URL(fileURLWithPath: model))
            } catch {
                throw CLIError("cannot load the wav2vec 2.0 model from \(model): \(error)")
            }
            let decoded: AudioSamples
            decoded = try AudioDecoder.decode(path: audio, sampleRate: encoder.preprocessor.samplingRate)
            let features: Tensor
            do {
                features = try encoder.audioFeatures(samples: decoded.samples, sampleRate: decoded.sampleRate, fps: fps)
            } catch {
                throw CLIError("\(audio): \(error)")
            }
            do {
                try SafeTensorsWriter.write(
                    tensors: ["audio_features": features],
                    metadata: ["model": model, "audio": audio, "fps": "\(fps)", "samples": "\(decoded.samples.count)"],
                    to: URL(fileURLWithPath: out))
            } catch {
                throw CLIError("cannot write \(out): \(error)")
            }
            let view = AudioEncoderRunView(
                out: URL(fileURLWithPath: out).path, audio: audio, samples: decoded.samples.count,
                sampleRate: decoded.sampleRate, seconds: decoded.duration, fps: fps, frames: features.shape[0],
                shape: features.shape, elapsedSeconds: Date().timeIntervalSince(started),
                peakResidentBytes: PeakMemory.peakResidentBytes())
            if output.json {
                try printJSON(view)
            } else {
                print("wrote \(view.out): audio_features \(view.shape) for \(String(format: "%.3f", view.seconds)) s of audio "
                      + "at \(fps) fps, \(String(format: "%.3f", view.elapsedSeconds)) s, peak memory \(view.peakResidentBytes / 1_048_576) MiB")
            }
        }
    }

    struct AudioProjRun: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "audio-proj",
            abstract: "Project audio windows [frames, 5, L, D] with Hallo's AudioProjModel; writes audio_tokens [frames, 32, 768].",
            discussion: """
                DIR holds the projection's weights (proj1, proj2, proj3, norm; diffusion_pytorch_model.safetensors or \
                model.safetensors, optionally under Hallo's audioproj. prefix) and optionally its config.json. The \
                input file holds audio_windows, or audio_features [frames, L, D] from audio-encoder, which are first \
                cut into Hallo's 5-frame windows (clamped at the ends).
                """)

        @OptionGroup var options: NetworkRunOptions

        func run() throws {
            let inputs = try options.inputTensors(["audio_windows", "audio_features"])
            let started = Date()
            do {
                let windows: Tensor
                if let given = inputs["audio_windows"] {
                    windows = given
                } else if let features = inputs["audio_features"] {
                    windows = try AudioFrameAlignment.windows(features)
                } else {
                    throw CLIError("\(options.inputs) must hold audio_windows [frames, 5, L, D] or audio_features [frames, L, D]")
                }
                let projection = try AudioProjectionModel(directory: URL(fileURLWithPath: options.model))
                try options.finish(["audio_tokens": try projection(windows)], started: started)
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("audio projection failed: \(error)")
            }
        }
    }
}

private struct AudioEncoderRunView: Encodable {
    let out: String
    let audio: String
    let samples: Int
    let sampleRate: Int
    let seconds: Double
    let fps: Double
    let frames: Int
    let shape: [Int]
    let elapsedSeconds: Double
    let peakResidentBytes: Int
}
