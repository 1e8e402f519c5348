import Foundation

/// CLIP's byte-level BPE tokenizer, id for id equal to transformers' `CLIPTokenizer` as Stable Diffusion 1.5
/// pipelines call it (`padding="max_length", max_length=77, truncation=True`).
public final class CLIPTokenizer: @unchecked Sendable {
    public static let maximumLength = 77

    public let vocabulary: [String: Int]
    public let startToken: Int
    public let endToken: Int
    private let ranks: [SymbolPair: Int]
    private let tokensByID: [Int: String]
    private var cache: [String: [Int]] = [:]
    private let cacheLock = NSLock()

    /// A tokenizer from a vocabulary (token to id) and merges in rank order.
    public init(vocabulary: [String: Int], merges: [(String, String)]) throws {
        guard let start = vocabulary["<|startoftext|>"], let end = vocabulary["<|endoftext|>"] else {
            throw CLIPTokenizerError.invalidVocabulary("the vocabulary lacks <|startoftext|> or <|endoftext|>")
        }
        self.vocabulary = vocabulary
        startToken = start
        endToken = end
        var ranks: [SymbolPair: Int] = [:]
        for (rank, merge) in merges.enumerated() where ranks[SymbolPair(merge.0, merge.1)] == nil {
            ranks[SymbolPair(merge.0, merge.1)] = rank
        }
        self.ranks = ranks
        tokensByID = Dictionary(vocabulary.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
    }

    /// A checkpoint's `tokenizer/vocab.json` and `tokenizer/merges.txt`.
    public convenience init(vocabularyFile: URL, mergesFile: URL) throws {
        let vocabulary: [String: Int]
        do {
            vocabulary = try JSONDecoder().decode([String: Int].self, from: Data(contentsOf: vocabularyFile))
        } catch {
            throw CLIPTokenizerError.invalidVocabulary("\(vocabularyFile.path): \(error)")
        }
        let mergesText = try String(contentsOf: mergesFile, encoding: .utf8)
        try self.init(vocabulary: vocabulary, merges: Self.parseMerges(mergesText))
    }

    /// OpenAI's construction from merges alone: the 256 byte symbols, the same with `</w>`, one token per merge,
    /// then `<|startoftext|>` and `<|endoftext|>`.
    public convenience init(mergesText: String) throws {
        let merges = try Self.parseMerges(mergesText)
        let bytes = ByteLevelAlphabet.vocabularyOrder.map { String($0) }
        let tokens = bytes + bytes.map { $0 + "</w>" } + merges.map { $0.0 + $0.1 } + ["<|startoftext|>", "<|endoftext|>"]
        try self.init(vocabulary: Dictionary(tokens.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first }),
                      merges: merges)
    }

    /// SD1.5's tokenizer from the merges compiled into this module (Resources/clip-merges.txt).
    public static func bundled() throws -> CLIPTokenizer {
        try bundledResult.get()
    }

    /// The bytes of the compiled-in merges file, as a checkpoint's `tokenizer/merges.txt` holds them.
    public static var bundledMerges: Data? { EmbeddedResources.data("Resources/clip-merges.txt") }

    private static let bundledResult: Result<CLIPTokenizer, Error> = Result {
        guard let data = bundledMerges, let text = String(data: data, encoding: .utf8) else {
            throw CLIPTokenizerError.invalidMerges("Resources/clip-merges.txt is not embedded")
        }
        return try CLIPTokenizer(mergesText: text)
    }

    static func parseMerges(_ text: String) throws -> [(String, String)] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let first = lines.first, first.hasPrefix("#version") { lines.removeFirst() }
        var merges: [(String, String)] = []
        for (number, line) in lines.enumerated() where !line.isEmpty {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw CLIPTokenizerError.invalidMerges("line \(number + 2) is not two symbols: \"\(line)\"")
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        return merges
    }

    // MARK: - Encoding

