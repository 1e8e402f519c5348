import Renderer

/// What a clip was rendered from; equal parameters mean a re-run can skip it. Written beside each clip as
/// `NAME.json` in the project's JSON form (snake_case keys).
public struct RenderManifest: Codable, Equatable, Sendable {
    public let annotationId: Int64
    public let revision: Int
    public let coarsePrompt: String
    public let finePrompt: String
    public let model: String
    public let steps: Int
    public let split: Double
    public let blend: String
    public let alphaMax: Double
    public let alphaMin: Double
    public let sampler: String
    public let cfg: Float
    public let seed: UInt64
    public let noise: String?
    public let frames: Int
    public let fps: Int
    public let size: Int
    public let reference: String?
    public let strength: Float
    public let audio: String?
    /// "talking_head" for the video renderer; absent for frames sampled one by one (whose manifests, and so
    /// whose file names, stay as they were).
    public var renderer: String?
    public var window: Int?
    public var motionFrames: Int?
    /// What the files named above held when the clip was rendered (SHA-256; the model's is `ModelFingerprint`), so a
    /// file replaced at the same path gives another manifest, another clip name and never a resumed mix.
    /// "face X Y SIDE" (the square cut from the reference, in its pixels) when the reference was cropped to its
    /// face; absent when it was used as it is (so earlier manifests keep their names).
    public var crop: String?
    /// The frame of the reference a batch run chose for the pair's unit (kept in the store with its face), when `auto`
    /// took it from there; absent otherwise.
    public var referenceFrame: Int?
    /// "face" when a talking head's audio attention was masked by the detected face; absent for all-ones masks.
    public var masks: String?
    /// "bf16" when the denoiser ran at `--precision bf16` (other numbers, so another clip); absent at f32 (so earlier
    /// manifests keep their names).
    public var precision: String?
    public var modelSha256: String?
    public var referenceSha256: String?
    public var audioSha256: String?
    public var noiseSha256: String?
}

/// The manifest file: the parameters and what came out.
public struct RenderManifestFile: Codable, Sendable {
    public let parameters: RenderManifest
    public let result: ClipResult
}

/// One pair's outcome, as `tbd render --json` lists it.
public struct RenderOutcome: Codable, Sendable {
    public enum Status: String, Codable, Sendable {
        case rendered
        /// Already rendered with the same parameters: recorded in the store, or a matching manifest without one.
        case skipped
    }

    public let name: String
    public let status: Status
    public let result: ClipResult
    /// The render's record in the store (rendered now, or the done render a skip found there); nil without a store.
    public var renderID: Int64?

    public init(name: String, status: Status, result: ClipResult, renderID: Int64? = nil) {
        (self.name, self.status, self.result, self.renderID) = (name, status, result, renderID)
    }
}
