import FACSKnowledge
import MediaIO
import Foundation
@testable import ReviewQueue
import SafeText
import Store
import AnnotationRecord
import TestSupport
import XCTest

final class TerminalTextTests: XCTestCase {
    /// No byte that a terminal would act on: C0 controls, DEL and C1 controls.
    func assertInert(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for scalar in text.unicodeScalars {
            XCTAssertFalse(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value), "control U+\(String(scalar.value, radix: 16)) in \(text)", file: file, line: line)
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
        for (input, expected) in cases {
            let output = TerminalText.sanitize(input)
            XCTAssertEqual(output, expected)
            assertInert(output)
        }
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

    func testTokenCountsAreCLIPs() {
        // transformers' CLIP tokenizer: "a photo of a cat" -> 49406 320 1125 539 320 2368 49407.
        XCTAssertEqual(PromptTokenCount.count("a photo of a cat"), 7)
        XCTAssertEqual(PromptTokenCount.count(""), 2)
        XCTAssertEqual(PromptTokenCount.count("don't worry"), 5)
        XCTAssertGreaterThan(PromptTokenCount.count(String(repeating: "smiling face, ", count: 30)) ?? 0, PromptTokenCount.budget)
    }

    func testHalfBlockRowsCarryTopAndBottomColours() {
        let pixels = RGBPixels(width: 2, height: 2, bytes: [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30])
        let rows = HalfBlockPicture.rows(pixels, color: .trueColor)
        XCTAssertEqual(rows.count, 1)
        XCTAssertTrue(rows[0].contains("\u{1B}[38;2;255;0;0;48;2;0;0;255m▀"))
        XCTAssertTrue(rows[0].contains("\u{1B}[38;2;0;255;0;48;2;10;20;30m▀"))
        let palette = HalfBlockPicture.rows(pixels, color: .palette256)
        XCTAssertTrue(palette[0].contains("38;5;196;48;5;21m"), palette[0])
        XCTAssertEqual(HalfBlockPicture.rows(pixels, color: .none), [])
        XCTAssertEqual(TerminalColorSupport.detect(["TERM": "xterm", "COLORTERM": "truecolor"]), .trueColor)
        XCTAssertEqual(TerminalColorSupport.detect(["TERM": "dumb"]), .none)
        XCTAssertEqual(TerminalColorSupport.detect(["TERM": "xterm-256color", "NO_COLOR": "1"]), .none)
    }

    func testKeyDecoding() {
        XCTAssertEqual(ReviewKey.decode(Array("a/".utf8)), [.character("a"), .character("/")])
        XCTAssertEqual(ReviewKey.decode([0x1B, 0x5B, 0x41, 0x1B, 0x5B, 0x36, 0x7E, 0x0D, 0x7F, 0x1B]), [.up, .pageDown, .enter, .backspace, .escape])
        XCTAssertEqual(ReviewKey.decode(Array("é".utf8)), [.character("é")])
        XCTAssertEqual(ReviewKey.decode([0x1B, 0x5B, 0x32, 0x30, 0x30, 0x7E, 0x71]), [.character("q")], "an unknown sequence is dropped whole")
    }

    func testPromptEditFileRoundTrip() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ProjectStore(path: folder.appendingPathComponent("r.sqlite").path)
        let detail = try store.show(id: store.addAnnotation(sampleAnnotation()))
        let text = PromptEditFile.render(detail)
        let parsed = try PromptEditFile.parse(text)
        XCTAssertEqual(parsed, PromptEditFile.Contents(coarse: detail.current.coarsePrompt, fine: detail.current.finePrompt, aus: ["6C", "12C"]))
        let edited = try PromptEditFile.parse("[fine]\nnew fine\n[aus]\n6C+12D, 25\n[coarse]\nnew coarse\n")
        XCTAssertEqual(edited, PromptEditFile.Contents(coarse: "new coarse", fine: "new fine", aus: ["6C", "12D", "25"]))
        XCTAssertThrowsError(try PromptEditFile.parse("[coarse]\nonly coarse\n"))
    }

