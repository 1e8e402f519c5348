import AnnotationRecord
import FACSKnowledge
import Foundation

/// A stage's validated answer: read strictly from JSON, written back as canonical JSON and as readable text.
public protocol StageAnswer: Codable, Sendable, Equatable {
    init(reading reader: StrictJSONReaderValue) throws
    /// Lines for a terminal (already free of control characters).
    var readableText: String { get }
}

/// Opaque wrapper so the reader type stays internal while answers are public.
public struct StrictJSONReaderValue {
    let reader: StrictJSONReader
}

extension StageAnswer {
    /// Canonical compact JSON (sorted, snake_case keys): what is stored and carried into later stages.
    public var canonicalJSON: String {
        (try? ProjectJSON.string(self)) ?? "{}"
    }

    static func validated(_ json: JSONValue) throws -> Self {
        try Self(reading: StrictJSONReaderValue(reader: StrictJSONReader(json)))
    }
}

/// Stage I: the face as it appears.
public struct FacialInformation: StageAnswer {
    public var ageRange: String
    public var genderPresentation: String
    public var perceivedEthnicity: String
    public var hair: String
    public var notableFeatures: [String]

    public init(ageRange: String, genderPresentation: String, perceivedEthnicity: String, hair: String, notableFeatures: [String]) {
        self.ageRange = ageRange
        self.genderPresentation = genderPresentation
        self.perceivedEthnicity = perceivedEthnicity
        self.hair = hair
        self.notableFeatures = notableFeatures
    }

    public init(reading value: StrictJSONReaderValue) throws {
        let reader = value.reader
        ageRange = try reader.string("age_range")
        genderPresentation = try reader.string("gender_presentation")
        perceivedEthnicity = try reader.string("perceived_ethnicity")
        hair = try reader.string("hair")
        notableFeatures = try reader.strings("notable_features")
    }

    public var readableText: String {
        """
        age range: \(ageRange)
        gender presentation: \(genderPresentation)
        ethnicity (as perceived): \(perceivedEthnicity)
        hair: \(hair)
        notable features: \(notableFeatures.isEmpty ? "none noted" : notableFeatures.joined(separator: "; "))
        """
    }
}

/// Stage II: the active AUs with intensity letters and reasons.
public struct ActionUnitAnalysis: StageAnswer {
    public struct Entry: Codable, Sendable, Equatable {
        public var code: String
        public var intensity: String
        public var reason: String

        public init(code: String, intensity: String, reason: String) {
            self.code = code
            self.intensity = intensity
            self.reason = reason
        }
    }

    public var actionUnits: [Entry]

    public init(actionUnits: [Entry]) { self.actionUnits = actionUnits }

    public init(reading value: StrictJSONReaderValue) throws {
        actionUnits = try value.reader.array("action_units").map { item in
            let intensity = try item.string("intensity").uppercased()
            guard FACSIntensity(rawValue: intensity) != nil else {
                throw StrictJSONReader.Problem(description: "\(item.path).intensity must be one of A, B, C, D, E, not \"\(intensity)\"")
            }
            return Entry(code: try item.string("code"), intensity: intensity, reason: try item.string("reason"))
        }
    }

    public var readableText: String {
        actionUnits.isEmpty ? "no active action units" : actionUnits.map { "\($0.code) (\($0.intensity.isEmpty ? "no letter" : $0.intensity)): \($0.reason)" }.joined(separator: "\n")
    }
}

/// Stage III: the muscles behind each AU, how they act together, and how people differ.
public struct MuscleAnalysis: StageAnswer {
    public struct Entry: Codable, Sendable, Equatable {
        public var au: String
        public var muscles: [String]
        public var movement: String

        public init(au: String, muscles: [String], movement: String) {
            self.au = au
            self.muscles = muscles
            self.movement = movement
        }
    }

    public var muscles: [Entry]
    public var coordination: String
    public var individualVariation: String

    public init(muscles: [Entry], coordination: String, individualVariation: String) {
        self.muscles = muscles
        self.coordination = coordination
        self.individualVariation = individualVariation
    }

    public init(reading value: StrictJSONReaderValue) throws {
        let reader = value.reader
        muscles = try reader.array("muscles").map { item in
            Entry(au: try item.string("au"), muscles: try item.strings("muscles"), movement: try item.string("movement"))
        }
        coordination = try reader.string("coordination", allowEmpty: true)
        individualVariation = try reader.string("individual_variation", allowEmpty: true)
    }

    public var readableText: String {
        let lines = muscles.map { "\($0.au): \($0.muscles.joined(separator: ", ")) — \($0.movement)" }
        return (lines + ["together: \(coordination)", "individual variation: \(individualVariation)"]).joined(separator: "\n")
    }
}

/// Stage IV: the coarse (holistic) and fine (AU and muscle) prompts.
public struct PromptDesign: StageAnswer {
    public var coarsePrompt: String
    public var finePrompt: String

    public init(coarsePrompt: String, finePrompt: String) {
        self.coarsePrompt = coarsePrompt
        self.finePrompt = finePrompt
    }

    public init(reading value: StrictJSONReaderValue) throws {
        coarsePrompt = try value.reader.string("coarse_prompt")
        finePrompt = try value.reader.string("fine_prompt")
    }

    public var readableText: String { "coarse: \(coarsePrompt)\nfine: \(finePrompt)" }
}

/// The `describe` mode's single answer: no chain of thought, straight to AUs and prompts.
public struct DirectDescription: StageAnswer {
    public var description: String
    public var actionUnits: [String]
    public var coarsePrompt: String
    public var finePrompt: String

    public init(description: String, actionUnits: [String], coarsePrompt: String, finePrompt: String) {
        self.description = description
        self.actionUnits = actionUnits
        self.coarsePrompt = coarsePrompt
        self.finePrompt = finePrompt
    }

    public init(reading value: StrictJSONReaderValue) throws {
        let reader = value.reader
        description = try reader.string("description")
        actionUnits = try reader.strings("action_units")
        coarsePrompt = try reader.string("coarse_prompt")
        finePrompt = try reader.string("fine_prompt")
    }

    public var readableText: String {
        "\(description)\naction units: \(actionUnits.joined(separator: ", "))\ncoarse: \(coarsePrompt)\nfine: \(finePrompt)"
    }
}
