import Foundation

/// Finds FACS codes in free text: "AU12", "AU 12", "au-12", "AU12C", "R12A", "1+2+5B+26", "AUs 1, 2 and 4",
/// official names and aliases ("lip corner puller", "lip-corner pullers") and muscles ("zygomaticus major").
/// A bare number counts only inside a '+' combination, with a side or intensity letter, or next to its own name
/// ("lips part 25"), so ages, counts and levels in prose are not read as codes. Unknown codes are reported.
public struct AUTextParser: Sendable {
    public let table: FACSTable
    private let codeChain: NSRegularExpression
    private let chainElement: NSRegularExpression
    private let namePattern: NSRegularExpression
    private let musclePattern: NSRegularExpression
    private let codeByName: [String: Int]
    private let codesByMuscle: [String: [Int]]

    public init(table: FACSTable) {
        self.table = table
        let element = #"(?:(?:AUs?|action[\s\-_]+units?)[\s\-_.#:]*)?[LRU]?\d{1,3}[A-E]?"#
        let joiner = #"\s*(?:\+|,\s*(?:and\s+)?|&|\band\b|/)\s*"#
        codeChain = try! NSRegularExpression(
            pattern: #"(?<![A-Za-z0-9])"# + element + "(?:" + joiner + element + #")*(?![A-Za-z0-9])"#,
            options: [.caseInsensitive])
        chainElement = try! NSRegularExpression(
            pattern: #"(?<![A-Za-z0-9])((?:AUs?|action[\s\-_]+units?)[\s\-_.#:]*)?([LRU])?(\d{1,3})([A-E])?(?![0-9])"#,
            options: [.caseInsensitive])

        var names: [String: Int] = [:]
        var muscles: [String: Set<Int>] = [:]
        for code in table.codes where code.kind == .actionUnit || code.kind == .actionDescriptor || code.kind == .head || code.kind == .eye {
            for name in [code.name] + code.aliases {
                let key = FACSTable.normalized(name)
                // The first code to claim a name keeps it; aliases are chosen to be unique.
                if names[key] == nil { names[key] = code.code }
            }
            for muscle in code.muscles {
                muscles[FACSTable.muscleKey(muscle), default: []].insert(code.code)
                muscles[FACSTable.muscleBaseName(muscle), default: []].insert(code.code)
            }
        }
        codeByName = names
        codesByMuscle = muscles.mapValues { $0.sorted() }
        namePattern = Self.alternation(of: Array(names.keys), pluralSuffix: true)
        musclePattern = Self.alternation(of: Array(muscles.keys), pluralSuffix: false)
    }

