/// Decoded audio as one channel of Float32 samples at a known rate (the input wav2vec 2.0 wants).
public struct AudioSamples: Sendable, Equatable {
    public let samples: [Float]
    public let sampleRate: Int
    /// The file the samples came from.
    public let sourcePath: String
    /// The source stream before conversion.
    public let source: AudioStreamInfo

    public init(samples: [Float], sampleRate: Int, sourcePath: String, source: AudioStreamInfo) {
        self.samples = samples
        self.sampleRate = sampleRate
        self.sourcePath = sourcePath
        self.source = source
    }

    public var duration: Double { sampleRate > 0 ? Double(samples.count) / Double(sampleRate) : 0 }
}