    /// The BPE ids of `text` without start/end tokens and without truncation.
    public func tokenize(_ text: String) -> [Int] {
        var ids: [Int] = []
        for segment in Self.splitOnSpecialTokens(text) {
            switch segment {
            case .special(let word): ids.append(vocabulary[word]!)
            case .text(let raw):
                for word in CLIPPreTokenizer.words(CLIPPreTokenizer.normalize(raw)) { ids += encodeWord(word) }
            }
        }
        return ids
    }

    /// The 77 ids a Stable Diffusion pipeline feeds the text encoder: start, at most 75 tokens, end, then
    /// `<|endoftext|>` padding.
    public func encode(_ text: String, padded: Bool = true) -> [Int] {
        let body = tokenize(text).prefix(Self.maximumLength - 2)
        var ids = [startToken] + body + [endToken]
        if padded { ids += [Int](repeating: endToken, count: Self.maximumLength - ids.count) }
        return ids
    }

    /// Tokens `text` takes including the start and end tokens, before truncation: a prompt fits the text
    /// encoder when this is at most 77.
    public func tokenCount(_ text: String) -> Int { tokenize(text).count + 2 }

    /// The vocabulary entry of `id` as text: bytes restored, the end-of-word mark `</w>` shown as a space.
    public func tokenText(_ id: Int) -> String? {
        guard let token = tokensByID[id] else { return nil }
        if CLIPPreTokenizer.specialWords.contains(token) { return token }
        let endOfWord = token.hasSuffix("</w>")
        let symbols = endOfWord ? String(token.dropLast(4)) : token
        let bytes = symbols.compactMap { ByteLevelAlphabet.bytes[$0] }
        return String(decoding: bytes, as: UTF8.self) + (endOfWord ? " " : "")
    }

    private enum Segment { case special(String), text(String) }

    /// Special tokens written in the text itself are matched exactly before any cleanup, as transformers does.
    private static func splitOnSpecialTokens(_ text: String) -> [Segment] {
        var segments: [Segment] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let hits = CLIPPreTokenizer.specialWords.compactMap { word in rest.range(of: word).map { (word, $0) } }
            guard let (word, range) = hits.min(by: { $0.1.lowerBound < $1.1.lowerBound }) else {
                segments.append(.text(String(rest)))
                break
            }
            if range.lowerBound > rest.startIndex { segments.append(.text(String(rest[..<range.lowerBound]))) }
            segments.append(.special(word))
            rest = rest[range.upperBound...]
        }
        return segments
    }

    private func encodeWord(_ word: String) -> [Int] {
        cacheLock.lock()
        if let cached = cache[word] {
            cacheLock.unlock()
            return cached
        }
        cacheLock.unlock()
        var symbols = Array(word.utf8).map { String(ByteLevelAlphabet.characters[Int($0)]) }
        guard !symbols.isEmpty else { return [] }
        symbols[symbols.count - 1] += "</w>"
        // Merge the lowest-ranked adjacent pair, leftmost first on ties, until no pair has a rank: the order in
        // which the tokenizers library's priority queue applies merges.
        while symbols.count > 1 {
            var best: (rank: Int, index: Int)?
            for index in 0..<(symbols.count - 1) {
                if let rank = ranks[SymbolPair(symbols[index], symbols[index + 1])], rank < (best?.rank ?? Int.max) {
                    best = (rank, index)
                }
            }
            guard let (_, index) = best else { break }
            symbols[index] += symbols[index + 1]
            symbols.remove(at: index + 1)
        }
        let ids = symbols.map { vocabulary[$0] ?? endToken }
        cacheLock.lock()
        if cache.count > 50_000 { cache.removeAll() }
        cache[word] = ids
        cacheLock.unlock()
        return ids
    }
}

private struct SymbolPair: Hashable {
    let left: String
    let right: String
    init(_ left: String, _ right: String) {
        self.left = left
        self.right = right
    }
}

public enum CLIPTokenizerError: Error, Equatable, CustomStringConvertible {
    case invalidVocabulary(String)
    case invalidMerges(String)

    public var description: String {
        switch self {
        case .invalidVocabulary(let reason): return "invalid CLIP vocabulary: \(reason)"
        case .invalidMerges(let reason): return "invalid CLIP merges: \(reason)"
        }
    }
}
