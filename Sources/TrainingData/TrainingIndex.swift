import Foundation

/// `index.json` of a prepared training set: what was prepared with which settings, each clip's shard and side of
/// the split, and what was skipped and why. Rewritten (atomically) after every clip, so a killed run leaves an
/// index that lists exactly the shards that are complete.
public struct TrainingIndex: Codable, Equatable, Sendable {
    public static let formatVersion = 1

    public struct Clip: Codable, Equatable, Sendable {
        /// The SHA-256 of everything the shard was made from; also its file name.
        public var key: String
        /// `clips/KEY.safetensors`, relative to the folder of `index.json`.
        public var file: String
        public var annotationId: Int64
        public var revision: Int
        public var clipPath: String
        public var speechPath: String
        public var actor: String?
        public var emotion: String
        public var level: Int
        public var split: String
        public var frames: Int
    }

    public struct Skipped: Codable, Equatable, Sendable {
        public var annotationId: Int64
        public var clipPath: String
        public var reason: String
    }

    public var format = TrainingIndex.formatVersion
    public var size: Int
    public var fps: Int
    /// The talking checkpoint whose text and audio encoders made the embeddings and features (its fingerprint).
    public var model: String
    public var modelSha256: String
    /// Actors held out for testing (MEAD's 80/20 split by actor; no actor is on both sides).
    public var testActors: [String]
    public var clips: [Clip] = []
    public var skipped: [Skipped] = []
}
