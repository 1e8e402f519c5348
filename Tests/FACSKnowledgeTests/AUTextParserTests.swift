import FACSKnowledge
import ReproducibleTesting
import XCTest

final class AUTextParserTests: XCTestCase {
    var parser: AUTextParser!

    override func setUpWithError() throws {
        parser = AUTextParser(table: try FACSTable.bundled())
    }

    private func notation(_ text: String) -> [String] { parser.parse(text).aus.map(\.description) }

    func testTheIssueExampleFindsEveryAU() {
        let result = parser.parse("Brows raised (AU1+AU2), R12A, lips part 25 and jaw drop (AU 26C)")
        XCTAssertEqual(result.aus.map(\.description), ["1", "2", "R12A", "25", "26C"])
        XCTAssertTrue(result.unknown.isEmpty)
        XCTAssertEqual(result.mentions.first?.text, "AU1")
        XCTAssertEqual(result.mentions.first?.offset, 14)
    }

    func testCodeSpellings() {
        let cases: [(String, [String])] = [
            ("AU12", ["12"]), ("AU 12", ["12"]), ("au12", ["12"]), ("Au-12", ["12"]), ("AU_12", ["12"]),
            ("AU#12", ["12"]), ("AU: 12", ["12"]), ("AU12C", ["12C"]), ("au12c", ["12C"]), ("R12A", ["R12A"]),
            ("L12", ["L12"]), ("U14B", ["U14B"]), ("12+25", ["12", "25"]), ("6 + 12", ["6", "12"]),
            ("1+2+5B+26", ["1", "2", "5B", "26"]), ("AUs 1, 2 and 4", ["1", "2", "4"]), ("AU1/AU2", ["1", "2"]),
            ("action unit 12", ["12"]), ("Action Units 6 & 12", ["6", "12"]), ("(AU6)", ["6"]), ("AU6, AU12.", ["6", "12"]),
            ("12C", ["12C"]), ("AU45 blink", ["45"]),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(notation(text), expected, text)
        }
    }

    /// A text made only of notation is a list of codes, read as `ScoredAU.list(notation:)` reads `review edit
    /// --aus`: bare numbers count, which the prose rules would drop.
    func testANotationListKeepsEveryCodeAsTheStoreDoes() throws {
        for text in ["6C 12C 25", "12 15", "6C, 12C + 25 17", "R12A\t14"] {
            XCTAssertEqual(notation(text), try ScoredAU.list(notation: text).map(\.description), text)
        }
        XCTAssertEqual(notation("6C 12C 25"), ["6C", "12C", "25"])
        let offsets = parser.parse("6C 12C 25").mentions.map(\.offset)
        XCTAssertEqual(offsets, [0, 3, 7])
        let unknown = parser.parse("12 99")
        XCTAssertEqual(unknown.aus.map(\.description), ["12"])
        XCTAssertEqual(unknown.unknown.map(\.code), [99])
        // Prose is still prose: a count or a level is not a code.
        XCTAssertEqual(notation("25 participants"), [])
        XCTAssertEqual(notation("level 3"), [])
    }

    func testNamesAliasesAndMuscles() {
        let cases: [(String, [String])] = [
            ("lip corner puller", ["12"]), ("Lip-Corner Pullers", ["12"]), ("LIP CORNER PULLER", ["12"]),
            ("cheek raiser and lip corner puller", ["6", "12"]), ("zygomaticus major", ["12"]),
            ("the zygomaticus  major contracts", ["12"]), ("corrugator supercilii", ["4"]),
            ("orbicularis oculi, pars orbitalis", ["6"]), ("inner brow raiser", ["1"]),
            ("brow lowerer, upper lid raiser, lid tightener, lip tightener", ["4", "5", "7", "23"]),
            ("nose wrinkler", ["9"]), ("jaw drop", ["26"]), ("a furrowed brow", ["4"]), ("dimpler", ["14"]),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(notation(text), expected, text)
        }
    }

    func testNameAndCodeOfTheSameAUMerge() {
        XCTAssertEqual(notation("lip corner puller (AU12C) and AU12"), ["12C"])
        XCTAssertEqual(notation("R12A then AU12"), ["R12A"])
        XCTAssertEqual(notation("jaw drop 26"), ["26"])
        XCTAssertEqual(notation("26 (jaw drop)"), ["26"])
    }

    func testNumbersInProseAreNotCodes() {
        for text in ["a woman in her 30s", "level 3", "25 participants", "take 12 steps", "2024-05-01", "at 10:30",
                     "version 1.2", "1/2 of the face", "page 12 of 26", ""] {
            let result = parser.parse(text)
            XCTAssertEqual(result.aus, [], text)
            XCTAssertEqual(result.unknown, [], text)
        }
    }

    func testUnknownCodesAreReportedNotDropped() {
        let result = parser.parse("AU99 and AU3, also 12+77")
        XCTAssertEqual(result.unknown.map(\.code), [99, 3, 77])
        XCTAssertTrue(result.unknown[1].reason.contains("Baby FACS"))
        XCTAssertEqual(result.aus.map(\.description), ["12"])
    }

    func testAmbiguousMusclesAreReportedWithCandidates() {
        let result = parser.parse("the frontalis lifts and the orbicularis oris tightens")
        XCTAssertEqual(result.aus, [])
        XCTAssertEqual(result.ambiguous.map(\.candidates), [[1, 2], [8, 22, 23, 24, 25, 28]])
    }

    func testGarbageNeverCrashesAndFindsNothing() {
        var generator = SplitMix64(seed: 0xFAC5)
        let alphabet = Array("AUaulrRLE0123456789+ ,-_#()[]{}\\\"'\u{1b}\u{7}\n\té漢😀")
        for _ in 0..<300 {
            let length = Int.random(in: 0...60, using: &generator)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
            let result = parser.parse(text)
            for mention in result.mentions { XCTAssertNotNil(parser.table.code(mention.au.code), text) }
        }
        XCTAssertEqual(parser.parse("\u{1b}[31mhello\u{1b}[0m qwerty zzz").aus, [])
    }
}
