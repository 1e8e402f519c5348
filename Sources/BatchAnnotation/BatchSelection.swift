/// Which clips of a scan to annotate. Nil sets mean "all"; views default to the frontal view.
public struct BatchSelection: Sendable, Equatable {
    public var actors: Set<String>?
    public var emotions: Set<String>?
    public var levels: Set<Int>?
    public var views: Set<String>?
    /// At most this many clips linked per unit (in path order); nil keeps all.
    public var clipLimitPerUnit: Int?

    public init(actors: Set<String>? = nil, emotions: Set<String>? = nil, levels: Set<Int>? = nil,
                views: Set<String>? = ["front"], clipLimitPerUnit: Int? = nil) {
        self.actors = actors.map { Set($0.map { $0.uppercased() }) }
        self.emotions = emotions.map { Set($0.map { $0.lowercased() }) }
        self.levels = levels
        self.views = views.map { Set($0.map { $0.lowercased() }) }
        self.clipLimitPerUnit = clipLimitPerUnit
    }

    public func includes(_ clip: DatasetClip) -> Bool {
        (actors?.contains(clip.actor.uppercased()) ?? true)
            && (emotions?.contains(clip.emotion) ?? true)
            && (levels?.contains(clip.level) ?? true)
            && (views?.contains(clip.view) ?? true)
    }
}
