import CoTFA
import Foundation
import XCTest

/// Trimming to the token budget removed one phrase, word or character at a time and recounted the rest:
/// quadratic, so a 32 KB subject took two minutes. Bisection counts O(log n) times.
final class PromptBudgetLongTextTests: XCTestCase {
    func testHundredKilobyteWordIsTrimmedQuicklyAndFits() throws {
        let word = String(repeating: "zqxjkvbwpf", count: 10_000)
        for counter in [try CLIPPromptTokenCounter() as any PromptTokenCounter, ConservativeCLIPTokenEstimate()] {
            let budget = PromptBudget(counter: counter)
            let started = Date()
            let fitted = budget.fit(word)
            let seconds = Date().timeIntervalSince(started)
            XCTAssertLessThan(seconds, 2, "\(counter.name): \(seconds) s")
            XCTAssertTrue(budget.fits(fitted), counter.name)
            XCTAssertTrue(word.hasPrefix(fitted), counter.name)
            XCTAssertGreaterThan(fitted.count, 50, "\(counter.name) keeps as much as fits")
            XCTAssertFalse(budget.fits(String(word.prefix(fitted.count + 10))), "\(counter.name) keeps the longest prefix")
        }
    }

    func testManyPhrasesAndWordsAreTrimmedQuickly() throws {
        let budget = PromptBudget(counter: try CLIPPromptTokenCounter())
        let phrases = (0..<5_000).map { "lip corners pulled up \($0)" }.joined(separator: ", ")
        let started = Date()
        let fitted = budget.fit(phrases)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        XCTAssertTrue(budget.fits(fitted))
        XCTAssertTrue(fitted.hasPrefix("lip corners pulled up 0, lip corners pulled up 1"), fitted)
        XCTAssertFalse(fitted.hasSuffix(","))
    }

    /// The same cuts as the one-at-a-time loops on ordinary prompts: whole phrases first, then words.
    func testOrdinaryPromptsAreCutAtTheSamePlaces() {
        let budget = PromptBudget(limit: 12, counter: ConservativeCLIPTokenEstimate())
        XCTAssertEqual(budget.fit("a face"), "a face")
        XCTAssertEqual(budget.fit("brows raised, eyes wide, lips parted, jaw dropped"), "brows raised, eyes wide, lips parted")
        XCTAssertEqual(budget.fit("one two three four five six seven eight nine ten eleven twelve"), "one two three four five six seven eight nine ten")
    }
}
