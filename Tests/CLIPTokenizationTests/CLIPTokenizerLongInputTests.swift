import CLIPTokenization
import Foundation
import XCTest

/// Tokenising one long word rescanned every pair after every merge: quadratic, so an 8 KB subject took 6 s and
/// 32 KB two minutes. The merge queue makes it O(n log n) with the same ids.
final class CLIPTokenizerLongInputTests: XCTestCase {
    func testHundredKilobyteWordTokenisesQuickly() throws {
        let tokenizer = try CLIPTokenizer.bundled()
        let word = String(repeating: "zqxjkvbwpf", count: 10_000)  // 100 KB, no space, few merges apply
        let started = Date()
        let ids = tokenizer.tokenize(word)
        let seconds = Date().timeIntervalSince(started)
        XCTAssertLessThan(seconds, 2, "100 KB one-word text took \(seconds) s")
        XCTAssertGreaterThan(ids.count, 10_000)
        XCTAssertEqual(tokenizer.encode(word).count, CLIPTokenizer.maximumLength)
    }

    func testManySpecialTokensSplitQuickly() throws {
        let tokenizer = try CLIPTokenizer.bundled()
        let text = String(repeating: "<|endoftext|>a", count: 8_000)  // 112 KB
        let started = Date()
        let ids = tokenizer.tokenize(text)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        XCTAssertEqual(ids.count, 16_000)
        XCTAssertEqual(ids.prefix(2), [tokenizer.endToken, tokenizer.vocabulary["a</w>"]!])
    }

    /// The merge queue against the rescanning loop it replaced, on long words where their orders could differ.
    func testLongWordsGiveTheIdsOfTheRescanningLoop() throws {
        let tokenizer = try CLIPTokenizer.bundled()
        let text = String(decoding: try XCTUnwrap(CLIPTokenizer.bundledMerges), as: UTF8.self)
        let reference = RescanningBPE(mergesText: text, vocabulary: tokenizer.vocabulary)
        var generator = SystemRandomNumberGenerator()
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
