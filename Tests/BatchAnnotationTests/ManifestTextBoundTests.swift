import AnnotationRecord
import Foundation
import ReproducibleTesting
import TestSupport
import XCTest
@testable import BatchAnnotation

/// A 100 KB manifest subject stalled a batch in the prompt budget; it is now refused with its row, at once.
final class ManifestTextBoundTests: XCTestCase {
    func testOverlongSubjectSkipsItsRowWithTheReason() throws {
        let root = try makeTemporaryFolder("tbd-manifest-bound")
        defer { try? FileManager.default.removeItem(at: root) }
        let huge = String(repeating: "x", count: 100_000)
        let manifest = root.appendingPathComponent("m.csv")
        try "path,emotion,level,subject\nclips/a.mp4,happy,1,\(huge)\nclips/b.mp4,sad,2,a man\n".write(to: manifest, atomically: true, encoding: .utf8)
        let result = try ManifestReader().read(path: manifest.path)
        XCTAssertEqual(result.clips.map(\.subject), ["a man"])
        XCTAssertEqual(result.skipped.count, 1)
        XCTAssertTrue(result.skipped[0].path.hasSuffix("m.csv:2"), result.skipped[0].path)
        XCTAssertTrue(result.skipped[0].reason.contains("at most \(TextLimits.subject)"), result.skipped[0].reason)

        // The refusal costs no more than reading the row: compared at n and 4n, not against a wall-clock limit.
        assertLinearGrowth("an overlong subject", from: 100_000) { size in
            let file = root.appendingPathComponent("m\(size).csv")
            try? "path,emotion,level,subject\nclips/a.mp4,happy,1,\(String(repeating: "x", count: size))\n".write(to: file, atomically: true, encoding: .utf8)
            return { _ = try? ManifestReader().read(path: file.path) }
        }
    }
}
