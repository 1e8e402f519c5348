import ArgumentParser
import Foundation
import MediaIO
@_spi(Development) import Renderer
import Tensors

/// `tbd model bench-audio`: times the audio path in-process, for scripts/bench/60-audio.sh to set beside
/// PyTorch and the ffmpeg tool.
extension ModelCommand {
    struct BenchAudio: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-audio",
            abstract: "Time wav2vec 2.0 on a speech file (Hallo's alignment) and/or decoding a file to 16 kHz mono.",
            discussion: """
                With --model and --audio: loads the model, decodes the audio once, then times the encoder alone \
                (normalisation, convolutional features, interpolation, transformer) --repeats times after one \
                warm-up run and reports the median. With --decode: times decoding and resampling that file to 16 kHz \
                mono Float32 --repeats times. Threads: OPENBLAS_NUM_THREADS.
                """)

        @Option(name: .long, help: "A wav2vec 2.0 model folder.")
        var model: String?
        @Option(name: .long, help: "Speech to encode (with --model).")
        var audio: String?
        @Option(name: .long, help: "A file to time decoding and resampling on.")
        var decode: String?
        @Option(name: .long, help: "Video frames per second.")
        var fps: Double = 25
        @Option(name: .long, help: "Timed runs (median reported).")
        var repeats = 3
        @OptionGroup var output: JSONOption

        func run() throws {
            guard (1...100).contains(repeats) else { throw CLIError("--repeats must be 1-100") }
            guard AudioFrameAlignment.fpsRange.contains(fps) else { throw CLIError("--fps \(fps) is out of range") }
            guard (model == nil) == (audio == nil), model != nil || decode != nil else {
                throw CLIError("give --model with --audio, and/or --decode FILE")
            }
            var view = BenchAudioView()
            if let decode {
                var samples = 0
                view.decodeSeconds = try median {
                    samples = try AudioDecoder.decode(path: decode).samples.count
                }
                view.decodedSamples = samples
            }
            if let model, let audio {
                let started = Date()
                let encoder = try Wav2Vec2Model(directory: URL(fileURLWithPath: model))
                view.loadSeconds = Date().timeIntervalSince(started)
                let decoded = try AudioDecoder.decode(path: audio, sampleRate: encoder.preprocessor.samplingRate)
                var shape: [Int] = []
                _ = try encoder.audioFeatures(samples: decoded.samples, sampleRate: decoded.sampleRate, fps: fps)
                view.encodeSeconds = try median {
                    shape = try encoder.audioFeatures(samples: decoded.samples, sampleRate: decoded.sampleRate, fps: fps).shape
                }
                view.audioSeconds = decoded.duration
                view.featureShape = shape
            }
            view.peakResidentBytes = PeakMemory.peakResidentBytes()
            view.threads = BLASThreads.count
            if output.json {
                try printJSON(view)
            } else {
                if let seconds = view.decodeSeconds { print("decode + resample: \(String(format: "%.4f", seconds)) s (median of \(repeats))") }
                if let seconds = view.encodeSeconds { print("wav2vec 2.0: \(String(format: "%.4f", seconds)) s for \(view.audioSeconds ?? 0) s of audio, features \(view.featureShape ?? [])") }
                print("peak memory \(view.peakResidentBytes / 1_048_576) MiB, \(view.threads) BLAS threads")
            }
        }

        private func median(_ body: () throws -> Void) throws -> Double {
            var times: [Double] = []
            for _ in 0..<repeats {
                let start = Date()
                try body()
                times.append(Date().timeIntervalSince(start))
            }
            return times.sorted()[times.count / 2]
        }
    }
}

private struct BenchAudioView: Encodable {
    var decodeSeconds: Double?
    var decodedSamples: Int?
    var loadSeconds: Double?
    var encodeSeconds: Double?
    var audioSeconds: Double?
    var featureShape: [Int]?
    var peakResidentBytes = 0
    var threads = 0
}
