import Foundation
import MediaIO
import XCTest

/// Text named like an image opens through FFmpeg's image demuxer as a 0x0 picture; the probe reported it as a
/// still image and `tbd media probe` exited 0.
final class ProbeNonImageTests: TemporaryFolderTestCase {
    func testTextNamedLikeAnImageIsNotMedia() throws {
        for name in ["picture.png", "picture.jpg"] {
            let file = path(name)
            try "plain text named like an image\n".write(toFile: file, atomically: true, encoding: .utf8)
            let error = assertMediaError(.notMedia) { try MediaProbe.probe(path: file) }
            XCTAssertEqual(error?.path, file)
        }
        XCTAssertGreaterThan(try MediaProbe.probe(path: Fixtures.path("still.png")).width, 0, "a real image still probes")
    }
}
