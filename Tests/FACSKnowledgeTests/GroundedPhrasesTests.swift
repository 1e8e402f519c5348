import FACSKnowledge
import XCTest

final class GroundedPhrasesTests: XCTestCase {
    func testPhrasesComeFromTheTable() throws {
        let phrases = GroundedPhrases(table: try FACSTable.bundled())
        let aus = [ScoredAU(code: 6, intensity: .c), ScoredAU(code: 12, side: .right, intensity: .a), ScoredAU(code: 99)]
        XCTAssertEqual(phrases.actionNames(aus), "cheek raiser, lip corner puller")
        XCTAssertEqual(phrases.phrases(aus), [
            "cheek raiser (AU6C, orbicularis oculi, pars orbitalis)",
            "right lip corner puller (AU12A, zygomaticus major)",
        ])
        let movements = phrases.muscleMovements([ScoredAU(code: 12), ScoredAU(code: 26)])
        XCTAssertEqual(movements.first, "zygomaticus major: the corners of the mouth are pulled up and back toward the cheekbones, as in a smile")
        XCTAssertTrue(movements[1].hasPrefix("relaxed masseter and relaxed temporalis"))
    }
}
