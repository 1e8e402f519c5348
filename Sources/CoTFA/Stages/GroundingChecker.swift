import SafeText
import FACSKnowledge
import Foundation

/// What grounding made of a reasoning run: the AUs that survive the table, the findings for curators, and
/// prompts that are marked and fitted to the encoder's budget.
public struct GroundingReport: Sendable {
    public var aus: [ScoredAU]
    public var findings: [Finding]
    public var coarsePrompt: String
    public var finePrompt: String
}

/// Checks every AU and muscle a model names against the FACS table. Unknown codes are dropped from the AU list
/// and marked "[unverified:AU99]" wherever a prompt still names them, so they never reach the renderer unmarked.
struct GroundingChecker: Sendable {
    static let unverifiedPrefix = "[unverified:"

    let table: FACSTable
    let parser: AUTextParser
    let budget: PromptBudget

    init(table: FACSTable, budget: PromptBudget) {
        self.table = table
        parser = AUTextParser(table: table)
        self.budget = budget
    }

    func check(
        emotion: String, level: EmotionLevel, actionUnits: [ActionUnitAnalysis.Entry], muscles: MuscleAnalysis?, prompts: PromptDesign
    ) -> GroundingReport {
        var findings: [Finding] = []
        var aus: [ScoredAU] = []
        for entry in actionUnits {
            switch scoredAU(code: entry.code, intensity: entry.intensity) {
            case .au(let au):
                if let index = aus.firstIndex(where: { $0.code == au.code && $0.side == au.side }) {
                    aus[index].intensity = max(aus[index].intensity ?? au.intensity ?? .a, au.intensity ?? .a)
                } else {
                    aus.append(au)
                }
            case .problem(let finding):
                findings.append(finding)
            }
        }
        findings += AUSetValidator(table: table).validate(aus, emotion: emotion, level: level)
        if let muscles { findings += checkMuscles(muscles, analysed: Set(aus.map(\.code))) }

        let marked = markUnknownCodes(in: prompts.finePrompt, findings: &findings)
        let coarse = fitted(TerminalText.strip(prompts.coarsePrompt, keepNewlines: false), label: "coarse", findings: &findings)
        let fine = fitted(marked, label: "fine", findings: &findings)
        // Checked on what the renderer will read, after fitting.
        findings += mentionsOutsideAnalysis(fine, analysed: Set(aus.map(\.code)))
        return GroundingReport(aus: aus, findings: findings, coarsePrompt: coarse, finePrompt: fine)
    }

    // MARK: Stage II codes

    enum CodeReading {
        case au(ScoredAU)
        case problem(Finding)
    }

