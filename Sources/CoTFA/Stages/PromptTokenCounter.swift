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

    /// Drops whole trailing phrases (comma or semicolon separated) until the text fits, then trailing words;
    /// returns the text unchanged when it already fits.
    public func fit(_ text: String) -> String {
        guard !fits(text) else { return text }
        var phrases = text.split(whereSeparator: { $0 == "," || $0 == ";" }).map { $0.trimmingCharacters(in: .whitespaces) }
        while phrases.count > 1, !fits(phrases.joined(separator: ", ")) { phrases.removeLast() }
        var words = phrases.joined(separator: ", ").split(separator: " ").map(String.init)
        while words.count > 1, !fits(words.joined(separator: " ")) { words.removeLast() }
        var result = words.joined(separator: " ")
        while !fits(result), !result.isEmpty { result.removeLast() }
        return result.trimmingCharacters(in: CharacterSet(charactersIn: " ,;:"))
    }
}
