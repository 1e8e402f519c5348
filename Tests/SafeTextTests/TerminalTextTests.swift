import ReproducibleTesting
import SafeText
import XCTest

/// The sanitiser every terminal-bound or data-bound piece of untrusted text goes through: `sanitize` shows escape
/// sequences as inert pictures, `strip` removes them, and the width functions lay text out in columns.
final class TerminalTextTests: XCTestCase {
    /// No byte that a terminal would act on: C0 controls, DEL and C1 controls.
    func assertInert(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for scalar in text.unicodeScalars {
            XCTAssertFalse(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value), "control U+\(String(scalar.value, radix: 16)) in \(text)", file: file, line: line)
        }
    }

    /// Each input, through `transform`, gives its expected text, and nothing in it a terminal would act on.
    func assertEach(_ cases: [(String, String)], through transform: (String) -> String,
                    file: StaticString = #filePath, line: UInt = #line) {
        for (input, expected) in cases {
            let output = transform(input)
            XCTAssertEqual(output, expected, input.debugDescription, file: file, line: line)
            assertInert(output, file: file, line: line)
        }
    }

    func testEscapeSequencesBecomeVisibleText() {
        let cases: [(String, String)] = [
            ("a\u{1B}[2J\u{1B}[1;1Hb", "a␛[2J␛[1;1Hb"),
            ("\u{1B}]0;pwned\u{07}title", "␛]0;pwned␇title"),
            ("\u{1B}]52;c;aGVsbG8=\u{1B}\\clip", "␛]52;c;aGVsbG8=␛\\clip"),
            ("\u{1B}Pq#0;2;0;0;0\u{1B}\\dcs", "␛Pq#0;2;0;0;0␛\\dcs"),
            ("\u{9B}31mred", "␛[31mred"),
            ("\u{9D}0;x\u{9C}after", "␛]0;x␛\\after"),
            ("bell\u{07}back\u{08}del\u{7F}", "bell␇back␈del␡"),
            ("tab\there\r\nnext", "tab here next"),
            ("\u{202E}evil", "\u{FFFD}evil"),
            ("\u{1B}7saved\u{1B}8", "␛7saved␛8"),
        ]
        assertEach(cases, through: { TerminalText.sanitize($0) })
        XCTAssertEqual(TerminalText.sanitize("one\ntwo", keepNewlines: true), "one\ntwo")
        XCTAssertEqual(TerminalText.sanitize("plain text, ünïcode 表情"), "plain text, ünïcode 表情")
    }

    func testUnterminatedSequencesAreStillInert() {
        for input in ["\u{1B}", "\u{1B}[", "\u{1B}]0;never ends", "\u{1B}[38;5", "\u{9D}x"] {
            assertInert(TerminalText.sanitize(input))
        }
    }

    func testWidthsAndWrapping() {
        XCTAssertEqual(TerminalText.columns("abc"), 3)
        XCTAssertEqual(TerminalText.columns("表情"), 4)
        XCTAssertEqual(TerminalText.columns("e\u{301}"), 1)
        XCTAssertEqual(TerminalText.truncate("abcdefgh", width: 5), "abcd…")
        XCTAssertEqual(TerminalText.wrap("the quick brown fox", width: { _ in 10 }), ["the quick", "brown fox"])
        XCTAssertEqual(TerminalText.wrap("aaaaaaaaaaaaa", width: { _ in 5 }), ["aaaaa", "aaaaa", "aaa"])
        XCTAssertEqual(TerminalText.wrap("one two three", width: { $0 == 0 ? 3 : 20 }), ["one", "two three"])
        XCTAssertEqual(TerminalText.wrap("a\nb", width: { _ in 10 }), ["a", "b"])
        for line in TerminalText.wrap(String(repeating: "表", count: 15), width: { _ in 7 }) {
            XCTAssertLessThanOrEqual(TerminalText.columns(line), 7)
        }
    }

    func testC1ControlsShowAsTheirEscapeForms() {
        let cases: [(String, String)] = [
            ("\u{90}q#0\u{9C}after", "␛Pq#0␛\\after"),
            ("a\u{85}b", "a␛Eb"),
            ("\u{9E}pm\u{07}x", "␛^pm␇x"),
            ("\u{9F}apc\u{1B}\\y", "␛_apc␛\\y"),
        ]
        assertEach(cases, through: { TerminalText.sanitize($0) })
    }

    func testSanitizesEscapeSequencesAndControls() {
        XCTAssertEqual(TerminalText.strip("a\u{1B}[2Jb\u{1B}]0;title\u{07}c\rd\u{9B}31me"), "abcde")
        XCTAssertEqual(TerminalText.strip("line\nnext\ttab"), "line\nnext\ttab")
        XCTAssertEqual(TerminalText.strip("line\nnext", keepNewlines: false), "line next")
    }

    func testStripRemovesEverySequenceWhole() {
        let cases: [(String, String)] = [
            ("\u{1B}[38;5;196mred\u{1B}[0m", "red"),
            ("a\u{1B}]52;c;aGVsbG8=\u{1B}\\b", "ab"),
            ("a\u{1B}Pq#0;2\u{1B}\\b", "ab"),
            ("a\u{1B}_apc\u{1B}\\b\u{1B}^pm\u{07}c\u{1B}Xsos\u{1B}\\d", "abcd"),
            ("a\u{9D}0;title\u{9C}b\u{90}dcs\u{9C}c\u{85}d", "abcd"),
            ("bell\u{07}del\u{7F}nul\u{0}", "belldelnul"),
            ("ok\u{1B}]0;a title that never ends", "ok"),
            ("\u{202E}evil", "\u{FFFD}evil"),
        ]
        assertEach(cases, through: { TerminalText.strip($0) })
        XCTAssertEqual(TerminalText.sanitize("tab\there"), "tab here", "sanitize turns a tab into a space; strip keeps it")
    }

    func testColumnsOfControlsMarksAndWideScalars() {
        XCTAssertEqual(TerminalText.columns("a\u{07}b\u{9B}"), 2, "controls take no column")
        XCTAssertEqual(TerminalText.columns("a\u{200B}b"), 2, "a zero-width space takes none")
        XCTAssertEqual(TerminalText.columns("\u{1F600}"), 2)
        XCTAssertEqual(TerminalText.columns("\u{FF21}한"), 4, "fullwidth Latin and Hangul are wide")
        XCTAssertEqual(TerminalText.columns(""), 0)
    }

    func testTruncationCountsColumnsNotCharacters() {
        XCTAssertEqual(TerminalText.truncate("abcde", width: 5), "abcde", "text that fits is unchanged")
        XCTAssertEqual(TerminalText.truncate("abc", width: 0), "")
        XCTAssertEqual(TerminalText.truncate("表情表情", width: 5), "表情…")
        XCTAssertEqual(TerminalText.truncate("表情表情", width: 4), "表…", "a wide character that would cross the edge is left out")
        for width in 1...9 {
            XCTAssertLessThanOrEqual(TerminalText.columns(TerminalText.truncate("表a情b表c", width: width)), width)
        }
        XCTAssertEqual(TerminalText.wrap("", width: { _ in 10 }), [""])
    }

    /// Each scalar was appended with `UnicodeScalarView.append(contentsOf:)`, which copies the growing view: 500 KB
    /// of a model's reason took seconds to strip. Text, escape sequences and controls, at n and 4n.
    func testStripAndSanitizeGrowLinearly() {
        func text(_ size: Int) -> String { String(repeating: "a reason \u{1B}[31mred\u{1B}[0m\u{7}é\t", count: size / 24) }
        assertLinearGrowth("strip", from: 50_000) { size in
            let input = text(size)
            return { _ = TerminalText.strip(input) }
        }
        assertLinearGrowth("sanitize", from: 50_000) { size in
            let input = text(size)
            return { _ = TerminalText.sanitize(input) }
        }
    }

    /// What a message shows of a long text: at most the limit in bytes, cut where a scalar starts, and how much more.
    func testExcerptKeepsAtMostTheLimitAndSaysHowMuchMore() {
        XCTAssertEqual(TerminalText.excerpt("short", maxBytes: 5), "short", "text within the limit is unchanged")
        XCTAssertEqual(TerminalText.excerpt("abcdef", maxBytes: 4), "abcd… (2 bytes more)")
        XCTAssertEqual(TerminalText.excerpt("ééé", maxBytes: 3), "é… (4 bytes more)", "never half of a two-byte scalar")
        XCTAssertEqual(TerminalText.excerpt("😀😀", maxBytes: 5), "😀… (4 bytes more)")
        XCTAssertEqual(TerminalText.excerpt("abc", maxBytes: 0), "… (3 bytes more)")
        let long = String(repeating: "x", count: 2_000_000)
        let shown = TerminalText.excerpt(long, maxBytes: 2048)
        XCTAssertEqual(shown, String(repeating: "x", count: 2048) + "… (1997952 bytes more)")
    }
}
