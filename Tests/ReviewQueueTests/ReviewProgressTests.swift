import AnnotationRecord
import Foundation
@testable import ReviewQueue
import Store
import TestSupport
import XCTest

/// What a curator sees of their progress and of an edit's changes.
final class ReviewProgressTests: XCTestCase {
    private var folder: URL!
    private var store: ProjectStore!

    override func setUpWithError() throws {
        (store, folder) = try makeTemporaryStore()
    }

    override func tearDownWithError() throws {
        store = nil
        try? FileManager.default.removeItem(at: folder)
    }

    private func text(_ session: ReviewSession, width: Int = 200) -> String {
        ReviewScreen(width: width, height: 30, color: .none).lines(session).map(\.plainText).joined(separator: "\n")
    }

    func testProgressCountsTheFilterAndThisSessionsDecisions() throws {
        _ = try store.addAnnotations((0..<6).map { sampleAnnotation($0, emotion: $0 < 4 ? "happy" : "sad") })
        let session = ReviewSession(store: store, curator: "ann", filter: try ReviewFilter.parse("emotion=happy"))
        session.start()
        XCTAssertEqual(session.matchingFilter, 4)
        XCTAssertTrue(text(session).contains("4 pending here · 0 decided by you"), text(session))
        _ = session.handle(.character("a"))
        _ = session.handle(.character("s"))
        XCTAssertEqual(session.decidedThisSession, 1, "a skip is not a decision")
        XCTAssertEqual(session.matchingFilter, 3)
        XCTAssertNil(session.secondsLeft, "no pace before two decisions")
        _ = session.handle(.character("a"))
        XCTAssertEqual(session.decidedThisSession, 2)
        XCTAssertNotNil(session.secondsLeft)
        XCTAssertTrue(text(session).contains("left at your pace"), text(session))
        let narrow = text(session, width: 80)
        XCTAssertTrue(narrow.contains("pending here · you 2 · ~"), "the short form at 80 columns: \(narrow)")
        XCTAssertTrue(narrow.contains("pending 4 · approved 2 · rejected 0"), narrow)
        // Another curator's approvals show up once the screen is idle.
        try store.approve(id: 2, curator: "bob")
        session.idle()
        XCTAssertEqual(session.matchingFilter, 1)
    }

    func testUndoPutsTheItemBackIntoTheProgressCount() throws {
        _ = try store.addAnnotations((0..<3).map { sampleAnnotation($0) })
        let session = ReviewSession(store: store, curator: "ann")
        session.start()
        _ = session.handle(.character("a"))
        XCTAssertTrue(text(session).contains("2 pending here · 1 decided by you"), text(session))
        _ = session.handle(.character("u"))
        XCTAssertEqual(session.matchingFilter, 3)
        XCTAssertEqual(session.decidedThisSession, 0, "the undone decision no longer counts")
        XCTAssertTrue(text(session).contains("3 pending here · 0 decided by you"), text(session))
    }

    func testTheFilterPromptOpensEmpty() throws {
        _ = try store.addAnnotations([sampleAnnotation(0), sampleAnnotation(1, emotion: "sad")])
        let session = ReviewSession(store: store, curator: "ann")
        session.start()
        _ = session.handle(.character("/"))
        XCTAssertEqual(session.input, "")
        let prompt = text(session).split(separator: "\n").map(String.init).first { $0.hasPrefix("new filter (") }
        XCTAssertEqual(prompt, "new filter (status emotion level actor backend findings conflict): ▏")
        for character in "emotion=sad" { _ = session.handle(.character(character)) }
        _ = session.handle(.enter)
        XCTAssertEqual(session.filter, ReviewFilter(emotion: "sad"), "typed on an empty line, the filter is what was typed")
        XCTAssertEqual(session.detail?.id, 2)
    }

