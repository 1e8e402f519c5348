import MediaIO

/// The network features of a clip's paired frames, generated and ground truth, taken BATCH frames at a time as the
/// frames come, so a long clip never holds more than a batch of frames (FID's Inception frames, FVD's 16-frame
/// windows).
struct PairedFeatures {
    let batch: Int
    let extract: ([RGBImage]) throws -> [[Float]]
    private var frames: (generated: [RGBImage], reference: [RGBImage]) = ([], [])
    private(set) var features: (generated: [[Float]], reference: [[Float]]) = ([], [])

    init(batch: Int, extract: @escaping ([RGBImage]) throws -> [[Float]]) {
        self.batch = batch
        self.extract = extract
    }

    mutating func add(generated: RGBImage, reference: RGBImage) throws {
        frames.generated.append(generated)
        frames.reference.append(reference)
        if frames.generated.count == batch { try finish() }
    }

    /// The features of the frames still waiting (for FVD, fewer than a window give none).
    mutating func finish() throws {
        guard !frames.generated.isEmpty else { return }
        features.generated += try extract(frames.generated)
        features.reference += try extract(frames.reference)
        frames = ([], [])
    }
}
