import CLIPTokenization
import Foundation
import ReproducibleTesting
import XCTest

/// Tokenising one long word rescanned every pair after every merge: quadratic, so an 8 KB subject took 6 s and
/// 32 KB two minutes. The merge queue makes it O(n log n) with the same ids. The cost is compared at n and 4n
/// (`Growth`), never against a wall-clock limit, which a loaded machine breaks.
final class CLIPTokenizerLongInputTests: XCTestCase {
    func testALongWordTokenisesInTimeLinearInItsLength() throws {
        let tokenizer = try CLIPTokenizer.bundled()
        // No space and few merges apply: the longest words the tokenizer meets.
        func word(_ size: Int) -> String { String(repeating: "zqxjkvbwpf", count: size / 10) }
        assertLinearGrowth("one word", from: 5_000) { size in
            let text = word(size)
            return { _ = tokenizer.tokenize(text) }
        }
        let ids = tokenizer.tokenize(word(100_000))
        XCTAssertGreaterThan(ids.count, 10_000)
        XCTAssertEqual(tokenizer.encode(word(100_000)).count, CLIPTokenizer.maximumLength)
    }

    func testManySpecialTokensSplitInTimeLinearInTheirNumber() throws {
        let tokenizer = try CLIPTokenizer.bundled()
        assertLinearGrowth("special tokens", from: 1_000) { size in
            let text = String(repeating: "<|endoftext|>a", count: size)
            return { _ = tokenizer.tokenize(text) }
        }
        let ids = tokenizer.tokenize(String(repeating: "<|endoftext|>a", count: 8_000))
        XCTAssertEqual(ids.count, 16_000)
        XCTAssertEqual(ids.prefix(2), [tokenizer.endToken, tokenizer.vocabulary["a</w>"]!])
    }

    /// Lowercasing appended each scalar's mapping with `UnicodeScalarView.append(contentsOf:)`, which copies the
    /// growing text every time: quadratic in the length of any text with capitals or not.
    func testCapitalisedTextTokenisesInTimeLinearInItsLength() throws {
        let tokenizer = try CLIPTokenizer.bundled()
        assertLinearGrowth("capitalised words", from: 40_000) { size in
            let text = String(repeating: "Cheek RAISER ", count: size / 13)
            return { _ = tokenizer.tokenize(text) }
        }
        XCTAssertEqual(tokenizer.tokenize("Cheek RAISER"), tokenizer.tokenize("cheek raiser"))
    }

    /// The merge queue against the rescanning loop it replaced, on long words where their orders could differ.
    func testLongWordsGiveTheIdsOfTheRescanningLoop() throws {
        let tokenizer = try CLIPTokenizer.bundled()
        let text = String(decoding: try XCTUnwrap(CLIPTokenizer.bundledMerges), as: UTF8.self)
        let reference = RescanningBPE(mergesText: text, vocabulary: tokenizer.vocabulary)
        var generator = SplitMix64(seed: 0xC11B)
        let pieces = ["ing", "tion", "th", "er", "an", "a", "e", "s", "lip", "brow", "raise", "cheek", "q", "zz", "ou"]
        for length in [50, 200, 600] {
            var word = ""
            while word.count < length { word += pieces.randomElement(using: &generator)! }
            XCTAssertEqual(tokenizer.tokenize(word), reference.encode(word), word)
        }
        for word in ["smiling", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "internationalisation", String(repeating: "ab", count: 300)] {
            XCTAssertEqual(tokenizer.tokenize(word), reference.encode(word), word)
        }
    }
}

/// The quadratic loop the tokenizer used before: merge the lowest-ranked adjacent pair, leftmost on ties.
private struct RescanningBPE {
    let ranks: [String: Int]
    let vocabulary: [String: Int]

    init(mergesText: String, vocabulary: [String: Int]) {
        var ranks: [String: Int] = [:]
        for (index, line) in mergesText.split(separator: "\n").filter({ !$0.hasPrefix("#version") }).enumerated() {
            let key = line.replacingOccurrences(of: " ", with: "\u{0}")
            if ranks[key] == nil { ranks[key] = index }
        }
        self.ranks = ranks
        self.vocabulary = vocabulary
    }

    func encode(_ word: String) -> [Int] {
        // Plain lowercase ASCII letters: each byte is its own byte-level symbol.
        var symbols = word.map { String($0) }
        symbols[symbols.count - 1] += "</w>"
        while symbols.count > 1 {
            var best: (rank: Int, index: Int)?
            for index in 0..<(symbols.count - 1) {
                if let rank = ranks[symbols[index] + "\u{0}" + symbols[index + 1]], rank < (best?.rank ?? Int.max) {
                    best = (rank, index)
                }
            }
            guard let (_, index) = best else { break }
            symbols[index] += symbols[index + 1]
            symbols.remove(at: index + 1)
        }
        return symbols.map { vocabulary[$0]! }
    }
}
