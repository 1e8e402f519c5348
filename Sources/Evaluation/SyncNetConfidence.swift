import Foundation
import MediaIO
import Tensors

/// SyncNet's audio-visual synchronisation (Chung & Zisserman 2016), computed as syncnet_python's
/// `SyncNetInstance.evaluate` computes it from a face track's 224x224 crops (25 per second) and its speech (16 kHz):
/// the lip embedding of every 5-frame window, the audio embedding of the 20 MFCC frames (0.2 s) starting at the
/// same time, the distances of each video window to the audio windows up to 15 frames earlier and later, averaged
/// over the clip per offset. Confidence is the median of those 31 mean distances minus their minimum; the offset
/// (in frames) is 15 minus the index of the minimum: an offset of k means frame i's lips match best the speech at
/// frame i - k (positive: the speech comes early, negative: late).
public final class SyncNetConfidence: @unchecked Sendable {
    /// The offsets searched on each side (`--vshift` 15 in run_syncnet.py and demo_syncnet.py).
    public static let shiftRange = 15
    /// The rates the reference takes for granted: 25 video frames and 16,000 audio samples per second.
    public static let frameRate = 25
    public static let sampleRate = 16_000
    /// Audio samples per video frame.
    static let samplesPerFrame = sampleRate / frameRate
    /// Windows run through the network this many at a time, which bounds the memory of the lip tower's activations.
    static let batchSize = 8

    /// One clip's result: `windows` 5-frame windows compared; `meanDistances` the 31 mean distances in the order
    /// of the reference's `mdist` (index i is offset 15 - i).
    public struct Result: Sendable, Equatable, Encodable {
        public let offset: Int
        public let confidence: Double
        public let minimumDistance: Double
        public let windows: Int
        public let meanDistances: [Double]
    }

    package let network: SyncNet

    /// Loads `syncnet.safetensors` from WEIGHTS; refused, naming the file and where it is published, when absent.
    public convenience init(weights: EvaluationWeights = EvaluationWeights()) throws {
        self.init(network: try weights.load(.syncnet, SyncNet.init))
    }

    package init(network: SyncNet) {
        self.network = network
    }

    /// CROPS: the face track's 224x224 frames in order, at 25 per second; SAMPLES: its speech, mono 16-bit values
    /// at 16 kHz. The reference's `min_length` frames are used: the fewer of the frames and whole 640-sample
    /// stretches of speech, at least six.
    public func evaluate(crops: [RGBImage], samples: [Int16]) throws -> Result {
        let length = min(crops.count, samples.count / Self.samplesPerFrame)
        let windows = length - SyncNet.lipWindow.frames
        guard windows >= 1 else {
            throw EvaluationError("syncnet needs at least \(SyncNet.lipWindow.frames + 1) frames with their 0.04 s of speech each; "
                + "the clip has \(crops.count) frames and \(String(format: "%.2f", Double(samples.count) / Double(Self.sampleRate))) s of speech")
        }
        let side = SyncNet.lipWindow.side
        if let wrong = crops.first(where: { $0.width != side || $0.height != side }) {
            throw EvaluationError("syncnet takes 224x224 face crops, got \(wrong.width)x\(wrong.height)")
        }
        let mfcc = MelFrequencyCepstrum.compute(samples.map(Double.init), sampleRate: Self.sampleRate)
        var video: [[Float]] = [], audio: [[Float]] = []
        var start = 0
        while start < windows {
            let end = min(windows, start + Self.batchSize)
            video += Self.rows(network.lip(Self.lipWindows(crops, starts: start..<end)))
            audio += Self.rows(network.audio(Self.audioWindows(mfcc, starts: start..<end)))
            start = end
        }
        return Self.offsetAndConfidence(video: video, audio: audio)
    }

    /// `calc_pdist` and what `evaluate` makes of it: for each video embedding i and offset j in 0...30, the
    /// distance to audio embedding i + j - 15 (a zero vector outside the clip) as `pairwise_distance` measures it
    /// (the norm of the difference plus 1e-6), averaged over i; the minimum, its index and the median.
    package static func offsetAndConfidence(video: [[Float]], audio: [[Float]]) -> Result {
        let shifts = 2 * shiftRange + 1
        let count = video.count
        var sums = [Double](repeating: 0, count: shifts)
        for i in 0..<count {
            for j in 0..<shifts {
                let other = i + j - shiftRange
                var squared = 0.0
                for k in video[i].indices {
                    let difference = Double(video[i][k]) - (0..<count ~= other ? Double(audio[other][k]) : 0) + 1e-6
                    squared += difference * difference
                }
                sums[j] += squared.squareRoot()
            }
        }
        let means = sums.map { $0 / Double(count) }
        // torch.min gives the first index of the minimum; torch.median the middle value of the 31.
        let minimumIndex = means.indices.min { means[$0] < means[$1] }!
        let median = means.sorted()[shiftRange]
        return Result(offset: shiftRange - minimumIndex, confidence: median - means[minimumIndex],
                      minimumDistance: means[minimumIndex], windows: count, meanDistances: means)
    }

