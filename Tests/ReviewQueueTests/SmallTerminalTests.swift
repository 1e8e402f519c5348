import Foundation
@testable import ReviewQueue
import Store
import TestSupport
import XCTest

/// Below the minimum size the screen shows a notice only, so only q and ? act: nothing is decided blind.
final class SmallTerminalTests: XCTestCase {
    func testOnlyQuitAndHelpActWhileTheScreenDoesNotFit() throws {
        let (store, folder) = try makeTemporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try store.addAnnotations([sampleAnnotation(0), sampleAnnotation(1)])
        let session = ReviewSession(store: store, curator: "ann")
        session.start()
        for key: ReviewKey in [.character("a"), .character("r"), .character("1"), .enter, .character("s"), .character("u"), .character("e"), .character("/")] {
            XCTAssertEqual(session.handle(key, screenFits: false), .redraw, "\(key)")
        }
        XCTAssertEqual(session.mode, .reviewing)
        XCTAssertEqual(session.detail?.id, 1, "no key moved on")
        XCTAssertEqual(try store.show(id: 1).decisions, [], "no key decided")
        let small = ReviewScreen(width: 60, height: 20, color: .none).lines(session).map(\.plainText)
        XCTAssertEqual(small.count, 20)
        XCTAssertEqual(small[0], "terminal too small: 60x20, needs 80x24")
        XCTAssertEqual(small[1], "q quits, ? lists the keys; others need a larger terminal")
        XCTAssertEqual(small[2], "only q and ? act until the terminal is larger")
        _ = session.handle(.character("?"), screenFits: false)
        XCTAssertEqual(session.mode, .help)
        let help = ReviewScreen(width: 60, height: 20, color: .none).lines(session).map(\.plainText)
        XCTAssertTrue(help.contains { $0.contains("approve the current revision") }, "\(help)")
        _ = session.handle(.character("?"), screenFits: false)
        XCTAssertEqual(session.mode, .reviewing)
        // A reject begun at full size cannot be finished once the terminal shrinks.
        _ = session.handle(.character("r"))
        _ = session.handle(.character("1"), screenFits: false)
        _ = session.handle(.enter, screenFits: false)
        XCTAssertEqual(try store.show(id: 1).status, .pending)
        XCTAssertEqual(session.handle(.character("q"), screenFits: false), .quit)
    }
}
