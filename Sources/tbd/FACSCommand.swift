import ArgumentParser
import FACSKnowledge
import Foundation

struct FACSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facs",
        abstract: "Look up, parse and validate FACS action units against the built-in table.",
        subcommands: [AU.self, Emotion.self, Search.self, Parse.self, Validate.self])
}

extension FACSCommand {
    struct AU: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one code: its name, muscles, region and appearance.",
            discussion: "Accepts a number (12, AU12), an official name or alias (\"lip corner puller\") or a muscle.")

        @Argument(help: "A code, name, alias or muscle.")
        var query: String
        @OptionGroup var output: JSONOption

        func run() throws {
            let table = try FACSTable.bundled()
            let found = table.resolve(query)
            guard !found.isEmpty else { throw CLIError("no FACS code matches '\(query)'") }
            if output.json {
                try printJSON(found.count == 1 ? AnyEncodable(CodeView(found[0])) : AnyEncodable(found.map(CodeView.init)))
            } else {
                for code in found { print(describe(code)) }
            }
        }

        private func describe(_ code: FACSCode) -> String {
            """
            \(code.label)  \(code.name)  [\(code.kind.rawValue.replacingOccurrences(of: "_", with: " ")), \(code.region)]
              muscles:    \(code.muscles.isEmpty ? "none" : code.muscles.joined(separator: "; "))
              appearance: \(code.appearance)
              detectors:  \(code.detectors.isEmpty ? "none" : code.detectors.joined(separator: ", "))
            """
        }
    }

    struct Emotion: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an emotion's prototype AUs, with intensity letters for a MEAD level.")

        @Argument(help: "angry, contempt, disgusted, fear, happy, neutral, sad or surprised (FACS nouns work too).")
        var name: String
        @Option(name: .long, help: "MEAD level: 1 Mild, 2 Moderate, 3 Intense.")
        var level: EmotionLevel = .moderate
        @OptionGroup var output: JSONOption

        func run() throws {
            let table = try FACSTable.bundled()
            guard let prototype = table.emotion(name) else {
                throw CLIError("unknown emotion '\(name)' (known: \(table.emotions.map(\.emotion).joined(separator: ", ")))")
            }
            let view = EmotionView(table: table, prototype: prototype, level: level)
            if output.json {
                try printJSON(view)
            } else {
                print("\(prototype.emotion) (\(prototype.facsEmotion)), level \(level.rawValue) \(level.word)")
                if view.aus.isEmpty { print("  no active action units") }
                for au in view.aus { print("  \(au.notation.padding(toLength: 6, withPad: " ", startingAt: 0)) \(au.name) — \(au.muscles.joined(separator: "; "))") }
                print("variants:")
                for variant in view.variants {
                    print("  \(variant.isDefault ? "*" : " ") \(variant.id): \(variant.notation.isEmpty ? "(none)" : variant.notation)  — \(variant.source)")
                }
            }
        }
    }

    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List codes whose name, alias, muscle or appearance contains every word of the text.")

        @Argument(help: "Words to look for.")
        var text: String
        @OptionGroup var output: JSONOption

        func run() throws {
            let found = try FACSTable.bundled().search(text)
            if output.json {
                try printJSON(found.map(CodeView.init))
            } else if found.isEmpty {
                print("no code matches '\(text)'")
            } else {
                for code in found { print("\(code.label.padding(toLength: 5, withPad: " ", startingAt: 0)) \(code.name) — \(code.muscles.joined(separator: "; "))") }
            }
        }
    }

    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find AU mentions in free text: codes, names, aliases and muscles; unknown codes are reported.")

        @Argument(help: "Text to read, for example \"Brows raised (AU1+AU2), R12A\".")
        var text: String
        @OptionGroup var output: JSONOption

        func run() throws {
            let result = AUTextParser(table: try FACSTable.bundled()).parse(text)
            if output.json {
                try printJSON(ParseView(result))
            } else {
                for mention in result.mentions {
                    print("\(mention.au.description.padding(toLength: 6, withPad: " ", startingAt: 0)) \(mention.name)  <- \"\(mention.text)\" at \(mention.offset)")
                }
                for unknown in result.unknown { print("unknown: \"\(unknown.text)\" at \(unknown.offset): \(unknown.reason)") }
                for ambiguous in result.ambiguous { print("ambiguous: \"\(ambiguous.text)\" at \(ambiguous.offset): \(ambiguous.reason)") }
                if result.mentions.isEmpty && result.unknown.isEmpty && result.ambiguous.isEmpty { print("no AU mentions found") }
            }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the AUs named in text against the table and, optionally, an emotion and level.",
            discussion: "Exits with status 1 when any finding is an error (unknown code, exclusive codes, unknown emotion).")

        @Argument(help: "Text naming AUs, for example \"AU6 + AU12C\".")
        var text: String
        @Option(name: .long, help: "Emotion to check against.")
        var emotion: String?
        @Option(name: .long, help: "MEAD level: 1 Mild, 2 Moderate, 3 Intense.")
        var level: EmotionLevel?
        @OptionGroup var output: JSONOption

        func run() throws {
            let table = try FACSTable.bundled()
            let aus = AUTextParser(table: table).parse(text).aus
            let findings = AUSetValidator(table: table).validate(text: text, emotion: emotion, level: level)
            let hasError = findings.contains { $0.severity == .error }
            if output.json {
                try printJSON(ValidationView(
                    aus: aus.map(\.description), emotion: emotion, level: level?.rawValue, valid: !hasError, findings: findings))
            } else {
                print("AUs: \(aus.isEmpty ? "none" : aus.map(\.description).joined(separator: " "))")
                if findings.isEmpty { print("no findings") }
                for finding in findings { print(finding) }
            }
            if hasError { throw ExitCode(1) }
        }
    }
}