    private static let codePattern = try! NSRegularExpression(
        pattern: #"^\s*(?:AU|action\s+unit)?\s*[-#:]?\s*([LRU])?\s*(\d{1,3})\s*([A-E])?\s*$"#, options: [.caseInsensitive])

    /// "AU12", "R12", "12C", "AU 6" or an official name; the intensity field gives the letter.
    func scoredAU(code text: String, intensity: String) -> CodeReading {
        let ns = text as NSString
        let letter = FACSIntensity(rawValue: intensity.uppercased())
        if let match = Self.codePattern.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)) {
            let number = Int(ns.substring(with: match.range(at: 2)))!
            guard table.code(number) != nil else {
                let reason = number == 3 ? "AU3 exists only in Baby FACS, not in adult FACS" : "AU\(number) is not a FACS code"
                return .problem(Finding(
                    severity: .error, kind: .unknownCode, codes: [number],
                    message: "the analysis names \"\(text)\": \(reason); it is left out of the AU list"))
            }
            let side = match.range(at: 1).location == NSNotFound ? nil : FACSSide(rawValue: ns.substring(with: match.range(at: 1)).uppercased())
            let written = match.range(at: 3).location == NSNotFound ? nil : FACSIntensity(rawValue: ns.substring(with: match.range(at: 3)).uppercased())
            return .au(ScoredAU(code: number, side: side, intensity: letter ?? written))
        }
        let named = table.resolve(text)
        if named.count == 1 {
            return .au(ScoredAU(code: named[0].code, intensity: letter))
        }
        return .problem(Finding(
            severity: .error, kind: .unknownCode, codes: named.map(\.code),
            message: "the analysis names \"\(text)\", which is not one FACS code or name; it is left out of the AU list"))
    }

    // MARK: Stage III muscles

    private func checkMuscles(_ analysis: MuscleAnalysis, analysed: Set<Int>) -> [Finding] {
        var findings: [Finding] = []
        for entry in analysis.muscles {
            guard case .au(let au) = scoredAU(code: entry.au, intensity: ""), let code = table.code(au.code) else {
                findings.append(Finding(
                    severity: .warning, kind: .unknownCode, codes: [],
                    message: "the muscle analysis describes \"\(entry.au)\", which is not a FACS code"))
                continue
            }
            if !analysed.contains(au.code) {
                findings.append(Finding(
                    severity: .warning, kind: .auNotInAnalysis, codes: [au.code],
                    message: "the muscle analysis describes AU\(au.code) (\(code.name)), which the action-unit analysis did not find"))
            }
            for muscle in entry.muscles where !Self.muscle(muscle, matchesAnyOf: code.muscles) {
                let owners = table.codes.filter { $0.kind == .actionUnit && Self.muscle(muscle, matchesAnyOf: $0.muscles) }.map(\.code)
                let elsewhere = owners.isEmpty ? "the table lists it for no AU" : "the table lists it for \(owners.map { "AU\($0)" }.joined(separator: ", "))"
                let listed = code.muscles.isEmpty ? "no muscle" : code.muscles.joined(separator: "; ")
                findings.append(Finding(
                    severity: .warning, kind: .muscleMismatch, codes: [au.code] + owners,
                    message: "\"\(muscle)\" does not produce AU\(au.code) (\(code.name): \(listed)); \(elsewhere)"))
            }
        }
        return findings
    }

    /// Loose anatomical matching: word stems of six letters ("zygomatic" = "zygomaticus"), filler words ignored,
    /// and either name may be the shorter form of the other ("levator labii superioris" for "... alaeque nasi").
    static func muscle(_ named: String, matchesAnyOf tableMuscles: [String]) -> Bool {
        let namedStems = stems(named)
        guard !namedStems.isEmpty else { return false }
        return tableMuscles.contains { entry in
            let entryStems = stems(entry)
            let baseStems = stems(String(entry.split(whereSeparator: { $0 == "," || $0 == "(" }).first ?? Substring(entry)))
            return Set(namedStems).isSubset(of: Set(entryStems)) || (!baseStems.isEmpty && Set(baseStems).isSubset(of: Set(namedStems)))
        }
    }

    private static let fillerWords: Set<String> = ["muscle", "muscles", "the", "of", "m", "mm", "pars", "and", "relaxed", "part", "portion"]

    private static func stems(_ text: String) -> [String] {
        text.lowercased()
            .split(whereSeparator: { !$0.isLetter })
            .map(String.init)
            .filter { !fillerWords.contains($0) }
            .map { String($0.prefix(6)) }
    }

    // MARK: Prompts

    /// Wraps every unknown code in the fine prompt as "[unverified:AU99]" and reports it.
    private func markUnknownCodes(in prompt: String, findings: inout [Finding]) -> String {
        let clean = TerminalText.strip(prompt, keepNewlines: false)
        let unknown = parser.parse(clean).unknown
        guard !unknown.isEmpty else { return clean }
        // One walk from the start, mention by mention: finding each offset from the start again was quadratic.
        var marked = ""
        var cursor = clean.startIndex
        var cursorOffset = 0
        for mention in unknown.sorted(by: { $0.offset < $1.offset }) where mention.offset >= cursorOffset {
            let start = clean.index(cursor, offsetBy: mention.offset - cursorOffset)
            let end = clean.index(start, offsetBy: mention.text.count)
            marked += clean[cursor..<start]
            marked += Self.unverifiedPrefix + mention.text.replacingOccurrences(of: " ", with: "") + "]"
            cursor = end
            cursorOffset = mention.offset + mention.text.count
        }
        marked += clean[cursor...]
        findings += unknown.map {
            Finding(
                severity: .error, kind: .unknownCode, codes: [$0.code],
                message: "the fine prompt names \"\($0.text)\": \($0.reason); marked as unverified")
        }
        return marked
    }

    private func mentionsOutsideAnalysis(_ prompt: String, analysed: Set<Int>) -> [Finding] {
        var seen: Set<Int> = []
        return parser.parse(prompt).mentions.compactMap { mention in
            guard !analysed.contains(mention.au.code), seen.insert(mention.au.code).inserted else { return nil }
            return Finding(
                severity: .warning, kind: .auNotInAnalysis, codes: [mention.au.code],
                message: "the fine prompt mentions AU\(mention.au.code) (\(mention.name), as \"\(mention.text)\"), which the action-unit analysis did not find")
        }
    }

    /// The prompt cut to the budget, losing what matters least first: trailing phrases that name no AU, then,
    /// only if that is not enough, phrases that do; the finding quotes what was cut, and names any AU lost (a
    /// warning: the renderer will not read it).
    ///
    /// How many phrases to keep is searched for (`PromptBudget.longestFittingPrefix`), as `PromptBudget.fit`
    /// does: dropping one phrase at a time and recounting the rest was quadratic in the phrases.
    private func fitted(_ prompt: String, label: String, findings: inout [Finding]) -> String {
        guard !budget.fits(prompt) else { return prompt }
        let before = budget.counter.tokenCount(prompt)
        let phrases = prompt.split(whereSeparator: { $0 == "," || $0 == ";" }).map { $0.trimmingCharacters(in: .whitespaces) }
        // First the phrases after the first that name no AU, from the end: keep as many of them as fit.
        let optional = phrases.indices.filter { $0 > 0 && Self.mentionedCodes(phrases[$0]).isEmpty }
        func keeping(optional count: Int) -> [String] {
            let dropping = Set(optional.dropFirst(count))
            return phrases.indices.filter { !dropping.contains($0) }.map { phrases[$0] }
        }
        let keptOptional = budget.longestFittingPrefix(atLeast: 0, atMost: optional.count) { keeping(optional: $0).joined(separator: ", ") }
        let remaining = keeping(optional: keptOptional)
        // Then trailing phrases, whatever they name, down to the first.
        let keptPhrases = budget.longestFittingPrefix(atLeast: 1, atMost: remaining.count) { remaining.prefix($0).joined(separator: ", ") }
        let dropped = Array(remaining.dropFirst(keptPhrases)) + optional.dropFirst(keptOptional).map { phrases[$0] }
        let result = budget.fit(remaining.prefix(keptPhrases).joined(separator: ", "))
        let lostCodes = Self.mentionedCodes(prompt).subtracting(Self.mentionedCodes(result)).sorted()
        let cut = dropped.isEmpty ? "trailing words" : "\"" + dropped.joined(separator: ", ") + "\""
        if lostCodes.isEmpty {
            findings.append(Finding(
                severity: .info, kind: .promptOverBudget, codes: [],
                message: "the \(label) prompt took \(before) tokens (\(budget.counter.name)), over the budget of \(budget.limit); cut: \(cut)"))
        } else {
            findings.append(Finding(
                severity: .warning, kind: .promptOverBudget, codes: lostCodes,
                message: "the \(label) prompt took \(before) tokens, over the budget of \(budget.limit): \(lostCodes.map { "AU\($0)" }.joined(separator: ", ")) cut with \(cut)"))
        }
        return result
    }

    /// AU numbers written as "AU12", "AU12C" or "R12A"-style codes with the AU prefix.
    static func mentionedCodes(_ text: String) -> Set<Int> {
        var codes = Set<Int>()
        var scanner = text[...]
        while let range = scanner.range(of: "AU", options: .caseInsensitive) {
            let digits = scanner[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
            if let code = Int(digits.prefix(3)) { codes.insert(code) }
            scanner = scanner[range.upperBound...]
        }
        return codes
    }
}
