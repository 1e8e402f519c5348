import Foundation

/// What `tbd train prepare` makes of each approved pair's clips.
public struct TrainingPrepareSettings: Sendable {
    /// The folder that receives `index.json` and `clips/`.
    public var outputFolder: String
    /// A talking checkpoint folder: its text encoder embeds the prompts and its audio encoder the speech, as the
    /// renderer does with the same folder.
    public var modelPath: String
    /// Side of the square frames, in pixels (a multiple of 64, so every UNet level of the masks is whole).
    public var size = 512
    public var fps = 25
    /// Clips with fewer frames are skipped: stage 2 trains on 14 frames plus 2 motion frames.
    public var minimumFrames = 16
    /// At most this many approved pairs.
    public var limit: Int?

    public init(outputFolder: String, modelPath: String) {
        self.outputFolder = outputFolder
        self.modelPath = modelPath
    }

    func validate() throws {
        guard (64...2048).contains(size), size % 64 == 0 else {
            throw TrainingDataError("--size must be a multiple of 64 in 64-2048, not \(size)")
        }
        guard (1...120).contains(fps) else { throw TrainingDataError("--fps must be 1-120, not \(fps)") }
        guard minimumFrames >= 1 else { throw TrainingDataError("the minimum clip length must be at least one frame") }
        if let limit, limit < 0 { throw TrainingDataError("--limit must not be negative") }
    }
}

/// Why a training set could not be prepared: the message names the file or the setting.
public struct TrainingDataError: Error, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
