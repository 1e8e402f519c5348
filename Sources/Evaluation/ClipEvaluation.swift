/// One clip's metrics: PSNR and SSIM averaged over the paired frames, CPBD over every generated frame.
public struct ClipEvaluation: Sendable, Equatable, Encodable {
    public let metrics: MetricValues
    /// Frames paired by index: the first min(generated, reference) of each (0 without a reference).
    public let frames: Int
    public let generatedFrames: Int
    /// Nil when no reference was given (CPBD alone).
    public let referenceFrames: Int?
    public let generated: String
    public let reference: String?
    /// The reference's size when it differed from the generated frames' and was resized to theirs ("WxH").
    public let referenceResizedFrom: String?
    public let size: String
    /// SyncNet's offset and minimum distance beside its confidence (the `syncnet` metric), when asked for.
    public let syncnet: Synchronisation?
    /// The Inception features of the paired frames, kept for a set's FID over all its clips; not written out.
    let fidFeatures: (generated: [[Float]], reference: [[Float]])?
    /// The I3D features of the paired frames' 16-frame windows, kept for a set's FVD over all its clips; not written out.
    let fvdFeatures: (generated: [[Float]], reference: [[Float]])?

    public struct Synchronisation: Sendable, Equatable, Codable {
        /// In video frames; positive when the speech lags the picture.
        public let offset: Int
        public let confidence: Double
        public let minimumDistance: Double
        /// 5-frame windows compared.
        public let windows: Int

        init(_ result: SyncNetConfidence.Result) {
            (offset, confidence, minimumDistance, windows) = (result.offset, result.confidence, result.minimumDistance, result.windows)
        }
    }

    public static func == (a: ClipEvaluation, b: ClipEvaluation) -> Bool {
        a.metrics == b.metrics && a.frames == b.frames && a.generatedFrames == b.generatedFrames && a.referenceFrames == b.referenceFrames
            && a.generated == b.generated && a.reference == b.reference && a.referenceResizedFrom == b.referenceResizedFrom && a.size == b.size && a.syncnet == b.syncnet
    }

    private enum CodingKeys: String, CodingKey {
        case metrics, frames, generatedFrames, referenceFrames, generated, reference, referenceResizedFrom, size, infiniteMetrics, syncnet
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(metrics, forKey: .metrics)
        try container.encode(metrics.infiniteMetrics.map(\.rawValue), forKey: .infiniteMetrics)
        try container.encode(frames, forKey: .frames)
        try container.encode(generatedFrames, forKey: .generatedFrames)
        try container.encode(referenceFrames, forKey: .referenceFrames)
        try container.encode(generated, forKey: .generated)
        try container.encode(reference, forKey: .reference)
        try container.encode(referenceResizedFrom, forKey: .referenceResizedFrom)
        try container.encode(size, forKey: .size)
        try container.encodeIfPresent(syncnet, forKey: .syncnet)
    }
}
