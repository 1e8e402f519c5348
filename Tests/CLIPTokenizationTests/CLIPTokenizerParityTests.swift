import CLIPTokenization
import Foundation
import TemporaryFolders
import XCTest

/// transformers 5.24 `CLIPTokenizer` (built from the same merges) on 210 prompts: every FACS name and muscle,
/// punctuation, digits, white space of every kind, non-ASCII scripts, emoji, special tokens and over-long
/// prompts (tokenizer-cases.json). Ids must be equal, not close.
final class CLIPTokenizerParityTests: XCTestCase {
    func testIdsEqualTransformersOnTheWholeCorpus() throws {
        let tokenizer = try CLIPTokenizer.bundled()
        let cases = try TokenizerCase.corpus()
        XCTAssertGreaterThanOrEqual(cases.count, 200)
        var mismatches = 0
        for entry in cases {
            let ids = tokenizer.encode(entry.text)
            if ids != entry.ids {
                mismatches += 1
                XCTFail("\(entry.text.debugDescription): \(ids.prefix(20)) vs \(entry.ids.prefix(20))")
            }
            XCTAssertEqual(tokenizer.tokenCount(entry.text), entry.tokenCount, entry.text.debugDescription)
        }
        XCTAssertEqual(mismatches, 0)
    }

    func testGoldenIdsOfSD15() throws {
        let tokenizer = try CLIPTokenizer.bundled()
        XCTAssertEqual(tokenizer.encode("a photo of a cat", padded: false), [49406, 320, 1125, 539, 320, 2368, 49407])
        XCTAssertEqual(tokenizer.encode("", padded: false), [49406, 49407])
        XCTAssertEqual(tokenizer.encode("don't worry", padded: false), [49406, 847, 713, 7534, 49407])
        XCTAssertEqual(tokenizer.vocabulary.count, 49408)
        let padded = tokenizer.encode("a photo of a cat")
        XCTAssertEqual(padded.count, 77)
        XCTAssertEqual(Array(padded.suffix(70)), [Int](repeating: 49407, count: 70))
    }

    func testTruncationKeepsStartAndEndTokens() throws {
        let tokenizer = try CLIPTokenizer.bundled()
        let long = String(repeating: "word ", count: 100)
        XCTAssertEqual(tokenizer.tokenCount(long), 102)
        let ids = tokenizer.encode(long)
        XCTAssertEqual(ids.count, 77)
        XCTAssertEqual(ids.first, 49406)
        XCTAssertEqual(ids.last, 49407)
    }

    func testTokenTextRestoresBytes() throws {
        let tokenizer = try CLIPTokenizer.bundled()
        XCTAssertEqual(tokenizer.encode("caf\u{e9} smile", padded: false).compactMap(tokenizer.tokenText).joined(),
                       "<|startoftext|>caf\u{e9} smile <|endoftext|>")
        XCTAssertNil(tokenizer.tokenText(-1))
    }

    func testVocabularyAndMergesFiles() throws {
        // A checkpoint-style tokenizer folder with a toy vocabulary exercises the file path and the merge order.
        let directory = try makeTemporaryFolder("tbd-tokenizer")
        defer { try? FileManager.default.removeItem(at: directory) }
        let vocabulary = ["a": 0, "b": 1, "a</w>": 2, "b</w>": 3, "ab": 4, "ab</w>": 5, "abab</w>": 6,
                          "<|startoftext|>": 7, "<|endoftext|>": 8]
        try JSONEncoder().encode(vocabulary).write(to: directory.appendingPathComponent("vocab.json"))
        try "#version: 0.2\na b\na b</w>\nab ab</w>\n".write(to: directory.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
        let tokenizer = try CLIPTokenizer(vocabularyFile: directory.appendingPathComponent("vocab.json"),
                                          mergesFile: directory.appendingPathComponent("merges.txt"))
        XCTAssertEqual(tokenizer.encode("abab ab ba", padded: false), [7, 6, 5, 1, 2, 8])
        try "a b c\n".write(to: directory.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CLIPTokenizer(vocabularyFile: directory.appendingPathComponent("vocab.json"),
                                               mergesFile: directory.appendingPathComponent("merges.txt")))
        XCTAssertThrowsError(try CLIPTokenizer(vocabulary: ["a": 0], merges: []), "no special tokens")
    }
}
