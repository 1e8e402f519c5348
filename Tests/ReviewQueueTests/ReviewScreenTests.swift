import FACSKnowledge
import Foundation
@testable import ReviewQueue
import Store
import TestSupport
import XCTest

/// What the review screen draws: token counts, half-block pictures, and a whole frame at several sizes.
final class ReviewScreenTests: XCTestCase {
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
}
