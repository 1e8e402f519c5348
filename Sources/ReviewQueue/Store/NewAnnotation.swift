import FACSKnowledge

/// What an annotation describes: a reference image, a clip or a unit of clips, as the pipeline saw it.
public struct SubjectInput: Codable, Sendable, Equatable {
    public var sourcePath: String
    /// "image", "clip" or "unit".
    public var kind: String
    public var actorID: String?
    public var view: String?
    public var contentHash: String?
    public var description: String?

    public init(
        sourcePath: String, kind: String, actorID: String? = nil, view: String? = nil,
        contentHash: String? = nil, description: String? = nil
    ) {
        self.sourcePath = sourcePath
        self.kind = kind
        self.actorID = actorID
        self.view = view
        self.contentHash = contentHash
        self.description = description
    }

    public static let kinds = ["image", "clip", "unit"]
}

/// One of the four chain-of-thought stages, kept verbatim so a curator can see how the prompts came about.
public struct StageOutput: Codable, Sendable, Equatable {
    /// 1...4.
    public var index: Int
    public var title: String
    /// What a curator reads.
    public var text: String
    /// The JSON request sent to the model, when there was one.
    public var request: String?
    public var rawReply: String?
    /// The stage's parsed result as JSON.
    public var parsed: String?

    public init(index: Int, title: String, text: String, request: String? = nil, rawReply: String? = nil, parsed: String? = nil) {
        self.index = index
        self.title = title
        self.text = text
        self.request = request
        self.rawReply = rawReply
        self.parsed = parsed
    }
}

/// Everything the pipeline or the batch annotator hands to the store; it enters as pending, revision 1.
public struct NewAnnotation: Codable, Sendable {
    public var subject: SubjectInput
    public var emotion: String
    /// MEAD level 1...3.
    public var level: Int
    /// "cot", "describe" or "label".
    public var mode: String
    /// For example "openai-chat" or "offline-facs-rules".
    public var backend: String
    public var endpoint: String?
    public var modelID: String?
    public var templateVersion: String
    public var stages: [StageOutput]
    public var coarsePrompt: String
    public var finePrompt: String
    /// FACS notation such as "6C" or "R12A".
    public var aus: [String]
    public var findings: [Finding]
    /// Tokens, latencies, temperature, seed, timestamps: free-form JSON kept as given.
    public var provenanceJSON: String

    public init(
        subject: SubjectInput, emotion: String, level: Int, mode: String, backend: String,
        endpoint: String? = nil, modelID: String? = nil, templateVersion: String, stages: [StageOutput],
        coarsePrompt: String, finePrompt: String, aus: [String], findings: [Finding], provenanceJSON: String = "{}"
    ) {
        self.subject = subject
        self.emotion = emotion
        self.level = level
        self.mode = mode
        self.backend = backend
        self.endpoint = endpoint
        self.modelID = modelID
        self.templateVersion = templateVersion
        self.stages = stages
        self.coarsePrompt = coarsePrompt
        self.finePrompt = finePrompt
        self.aus = aus
        self.findings = findings
        self.provenanceJSON = provenanceJSON
    }

    public static let modes = ["cot", "describe", "label"]
}
