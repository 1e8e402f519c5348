import Foundation
@testable import ReviewQueue
import Store
import TestSupport
import XCTest

/// An item whose curators disagreed says so at the top of the item, with who decided what.
final class ConflictBannerTests: XCTestCase {
    func testTheReviewerAndACuratorSeeTheConflict() throws {
        let (store, folder) = try makeTemporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        try store.setOverlap(2, curator: "lead")
        _ = try store.addAnnotations([sampleAnnotation(0), sampleAnnotation(1)])
        try store.approve(id: 1, curator: "ann")
        try store.reject(id: 1, curator: "bob", reason: .wrongEmotion)
        let reviewer = ReviewSession(store: store, curator: "rita", filter: ReviewFilter(conflict: true), role: .reviewer)
        reviewer.start()
        XCTAssertEqual(reviewer.detail?.id, 1)
        let screen = ReviewScreen(width: 120, height: 30, color: .none).lines(reviewer).map(\.plainText).joined(separator: "\n")
        XCTAssertTrue(screen.contains("CONFLICT on rev 1: ann approved, bob rejected (wrong_emotion); your decision is final and settles it"), screen)
        let curator = ReviewSession(store: store, curator: "cy", filter: ReviewFilter(status: nil))
        curator.start()
        let browsing = ReviewScreen(width: 120, height: 30, color: .none).lines(curator).map(\.plainText).joined(separator: "\n")
        XCTAssertTrue(browsing.contains("CONFLICT on rev 1: ann approved, bob rejected (wrong_emotion); it waits for a reviewer"), browsing)
        _ = curator.handle(.character("n"))
        XCTAssertEqual(curator.detail?.id, 2)
        let calm = ReviewScreen(width: 120, height: 30, color: .none).lines(curator).map(\.plainText).joined(separator: "\n")
        XCTAssertFalse(calm.contains("CONFLICT"), calm)
    }
}