    public func parse(_ text: String) -> AUParseResult {
        // A text that is nothing but FACS notation ("6C 12C 25", "12 15") is a list of codes, read exactly as
        // `ScoredAU.list(notation:)` reads `review edit --aus`: every number counts, bare ones included. The
        // prose rules below would drop a bare 25 or 15, and the store and the FACS commands would then disagree.
        if let notation = parseNotationList(text) { return notation }
        let ns = text as NSString
        let whole = NSRange(location: 0, length: ns.length)
        var mentions: [(range: NSRange, mention: AUMention)] = []
        var unknown: [UnknownAUMention] = []
        var ambiguous: [AmbiguousMention] = []
        var bareNumbers: [(range: NSRange, code: Int)] = []
        // Linear in the text however many mentions it holds (a model's prompt may name hundreds): the character
        // offset of every UTF-16 position is found in one walk, and what is taken is marked position by position,
        // where counting from the start for each match and comparing it with every earlier match was quadratic.
        var characterOffsets = [Int](repeating: 0, count: ns.length + 1)
        var position = 0, characterCount = 0
        for character in text {
            let width = character.utf16.count
            for unit in position..<(position + width) { characterOffsets[unit] = characterCount }
            position += width
            characterCount += 1
        }
        characterOffsets[ns.length] = characterCount
        var taken = [Bool](repeating: false, count: ns.length)
        func offset(_ range: NSRange) -> Int { characterOffsets[range.location] }
        func overlapsTaken(_ range: NSRange) -> Bool { taken[range.location..<NSMaxRange(range)].contains(true) }
        func take(_ range: NSRange) { for unit in range.location..<NSMaxRange(range) { taken[unit] = true } }

        // Names first: a name such as "lips part" next to its number decides whether the number is a code.
        for match in namePattern.matches(in: text, range: whole) {
            let written = ns.substring(with: match.range)
            guard let number = lookUpName(written), let code = table.code(number) else { continue }
            take(match.range)
            mentions.append((match.range, AUMention(
                au: ScoredAU(code: number), name: code.name, text: written, offset: offset(match.range), source: .name)))
        }
        for match in musclePattern.matches(in: text, range: whole) where !overlapsTaken(match.range) {
            let written = ns.substring(with: match.range)
            let candidates = codesByMuscle[FACSTable.muscleKey(written)] ?? []
            take(match.range)
            if candidates.count == 1, let code = table.code(candidates[0]) {
                mentions.append((match.range, AUMention(
                    au: ScoredAU(code: code.code), name: code.name, text: written, offset: offset(match.range), source: .muscle)))
            } else if !candidates.isEmpty {
                ambiguous.append(AmbiguousMention(
                    text: written, offset: offset(match.range), candidates: candidates,
                    reason: "muscle \(written) acts in \(candidates.map { "AU\($0)" }.joined(separator: ", "))"))
            }
        }

        for chain in codeChain.matches(in: text, range: whole) where !overlapsTaken(chain.range) {
            let chainText = ns.substring(with: chain.range)
            let elements = chainElement.matches(in: text, range: chain.range)
            let explicit = elements.contains { $0.range(at: 1).location != NSNotFound }
            let affixed = elements.contains { $0.range(at: 2).location != NSNotFound || $0.range(at: 4).location != NSNotFound }
            let combined = chainText.contains("+")
            for element in elements {
                let number = Int(ns.substring(with: element.range(at: 3)))!
                guard explicit || affixed || combined else {
                    bareNumbers.append((element.range, number))
                    continue
                }
                let written = ns.substring(with: element.range)
                guard let code = table.code(number) else {
                    unknown.append(UnknownAUMention(
                        text: written.trimmingCharacters(in: .whitespaces), offset: offset(element.range), code: number,
                        reason: Self.unknownReason(number)))
                    continue
                }
                let side = element.range(at: 2).location == NSNotFound
                    ? nil : FACSSide(rawValue: ns.substring(with: element.range(at: 2)).uppercased())
                let intensity = element.range(at: 4).location == NSNotFound
                    ? nil : FACSIntensity(rawValue: ns.substring(with: element.range(at: 4)).uppercased())
                mentions.append((element.range, AUMention(
                    au: ScoredAU(code: number, side: side, intensity: intensity), name: code.name, text: written,
                    offset: offset(element.range), source: .code)))
            }
        }

        // A bare number right beside a mention of the same code ("lips part 25", "25 (lips part)") confirms it.
        // Only mentions that end or start within a few positions of the number can, so only those are looked at.
        let nearby = Self.maxConfirmingGap
        var endingAt: [Int: [Int]] = [:], startingAt: [Int: [Int]] = [:]
        for (index, entry) in mentions.enumerated() where entry.mention.source != .code {
            endingAt[NSMaxRange(entry.range), default: []].append(index)
            startingAt[entry.range.location, default: []].append(index)
        }
        for bare in bareNumbers {
            let before = (max(0, bare.range.location - nearby)...bare.range.location).flatMap { endingAt[$0] ?? [] }
            let after = (NSMaxRange(bare.range)...(NSMaxRange(bare.range) + nearby)).flatMap { startingAt[$0] ?? [] }
            let confirmed = (before + after).map { mentions[$0] }.contains { entry in
                guard entry.mention.au.code == bare.code, entry.mention.source != .code else { return false }
                let gap = bare.range.location >= NSMaxRange(entry.range)
                    ? NSRange(location: NSMaxRange(entry.range), length: bare.range.location - NSMaxRange(entry.range))
                    : NSRange(location: NSMaxRange(bare.range), length: max(0, entry.range.location - NSMaxRange(bare.range)))
                let between = ns.substring(with: gap)
                return between.count <= Self.maxConfirmingGap && between.allSatisfy { " \t(:=-–#".contains($0) }
            }
            if confirmed, let code = table.code(bare.code) {
                mentions.append((bare.range, AUMention(
                    au: ScoredAU(code: bare.code), name: code.name, text: ns.substring(with: bare.range),
                    offset: offset(bare.range), source: .code)))
            }
        }

        let ordered = mentions.sorted { $0.range.location < $1.range.location }.map(\.mention)
        return AUParseResult(
            mentions: ordered,
            unknown: unknown.sorted { $0.offset < $1.offset },
            ambiguous: ambiguous.sorted { $0.offset < $1.offset })
    }

    /// The most characters between a bare number and the name that confirms it, each one UTF-16 unit.
    private static let maxConfirmingGap = 4

    /// The list as notation when every token is notation; nil for anything else (prose, an empty text).
    private func parseNotationList(_ text: String) -> AUParseResult? {
        let tokens = text.split(whereSeparator: ScoredAU.isNotationSeparator)
        guard !tokens.isEmpty else { return nil }
        var mentions: [AUMention] = []
        var unknown: [UnknownAUMention] = []
        // Each token's offset counted on from the last one's, not from the start of the text again.
        var offset = 0
        var counted = text.startIndex
        for token in tokens {
            guard let au = ScoredAU(notation: String(token)) else { return nil }
            offset += text.distance(from: counted, to: token.startIndex)
            counted = token.startIndex
            if let code = table.code(au.code) {
                mentions.append(AUMention(au: au, name: code.name, text: String(token), offset: offset, source: .code))
            } else {
                unknown.append(UnknownAUMention(text: String(token), offset: offset, code: au.code, reason: Self.unknownReason(au.code)))
            }
        }
        return AUParseResult(mentions: mentions, unknown: unknown, ambiguous: [])
    }

    private func lookUpName(_ written: String) -> Int? {
        let key = FACSTable.normalized(written)
        if let number = codeByName[key] { return number }
        if key.hasSuffix("s") { return codeByName[String(key.dropLast())] }
        return nil
    }

    static func unknownReason(_ number: Int) -> String {
        number == 3 ? "AU3 exists only in Baby FACS, not in adult FACS" : "AU\(number) is not a FACS code"
    }

    /// One case-insensitive regex matching any phrase, longest first, with flexible spacing and hyphens.
    private static func alternation(of phrases: [String], pluralSuffix: Bool) -> NSRegularExpression {
        let sorted = phrases.filter { !$0.isEmpty }.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
        let alternatives = sorted.map { phrase in
            phrase.split(separator: " ").map { NSRegularExpression.escapedPattern(for: String($0)) }
                .joined(separator: #"[\s\-_,]+"#)
        }
        let suffix = pluralSuffix ? "s?" : ""
        return try! NSRegularExpression(
            pattern: #"(?<![A-Za-z])(?:"# + alternatives.joined(separator: "|") + ")" + suffix + #"(?![A-Za-z])"#,
            options: [.caseInsensitive])
    }
}