// MARK: JSON views: the documented, stable output shapes.

struct CodeView: Encodable {
    let code: Int
    let label: String
    let name: String
    let kind: String
    let region: String
    let muscles: [String]
    let appearance: String
    let aliases: [String]
    let detectors: [String]

    init(_ code: FACSCode) {
        self.code = code.code
        label = code.label
        name = code.name
        kind = code.kind.rawValue
        region = code.region
        muscles = code.muscles
        appearance = code.appearance
        aliases = code.aliases
        detectors = code.detectors
    }
}

struct EmotionView: Encodable {
    struct AUView: Encodable {
        let code: Int
        let notation: String
        let side: String?
        let intensity: String?
        let name: String
        let muscles: [String]
    }
    struct VariantView: Encodable {
        let id: String
        let isDefault: Bool
        let notation: String
        let source: String
        let note: String?
    }
    let emotion: String
    let facsEmotion: String
    let level: Int
    let levelWord: String
    let aus: [AUView]
    let variants: [VariantView]
    let levelRule: String

    init(table: FACSTable, prototype: EmotionPrototype, level: EmotionLevel) {
        emotion = prototype.emotion
        facsEmotion = prototype.facsEmotion
        self.level = level.rawValue
        levelWord = level.word
        aus = table.expectedAUs(for: prototype, level: level).map { au in
            let code = table.code(au.code)
            return AUView(
                code: au.code, notation: au.description, side: au.side?.rawValue, intensity: au.intensity?.rawValue,
                name: code?.name ?? "", muscles: code?.muscles ?? [])
        }
        variants = prototype.variants.map {
            VariantView(id: $0.id, isDefault: $0.isDefault, notation: $0.aus.map(\.description).joined(separator: "+"), source: $0.source, note: $0.note)
        }
        levelRule = table.levels.choice
    }
}

struct ParseView: Encodable {
    let aus: [String]
    let mentions: [AUMention]
    let unknown: [UnknownAUMention]
    let ambiguous: [AmbiguousMention]

    init(_ result: AUParseResult) {
        aus = result.aus.map(\.description)
        mentions = result.mentions
        unknown = result.unknown
        ambiguous = result.ambiguous
    }
}

struct ValidationView: Encodable {
    let aus: [String]
    let emotion: String?
    let level: Int?
    let valid: Bool
    let findings: [Finding]
}
