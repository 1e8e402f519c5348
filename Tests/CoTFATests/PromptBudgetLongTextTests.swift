import CoTFA
import Foundation
import ReproducibleTesting
import XCTest

/// Trimming to the token budget removed one phrase, word or character at a time and recounted the rest:
/// quadratic, so a 32 KB subject took two minutes. Bisection counts O(log n) times. The cost is compared at n and
/// 4n (`Growth`): a limit of 2 s failed at 2.18 s on a loaded machine.
final class PromptBudgetLongTextTests: XCTestCase {
    func testALongWordIsTrimmedInTimeLinearInItsLengthAndFits() throws {
        for counter in [try CLIPPromptTokenCounter() as any PromptTokenCounter, ConservativeCLIPTokenEstimate()] {
            let budget = PromptBudget(counter: counter)
            assertLinearGrowth(counter.name, from: 5_000) { size in
                let word = String(repeating: "zqxjkvbwpf", count: size / 10)
                return { _ = budget.fit(word) }
            }
            let word = String(repeating: "zqxjkvbwpf", count: 10_000)
            let fitted = budget.fit(word)
            XCTAssertTrue(budget.fits(fitted), counter.name)
            XCTAssertTrue(word.hasPrefix(fitted), counter.name)
            XCTAssertGreaterThan(fitted.count, 50, "\(counter.name) keeps as much as fits")
            XCTAssertFalse(budget.fits(String(word.prefix(fitted.count + 10))), "\(counter.name) keeps the longest prefix")
        }
    }

    func testManyPhrasesAndWordsAreTrimmedInTimeLinearInTheirNumber() throws {
        let budget = PromptBudget(counter: try CLIPPromptTokenCounter())
        assertLinearGrowth("phrases", from: 500) { size in
            let phrases = (0..<size).map { "lip corners pulled up \($0)" }.joined(separator: ", ")
            return { _ = budget.fit(phrases) }
        }
        let fitted = budget.fit((0..<5_000).map { "lip corners pulled up \($0)" }.joined(separator: ", "))
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
