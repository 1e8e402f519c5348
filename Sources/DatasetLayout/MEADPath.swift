/// A file's place in the MEAD tree, and MEAD's names: the one reading and writing of its layout.
///
/// Videos are `ACTOR/video/VIEW/EMOTION/level_N/NNN.mp4` and their speech `ACTOR/audio/EMOTION/level_N/NNN.m4a`;
/// the seven views of one take share one recording. Parsing tolerates the known quirks: one more folder between
/// `video/` and the view (W021's `video/1/front/...`), upper-case names, and flattened names
/// (`M003#angry#level_1#001.mp4`, or with the view `M003#front#angry#level_1#001.mp4`). Building writes MEAD's own
/// spelling: upper-case actor, lower-case names, `level_N`.
public struct MEADPath: Hashable, Sendable {
    public enum Medium: Hashable, Sendable {
        case video(view: String)
        case audio
    }

    public static let emotions = ["angry", "contempt", "disgusted", "fear", "happy", "neutral", "sad", "surprised"]
    public static let views = ["down", "front", "left_30", "left_60", "right_30", "right_60", "top"]
    public static let levels = 1...3

    /// The folder that holds the actor folders, as given ("" for a path that starts at the actor); nil for a
    /// flattened name, which says nothing of the tree around it.
    public var root: String?
    /// "M003", "W009".
    public var actor: String
    public var medium: Medium
    public var emotion: String
    public var level: Int
    /// The file name without its extension ("001").
    public var take: String

    public init(root: String?, actor: String, medium: Medium, emotion: String, level: Int, take: String) {
        self.root = root
        self.actor = actor
        self.medium = medium
        self.emotion = emotion
        self.level = level
        self.take = take
    }

    /// Reads `path` (absolute, or relative to the dataset's root); `MEADPathProblem` says why it is not MEAD's.
    public init(parsing path: String) throws(MEADPathProblem) {
        let components = path.split(separator: "/").map(String.init)
        guard let fileName = components.last else { throw MEADPathProblem.empty }
        let folders = Array(components.dropLast())
        let stem = fileName.lastIndex(of: ".").flatMap { $0 == fileName.startIndex ? nil : String(fileName[..<$0]) } ?? fileName
        if fileName.contains("#") {
            self = try Self.flattened(stem, folder: folders.last)
            return
        }
        // The last actor folder: an absolute path may hold other names above the dataset's root.
        guard let actorIndex = folders.lastIndex(where: { Self.actorID($0) != nil }), let actor = Self.actorID(folders[actorIndex]) else {
            throw MEADPathProblem.notUnderAnActor
        }
        let root = (path.hasPrefix("/") ? "/" : "") + folders[..<actorIndex].joined(separator: "/")
        var below = folders[(actorIndex + 1)...].map { $0.lowercased() }
        guard let tree = below.first else { throw MEADPathProblem.directlyInTheActorFolder(actor: actor) }
        below.removeFirst()
        switch tree {
        case "video":
            // W021 and a few others carry one more folder between video/ and the view.
            if below.count == 4, !Self.views.contains(below[0]), Self.views.contains(below[1]) { below.removeFirst() }
            guard below.count == 3 else { throw MEADPathProblem.unexpectedDepth(under: "\(actor)/video/") }
            try self.init(root: root, actor: actor, view: below[0], emotion: below[1], level: below[2], take: stem)
        case "audio":
            guard below.count == 2 else { throw MEADPathProblem.unexpectedDepth(under: "\(actor)/audio/") }
            try self.init(root: root, actor: actor, view: nil, emotion: below[0], level: below[1], take: stem)
        default:
            throw MEADPathProblem.notUnderVideoOrAudio(actor: actor)
        }
    }

    /// Checks the names found in a path, in the order a reader would look for a mistake.
    private init(root: String?, actor: String, view: String?, emotion: String, level: String, take: String) throws(MEADPathProblem) {
        if let view, !Self.views.contains(view) { throw MEADPathProblem.unknownView(view) }
        guard Self.emotions.contains(emotion) else { throw MEADPathProblem.unknownEmotion(emotion) }
        guard let number = Self.level(level) else { throw MEADPathProblem.unknownLevel(level) }
        self.init(root: root, actor: actor, medium: view.map { .video(view: $0) } ?? .audio, emotion: emotion, level: number, take: take)
    }

    /// `M003#angry#level_1#001`, its view the folder's when that is one (else front); `M003#front#angry#level_1#001`.
    private static func flattened(_ stem: String, folder: String?) throws(MEADPathProblem) -> MEADPath {
        let parts = stem.split(separator: "#").map { String($0).lowercased() }
        guard parts.count == 4 || parts.count == 5 else { throw MEADPathProblem.flattenedNameNotUnderstood }
        guard let actor = actorID(parts[0]) else { throw MEADPathProblem.flattenedNameWithoutActor }
        let folderView = folder.map { $0.lowercased() }.flatMap { views.contains($0) ? $0 : nil }
        let named = parts.count == 5 ? Array(parts[1...]) : [folderView ?? "front"] + parts[1...]
        return try MEADPath(root: nil, actor: actor, view: named[0], emotion: named[1], level: named[2], take: named[3])
    }

    public var view: String? {
        if case .video(let view) = medium { return view }
        return nil
    }

    /// The take's speech: every view of it speaks the same recording.
    public var speech: MEADPath {
        var speech = self
        speech.medium = .audio
        return speech
    }

    /// The file this names under `root`, in MEAD's spelling (`.mp4` video, `.m4a` speech); nil without a root.
    public var path: String? {
        guard let root else { return nil }
        let folders: [String]
        switch medium {
        case .video(let view): folders = [actor, "video", view, emotion, Self.levelFolder(level), take + ".mp4"]
        case .audio: folders = [actor, "audio", emotion, Self.levelFolder(level), take + ".m4a"]
        }
        let relative = folders.joined(separator: "/")
        if root.isEmpty { return relative }
        return root.hasSuffix("/") ? root + relative : root + "/" + relative
    }

    /// "M003", "w009" -> "M003", "W009"; nil for anything else.
    public static func actorID(_ name: String) -> String? {
        let upper = name.uppercased()
        guard upper.count == 4, let first = upper.first, first == "M" || first == "W",
              upper.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return upper
    }

    /// "LEVEL_2", "level_2", "level2" -> 2; nil outside 1-3.
    public static func level(_ name: String) -> Int? {
        let lowered = name.lowercased()
        guard lowered.hasPrefix("level") else { return nil }
        let digits = lowered.dropFirst(5).drop { $0 == "_" || $0 == "-" }
        return Int(digits).flatMap { levels.contains($0) ? $0 : nil }
    }

    /// 2 -> "level_2".
    public static func levelFolder(_ level: Int) -> String { "level_\(level)" }

    /// The actor a path names in any folder, for a file kept outside the tree (`portraits/M003/face.png`).
    public static func actorID(in path: String) -> String? {
        path.split(separator: "/").lazy.reversed().compactMap { actorID(String($0)) }.first
    }

    /// The view a path names in any folder, for a file kept outside the tree.
    public static func view(in path: String) -> String? {
        path.split(separator: "/").lazy.reversed().map { $0.lowercased() }.first { views.contains($0) }
    }
}