    /// Lip windows [n, 3, 5, 224, 224] starting at STARTS, in cv2's channel order (blue, green, red) and 0...255
    /// values, as the reference reads its frames with `cv2.imread`.
    package static func lipWindows(_ crops: [RGBImage], starts: Range<Int>) -> Tensor {
        let (frames, side) = (SyncNet.lipWindow.frames, SyncNet.lipWindow.side)
        let plane = side * side
        var values = [Float](repeating: 0, count: starts.count * 3 * frames * plane)
        for (item, start) in starts.enumerated() {
            for time in 0..<frames {
                let pixels = crops[start + time].pixels
                for channel in 0..<3 {
                    let base = ((item * 3 + channel) * frames + time) * plane
                    let source = 2 - channel
                    for index in 0..<plane { values[base + index] = Float(pixels[3 * index + source]) }
                }
            }
        }
        return Tensor(shape: [starts.count, 3, frames, side, side], scalars: values)
    }

    /// Audio windows [n, 1, 13, 20]: MFCC frames 4s ..< 4s + 20 for each start s (100 MFCC frames per second, 25
    /// video frames), coefficients down, time across.
    package static func audioWindows(_ mfcc: [[Double]], starts: Range<Int>) -> Tensor {
        let window = SyncNet.audioWindow
        let step = 100 / frameRate
        var values = [Float](repeating: 0, count: starts.count * window.coefficients * window.frames)
        for (item, start) in starts.enumerated() {
            for coefficient in 0..<window.coefficients {
                for time in 0..<window.frames {
                    let frame = start * step + time
                    values[(item * window.coefficients + coefficient) * window.frames + time] =
                        frame < mfcc.count ? Float(mfcc[frame][coefficient]) : 0
                }
            }
        }
        return Tensor(shape: [starts.count, 1, window.coefficients, window.frames], scalars: values)
    }

    /// Refuses a video whose frame rate is not 25 per second: the reference converts every video to 25 first
    /// (run_pipeline.py's `ffmpeg -r 25`) and pairs frame i with speech from i x 0.04 s. A folder of PNG frames is
    /// taken to be at 25.
    public static func requireFrameRate(of clip: ClipFrames) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: clip.path, isDirectory: &isFolder), !isFolder.boolValue else { return }
        let fps = try MediaProbe.probe(path: clip.path).fps
        guard abs(fps - Double(frameRate)) < 0.01 else {
            throw EvaluationError("\(clip.path): syncnet pairs frames with speech at 25 frames per second, and the clip has "
                + "\(String(format: "%.3f", fps)); convert it first (ffmpeg -i IN -r 25 OUT.mp4), as syncnet_python's pipeline does")
        }
    }

    /// CLIP's speech: a video's own soundtrack, or for a folder of PNG frames the `audio.wav` beside them (as the
    /// reference's working folder holds its frames and `audio.wav`).
    public static func speech(of clip: ClipFrames) throws -> [Int16] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: clip.path, isDirectory: &isFolder), isFolder.boolValue else {
            return try speech(file: clip.path)
        }
        let path = (clip.path as NSString).appendingPathComponent("audio.wav")
        guard FileManager.default.fileExists(atPath: path) else {
            throw EvaluationError("syncnet compares the lips with the speech: a folder of PNG frames carries its speech as "
                + "audio.wav beside the frames, and \(clip.path) has none")
        }
        return try speech(file: path)
    }

    /// FILE's audio as the reference reads it (`ffmpeg -ac 1 -ar 16000 -acodec pcm_s16le`, then
    /// `scipy.io.wavfile.read`): mixed to mono and resampled to 16 kHz by libswresample (`AudioDecoder`), then
    /// rounded to 16 bits as libswresample's float-to-s16 conversion rounds (lrintf of x * 32768, clipped).
    public static func speech(file path: String) throws -> [Int16] {
        let samples: [Float]
        do {
            samples = try AudioDecoder.decode(path: path, sampleRate: sampleRate).samples
        } catch {
            throw EvaluationError("syncnet compares the lips with the speech, and the speech of \(path) cannot be read: \(error)")
        }
        return samples.map { Int16(clamping: Int(($0 * 32768).rounded(.toNearestOrEven))) }
    }

    static func rows(_ tensor: Tensor) -> [[Float]] {
        let width = tensor.shape[1]
        return (0..<tensor.shape[0]).map { Array(tensor.scalars[$0 * width..<($0 + 1) * width]) }
    }
}
