import Foundation

/// Reads what a short description of a person says about age, gender presentation, hair and features,
/// for the offline reasoner's stage I. It only restates the description; it never guesses.
struct SubjectDescriptionReader {
    static let notStated = "not stated"

    private static let decades: [(String, String)] = [
        ("teens", "13-19"), ("twenties", "20-29"), ("thirties", "30-39"), ("forties", "40-49"),
        ("fifties", "50-59"), ("sixties", "60-69"), ("seventies", "70-79"), ("eighties", "80-89"),
    ]
    private static let ageWords: [(String, String)] = [
        ("middle-aged", "40-60"), ("middle aged", "40-60"), ("elderly", "65 and over"), ("old", "65 and over"),
        ("young", "18-30"), ("teenage", "13-19"), ("child", "under 13"),
    ]
    private static let female: Set<String> = ["woman", "female", "girl", "lady", "she", "her"]
    private static let male: Set<String> = ["man", "male", "boy", "gentleman", "he", "his"]
    private static let features = [
        "glasses", "spectacles", "sunglasses", "beard", "moustache", "mustache", "stubble", "goatee", "freckles",
        "earrings", "piercing", "hat", "cap", "headscarf", "make-up", "makeup", "lipstick", "wrinkles", "scar", "mole",
        "dimples", "suit", "uniform", "helmet",
    ]

    let text: String

    private var words: [String] {
        text.lowercased().split(whereSeparator: { !$0.isLetter && $0 != "-" }).map(String.init)
    }

    func genderPresentation(actorPresentation: String?) -> String {
        let found = Set(words)
        if !found.isDisjoint(with: Self.female) { return "female-presenting (as described)" }
        if !found.isDisjoint(with: Self.male) { return "male-presenting (as described)" }
        if let actorPresentation { return "\(actorPresentation == "woman" ? "female" : "male")-presenting (from the MEAD actor id)" }
        return Self.notStated
    }

    func ageRange() -> String {
        let lowered = text.lowercased()
        if let match = lowered.range(of: #"\b(\d{1,2})[\s-]*(?:years?|yrs?|y/?o)\b"#, options: .regularExpression) {
            let number = lowered[match].prefix { $0.isNumber }
            return "about \(number)"
        }
        for (word, range) in Self.decades where lowered.contains(word) { return range }
        for (word, range) in Self.ageWords where words.contains(word) || (word.contains(" ") && lowered.contains(word)) { return range }
        return Self.notStated
    }

    /// "short dark hair" from "a woman in her thirties with short dark hair"; "bald" when it says so.
    func hair() -> String {
        let list = words
        if list.contains("bald") { return "bald" }
        guard let end = list.firstIndex(where: { $0.hasSuffix("hair") || $0.hasSuffix("haired") }) else { return Self.notStated }
        var start = end
        while start > 0, end - start < 3, !Self.hairStops.contains(list[start - 1]), !Self.decades.contains(where: { $0.0 == list[start - 1] }) {
            start -= 1
        }
        return list[start...end].joined(separator: " ")
    }

    private static let hairStops: Set<String> = ["with", "and", "has", "a", "an", "her", "his", "their", "the", "in", "of", "wearing"]

    /// Known features by keyword, plus what the description says the person wears ("wearing a red scarf",
    /// "in a spacesuit").
    func notableFeatures() -> [String] {
        var found = Self.features.filter { words.contains($0) }
        let lowered = text.lowercased()
        let pattern = try! NSRegularExpression(pattern: #"\b(?:wearing|in)\s+(?:a|an)\s+([a-z][a-z -]{1,40}?)(?=\s*(?:,|;|\.|$|\band\b|\bwith\b))"#)
        for match in pattern.matches(in: lowered, range: NSRange(lowered.startIndex..., in: lowered)) {
            guard let range = Range(match.range(at: 1), in: lowered) else { continue }
            let item = String(lowered[range]).trimmingCharacters(in: .whitespaces)
            if !found.contains(where: { item.contains($0) }) { found.append(item) }
        }
        return found
    }
}
