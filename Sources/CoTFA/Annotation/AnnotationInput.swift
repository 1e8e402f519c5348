import FACSKnowledge
import Foundation

/// The paper's ablation (Table 2): prompts from the label alone, one direct question, or the four-stage chain.
public enum AnnotationMode: String, Sendable, Codable, CaseIterable {
    case label
    case describe
    case cot
}

/// Who or what is annotated: a portrait image, a clip or a MEAD unit, with the metadata at hand.
/// Field for field what the review store keeps as a subject.
public struct AnnotationSubject: Codable, Sendable, Equatable {
    public var sourcePath: String
    /// "image", "clip" or "unit".
    public var kind: String
    /// A MEAD actor id such as "M003" or "W011".
    public var actorID: String?
    public var view: String?
    public var contentHash: String?
    /// A free description of the person ("a woman in her thirties with short dark hair").
    public var description: String?

    public init(
        sourcePath: String, kind: String = "image", actorID: String? = nil, view: String? = nil,
        contentHash: String? = nil, description: String? = nil
    ) {
        self.sourcePath = sourcePath
        self.kind = kind
        self.actorID = actorID
        self.view = view
        self.contentHash = contentHash
        self.description = description
    }
}

/// A portrait ready to send: JPEG bytes already scaled to the pixel budget.
public struct PortraitImage: Sendable, Equatable {
    public var jpeg: Data
    public var width: Int
    public var height: Int

    public init(jpeg: Data, width: Int, height: Int) {
        self.jpeg = jpeg
        self.width = width
        self.height = height
    }
}

/// One item to annotate.
public struct AnnotationInput: Sendable {
    public var subject: AnnotationSubject
    public var emotion: String
    public var level: EmotionLevel
    public var mode: AnnotationMode
    /// Sent in stage I (and in `describe`); nil or `textOnly` sends the subject's description instead.
    public var image: PortraitImage?
    /// For text-only models: describe the image in words rather than attaching it.
    public var textOnly: Bool

    public init(
        subject: AnnotationSubject, emotion: String, level: EmotionLevel = .moderate, mode: AnnotationMode = .cot,
        image: PortraitImage? = nil, textOnly: Bool = false
    ) {
        self.subject = subject
        self.emotion = emotion
        self.level = level
        self.mode = mode
        self.image = image
        self.textOnly = textOnly
    }

    /// The MEAD actor id's letter says how the corpus records the actor: M003 -> "man", W011 -> "woman".
    var actorPresentation: String? {
        guard let id = subject.actorID?.uppercased(), let first = id.first, id.dropFirst().allSatisfy(\.isNumber), id.count > 1 else { return nil }
        switch first {
        case "M": return "man"
        case "W": return "woman"
        default: return nil
        }
    }
}