    func testAnEditShowsWhatItChangedAgainstThePreviousRevision() throws {
        let id = try store.addAnnotation(sampleAnnotation(0, fine: "cheeks raised and lip corners pulled up"))
        try store.edit(id: id, curator: "bob", fine: "cheeks raised and lips pressed together", aus: ["6C", "24B"])
        let session = ReviewSession(store: store, curator: "ann")
        session.start()
        let screen = text(session)
        XCTAssertTrue(screen.contains("rev 2 changed (from rev 1, by bob)"), screen)
        XCTAssertTrue(screen.contains("fine: cheeks raised and [-lip corners pulled up] [+lips pressed together]"), screen)
        XCTAssertTrue(screen.contains("AUs: -12C +24B"), screen)
    }

    func testAnOverBudgetPromptShowsOneCountAndMarksWhatTheEncoderCuts() throws {
        let long = (1...60).map { "word\($0)" }.joined(separator: " ")
        _ = try store.addAnnotation(sampleAnnotation(0, fine: long))
        let session = ReviewSession(store: store, curator: "ann")
        session.start()
        let screen = text(session)
        XCTAssertTrue(screen.contains("over budget: the text encoder cuts the rest"), screen)
        let kept = try XCTUnwrap(ReviewScreen.withinBudget(long))
        XCTAssertLessThanOrEqual(try XCTUnwrap(PromptTokenCount.count(kept)), 77)
        XCTAssertGreaterThan(try XCTUnwrap(PromptTokenCount.count(kept + " word99")), 77, "the longest prefix that fits")
        XCTAssertTrue(screen.contains("✂ cut: "), screen)
        XCTAssertTrue(screen.contains("word60"), "the cut words are shown, marked: \(screen)")
        XCTAssertNil(ReviewScreen.withinBudget("a short prompt"))
    }

    func testWordDiffKeepsWhatBothShare() {
        let diff = RevisionDiff(from: "a b c d", to: "a x c d e")
        XCTAssertEqual(diff.pieces, [.same("a"), .removed("b"), .added("x"), .same("c d"), .added("e")])
        XCTAssertFalse(RevisionDiff(from: "same words", to: "same words").changed)
    }
}

/// `tbd review show`'s text form.
final class AnnotationReportTests: XCTestCase {
    func testShowPrintsStagesAsBlocksAndEveryRevision() throws {
        let (store, folder) = try makeTemporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        var annotation = sampleAnnotation(0)
        annotation.stages[0].text = "line one\nline two \u{1B}[31mred\u{1B}[0m"
        let id = try store.addAnnotation(annotation)
        try store.edit(id: id, curator: "bob", fine: "a new fine prompt")
        let text = AnnotationReport.text(try store.show(id: id))
        XCTAssertTrue(text.contains("Stage 1: Observe\n  line one\n  line two "), text)
        XCTAssertFalse(text.contains("\u{1B}"), "escape sequences are made inert")
        XCTAssertTrue(text.contains("  rev 1 by pipeline:openai-chat"), text)
        XCTAssertTrue(text.contains("  rev 2 by bob"), text)
        XCTAssertTrue(text.contains("    fine    cheeks raised and lip corners pulled up in a clear smile, item 0"), "older revisions are shown: \(text)")
        XCTAssertTrue(text.contains("fine      a new fine prompt"), text)
    }
}

final class FooterKeysTests: XCTestCase {
    func testTheFooterNamesOnlyTheKeysThatApply() throws {
        let (store, folder) = try makeTemporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let held = ReviewSession(store: store, curator: "ann")
        held.start()
        XCTAssertEqual(ReviewScreen.keysThatApply(held), "/ filter  u undo  ? help  q quit", "no item: nothing to decide")
        _ = try store.addAnnotation(sampleAnnotation(0))
        held.start()
        XCTAssertTrue(ReviewScreen.keysThatApply(held).hasPrefix("a approve  r reject  e edit  v view  s skip"))
        // Another curator sees the item held by ann: browsing only.
        let other = ReviewSession(store: store, curator: "bob", filter: ReviewFilter(status: nil))
        other.start()
        let keys = ReviewScreen.keysThatApply(other)
        XCTAssertFalse(keys.contains("a approve"), keys)
        XCTAssertFalse(keys.contains("e edit"), keys)
        XCTAssertTrue(keys.contains("v view") && keys.contains("n/p next/prev"), keys)
    }
}
