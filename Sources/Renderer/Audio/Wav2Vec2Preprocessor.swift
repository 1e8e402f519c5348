import Foundation
import Tensors

/// transformers' `Wav2Vec2FeatureExtractor` as Hallo uses it (`preprocessor_config.json`): audio at
/// `sampling_rate` and, with `do_normalize`, zero mean and unit variance over the whole utterance.
@_spi(Development) public struct Wav2Vec2Preprocessor: Decodable, Equatable, Sendable {
    public var samplingRate = 16_000
    public var doNormalize = true

    public init() {}

    enum CodingKeys: String, CodingKey {
        case samplingRate = "sampling_rate", doNormalize = "do_normalize"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var d = Wav2Vec2Preprocessor()
        d.samplingRate = try c.decodeIfPresent(Int.self, forKey: .samplingRate) ?? d.samplingRate
        d.doNormalize = try c.decodeIfPresent(Bool.self, forKey: .doNormalize) ?? d.doNormalize
        self = d
    }

    func validate() throws {
        guard (1_000...384_000).contains(samplingRate) else {
            throw ModelLoadingError.invalidConfiguration("preprocessor sampling_rate \(samplingRate) is outside 1000-384000 Hz")
        }
    }

    /// (x - mean) / sqrt(var + 1e-7) over the utterance (biased variance, as numpy's `var`); the sums run in
    /// double so a long utterance loses no precision.
    public func normalized(_ samples: [Float]) -> [Float] {
        guard doNormalize, !samples.isEmpty else { return samples }
        var sum = 0.0
        for value in samples { sum += Double(value) }
        let mean = sum / Double(samples.count)
        var squares = 0.0
        for value in samples {
            let centred = Double(value) - mean
            squares += centred * centred
        }
        let inverse = 1 / (squares / Double(samples.count) + 1e-7).squareRoot()
        return samples.map { Float((Double($0) - mean) * inverse) }
    }
}
