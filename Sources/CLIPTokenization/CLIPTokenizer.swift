import Foundation
import FileAccess

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
            throw CLIPTokenizerError.invalidVocabulary(FileErrorText.describe(error, path: vocabularyFile.path))
        }
        let mergesText: String
        do { mergesText = try String(contentsOf: mergesFile, encoding: .utf8) } catch {
            throw CLIPTokenizerError.invalidMerges(FileErrorText.describe(error, path: mergesFile.path))
        }
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
    /// One forward scan: each position is compared with the special words once, so the split stays linear however
    /// many special tokens the text holds.
    private static func splitOnSpecialTokens(_ text: String) -> [Segment] {
        let scalars = Array(text.unicodeScalars)
        let specials = CLIPPreTokenizer.specialWords.map { Array($0.unicodeScalars) }
        var segments: [Segment] = []
        var textStart = 0
        var position = 0
        func flushText(upTo end: Int) {
            guard end > textStart else { return }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[textStart..<end])
            segments.append(.text(String(view)))
        }
        scan: while position < scalars.count {
            if scalars[position] == "<" {
                for (index, special) in specials.enumerated()
                where position + special.count <= scalars.count && scalars[position..<(position + special.count)].elementsEqual(special) {
                    flushText(upTo: position)
                    segments.append(.special(CLIPPreTokenizer.specialWords[index]))
                    position += special.count
                    textStart = position
                    continue scan
                }
            }
            position += 1
        }
        flushText(upTo: scalars.count)
        return segments
    }

    /// Words longer than this are not cached: a cache keyed by arbitrarily long words would hold on to them.
    private static let longestCachedWord = 256

    private func encodeWord(_ word: String) -> [Int] {
        let cacheable = word.utf8.count <= Self.longestCachedWord
        if cacheable {
            cacheLock.lock()
            if let cached = cache[word] {
                cacheLock.unlock()
                return cached
            }
            cacheLock.unlock()
        }
        let ids = bytePairMerge(word).map { vocabulary[$0] ?? endToken }
        if cacheable {
            cacheLock.lock()
            if cache.count > 50_000 { cache.removeAll() }
            cache[word] = ids
            cacheLock.unlock()
        }
        return ids
    }

    /// The word's BPE symbols. Merges the lowest-ranked adjacent pair, leftmost first on ties, until no pair has a
    /// rank: the order in which the tokenizers library's priority queue applies merges. The same queue is used
    /// here (candidate pairs in a min-heap on (rank, position), symbols in a linked list, stale candidates skipped
    /// when popped), so a word of n bytes costs O(n log n) rather than the O(n^2) of rescanning every pair after
    /// each merge: a 100 KB word with no spaces takes milliseconds, not minutes. No length cap is needed, so ids
    /// stay equal to transformers' for words of any length.
    private func bytePairMerge(_ word: String) -> [String] {
        var symbols = Array(word.utf8).map { String(ByteLevelAlphabet.characters[Int($0)]) }
        guard !symbols.isEmpty else { return [] }
        symbols[symbols.count - 1] += "</w>"
        let count = symbols.count
        var next = Array(1...count)   // next[i] == count: no right neighbour
        var previous = Array(-1..<(count - 1))
        var alive = [Bool](repeating: true, count: count)
        var queue = PairQueue()
        func consider(_ left: Int) {
            let right = next[left]
            guard left >= 0, right < count, let rank = ranks[SymbolPair(symbols[left], symbols[right])] else { return }
            queue.push(PairQueue.Candidate(rank: rank, position: left))
        }
        for index in 0..<(count - 1) { consider(index) }
        while let candidate = queue.pop() {
            let left = candidate.position
            guard alive[left], next[left] < count else { continue }
            let right = next[left]
            // A candidate is stale when either side has merged since it was queued: its pair's rank no longer matches.
            guard ranks[SymbolPair(symbols[left], symbols[right])] == candidate.rank else { continue }
            symbols[left] += symbols[right]
            alive[right] = false
            next[left] = next[right]
            if next[right] < count { previous[next[right]] = left }
            if previous[left] >= 0 { consider(previous[left]) }
            consider(left)
        }
        var merged: [String] = []
        var index = 0
        while index < count {
            merged.append(symbols[index])
            index = next[index]
        }
        return merged
    }
}

/// A min-heap of merge candidates ordered by rank, then position (leftmost first).
private struct PairQueue {
    struct Candidate {
        let rank: Int
        let position: Int
        func precedes(_ other: Candidate) -> Bool { (rank, position) < (other.rank, other.position) }
    }

    private var heap: [Candidate] = []

    mutating func push(_ candidate: Candidate) {
        heap.append(candidate)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Candidate? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < heap.count && heap[left].precedes(heap[smallest]) { smallest = left }
                if right < heap.count && heap[right].precedes(heap[smallest]) { smallest = right }
                guard smallest != parent else { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return top
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
