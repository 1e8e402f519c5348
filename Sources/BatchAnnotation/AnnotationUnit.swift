/// What one annotation describes: a person showing one emotion at one level. The description depends on the
/// person, the emotion and the level, not on the sentence spoken, so every clip of the unit links to it.
public struct AnnotationUnit: Codable, Hashable, Sendable {
    public var dataset: DatasetKind
    public var actor: String
    public var emotion: String
    public var level: Int
    /// In path order; the first is the reference clip whose frame the model sees.
    public var clips: [DatasetClip]

    public init(dataset: DatasetKind, actor: String, emotion: String, level: Int, clips: [DatasetClip]) {
        self.dataset = dataset
        self.actor = actor
        self.emotion = emotion
        self.level = level
        self.clips = clips
    }

    /// Stable identity across runs: "mead/M003/angry/1".
    public var key: String { "\(dataset.rawValue)/\(actor)/\(emotion)/\(level)" }

    public var reference: DatasetClip { clips[0] }
}