    func testScreenFitsAndShowsWhatACuratorNeeds() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ProjectStore(path: folder.appendingPathComponent("r.sqlite").path)
        var annotation = sampleAnnotation(findings: [Finding(severity: .warning, kind: .missingCoreAU, codes: [25], message: "lips part is missing")])
        annotation.finePrompt = "smile \u{1B}]0;HACKED\u{07} wide \u{1B}[2J" + String(repeating: " and more words", count: 20)
        _ = try store.addAnnotation(annotation)
        let session = ReviewSession(store: store, curator: "ann")
        session.start()
        for (width, height) in [(80, 24), (120, 40), (100, 30)] {
            let size = ReviewScreen.pictureSize(width: width, height: height)
            let pixels = RGBPixels(width: size.columns, height: 2 * size.rows, bytes: Array(repeating: 128, count: size.columns * 2 * size.rows * 3))
            let screen = ReviewScreen(width: width, height: height, color: .trueColor, picture: HalfBlockPicture.rows(pixels, color: .trueColor))
            let lines = screen.lines(session)
            XCTAssertEqual(lines.count, height)
            for line in lines { XCTAssertLessThanOrEqual(line.columns, width - 1, line.plainText) }
            let text = lines.map(\.plainText).joined(separator: "\n")
            XCTAssertTrue(text.contains("#1  PENDING"), text)
            XCTAssertTrue(text.contains("/77 CLIP tokens"), text)
            XCTAssertTrue(text.contains("12C Lip corner puller"), text)
            XCTAssertTrue(text.contains("pending 1 · approved 0 · rejected 0"), text)
        }
        let frame = ReviewScreen(width: 80, height: 24, color: .trueColor).frame(session)
        XCTAssertFalse(frame.contains("\u{1B}]0;"), "the injected title sequence never reaches the terminal")
        XCTAssertFalse(frame.contains("\u{1B}[2J"))
        XCTAssertTrue(frame.contains("␛]0;HACKED␇"))
        let tiny = ReviewScreen(width: 30, height: 8, color: .none).lines(session)
        XCTAssertEqual(tiny.count, 8)
        XCTAssertTrue(tiny[0].plainText.hasPrefix("terminal too small"))
    }

    func testSessionKeysDecideAndMoveOn() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ProjectStore(path: folder.appendingPathComponent("r.sqlite").path)
        _ = try store.addAnnotations((0..<3).map { sampleAnnotation($0) })
        let session = ReviewSession(store: store, curator: "ann")
        session.start()
        XCTAssertEqual(session.detail?.id, 1)
        XCTAssertTrue(session.holdsCurrent)
        XCTAssertEqual(session.handle(.character("a")), .redraw)
        XCTAssertEqual(session.detail?.id, 2)
        XCTAssertEqual(session.counts.approved, 1)
        _ = session.handle(.character("r"))
        XCTAssertEqual(session.mode, .pickingReason)
        _ = session.handle(.character("2"))
        XCTAssertEqual(session.mode, .writingNote(.wrongEmotion))
        for character in "sad" { _ = session.handle(.character(character)) }
        _ = session.handle(.enter)
        XCTAssertEqual(try store.show(id: 2).decisions.last?.note, "sad")
        XCTAssertEqual(session.detail?.id, 3)
        _ = session.handle(.character("u"))
        XCTAssertEqual(session.detail?.id, 2)
        XCTAssertEqual(session.detail?.status, .pending)
        _ = session.handle(.character("/"))
        for _ in 0..<40 { _ = session.handle(.backspace) }
        for character in "status=approved" { _ = session.handle(.character(character)) }
        _ = session.handle(.enter)
        XCTAssertEqual(session.detail?.id, 1)
        XCTAssertFalse(session.isQueueMode)
        guard case .edit(let text) = session.handle(.character("e")) else { return XCTFail("e opens the editor") }
        session.finishEdit(text.replacingOccurrences(of: "[fine]\n", with: "[fine]\nsharper "))
        XCTAssertEqual(try store.show(id: 1).status, .pending, "an edit sends an approved item back to pending")
        XCTAssertEqual(session.handle(.character("q")), .quit)
        session.close()
        XCTAssertEqual(try store.activeClaims(), [], "leaving the screen gives back every claim")
    }
}

final class ReferenceFrameDecoderTests: XCTestCase {
    func testWideImageIsFittedAndCentredOnBlack() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("wide.png").path
        let red = RGBImage(width: 64, height: 32, filledWith: (red: 250, green: 10, blue: 10))
        try ImageEncoding.png(red).write(to: URL(fileURLWithPath: path))
        let pixels = try MediaIOFrameDecoder().decodeFrame(path: path, width: 16, height: 16)
        XCTAssertEqual(pixels.width, 16)
        XCTAssertEqual(pixels.height, 16)
        XCTAssertEqual(pixels.pixel(x: 8, y: 0).0, 0, "the band above the picture is black")
        XCTAssertGreaterThan(pixels.pixel(x: 8, y: 8).0, 200, "the middle is the red image")
        XCTAssertEqual(pixels.pixel(x: 8, y: 15).0, 0, "the band below the picture is black")
        XCTAssertTrue(PictureSource.isPicture(path: path))
        XCTAssertFalse(PictureSource.isPicture(path: "data/mead/M003/unit_happy_2"))
        XCTAssertThrowsError(try MediaIOFrameDecoder().decodeFrame(path: folder.appendingPathComponent("missing.png").path, width: 16, height: 16))
    }
}
