import CLIPTokenization
import Foundation

/// Counts the tokens a prompt takes in the renderer's text encoder, start and end tokens included.
public protocol PromptTokenCounter: Sendable {
    /// A short name recorded in provenance ("clip-bpe", "conservative-estimate").
    var name: String { get }
    func tokenCount(_ text: String) -> Int
}

/// The exact count: SD1.5's CLIP tokenizer, the one the renderer's text encoder reads.
public struct CLIPPromptTokenCounter: PromptTokenCounter {
    public let name = "clip-bpe"
    private let tokenizer: CLIPTokenizer

    public init() throws { tokenizer = try CLIPTokenizer.bundled() }

    public func tokenCount(_ text: String) -> Int { tokenizer.tokenCount(text) }
}

/// An upper-bound estimate of CLIP BPE tokens for when the exact tokenizer is not at hand: start and end tokens,
/// one token per started five letters of a word (CLIP keeps common words whole and splits rare ones into
/// pieces of about that length), one per digit and one per punctuation mark.
public struct ConservativeCLIPTokenEstimate: PromptTokenCounter {
    public let name = "conservative-estimate"

    public init() {}

    public func tokenCount(_ text: String) -> Int {
        var count = 2
        var letters = 0
        func endWord() {
            count += (letters + 4) / 5
            letters = 0
        }
        for character in text.lowercased() {
            if character.isLetter {
                letters += 1
                continue
            }
            endWord()
            if character.isWhitespace { continue }
            count += 1  // digits and punctuation: one each at most
        }
        endWord()
        return count
    }
}

/// The text budget of the renderer's encoder, and how to shorten a prompt into it.
public struct PromptBudget: Sendable {
    /// CLIP's context: 77 tokens including the start and end tokens.
    public static let clipContext = 77

    public let limit: Int
    public let counter: any PromptTokenCounter

    public init(limit: Int = PromptBudget.clipContext, counter: any PromptTokenCounter = ConservativeCLIPTokenEstimate()) {
        self.limit = limit
        self.counter = counter
    }

    public func fits(_ text: String) -> Bool { counter.tokenCount(text) <= limit }

    /// Drops whole trailing phrases (comma or semicolon separated) until the text fits, then trailing words,
    /// then trailing characters; returns the text unchanged when it already fits.
    ///
    /// Each cut is found by galloping then bisecting over how many phrases, words or characters to keep, so the
    /// work follows the length kept (a few hundred characters), not the length given: removing one piece at a
    /// time and recounting the rest was quadratic, and a 32 KB subject took minutes. A longer prefix takes at
    /// least as many tokens as a shorter one, except for the odd BPE merge across the cut; whatever the search
    /// lands on always fits.
    public func fit(_ text: String) -> String {
        guard !fits(text) else { return text }
        let phrases = text.split(whereSeparator: { $0 == "," || $0 == ";" }).map { $0.trimmingCharacters(in: .whitespaces) }
        let keptPhrases = longestFittingPrefix(atLeast: 1, atMost: phrases.count) { phrases.prefix($0).joined(separator: ", ") }
        let words = phrases.prefix(keptPhrases).joined(separator: ", ").split(separator: " ").map(String.init)
        let keptWords = longestFittingPrefix(atLeast: 1, atMost: words.count) { words.prefix($0).joined(separator: " ") }
        var result = words.prefix(keptWords).joined(separator: " ")
        if !fits(result) {
            let characters = Array(result)
            let kept = longestFittingPrefix(atLeast: 0, atMost: characters.count) { String(characters.prefix($0)) }
            result = String(characters.prefix(kept))
        }
        return result.trimmingCharacters(in: CharacterSet(charactersIn: " ,;:"))
    }

    /// The largest n in lower...upper whose `prefix(n)` fits, or `lower` when none above it does (the old
    /// one-at-a-time loops also stopped at their minimum). Gallops up from `lower` (1, 2, 4, ... more) until a
    /// prefix is too long, then bisects between the last two probes.
    func longestFittingPrefix(atLeast lower: Int, atMost upper: Int, _ prefix: (Int) -> String) -> Int {
        guard upper > lower else { return max(lower, upper) }
        var fitting = lower, step = 1
        var tooLong: Int
        while true {
            let probe = min(fitting + step, upper)
            guard fits(prefix(probe)) else {
                tooLong = probe
                break
            }
            fitting = probe
            if probe == upper { return upper }
            step *= 2
        }
        while tooLong - fitting > 1 {
            let middle = fitting + (tooLong - fitting) / 2
            if fits(prefix(middle)) { fitting = middle } else { tooLong = middle }
        }
        return fitting
    }
}
