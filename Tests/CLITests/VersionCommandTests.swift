import Foundation
import TestSupport
import XCTest

final class VersionCommandTests: XCTestCase {
    func testVersionPrintsTheReleaseAndExitsZero() throws {
        let run = try BuiltProgram.run("tbd", ["--version"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0")
    }
}
